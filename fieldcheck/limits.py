"""How much a request may send: one cap for the whole app (MAX_CONTENT_LENGTH), larger caps
for the few routes that take more (photos, the sync push, CSV uploads), and the 413 answer in
the reader's language.

The cap is werkzeug's `max_content_length`: a Content-Length above it is refused before a
byte of the body is read. A body without one (chunked) is read only when the server says it
ends the stream itself (`wsgi.input_terminated`, as gunicorn and werkzeug's server do; else
werkzeug reads nothing at all), and then werkzeug stops at the cap but hands what it read on
as if it were the whole body (a form or JSON cut short): here one byte past the cap is a 413.
"""

from typing import IO

from flask import Request, current_app, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from fieldcheck.errors import api_error, message
from fieldcheck.security import wants_json

# What a multipart upload sends besides its file: the CSRF token, the form's other fields, the
# boundaries and each part's headers.
FORM_ALLOWANCE = 64 * 1024


def body_limit(setting: str, extra: int = 0):
    """Let the view take a body of up to `config[setting]` (+ `extra`) bytes instead of the
    app's MAX_CONTENT_LENGTH. Put it right under the route."""

    def mark(view):
        view.body_limit = (setting, extra)
        return view

    return mark


def _limit_of(endpoint: str | None) -> tuple[str, int] | None:
    """The (setting, extra) a route's view was marked with by body_limit, if any."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "body_limit", None)


class SizedRequest(Request):
    """Flask's request, its `max_content_length` the cap of the route it was routed to.

    Decided when the body is first read, by whichever hook or view reads it first (the CSRF
    check reads a form before the view runs), so no hook order matters."""

    @property
    def max_content_length(self) -> int | None:
        limit = _limit_of(self.endpoint)
        if limit is None:
            return super().max_content_length
        setting, extra = limit
        return current_app.config[setting] + extra

    @cached_property
    def stream(self) -> IO[bytes]:
        """werkzeug's input stream, but a body without a Content-Length that goes past the
        cap is a 413 rather than cut short."""
        if self.shallow:
            raise RuntimeError("a shallow request may not read its body")
        cap = self.max_content_length
        unknown_length = self.content_length is None and "wsgi.input_terminated" in self.environ
        if cap is not None and unknown_length:
            return UpToCap(self.environ["wsgi.input"], cap)
        return get_input_stream(self.environ, max_content_length=cap)


class UpToCap(LimitedStream):
    """A body of unknown length, read at most one byte past the cap: that byte is a 413."""

    def __init__(self, stream: IO[bytes], cap: int):
        super().__init__(stream, cap + 1, is_max=True)

    def readinto(self, b) -> int | None:
        read = super().readinto(b)
        if self.tell() >= self.limit:
            raise RequestEntityTooLarge()
        return read


def route_cap() -> int | None:
    """The cap this route documents (its setting, without the form allowance)."""
    limit = _limit_of(request.endpoint)
    if limit is None:
        return current_app.config["MAX_CONTENT_LENGTH"]
    return current_app.config[limit[0]]


def describe_size(size: int) -> str:
    """A size in bytes as the reader writes it: "8 MB", "256 KB" (1 MB = 1,024 KB)."""
    if size >= 1024 * 1024:
        return _("%(number)s MB", number=format_decimal(size / (1024 * 1024), "#,##0.#"))
    return _("%(number)s KB", number=format_decimal(max(1, size // 1024), "#,##0"))


def _too_large_params() -> dict | None:
    cap = route_cap()
    return None if cap is None else {"size": describe_size(cap)}


def too_large_message() -> str:
    params = _too_large_params()
    if params is None:  # MAX_CONTENT_LENGTH set to None: no size to name
        return _("This request is larger than FieldCheck takes.")
    return message("too_large", params)


def too_large(error=None):
    """The 413 answer: the error object on the API, the error page elsewhere."""
    if wants_json():
        return api_error(413, "too_large", _too_large_params())
    title = _("Too large")
    return render_template("errors/error.html", title=title, message=too_large_message()), 413


def init_app(app):
    app.request_class = SizedRequest
    app.register_error_handler(413, too_large)
