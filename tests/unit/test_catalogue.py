"""The Indonesian catalogue stays complete: every string the code and templates show has a
finished Indonesian translation that keeps the English string's placeholders.

When a test here fails after a string was added or changed: run `make messages`, translate the
new entries in fieldcheck/translations/id/LC_MESSAGES/messages.po, then `make translations`.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "fieldcheck" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
INDONESIAN_PO = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po"
# The keywords the Makefile's `messages` target adds with -k, besides Babel's defaults.
EXTRA_KEYWORDS = ("_l", "lazy_gettext")
FIX = "run `make messages` and translate the new entries in " + str(INDONESIAN_PO.relative_to(ROOT))

# A printf-style conversion: %(name)s, %(min)d, %s, %5.2f ... but not the literal %%.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?"  # an optional mapping key
    r"[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"  # flags, width, precision
    r"(?P<conversion>[diouxXeEfFgGcrsa%])"
)


def _extract() -> Catalog:
    """What `pybabel extract` with babel.cfg and the Makefile's keywords finds, in-process."""
    with BABEL_CFG.open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(BABEL_CFG))
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(dict.fromkeys(EXTRA_KEYWORDS))
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return _extract()


@pytest.fixture(scope="module")
def indonesian() -> Catalog:
    with INDONESIAN_PO.open("rb") as po:
        return read_po(po)


def _entries(catalog: Catalog) -> list[Message]:
    """Every message but the header."""
    return [message for message in catalog if message.id]


def _label(message: Message) -> str:
    text = message.id if isinstance(message.id, str) else message.id[0]
    return f"[{message.context}] {text!r}" if message.context else repr(text)


def _forms(value: str | tuple | list | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> Counter:
    return Counter(
        (match["name"], match["conversion"])
        for match in PLACEHOLDER.finditer(text)
        if match["conversion"] != "%"
    )


def test_extraction_finds_the_strings_of_code_and_templates(extracted):
    """Guards the test below: an extraction that found nothing would pass it vacuously."""
    sources = {
        Path(filename).parts[0] for message in extracted for filename, _ in message.locations
    }
    assert {"fieldcheck", "templates"} <= sources
    assert extracted.get("Sign in") is not None


def test_every_visible_string_has_an_indonesian_translation(extracted, indonesian):
    missing = sorted(
        _label(message)
        for message in _entries(extracted)
        if indonesian.get(message.id, message.context) is None
    )
    assert not missing, f"{len(missing)} string(s) not in the catalogue ({FIX}):\n" + "\n".join(
        missing
    )


def test_every_translation_is_filled_in_and_not_fuzzy(indonesian):
    unfinished = []
    for message in _entries(indonesian):
        forms = _forms(message.string)
        if message.fuzzy:
            unfinished.append(f"{_label(message)} (fuzzy)")
        elif not forms or not all(form.strip() for form in forms):
            unfinished.append(f"{_label(message)} (empty)")
    assert not unfinished, f"{len(unfinished)} unfinished translation(s):\n" + "\n".join(
        sorted(unfinished)
    )


def test_translations_keep_the_placeholders_of_the_english_string(indonesian):
    wrong = []
    for message in _entries(indonesian):
        english = _forms(message.id)
        expected = _placeholders(english[-1])
        if len(english) > 1:  # plural: a form may drop the count, never add or rename one
            expected = _placeholders(english[0]) | expected
        for form in _forms(message.string):
            found = _placeholders(form)
            if form and found != expected:
                wrong.append(
                    f"{_label(message)}: expects {sorted(expected.elements())}, "
                    f"has {sorted(found.elements())} in {form!r}"
                )
    assert not wrong, "placeholders differ from the English string:\n" + "\n".join(wrong)


def test_catalogue_passes_babels_format_and_plural_checks(indonesian):
    errors = [
        f"{_label(message)}: {'; '.join(str(error) for error in message_errors)}"
        for message, message_errors in indonesian.check()
    ]
    assert not errors, "\n".join(errors)


def test_catalogue_header_declares_indonesian_and_is_not_fuzzy(indonesian):
    # `pybabel compile` silently skips a catalogue whose header is fuzzy.
    assert not indonesian.fuzzy, "the header of messages.po is marked fuzzy"
    headers = dict(indonesian.mime_headers)
    assert headers.get("Language") == "id", f"Language header is {headers.get('Language')!r}"
    assert str(indonesian.locale) == "id"
    plural_forms = re.sub(r"\s+", "", headers.get("Plural-Forms", "")).rstrip(";")
    assert plural_forms == "nplurals=1;plural=0", f"Plural-Forms header is {plural_forms!r}"
