"""Test helpers: read HTML as a browser does (parsed by BeautifulSoup, never searched as text),
drive forms as a person in a browser would, and hold API responses to the OpenAPI document."""

import re

import jsonschema
import PIL.Image
import PIL.ImageDraw
from bs4 import BeautifulSoup, Tag
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# -- reading HTML ----------------------------------------------------------------------------


def parse(html) -> Tag:
    """The parsed page or fragment (a parsed one, or a part of one, is returned as it is)."""
    if isinstance(html, Tag):
        return html
    return BeautifulSoup(html, "html.parser")  # adds no <html> of its own: a fragment stays one


def squeeze(text: str) -> str:
    """Text as a reader sees it: runs of white space as one space, none at the ends."""
    return " ".join(text.split())


def is_fragment(html) -> bool:
    """An htmx fragment, not a whole page: it has no <html> element."""
    return parse(html).find("html") is None


def text_of(html, element_id: str) -> str | None:
    """The text of the element with this id, spaces squeezed; None if there is none."""
    element = parse(html).find(id=element_id)
    return None if element is None else squeeze(element.get_text())


def texts(html, selector: str) -> list[str]:
    """The text of each element the CSS selector finds, in page order, spaces squeezed."""
    return [squeeze(element.get_text()) for element in parse(html).select(selector)]


def main_text(html) -> str:
    """What the page's <main> says (a fragment: all of it), without menu and footer, squeezed."""
    soup = parse(html)
    return squeeze((soup.find("main") or soup).get_text(" "))


def alerts(html) -> str:
    """The messages the page shows: alerts, flashed messages and field errors, one a line."""
    return "\n".join(texts(html, "[role=alert], .flash, .error"))


def list_items(html, list_class: str) -> list[str]:
    """The text of each item of the lists with this class, spaces squeezed."""
    return texts(html, f"ol.{list_class} > li, ul.{list_class} > li")


def list_rows(html) -> list[list[str]]:
    """The text of each cell of each body row of the page's tables."""
    return [
        [squeeze(cell.get_text()) for cell in row.find_all("td")]
        for row in parse(html).select("tbody tr")
    ]


def case_names(html) -> list[str]:
    """The applicant names of the case list's rows (its second column), in order."""
    results = parse(html).find(id="case-results")
    assert results is not None, "the page has no case list"
    return [row[1] for row in list_rows(results) if len(row) > 1]


def input_values(html) -> dict:
    """The first value of each named <input> in a page."""
    fields = {}
    for element in parse(html).find_all("input", attrs={"name": True}):
        fields.setdefault(element["name"], element.get("value", ""))
    return fields


def attributes_of(html, element_id: str) -> dict | None:
    """The tag name ("tag") and attributes of the element with this id; None if there is none."""
    element = parse(html).find(id=element_id)
    if element is None:
        return None
    attributes = {
        name: " ".join(value) if isinstance(value, list) else value
        for name, value in element.attrs.items()
    }
    return {"tag": element.name, **attributes}


# -- QR codes as printed ---------------------------------------------------------------------


def qr_image(svg: str, scale: int = 4) -> PIL.Image.Image:
    """A QR code as fieldcheck.domain.qr.make_qr_svg draws it, rasterised black on white at
    `scale` pixels a module: each dark run of its path (M x y h w v1 h-w z) filled."""
    drawing = parse(svg).find("svg")
    left, top, side, height = (int(n) for n in drawing["viewbox"].split())  # html.parser: lower
    assert (left, top) == (0, 0) and side == height, drawing["viewbox"]
    image = PIL.Image.new("L", (side * scale, side * scale), 255)
    draw = PIL.ImageDraw.Draw(image)
    path = drawing.find("path", d=True)["d"]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path):
        x, y, width = int(x), int(y), int(width)
        draw.rectangle([x * scale, y * scale, (x + width) * scale - 1, (y + 1) * scale - 1], fill=0)
    return image


# -- driving forms ---------------------------------------------------------------------------


class Web:
    """Drives the Flask test client like a browser: GET the page, POST its form with CSRF."""

    PASSWORD = "fieldcheck-demo"

    def __init__(self, client):
        self.client = client

    def csrf_token(self, page="/login") -> str:
        token = input_values(self.client.get(page).get_data(as_text=True)).get("csrf_token")
        if token is None:  # a signed-in user is sent away from /login; every page has one
            start = self.client.get("/", follow_redirects=True)  # (a field officer's: /field/)
            token = input_values(start.get_data(as_text=True))["csrf_token"]
        return token

    def post(self, url, data=None, page=None, **kwargs):
        """POST a form; its CSRF token is fetched from `page` (or `url`) unless `data` has one."""
        form = dict(data or {})
        if "csrf_token" not in form:
            form["csrf_token"] = self.csrf_token(page or url)
        return self.client.post(url, data=form, **kwargs)

    def login(self, username, password=PASSWORD, **kwargs):
        return self.post("/login", {"username": username, "password": password}, **kwargs)

    def logout(self):
        return self.post("/logout")

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)


# -- the API against its OpenAPI document ----------------------------------------------------

DOC_URI = "urn:fieldcheck:openapi"


def schema_registry(doc) -> Registry:
    """A JSON Schema registry holding the document at DOC_URI, for `$ref`s into it."""
    return Registry().with_resource(DOC_URI, Resource(contents=doc, specification=DRAFT202012))


class Checker:
    """Validates real responses against the response schemas of the document."""

    def __init__(self, doc):
        self.doc = doc
        self.registry = schema_registry(doc)
        self.seen = set()

    def __call__(self, method: str, path: str, response, status: int | None = None):
        """Assert the response is documented for (method, path) and matches its schema."""
        if status is not None:
            assert response.status_code == status, response.get_data(as_text=True)
        operation = self.doc["paths"][path][method]
        status_key = str(response.status_code)
        assert status_key in operation["responses"], (method, path, response.status_code)
        documented = deref(self.doc, operation["responses"][status_key])
        self.seen.add((path, method, status_key))
        content = documented.get("content")
        if not content:
            assert not response.data, "a response documented without a body has one"
            return response
        assert response.mimetype in content, (response.mimetype, list(content))
        if response.mimetype != "application/json":
            return response
        pointer = "/".join(
            _escape(part) for part in ("paths", path, method, "responses", status_key, "content")
        )
        if "$ref" in operation["responses"][status_key]:
            name = operation["responses"][status_key]["$ref"].rsplit("/", 1)[1]
            pointer = f"components/responses/{name}/content"
        schema = {"$ref": f"{DOC_URI}#/{pointer}/application~1json/schema"}
        validator = jsonschema.Draft202012Validator(
            schema,
            registry=self.registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(response.json), key=lambda e: list(e.path))
        assert not errors, "\n".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )
        return response


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def deref(doc, item):
    """The object a `$ref` (or a chain of them) points to; the item itself if it is none."""
    while "$ref" in item:
        item = _pointer(doc, item["$ref"])
    return item


def _pointer(doc, ref: str):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node
