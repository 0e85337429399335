"""One catalogue of errors (fieldcheck.errors.MESSAGES): every code the code raises or answers
with has a message there, and every message there has a finished Indonesian translation.

The codes are found by reading the source (fieldcheck/ and sync/), not by running it: a code
given as a string literal where an error takes its code (see CODE_ARGUMENT), a code in a table
whose rows are spread into such a call (sync.envelope.REJECTIONS), and the "code" of every dict
literal (the per-field problems of a rejected push, the rejections a phone is told of).
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel

from fieldcheck.errors import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "fieldcheck", ROOT / "sync")
INDONESIAN_PO = ROOT / "fieldcheck" / "translations" / "id" / "LC_MESSAGES" / "messages.po"

# Where each error-making call takes its code: the position of the argument (or `code=`).
CODE_ARGUMENT = {
    "api_error": 1,  # fieldcheck.errors.api_error(status, code, params)
    "Rejected": 0,  # sync.engine.Rejected(code, message, errors)
    "EnvelopeError": 0,  # sync.envelope.EnvelopeError(code, message)
    "BadOperation": 2,  # sync.envelope.BadOperation(index, op_id, code, message)
    "TransitionError": 0,  # fieldcheck.domain.case_states.TransitionError(code, **params)
    "CaseError": 0,  # fieldcheck.cases.service.CaseError(code, **params)
    "ReviewError": 0,  # fieldcheck.review.service.ReviewError(code, **params)
    "RegistryError": 0,  # fieldcheck.registry.service.RegistryError(code, **params)
}


# The command-line sync client is a program of its own (it imports nothing of the app): the
# codes it notes beside the server's answers come with its own words, never the catalogue's.
NOT_THE_APPS = {"sync/client.py"}


@dataclass(frozen=True)
class Use:
    """A code as the source gives it, and where."""

    code: str
    path: str
    line: int

    def __str__(self):
        return f"{self.code!r} ({self.path}:{self.line})"


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _tables(tree: ast.Module) -> dict[str, ast.Dict]:
    """The module's dicts by the name they are bound to (to follow `*TABLE[key]` into a call)."""
    tables = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            tables.update({t.id: node.value for t in targets if isinstance(t, ast.Name)})
    return tables


def _spread_codes(call: ast.Call, position: int, tables: dict[str, ast.Dict]) -> list[str]:
    """The codes of `f(a, *TABLE[key])` when the code's position falls inside the spread row:
    that element of every row (a tuple literal) of TABLE."""
    for index, arg in enumerate(call.args[: position + 1]):
        if not isinstance(arg, ast.Starred):
            continue
        value = arg.value
        table = value.value if isinstance(value, ast.Subscript) else None
        if not isinstance(table, ast.Name) or table.id not in tables:
            return []
        rows = [row for row in tables[table.id].values if isinstance(row, ast.Tuple)]
        offset = position - index
        return [_text(row.elts[offset]) for row in rows if len(row.elts) > offset]
    return []


def _codes_in(path: Path, root: Path = ROOT) -> list[Use]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    tables, where = _tables(tree), path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in CODE_ARGUMENT:
            position = CODE_ARGUMENT[_name(node.func)]
            codes = [_text(k.value) for k in node.keywords if k.arg == "code"]
            if len(node.args) > position and not any(
                isinstance(a, ast.Starred) for a in node.args[: position + 1]
            ):
                codes.append(_text(node.args[position]))
            codes += _spread_codes(node, position, tables)
            found += [Use(code, where, node.lineno) for code in codes if code]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _text(key) == "code" and _text(value):
                    found.append(Use(_text(value), where, node.lineno))
    return found


def codes_in_the_source() -> list[Use]:
    """Every literal code the app and the sync engine raise or answer with."""
    paths = (path for folder in SOURCES for path in sorted(folder.rglob("*.py")))
    return [
        use
        for path in paths
        if path.relative_to(ROOT).as_posix() not in NOT_THE_APPS
        for use in _codes_in(path)
    ]


def test_the_scan_finds_the_codes_of_every_kind_of_error():
    """Guards the test below: a scan that found nothing would pass it vacuously."""
    codes = {use.code for use in codes_in_the_source()}
    assert {
        "illegal_transition",  # TransitionError
        "team_not_in_office",  # CaseError
        "case_not_found",  # Rejected's per-field problems
        "op_id_invalid",  # BadOperation, spread from sync.envelope.REJECTIONS
        "envelope_invalid",  # EnvelopeError
        "body_invalid",  # api_error
        "not_found",  # api_error in fieldcheck.views
    } <= codes


def test_the_scan_reads_every_way_a_code_is_given(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "ROWS = {'a': ('from_table', 'words')}\n"
        "api_error(400, 'positional')\n"
        "Rejected(code='keyword')\n"
        "BadOperation(0, None, *ROWS['a'])\n"
        "problems = [{'field': 'x', 'code': 'in_a_dict'}]\n"
        "api_error(400, code_held_in_a_variable)\n"
    )
    codes = [use.code for use in _codes_in(source, tmp_path)]
    assert sorted(codes) == ["from_table", "in_a_dict", "keyword", "positional"]


def test_every_code_raised_has_a_message_in_the_catalogue():
    missing = sorted({str(use) for use in codes_in_the_source() if use.code not in MESSAGES})
    assert not missing, "codes with no message in fieldcheck.errors.MESSAGES:\n" + "\n".join(
        missing
    )


@pytest.fixture(scope="module")
def english_messages() -> dict[str, str]:
    """Each code's message as the code writes it (the msgid): rendered with no catalogue."""
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "en", default_translation_directories="no-translations")
    with app.test_request_context():
        return {code: str(message) for code, message in MESSAGES.items()}


def test_every_message_of_the_catalogue_has_an_indonesian_translation(english_messages):
    with INDONESIAN_PO.open("rb") as po:
        indonesian = read_po(po)
    untranslated = sorted(
        f"{code}: {msgid!r}"
        for code, msgid in english_messages.items()
        if (entry := indonesian.get(msgid)) is None
        or entry.fuzzy
        or not (entry.string or "").strip()
    )
    assert not untranslated, "messages with no Indonesian translation:\n" + "\n".join(untranslated)
