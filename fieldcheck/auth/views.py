"""Routes of the auth blueprint."""

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fieldcheck import accounts, audit, sessions
from fieldcheck.accounts import Actor
from fieldcheck.auth import bp
from fieldcheck.auth.forms import LanguageForm, LoginForm, PasswordChangeForm, RevokeForm
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.devices import revoke_token
from fieldcheck.models import DeviceToken, User, UserSession
from fieldcheck.security import (
    audit_event,
    client_address,
    end_session,
    password_attempts,
    public,
    signed_in,
    start_session,
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
        with database.atomic():
            if user is not None:
                user.last_login_at = utcnow()
                user.save(only=[User.last_login_at])
                start_session(user)
                audit_event(audit.USER_LOGIN, actor=user, subject=user)
                default = url_for("field.index") if user.role == "field" else None
                return redirect(_safe_next(request.args.get("next"), default), code=303)
            g.login_failed = True
            known = User.get_or_none(User.username == username)
            audit_event(audit.USER_LOGIN_FAILED, subject=known, details={"username": username[:64]})
        error = _("Wrong username or password, or the account is not active.")
    elif request.method == "POST":
        g.login_failed = True
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    user = current_user._get_current_object()
    with database.atomic():
        audit_event(audit.USER_LOGOUT, subject=user)
        end_session(sessions.LOGOUT)
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
@password_attempts
def password():
    form = PasswordChangeForm()
    form.username_value = current_user.username
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
    tokens = (
        DeviceToken.select()
        .where(DeviceToken.user == user.id)
        .order_by(DeviceToken.created_at.desc())
    )
    this = g.get("user_session")
    return render_template(
        "auth/devices.html",
        sessions=open_sessions,
        this_session_id=this.id if this is not None else None,
        tokens=tokens,
        now=now,
        revoke_url=lambda t: url_for("auth.revoke_device", token_id=t.id),
        end_url=lambda s: url_for("auth.end_session_route", session_id=s.id),
    )


@bp.route("/account/devices/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_device(token_id):
    token = DeviceToken.get_or_none(
        (DeviceToken.id == token_id) & (DeviceToken.user == current_user.id)
    )
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
    record = UserSession.get_or_none(
        (UserSession.id == session_id) & (UserSession.user == current_user.id)
    )
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
