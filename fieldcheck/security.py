"""Who may do what: sign-in sessions, the role decorator every view wears, idle timeout,
sign-in rate limits, CSRF and the security headers."""

import copy
from datetime import UTC, datetime, timedelta
from functools import wraps

import peewee
from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import BadSignature

from fieldcheck import audit
from fieldcheck.clock import utcnow
from fieldcheck.db import CompiledSelect, Slot, database
from fieldcheck.domain import roles
from fieldcheck.models import Office, User

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, headers_enabled=False)

# Requests that change nothing are never limited: every limit here counts sign-in attempts
# (POST /login, POST /api/v1/auth/token). A limit on a GET would need this filter changed.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The blueprints with limited routes: the limiter's work around a request is done for theirs
# only (see _limit_where_limited). A limit on a route of another needs its blueprint here.
LIMITED_BLUEPRINTS = ("auth", "api")


@limiter.request_filter
def _not_limited() -> bool:
    """Spare page views the limiter's look-up of the view's limits (some 70 µs a request)."""
    return request.method in SAFE_METHODS


ROLE_LABELS = {
    roles.ADMIN: _l("Administrator"),
    roles.INTAKE: _l("Intake officer"),
    roles.FIELD: _l("Field officer"),
    roles.REGISTRY: _l("Registry clerk"),
    roles.SUPERVISOR: _l("Supervisor"),
    roles.PASSPORT: _l("Passport officer"),
}

AGENCY_LABELS = {
    roles.IMMIGRATION: _l("Immigration"),
    roles.POLICE: _l("Police"),
    roles.ARMY: _l("Army (TNI)"),
    roles.REGIONAL_GOVERNMENT: _l("Regional government"),
}

PUBLIC = "public"
SIGNED_IN = "signed_in"


def wants_json() -> bool:
    """API routes answer JSON, never an HTML page or a redirect."""
    return request.blueprint == "api" or request.path.startswith("/api/")


def json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def public(view):
    """Mark a view that anyone may open, signed in or not."""
    view.access = PUBLIC
    return view


def roles_required(*allowed: str):
    """Let only signed-in users with one of these roles in; no roles named: any signed-in user."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if allowed and not current_user.has_role(*allowed):
                return forbidden(allowed)
            return view(*args, **kwargs)

        guarded.access = tuple(allowed) or SIGNED_IN
        return guarded

    return decorate


signed_in = roles_required()


def forbidden(allowed):
    """A 403 that says what is missing: which roles may open this, and which the user has."""
    needed = ", ".join(str(ROLE_LABELS[r]) for r in allowed)
    mine = str(ROLE_LABELS.get(current_user.role, current_user.role))
    message = _(
        "This page is for: %(needed)s. You are signed in as: %(mine)s.", needed=needed, mine=mine
    )
    if wants_json():
        return json_error(403, "forbidden", message)
    return render_template("errors/403.html", message=message), 403


def client_address() -> str | None:
    return request.remote_addr


def audit_event(action, **kwargs):
    """Record an audit event for the current request's user and address."""
    actor = kwargs.pop("actor", None)
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    return audit.record(action, actor=actor, address=client_address(), at=utcnow(), **kwargs)


# Every request of a signed-in user runs this: compiled once. With the office, which pages show
# times in the zone of, and would otherwise load apart.
USER_WITH_OFFICE = CompiledSelect(
    lambda: (
        User.select(User, Office)
        .join(Office, peewee.JOIN.LEFT_OUTER, on=(User.office == Office.id))
        .where(User.id == Slot("id"))
        .limit(1)
    )
)


@login_manager.user_loader
def _load_user(user_id):
    user = USER_WITH_OFFICE.first(id=int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


@login_manager.request_loader
def _load_user_from_bearer(request):
    """A phone signs API calls with `Authorization: Bearer <device token>`."""
    from fieldcheck.devices import find_token

    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token, problem = find_token(header.removeprefix("Bearer ").strip(), utcnow())
    if problem:
        g.token_problem = problem
        return None
    g.device_token = token
    return token.user


TOKEN_PROBLEMS = {
    "token_unknown": _l("This device is not signed in. Sign in again."),
    "token_revoked": _l(
        "This device was signed out by an administrator or by you. Sign in "
        "again; case data on the device is removed, unsent findings are kept."
    ),
    "token_expired": _l(
        "This device's sign-in has expired. Sign in again: nothing unsent is lost."
    ),
    "account_inactive": _l("This account is no longer active."),
}


def device_required(*allowed: str):
    """For the sync API: only a device token counts (no session cookie, so no CSRF to forge)."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if g.get("device_token") is None or not current_user.is_authenticated:
                code = g.get("token_problem", "unauthenticated")
                message = TOKEN_PROBLEMS.get(code, _l("Sign in first."))
                return json_error(401, code, str(message))
            if allowed and not current_user.has_role(*allowed):
                return forbidden(allowed)
            return view(*args, **kwargs)

        guarded.access = tuple(allowed) or SIGNED_IN
        return guarded

    return decorate


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        code = g.get("token_problem", "unauthenticated")
        return json_error(401, code, str(TOKEN_PROBLEMS.get(code, _l("Sign in first."))))
    flash(_("Please sign in to open that page."), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.args else request.path))


# Activity is noted in the session at most this often: a session changed on every request
# would be signed and sent back as a new cookie every time. A session may so end up to this
# much before the idle limit after the last request, never after it.
SEEN_EVERY = timedelta(seconds=60)


def _check_idle_timeout():
    """End a session that has been idle too long; remember activity otherwise."""
    if not current_user.is_authenticated or g.get("device_token") is not None:
        return None  # device tokens have their own expiry; sessions time out when idle
    now = utcnow()
    seen = session.get("seen")
    limit = current_app.config["IDLE_TIMEOUT"]
    if seen is not None and now - datetime.fromisoformat(seen) > limit:
        user = current_user._get_current_object()
        with database.atomic():
            audit_event(audit.USER_TIMEOUT, actor=user, subject=user)
        logout_user()
        session.clear()
        if wants_json():
            return json_error(401, "session_expired", _("Your session has expired. Sign in again."))
        flash(
            _(
                "Your session ended after %(minutes)d minutes without activity. Sign in again.",
                minutes=int(limit.total_seconds() // 60),
            ),
            "info",
        )
        return redirect(url_for("auth.login", next=request.path))
    if seen is None or now - datetime.fromisoformat(seen) > SEEN_EVERY:
        session["seen"] = now.isoformat()
    return None


def _force_password_change():
    """After an administrator's reset, the user picks a new password before anything else."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in {"auth.password", "auth.logout", "auth.language", "static"}
    ):
        if wants_json():
            return json_error(
                403, "password_change_required", _("Change your password before going on.")
            )
        return redirect(url_for("auth.password"))
    return None


# A session's CSRF token, signed: Flask-WTF signs the session's token anew on every page that
# shows a form (every page: sign-out and language are forms), some 60 µs each. With no time
# limit on tokens (WTF_CSRF_TIME_LIMIT = None) a token signed once is as good as one signed now,
# so each process keeps the ones it signed, by secret key and session token, and puts the
# session's in `g`, where generate_csrf looks first. Emptied when it holds SIGNED_CSRF_MOST.
SIGNED_CSRF_MOST = 4096
_signed_csrf: dict[tuple[str, str], str] = {}


def _csrf_key() -> tuple[str, str] | None:
    token = session.get("csrf_token")
    if not isinstance(token, str) or current_app.config["WTF_CSRF_TIME_LIMIT"] is not None:
        return None  # no token yet (generate_csrf makes one), or signed tokens expire
    return current_app.secret_key, token


def _reuse_signed_csrf_token():
    key = _csrf_key()
    if key is not None and key in _signed_csrf:
        g.csrf_token = _signed_csrf[key]


def _remember_signed_csrf_token(response):
    signed = g.get("csrf_token")
    key = _csrf_key() if signed is not None else None
    if key is not None and key not in _signed_csrf:
        if len(_signed_csrf) >= SIGNED_CSRF_MOST:
            _signed_csrf.clear()
        _signed_csrf[key] = signed
    return response


# The headers every answer carries unless its view set its own.
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
# Pages of signed-in users hold personal data: never keep them in shared caches.
NO_STORE = ("Cache-Control", "no-store")


def _security_headers(response):
    """Add the security headers a view did not set itself. The answer's headers are looked at
    once (werkzeug's setdefault looks them all up again for each one, through an exception
    when missing: some 30 µs an answer, a tenth of the floor page's time)."""
    headers = response.headers
    present = {name.lower(): value for name, value in headers.items()}
    wanted = list(SECURITY_HEADERS)
    if current_app.config["HTTPS"] or request.is_secure:
        wanted.append(HSTS)
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated:
        wanted.append(NO_STORE)
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    if "HX-Request" not in present.get("vary", ""):
        # One URL serves a page and its htmx fragment: caches must keep them apart.
        headers.add("Vary", "HX-Request")
    return response


def login_failed_response(response) -> bool:
    """Flask-Limiter counts a sign-in attempt against the limits only when it failed."""
    return bool(g.get("login_failed"))


def login_limit_by_username() -> str:
    return "login-user:" + request.form.get("username", "").strip().lower()


def _limit_where_limited(app):
    """Move the limiter's hooks (looking up a request's limits before it, counting a failed
    sign-in after it, clearing its state at the end) from every request to the requests of
    LIMITED_BLUEPRINTS: FieldCheck sets no default or application-wide limits, only limits on
    sign-in routes, and the hooks took some 6% of every page's time."""
    if limiter.limit_manager.default_limits or limiter.limit_manager.application_limits:
        raise RuntimeError("limits for every route need the limiter's hooks on every request")

    def is_limiters(hook) -> bool:
        owner = getattr(hook, "__self__", None) or next(iter(getattr(hook, "args", ())), None)
        return owner is limiter

    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        moved = [hook for hook in hooks.get(None, []) if is_limiters(hook)]
        hooks[None] = [hook for hook in hooks.get(None, []) if not is_limiters(hook)]
        for blueprint in LIMITED_BLUEPRINTS:
            hooks.setdefault(blueprint, []).extend(moved)


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each cookie's signature checked once per process.

    A browser sends the same session cookie with every request until the session changes
    (at most once a minute: SEEN_EVERY), and checking it (key derivation, HMAC, base64, JSON)
    took some 50 µs of every page. A cookie that was good is good again, under the same
    secret key, until it is older than the session's lifetime, which is still checked every
    time. Each request gets its own copy of the session. Emptied when it holds `most`.
    """

    most = 4096

    def __init__(self):
        self._opened: dict[tuple, tuple[datetime, dict]] = {}

    def open_session(self, app, request):
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or not app.secret_key:
            return super().open_session(app, request)
        lifetime = app.permanent_session_lifetime
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), cookie)
        opened = self._opened.get(key)
        if opened is None:
            try:
                data, signed_at = self.get_signing_serializer(app).loads(
                    cookie, max_age=int(lifetime.total_seconds()), return_timestamp=True
                )
            except BadSignature:  # forged, or expired (SignatureExpired)
                return self.session_class()
            if len(self._opened) >= self.most:
                self._opened.clear()
            opened = self._opened[key] = (signed_at, data)
        signed_at, data = opened
        if datetime.now(UTC) - signed_at > lifetime:
            return self.session_class()
        plain = all(type(v) in (str, int, bool, float) or v is None for v in data.values())
        return self.session_class(dict(data) if plain else copy.deepcopy(data))


def init_app(app):
    app.session_interface = RememberingSessionInterface()
    app.config["SESSION_COOKIE_SECURE"] = app.config["HTTPS"]
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["HTTPS"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
    _limit_where_limited(app)
    app.before_request(_check_idle_timeout)
    app.before_request(_force_password_change)
    app.before_request(_reuse_signed_csrf_token)
    app.after_request(_remember_signed_csrf_token)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        message = _(
            "This form has expired or did not come from FieldCheck. "
            "Reload the page and try again; nothing was saved."
        )
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return render_template(
            "errors/error.html", title=_("Form not accepted"), message=message
        ), 400

    @app.errorhandler(429)
    def _too_many(error):
        message = _(
            "Too many failed sign-in attempts. Wait %(limit)s and try again.",
            limit=_describe_limit(error),
        )
        if wants_json():
            return json_error(429, "rate_limited", message)
        return render_template("auth/login.html", form=_login_form(), error=message), 429


def _describe_limit(error) -> str:
    limit = getattr(error, "limit", None)
    window = getattr(getattr(limit, "limit", None), "GRANULARITY", None)
    amount = getattr(getattr(limit, "limit", None), "multiples", None)
    if window is None or amount is None:
        return _("a few minutes")
    seconds = window.seconds * amount
    minutes = max(1, seconds // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def _login_form():
    from fieldcheck.auth.forms import LoginForm

    return LoginForm()
