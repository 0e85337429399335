"""fieldcheck.labels: the words shown for a case's codes, in the reader's language."""

import pytest
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from fieldcheck import labels

TABLES = [
    name
    for name, value in vars(labels).items()
    if name.isupper() and isinstance(value, dict) and value
]


@pytest.mark.parametrize("language", ["id", "en"])
def test_for_reader_gives_every_table_in_the_readers_words(app, language):
    with app.test_request_context(), force_locale(language):
        reader = labels.for_reader()
        for name in TABLES:
            table = getattr(labels, name)
            assert getattr(reader, name) == {code: str(words) for code, words in table.items()}
            assert not any(isinstance(w, LazyString) for w in getattr(reader, name).values())
        assert reader.country_name("KH") == labels.country_name("KH")
        assert reader.in_words is labels.in_words
        assert labels.for_reader() is reader  # made once per language


def test_for_reader_follows_the_language(app):
    with app.test_request_context():
        with force_locale("id"):
            indonesian = labels.for_reader().STATES["referred"]
        with force_locale("en"):
            english = labels.for_reader().STATES["referred"]
    assert (indonesian, english) != (english, english)
    assert english == "Referred"
