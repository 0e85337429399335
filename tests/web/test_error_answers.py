"""Errors the app answers itself (404, 405, 500): JSON with the catalogue's code and message on
the API, a page everywhere else, both in the reader's language."""

import pytest

from fieldcheck.security import public
from tests.helpers import texts

ENGLISH = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "english", "indonesian"),
    [
        ("get", "/api/v1/nothing", 404, "not_found", "Not found.", "Tidak ditemukan."),
        (
            "get",
            "/api/v1/sync/push",
            405,
            "method_not_allowed",
            "Method not allowed.",
            "Metode tidak diizinkan.",
        ),
    ],
)
def test_the_api_answers_its_errors_from_the_catalogue(
    client, method, path, status, code, english, indonesian
):
    for language, words in (("en", english), ("id", indonesian)):
        response = getattr(client, method)(path, headers={"Accept-Language": language})
        assert response.status_code == status
        assert response.json == {"error": {"code": code, "message": words}}


def test_a_page_that_is_not_there_is_a_page_saying_so(client):
    response = client.get("/nothing-here", headers=ENGLISH)
    assert response.status_code == 404 and response.content_type.startswith("text/html")
    assert texts(response.text, "main h1") == ["Not found"]
    indonesian = client.get("/nothing-here", headers={"Accept-Language": "id"})
    assert texts(indonesian.text, "main h1") == ["Tidak ditemukan"]


def test_a_server_error_is_json_on_the_api_and_a_page_elsewhere(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 handler answers

    @public
    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/api/v1/broken", "broken_api", broken)
    app.add_url_rule("/broken", "broken_page", broken)
    api = client.get("/api/v1/broken", headers=ENGLISH)
    assert api.status_code == 500
    assert api.json["error"] == {
        "code": "server_error",
        "message": "Something went wrong on the server.",
    }
    page = client.get("/broken", headers=ENGLISH)
    assert page.status_code == 500
    assert texts(page.text, "main h1") == ["Something went wrong"]
