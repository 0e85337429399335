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


class _Texts(HTMLParser):
    """The text of the element with an id, and of each <li> in the list with a class."""

    def __init__(self, element_id=None, list_class=None):
        super().__init__()
        self.element_id, self.list_class = element_id, list_class
        self.text, self.items = None, []
        self._open = []  # (tag, what it collects: "element", "list", "item" or None)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        role = None
        if self.element_id and attrs.get("id") == self.element_id:
            role, self.text = "element", ""
        elif tag in ("ol", "ul") and self.list_class in (attrs.get("class") or "").split():
            role = "list"
        elif tag == "li" and self._open and self._open[-1][1] == "list":
            role = "item"
            self.items.append("")
        if tag not in ("br", "img", "input", "meta", "link"):
            self._open.append((tag, role))

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        roles = {role for _, role in self._open}
        if "element" in roles:
            self.text += data
        if "item" in roles:
            self.items[-1] += data


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def text_of(html: str, element_id: str) -> str | None:
    """The text of the element with this id, spaces squeezed; None if there is none."""
    parser = _Texts(element_id=element_id)
    parser.feed(html)
    return None if parser.text is None else _squeeze(parser.text)


def list_items(html: str, list_class: str) -> list[str]:
    """The text of each item of the lists with this class, spaces squeezed."""
    parser = _Texts(list_class=list_class)
    parser.feed(html)
    return [_squeeze(item) for item in parser.items]


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self._cell, self._in_body = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(_squeeze(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def list_rows(html: str) -> list[list[str]]:
    """The text of each cell of each body row of the page's tables."""
    parser = _Rows()
    parser.feed(html)
    return parser.rows


class _Attributes(HTMLParser):
    def __init__(self, element_id):
        super().__init__()
        self.element_id, self.attributes = element_id, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.attributes is None and attrs.get("id") == self.element_id:
            self.attributes = {"tag": tag, **attrs}


def attributes_of(html: str, element_id: str) -> dict | None:
    """The tag name ("tag") and attributes of the element with this id; None if there is none."""
    parser = _Attributes(element_id)
    parser.feed(html)
    return parser.attributes
