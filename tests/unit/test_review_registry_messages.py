"""Every problem the review and the registry desk report has its message in the one catalogue
(fieldcheck.errors.MESSAGES), and neither keeps a message table of its own."""

import re
from pathlib import Path

from fieldcheck.errors import MESSAGES

PACKAGE = Path(__file__).resolve().parents[2] / "fieldcheck"
FILES = [
    PACKAGE / "review" / "views.py",
    PACKAGE / "review" / "service.py",
    PACKAGE / "registry" / "views.py",
    PACKAGE / "registry" / "service.py",
    PACKAGE / "registry" / "extracts.py",
]


def _codes(text: str) -> set[str]:
    raised = re.findall(r'(?:ReviewError|RegistryError)\(\s*"(\w+)"', text)
    said = re.findall(r'message\(\s*"(\w+)"', text)
    rows = re.findall(r'bad\(\s*"\w+",\s*"(\w+)"', text)  # extracts' row problems
    return set(raised) | set(said) | {f"extract_{key}" for key in rows}


def test_every_code_raised_or_shown_has_a_message_in_the_catalogue():
    codes = set().union(*(_codes(path.read_text()) for path in FILES))
    assert {"no_signing_key", "answer_invalid", "extract_empty", "extract_outside"} <= codes
    assert codes - set(MESSAGES) == set()


def test_no_other_message_table_is_left():
    for path in FILES:
        assert not re.search(r"^(MESSAGES|ERRORS) = \{", path.read_text(), re.M), path.name
