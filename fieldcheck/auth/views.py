"""Routes of the auth blueprint."""

from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from fieldcheck import audit
from fieldcheck.accounts import Actor
from fieldcheck.auth import bp
from fieldcheck.auth.forms import LanguageForm, LoginForm, PasswordChangeForm, RevokeForm
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.devices import revoke_token
from fieldcheck.models import DeviceToken, User
from fieldcheck.security import (
    audit_event,
    client_address,
    limiter,
    login_failed_response,
    login_limit_by_username,
    public,
    signed_in,
)


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
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=login_failed_response,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"],
    methods=["POST"],
    key_func=login_limit_by_username,
    deduct_when=login_failed_response,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = User.get_or_none(User.username == username)
        with database.atomic():
            if user is not None and user.active and user.check_password(form.password.data):
                user.last_login_at = utcnow()
                user.save(only=[User.last_login_at])
                login_user(user)
                session["seen"] = utcnow().isoformat()
                audit_event(audit.USER_LOGIN, actor=user, subject=user)
                default = url_for("field.index") if user.role == "field" else None
                return redirect(_safe_next(request.args.get("next"), default), code=303)
            g.login_failed = True
            audit_event(audit.USER_LOGIN_FAILED, subject=user, details={"username": username[:64]})
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
    logout_user()
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def password():
    form = PasswordChangeForm(owner=current_user._get_current_object())
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current.data):
            form.current.errors.append(_("That is not your current password."))
        elif form.current.data == form.new.data:
            form.new.errors.append(_("The new password must differ from the current one."))
        else:
            with database.atomic():
                user.set_password(form.new.data)
                user.must_change_password = False
                user.save()
                audit_event(audit.USER_PASSWORD_CHANGE, subject=user)
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
            user = current_user._get_current_object()
            with database.atomic():
                user.language = chosen
                user.save(only=[User.language])
                audit_event(audit.USER_LANGUAGE, subject=user, details={"language": chosen})
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/account/devices")
@signed_in
def devices():
    """The phones signed in to this account; each can be signed out from here."""
    tokens = (
        DeviceToken.select()
        .where(DeviceToken.user == current_user.id)
        .order_by(DeviceToken.created_at.desc())
    )
    return render_template(
        "auth/devices.html",
        tokens=tokens,
        now=utcnow(),
        revoke_url=lambda t: url_for("auth.revoke_device", token_id=t.id),
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
        actor = Actor(current_user._get_current_object(), utcnow(), client_address())
        revoke_token(actor, token)
        flash(_("The device %(label)s is signed out.", label=token.label or token.id), "success")
    return redirect(url_for("auth.devices"), code=303)
