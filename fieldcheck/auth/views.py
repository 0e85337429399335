"""Routes of the auth blueprint."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from fieldcheck import accounts, audit, sessions
from fieldcheck.accounts import Actor
from fieldcheck.auth import bp, queries
from fieldcheck.auth.forms import (
    CodeForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    RevokeForm,
)
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.devices import revoke_token, token_of, tokens_of
from fieldcheck.domain import qr, roles
from fieldcheck.domain import second_factor as second_factor_rules
from fieldcheck.models import User
from fieldcheck.security import (
    client_address,
    end_session,
    password_attempts,
    public,
    request_actor,
    roles_required,
    signed_in,
    start_session,
    too_many,
    too_many_message,
    wants_json,
)


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _safe_next(target: str | None, default: str | None = None) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    default = default or url_for("home.index")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.errorhandler(429)
def _too_many_on_sign_in(error):
    """The sign-in form says it itself when its limit is met; other routes as security does."""
    if request.endpoint != "auth.login" or wants_json():
        return too_many(error)
    return render_template("auth/login.html", form=LoginForm(), error=too_many_message(error)), 429


@bp.route("/login", methods=["GET", "POST"])
@public
@password_attempts
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = accounts.authenticate(username, form.password.data)
        if user is not None:
            return _password_was_right(user, request.args.get("next"))
        g.login_failed = True
        accounts.record_failed_sign_in(request_actor(None), username)
        error = _("Wrong username or password, or the account is not active.")
    elif request.method == "POST":
        g.login_failed = True
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


def _password_was_right(user: User, next_url: str | None):
    """On to the second factor (its code, or setting it up), else into a session."""
    if accounts.needs_second_factor(user):
        _hold_for_second_factor(user, next_url)
        step = "auth.second_factor" if user.has_second_factor else "auth.enrol_at_sign_in"
        return redirect(url_for(step), code=303)
    return _complete_sign_in(user, next_url)


def _complete_sign_in(user: User, next_url: str | None, **details):
    """The password (and the second factor, if asked) was right: open a session."""
    with database.atomic():
        start_session(user)
        accounts.record_sign_in(request_actor(user), user, details or None)
    default = url_for("field.index") if user.role == "field" else None
    return redirect(_safe_next(next_url, default), code=303)


# Between a right password and the second factor: who, since when, and where to go after.
PENDING_FOR = timedelta(minutes=5)


def _hold_for_second_factor(user: User, next_url: str | None):
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session["pending_user"] = user.id
    session["pending_username"] = user.username
    session["pending_since"] = utcnow().isoformat()
    session["pending_next"] = next_url or ""


def _pending_user() -> User | None:
    """The user whose password was right a moment ago, if still within PENDING_FOR."""
    since = session.get("pending_since")
    if not isinstance(since, str) or utcnow() - datetime.fromisoformat(since) > PENDING_FOR:
        return None
    return queries.active_user(session.get("pending_user"))


def _sign_in_again():
    flash(_("Sign in again: the time to enter a code has run out."), "info")
    return redirect(url_for("auth.login"), code=303)


NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/login/code", methods=["GET", "POST"])
@public
@password_attempts
def second_factor():
    """The second step of signing in: the code of the user's authenticator, or a recovery code."""
    user = _pending_user()
    if user is None or not user.has_second_factor:
        return _sign_in_again()
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        actor = Actor(user, utcnow(), client_address())
        kind = accounts.check_second_factor(actor, user, form.code.data)
        if kind is not None:
            return _code_was_right(user, kind)
        g.login_failed = True  # a guess at the code: counted with failed passwords
        accounts.record_failed_sign_in(request_actor(user), user.username, second_factor=True)
        error = _("That code is not right or was already used. Enter the code shown now.")
    elif request.method == "POST":
        g.login_failed = True
    page = render_template("auth/second_factor.html", form=form, error=error)
    return page, (401 if error else 200), NO_STORE


def _code_was_right(user: User, kind: str):
    signed_in_now = _complete_sign_in(user, session.get("pending_next"), second_factor=kind)
    if kind == "recovery":  # told in the new session
        flash(
            _(
                "You signed in with a recovery code; %(left)d are left. If your phone "
                "is lost, ask another administrator to reset your second factor.",
                left=accounts.recovery_codes_left(user),
            ),
            "info",
        )
    return signed_in_now


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
@password_attempts
def enrol_at_sign_in():
    """A user who must have a second factor and has none sets it up before signing in."""
    user = _pending_user()
    if user is None:
        return _sign_in_again()
    if user.has_second_factor:
        return redirect(url_for("auth.second_factor"), code=303)
    return _enrol(user, url_for("auth.enrol_at_sign_in"), signing_in=True)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@roles_required(roles.ADMIN, roles.INTAKE, roles.REGISTRY, roles.SUPERVISOR, roles.PASSPORT)
@password_attempts
def enrol_second_factor():
    """A signed-in user sets up (or sets up again) their second factor."""
    return _enrol(
        current_user._get_current_object(), url_for("auth.enrol_second_factor"), signing_in=False
    )


def _enrol(user: User, action: str, *, signing_in: bool):
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        codes = accounts.enrol_second_factor(
            Actor(user, utcnow(), client_address()), user, form.code.data
        )
        if codes is not None:
            next_url = session.get("pending_next") if signing_in else None
            if signing_in:
                _complete_sign_in(user, next_url, second_factor="enrol")
            default = url_for("field.index") if user.role == roles.FIELD else None
            page = render_template(
                "auth/recovery_codes.html", codes=codes, next_url=_safe_next(next_url, default)
            )
            return page, 200, NO_STORE
        g.login_failed = True
        error = _("That code is not right. Enter the code your authenticator app shows now.")
    elif request.method == "POST":
        g.login_failed = True
    page = _enrol_page(user, form, error, action, signing_in)
    return page, (401 if error else 200), NO_STORE


def _enrol_page(user: User, form: CodeForm, error, action: str, signing_in: bool) -> str:
    """The page that shows a new second factor's secret (as a QR code and as text)."""
    with database.atomic():
        secret = accounts.pending_second_factor_secret(user)
    uri = second_factor_rules.provisioning_uri(secret, user.username, "FieldCheck")
    return render_template(
        "auth/enrol.html",
        form=form,
        error=error,
        action=action,
        qr_svg=Markup(qr.make_qr_svg(uri, css_class="enrol-qr")),  # noqa: S704  (our own SVG)
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        signing_in=signing_in,
    )


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    user = current_user._get_current_object()
    with database.atomic():
        request_actor(user).record(audit.USER_LOGOUT, user)
        end_session(sessions.LOGOUT)
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
@password_attempts
def password():
    form = PasswordChangeForm(owner=current_user._get_current_object())
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current.data):
            g.login_failed = True  # a guess at the password: counted like a failed sign-in
            form.current.errors.append(_("That is not your current password."))
        elif form.current.data == form.new.data:
            form.new.errors.append(_("The new password must differ from the current one."))
        else:
            accounts.change_password(_actor(), user, form.new.data, current=g.get("user_session"))
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"), code=303)
    return render_template("auth/password.html", form=form)


@bp.route("/account/password/check", methods=["POST"])
@signed_in
def password_check():
    """As a new password is typed: the server's verdict on it, as a fragment (nothing is kept)."""
    form = PasswordChangeForm(owner=current_user._get_current_object())
    problems = form.problems_with(form.new.data) if form.new.data else None
    return render_template("auth/_password_verdict.html", problems=problems)


@bp.route("/language", methods=["POST"])
@public
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        chosen = form.language.data
        session["language"] = chosen
        if current_user.is_authenticated:
            accounts.set_language(_actor(), current_user._get_current_object(), chosen)
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/account/devices")
@signed_in
def devices():
    """Sessions and devices: where this account is signed in, each of which can be ended."""
    user = current_user._get_current_object()
    config = current_app.config
    now = utcnow()
    open_sessions = sessions.open_sessions(
        user, now=now, idle=config["IDLE_TIMEOUT"], lifetime=config["SESSION_LIFETIME"]
    )
    this = g.get("user_session")
    return render_template(
        "auth/devices.html",
        sessions=open_sessions,
        this_session_id=this.id if this is not None else None,
        tokens=tokens_of(user.id),
        now=now,
        revoke_url=lambda t: url_for("auth.revoke_device", token_id=t.id),
        end_url=lambda s: url_for("auth.end_session_route", session_id=s.id),
    )


@bp.route("/account/devices/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_device(token_id):
    token = token_of(current_user.id, token_id)
    if token is None:
        abort(404)
    if RevokeForm().validate_on_submit():
        revoke_token(_actor(), token)
        flash(_("The device %(label)s is signed out.", label=token.label or token.id), "success")
    return redirect(url_for("auth.devices"), code=303)


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@signed_in
def end_session_route(session_id):
    """End one of the user's own sessions (another browser, or this one: a sign-out)."""
    record = sessions.session_of(current_user.id, session_id)
    if record is None:
        abort(404)
    if not RevokeForm().validate_on_submit():
        return redirect(url_for("auth.devices"), code=303)
    this = g.get("user_session")
    if this is not None and this.id == record.id:
        return logout()
    accounts.end_session(_actor(), record)
    flash(_("That session is signed out."), "success")
    return redirect(url_for("auth.devices"), code=303)
