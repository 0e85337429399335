"""The app's forms speak the reader's language, WTForms' own messages included."""

from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po
from wtforms import SelectField
from wtforms.validators import DataRequired, Length

from fieldcheck.forms import WTFORMS_MESSAGES, AppForm

WTFORMS_POT = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"


def _ids(messages) -> set[str]:
    return {m[0] if isinstance(m, tuple) else m for m in messages}


def test_every_message_wtforms_writes_is_in_the_apps_catalogue():
    """An upgrade of WTForms that adds a message fails here until it is listed (and translated)."""
    with WTFORMS_POT.open("rb") as pot:
        theirs = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(pot) if m.id}
    assert theirs <= _ids(WTFORMS_MESSAGES), theirs - _ids(WTFORMS_MESSAGES)


class Sample(AppForm):
    class Meta:
        csrf = False

    colour = SelectField(choices=[("red", "Red")], validators=[DataRequired()])
    code = SelectField(choices=[("a", "A")], validators=[Length(min=3)])


@pytest.mark.parametrize(
    "language, choice, short",
    [
        ("en", "Not a valid choice.", "Field must be at least 3 characters long."),
        ("id", "Bukan pilihan yang sah.", "Isian minimal 3 karakter."),
    ],
)
def test_wtforms_own_messages_come_in_the_readers_language(app, language, choice, short):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(headers={"Accept-Language": language}):
        form = Sample(formdata=MultiDict({"colour": "green", "code": "a"}))
        assert not form.validate()
        assert form.colour.errors == [choice]
        assert form.code.errors == [short]  # placeholders filled after translating
