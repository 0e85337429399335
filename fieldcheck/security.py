"""Who may do what: sign-in sessions (kept on the server: fieldcheck.sessions), device tokens
and the routes each scope opens, the role decorator every view wears, sign-in rate limits, CSRF
and the security headers."""

from functools import wraps

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from fieldcheck import audit, sessions
from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.domain import roles
from fieldcheck.errors import api_error, message

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, headers_enabled=False)

ROLE_LABELS = {
    roles.ADMIN: _l("Administrator"),
    roles.INTAKE: _l("Intake officer"),
    roles.FIELD: _l("Field officer"),
    roles.REGISTRY: _l("Registry clerk"),
    roles.SUPERVISOR: _l("Supervisor"),
    roles.PASSPORT: _l("Passport officer"),
    roles.ANALYST: _l("Headquarters analyst"),
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

HEADQUARTERS_LABEL = _l("Headquarters administrator")


def headquarters_only(view):
    """Let only a headquarters administrator (an administrator of no office) in: the national
    lists are kept there, not in an office (issue 16)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not roles.at_headquarters(current_user.role, current_user.office_id):
            return forbidden((), needed=str(HEADQUARTERS_LABEL))
        return view(*args, **kwargs)

    guarded.access = (roles.ADMIN,)
    return guarded


def office_staff(*allowed: str):
    """Let only users of these roles who belong to an office in (a headquarters administrator
    has no office's data to see)."""

    def decorate(view):
        checked = roles_required(*allowed)(view)

        @wraps(view)
        def guarded(*args, **kwargs):
            if current_user.is_authenticated and current_user.office_id is None:
                needed = ", ".join(str(ROLE_LABELS[r]) for r in allowed)
                return forbidden(allowed, needed=needed)
            return checked(*args, **kwargs)

        guarded.access = tuple(allowed)
        return guarded

    return decorate


def forbidden(allowed, needed: str | None = None):
    """A 403 that says what is missing: which roles may open this (or `needed`, in words), and
    which the user has."""
    mine = str(ROLE_LABELS.get(current_user.role, current_user.role))
    if roles.at_headquarters(current_user.role, current_user.office_id):
        mine = str(HEADQUARTERS_LABEL)
    params = {
        "needed": needed or ", ".join(str(ROLE_LABELS[r]) for r in allowed),
        "mine": mine,
    }
    if wants_json():
        return api_error(403, "forbidden", params)
    return render_template("errors/403.html", message=message("forbidden", params)), 403


def client_address() -> str | None:
    return request.remote_addr


def request_actor(user=None) -> Actor:
    """Who acts in this request (the signed-in user unless another is named), from its address,
    now: what every audit event records (`request_actor().record(action, subject, details)`)."""
    if user is None and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    return Actor(user, utcnow(), client_address())


@login_manager.user_loader
def _load_user(user_id):
    """The user of this browser's session, when its server-side record is open (one query,
    with the user and their office); a session past its idle time or its lifetime ends here."""
    raw = session.get("sid")
    if not isinstance(raw, str) or getattr(_view(), "device_only", False):
        return None  # the sync routes take a device token and nothing else
    now = utcnow()
    config = current_app.config
    found, problem = sessions.find(
        raw,
        now=now,
        idle=config["IDLE_TIMEOUT"],
        lifetime=config["SESSION_LIFETIME"],
        address=client_address(),
        user_agent=request.headers.get("User-Agent", ""),
    )
    if problem in (sessions.IDLE, sessions.EXPIRED, sessions.MOVED):
        action = audit.SESSION_END if problem == sessions.MOVED else audit.USER_TIMEOUT
        with database.atomic():
            if sessions.end(found, at=now, reason=problem):
                request_actor(found.user).record(action, found.user, {"why": problem})
        g.session_ended = problem
    if problem is not None or str(found.user_id) != user_id:
        _forget_session()
        return None
    sessions.touch(found, now)
    g.user_session = found
    return found.user


def _forget_session():
    """Empty the browser's session but for its language."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def start_session(user):
    """Sign a user in on this browser: a new session id (the one before, if any, is dropped:
    no fixation) and with it a new CSRF token."""
    _forget_session()
    g.pop("csrf_token", None)  # Flask-WTF's signed token of the old session, for this request
    session["sid"] = sessions.start(
        user,
        at=utcnow(),
        address=client_address(),
        user_agent=request.headers.get("User-Agent", ""),
    )
    login_user(user)
    g.user_session = None  # the record is read on the next request


def end_session(reason: str = sessions.LOGOUT):
    """Sign the user out of this browser: its server-side record ends, the cookie empties."""
    record = g.get("user_session")
    if record is not None:
        sessions.end(record, at=utcnow(), reason=reason)
    logout_user()
    _forget_session()


def token_scope(scope: str, methods=("GET", "HEAD", "POST", "PUT", "DELETE")):
    """Let a device token of this scope open the view (for these methods): the only way a token
    opens anything. Put it right under the route; the view's own role check still applies."""

    def mark(view):
        view.token_scope = scope
        view.token_methods = frozenset(methods)
        return view

    return mark


def _view():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def _view_token_scope() -> str | None:
    view = _view()
    if view is None or request.method not in getattr(view, "token_methods", ()):
        return None
    return view.token_scope


@login_manager.request_loader
def _load_user_from_bearer(request):
    """A phone signs its calls with `Authorization: Bearer <device token>`: counted only on a
    route that takes that token's scope (token_scope), never on a desk page."""
    from fieldcheck.devices import find_token

    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    scope = _view_token_scope()
    if scope is None:
        g.token_problem = "token_not_accepted"  # noqa: S105  (a code, not a password)
        return None
    token, problem = find_token(header.removeprefix("Bearer ").strip(), utcnow())
    if problem is None and token.scope != scope:
        problem = "token_scope"
    if problem:
        g.token_problem = problem
        return None
    g.device_token = token
    return token.user


# Why a device's token opened nothing, each a code of the error catalogue (fieldcheck.errors).
TOKEN_PROBLEMS = (
    "token_unknown",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "token_scope",
    "token_not_accepted",
)


def device_required(*allowed: str, scope: str = roles.SYNC_SCOPE):
    """For the sync API: only a device token of `scope` counts (no session cookie, so no CSRF
    to forge)."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if g.get("device_token") is None or not current_user.is_authenticated:
                return api_error(401, g.get("token_problem", "unauthenticated"))
            if allowed and not current_user.has_role(*allowed):
                return forbidden(allowed)
            return view(*args, **kwargs)

        guarded.access = tuple(allowed) or SIGNED_IN
        guarded.device_only = True
        return token_scope(scope)(guarded)

    return decorate


@login_manager.unauthorized_handler
def _unauthorized():
    ended = g.get("session_ended")
    if wants_json():
        if ended:
            return api_error(401, "session_expired")
        return api_error(401, g.get("token_problem", "unauthenticated"))
    if ended == sessions.IDLE:
        minutes = int(current_app.config["IDLE_TIMEOUT"].total_seconds() // 60)
        flash(
            _(
                "Your session ended after %(minutes)d minutes without activity. Sign in again.",
                minutes=minutes,
            ),
            "info",
        )
    elif ended == sessions.EXPIRED:
        hours = int(current_app.config["SESSION_LIFETIME"].total_seconds() // 3600)
        flash(
            ngettext(
                "Your session ended: a session lasts at most %(num)d hour. Sign in again.",
                "Your session ended: a session lasts at most %(num)d hours. Sign in again.",
                hours,
            ),
            "info",
        )
    else:
        flash(_("Please sign in to open that page."), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.args else request.path))


def _force_password_change():
    """After an administrator's reset, the user picks a new password before anything else."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint
        not in {"auth.password", "auth.password_check", "auth.logout", "auth.language", "static"}
    ):
        if wants_json():
            return api_error(403, "password_change_required")
        return redirect(url_for("auth.password"))
    return None


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
    """Add the security headers a view did not set itself."""
    headers = response.headers
    wanted = list(SECURITY_HEADERS)
    if current_app.config["HTTPS"] or request.is_secure:
        wanted.append(HSTS)
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated:
        wanted.append(NO_STORE)
    for name, value in wanted:
        headers.setdefault(name, value)
    if "HX-Request" not in headers.get("Vary", ""):
        # One URL serves a page and its htmx fragment: caches must keep them apart.
        headers.add("Vary", "HX-Request")
    return response


def login_failed_response(response) -> bool:
    """Flask-Limiter counts a sign-in attempt against the limits only when it failed."""
    return bool(g.get("login_failed"))


def token_issued_response(response) -> bool:
    """Token issuance is counted when a token was issued."""
    return bool(g.get("token_issued"))


def attempt_username() -> str:
    """Whose password or second-factor code this request tries: the username a sign-in form or
    a token request names, else the signed-in user (password change), else the user part-way
    through signing in (second factor).

    It never raises: Flask-Limiter takes any error while it counts for its storage being
    down, and then counts in this process's memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED)
    until it looks again, so one body over the cap would split a cluster's shared counts."""
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            named = body.get("username", "") if isinstance(body, dict) else ""
        else:
            named = request.form.get("username", "")
    except HTTPException:  # a body over the cap, or cut short: the view answers it, unread
        named = ""
    if not named and current_user.is_authenticated:
        named = current_user.username
    if not named:
        named = session.get("pending_username", "")
    return "user:" + "".join(ch for ch in str(named) if ch.isprintable()).strip().lower()[:64]


# One per-username and one per-address limit for every route that checks a password or a
# second-factor code: guesses spread over the sign-in form, the token route, the password
# change and the code page all count together (shared limits: one bucket, any route).
PASSWORD_USER_SCOPE = "password-user"  # noqa: S105  (a limit's name)
PASSWORD_ADDRESS_SCOPE = "password-address"  # noqa: S105  (a limit's name)
TOKEN_USER_SCOPE = "token-user"  # noqa: S105  (a limit's name)
TOKEN_ADDRESS_SCOPE = "token-address"  # noqa: S105  (a limit's name)
VERIFY_DEVICE_SCOPE = "verify-device"
VERIFY_ADDRESS_SCOPE = "verify-address"


def _limited_per_user_and_address(
    user_setting: str, address_setting: str, scopes: tuple[str, str], counts
):
    """Shared limits (POST only) per user (attempt_username) and per address, each read from
    its setting at every request; a request counts when `counts(response)` says so."""
    user_scope, address_scope = scopes

    def decorate(view):
        view = limiter.shared_limit(
            lambda: current_app.config[address_setting],
            scope=address_scope,
            methods=["POST"],
            deduct_when=counts,
        )(view)
        return limiter.shared_limit(
            lambda: current_app.config[user_setting],
            scope=user_scope,
            key_func=attempt_username,
            methods=["POST"],
            deduct_when=counts,
        )(view)

    return decorate


# Failed password and code attempts per username and per address.
password_attempts = _limited_per_user_and_address(
    "LOGIN_LIMIT_PER_USERNAME",
    "LOGIN_LIMIT_PER_ADDRESS",
    (PASSWORD_USER_SCOPE, PASSWORD_ADDRESS_SCOPE),
    login_failed_response,
)
# Device tokens issued per user and per address.
token_issuance = _limited_per_user_and_address(
    "TOKEN_LIMIT_PER_USER",
    "TOKEN_LIMIT_PER_ADDRESS",
    (TOKEN_USER_SCOPE, TOKEN_ADDRESS_SCOPE),
    token_issued_response,
)


def verifying_device() -> str:
    """Whose verifications a request counts against: its device token's, else the signed-in
    user's (the API and the /verify page share it), else its address's."""
    user = current_user._get_current_object()  # loads the user: from a token or the session
    token = g.get("device_token")
    if token is not None:
        return f"token:{token.id}"
    if user is not None and user.is_authenticated:
        return f"user:{user.id}"
    return f"address:{client_address()}"


def verify_attempts(view):
    """Limit report verifications per device and per address (POST only, every one counts)."""
    view = limiter.shared_limit(
        lambda: current_app.config["VERIFY_LIMIT_PER_ADDRESS"],
        scope=VERIFY_ADDRESS_SCOPE,
        methods=["POST"],
    )(view)
    return limiter.shared_limit(
        lambda: current_app.config["VERIFY_LIMIT_PER_DEVICE"],
        scope=VERIFY_DEVICE_SCOPE,
        key_func=verifying_device,
        methods=["POST"],
    )(view)


# --- Phone enrolment (issue 15): wrong enrolment codes per address -------------------------
ENROLMENT_ADDRESS_SCOPE = "enrolment-address"


def enrolment_failed_response(response) -> bool:
    """An enrolment code attempt counts against the limit when the code was refused."""
    return bool(g.get("enrolment_failed"))


def enrolment_attempts(view):
    """Limit refused enrolment codes per address (POST only; ENROLMENT_LIMIT_PER_ADDRESS)."""
    return limiter.shared_limit(
        lambda: current_app.config["ENROLMENT_LIMIT_PER_ADDRESS"],
        scope=ENROLMENT_ADDRESS_SCOPE,
        methods=["POST"],
        deduct_when=enrolment_failed_response,
    )(view)


# --- end of phone enrolment ---


def init_app(app):
    app.config["SESSION_COOKIE_SECURE"] = app.config["HTTPS"]
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["HTTPS"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    login_manager.init_app(app)
    # Flask-Login's own session protection is off: a session is bound to its address and
    # browser by its server-side record (fieldcheck.sessions.find), and a request signed with a
    # device token is never turned away for a cookie it carries.
    login_manager.session_protection = None
    csrf.init_app(app)
    limiter.init_app(app)
    app.jinja_env.filters["browser_name"] = sessions.browser_name
    app.before_request(_force_password_change)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        if wants_json():
            return api_error(400, "csrf_failed")
        return render_template(
            "errors/error.html", title=_("Form not accepted"), message=message("csrf_failed")
        ), 400

    app.register_error_handler(429, too_many)


# Which limit was met, by its scope: the first part of what a 429 says ("rate_limited").
LIMITS_MET = {
    TOKEN_USER_SCOPE: "too_many_devices",
    TOKEN_ADDRESS_SCOPE: "too_many_devices",
    VERIFY_DEVICE_SCOPE: "too_many_checks",
    VERIFY_ADDRESS_SCOPE: "too_many_checks",
    ENROLMENT_ADDRESS_SCOPE: "too_many_enrolments",  # phone enrolment (issue 15)
}


def _too_many_params(error) -> dict:
    scope = getattr(getattr(error, "limit", None), "scope", None)
    what = message(LIMITS_MET.get(scope, "too_many_sign_ins"))
    return {"what": what, "limit": _describe_limit(error)}


def too_many_message(error) -> str:
    """What a 429 says, by the limit that was met, in the reader's language."""
    return message("rate_limited", _too_many_params(error))


def too_many(error):
    """A limit was met: the API's error object, else an error page (the sign-in page shows it
    on its own form: fieldcheck.auth.views)."""
    if wants_json():
        return api_error(429, "rate_limited", _too_many_params(error))
    scope = getattr(getattr(error, "limit", None), "scope", None)
    if scope in (VERIFY_DEVICE_SCOPE, VERIFY_ADDRESS_SCOPE):
        title = _("Too many checks")
    else:
        title = _("Too many attempts")
    return render_template("errors/error.html", title=title, message=too_many_message(error)), 429


def _describe_limit(error) -> str:
    limit = getattr(error, "limit", None)
    window = getattr(getattr(limit, "limit", None), "GRANULARITY", None)
    amount = getattr(getattr(limit, "limit", None), "multiples", None)
    if window is None or amount is None:
        return _("a few minutes")
    seconds = window.seconds * amount
    minutes = max(1, seconds // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)
