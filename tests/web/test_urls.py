"""Templates' url_for remembers the URLs it built, and gives what Flask's url_for gives."""

import pytest
from flask import url_for

from fieldcheck.cases.views import case_link
from fieldcheck.views import remembering_url_for

CALLS = [
    ("static", {"filename": "css/app.css"}),
    ("home.index", {}),
    ("cases.show", {"case_id": 7}),
    ("cases.show", {"case_id": 2**31 - 1}),
    ("cases.index", {"state": "verified", "page": 2}),
    ("cases.index", {"q": "a b&c"}),
]


def counting(app):
    calls = []

    def build(endpoint, **values):
        calls.append(endpoint)
        return app.url_for(endpoint, **values)

    return remembering_url_for(build, most=3), calls


@pytest.mark.parametrize("prefix", ["", "/fieldcheck"])
def test_it_gives_what_url_for_gives_and_builds_each_url_once(app, prefix):
    remembering, calls = counting(app)
    with app.test_request_context("/", base_url=f"http://localhost{prefix}"):
        for endpoint, values in CALLS[:3]:
            assert remembering(endpoint, **values) == url_for(endpoint, **values)
            assert remembering(endpoint, **values) == url_for(endpoint, **values)
        assert remembering("cases.show", case_id=7).startswith(f"{prefix}/cases/")
    assert len(calls) == 3


def test_each_mount_point_has_its_own_urls(app):
    remembering, _ = counting(app)
    with app.test_request_context("/"):
        assert remembering("home.index") == "/"
    with app.test_request_context("/", base_url="http://localhost/fc"):
        assert remembering("home.index") == "/fc/"


def test_anything_else_is_built_every_time(app):
    remembering, calls = counting(app)
    with app.test_request_context("/", base_url="http://a.example"):
        assert remembering("home.index", _external=True) == "http://a.example/"
        assert remembering("home.index", _anchor="top") == "/#top"
        assert remembering("cases.index", sort=True) == "/cases?sort=True"
        assert remembering("cases.index", sort=1) == "/cases?sort=1"
    with app.test_request_context("/", base_url="http://b.example"):
        assert remembering("home.index", _external=True) == "http://b.example/"
    assert len(calls) == 5


def test_the_memo_is_emptied_when_full_and_stays_right(app):
    remembering, calls = counting(app)  # most=3
    with app.test_request_context("/"):
        for _ in range(2):
            for endpoint, values in CALLS:
                assert remembering(endpoint, **values) == url_for(endpoint, **values)
    assert len(calls) == 2 * len(CALLS)


def test_templates_use_it(app):
    assert app.jinja_env.globals["url_for"] is not app.url_for
    with app.test_request_context("/"):
        template = app.jinja_env.from_string("{{ url_for('cases.show', case_id=5) }}")
        assert template.render() == "/cases/5"


@pytest.mark.parametrize("prefix", ["", "/fc"])
def test_a_case_link_is_what_url_for_builds(app, prefix):
    with app.test_request_context("/", base_url=f"http://localhost{prefix}"):
        link = case_link()
        for case_id in (1, 7, 2147483, 2**31 - 1):
            assert link(case_id) == url_for("cases.show", case_id=case_id)


def test_the_app_asks_once_whether_a_function_is_a_coroutine(app, monkeypatch):
    """fieldcheck.views.FieldCheckFlask keeps ensure_sync's answer per function: the same
    function back for a plain one; a coroutine still goes to Flask (which wants asgiref, not
    installed: FieldCheck has no async views); a bounded memo."""
    from flask import Flask

    asked = []
    original = Flask.ensure_sync
    monkeypatch.setattr(Flask, "ensure_sync", lambda self, f: asked.append(f) or original(self, f))

    def plain():
        return 1

    async def coroutine():
        return 2

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    for _ in range(2):
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(coroutine)
    assert asked == [plain, coroutine, coroutine]
    app._sync.clear()
    for n in range(app.most_sync + 5):
        app.ensure_sync(lambda n=n: n)
    assert len(app._sync) <= app.most_sync
