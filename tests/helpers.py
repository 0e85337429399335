"""Test helpers: parse HTML and drive forms as a person in a browser would."""

from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.fields.setdefault(attrs["name"], attrs.get("value", ""))


def input_values(html: str) -> dict:
    """The first value of each named <input> in a page."""
    parser = _Inputs()
    parser.feed(html)
    return parser.fields


class Web:
    """Drives the Flask test client like a browser: GET the page, POST its form with CSRF."""

    PASSWORD = "fieldcheck-demo"

    def __init__(self, client):
        self.client = client

    def csrf_token(self, page="/login") -> str:
        html = self.client.get(page).get_data(as_text=True)
        token = input_values(html).get("csrf_token")
        if token is None:  # a signed-in user is sent away from /login; every page has one
            token = input_values(self.client.get("/").get_data(as_text=True))["csrf_token"]
        return token

    def post(self, url, data=None, page=None, **kwargs):
        form = dict(data or {})
        form.setdefault("csrf_token", self.csrf_token(page or url))
        return self.client.post(url, data=form, **kwargs)

    def login(self, username, password=PASSWORD, **kwargs):
        return self.post("/login", {"username": username, "password": password}, **kwargs)

    def logout(self):
        return self.post("/logout", page="/")

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)
