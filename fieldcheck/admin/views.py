"""Routes of the admin blueprint. An administrator sees only their own office."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fieldcheck import accounts, devices
from fieldcheck.admin import bp, queries
from fieldcheck.admin.forms import (
    ActiveForm,
    PasswordResetForm,
    TeamForm,
    UserForm,
    parse_region_codes,
)
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.models import Team, User
from fieldcheck.security import client_address, office_staff, roles_required

admin_only = roles_required(roles.ADMIN)
# Teams belong to an office: a headquarters administrator (issue 16) has none to keep.
office_admin = office_staff(roles.ADMIN)


def _actor() -> accounts.Actor:
    return accounts.Actor(current_user._get_current_object(), utcnow(), client_address())


def _office_user(user_id: int) -> User:
    """A user of the administrator's office, or 404: other offices' people are not theirs."""
    user = queries.office_user(current_user.office_id, user_id)
    if user is None:
        abort(404)
    return user


def _office_team(team_id: int) -> Team:
    team = queries.office_team(current_user.office_id, team_id)
    if team is None:
        abort(404)
    return team


def _user_changes(form: UserForm) -> dict:
    team = _office_team(int(form.team.data)) if form.team.data else None
    return {
        "name": form.name.data,
        "role": form.role.data,
        "team": team,
        "agency": form.agency.data or None,
        "language": form.language.data or None,
        # The headquarters analyst has no office; every other role works in the admin's.
        "office": current_user.office_id if roles.has_office(form.role.data) else None,
    }


@bp.route("/users")
@admin_only
def users():
    role = request.args.get("role", "")
    inactive = request.args.get("inactive") == "1"
    return render_template(
        "admin/users.html",
        users=queries.office_users(current_user.office_id, role=role, inactive=inactive),
        role=role,
        roles=roles.manageable_roles(current_user.office_id),
        show_inactive=inactive,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    form = UserForm(office=current_user.office)
    if form.validate_on_submit():
        user = accounts.create_user(
            _actor(),
            username=form.username.data,
            password=form.password.data,
            regions=parse_region_codes(form.regions.data),
            **_user_changes(form),
        )
        flash(
            _(
                "%(name)s can now sign in as %(username)s with the temporary password.",
                name=user.name,
                username=user.username,
            ),
            "success",
        )
        return redirect(url_for("admin.user_edit", user_id=user.id), code=303)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id):
    user = _office_user(user_id)
    form = UserForm(obj=user, office=current_user.office, editing=user)
    if request.method == "GET":
        form.team.data = str(user.team_id or "")
        form.agency.data = user.agency or ""
        form.language.data = user.language or ""
        form.regions.data = "\n".join(user.region_codes())
    if form.validate_on_submit():
        changed = accounts.update_user(
            _actor(), user, regions=parse_region_codes(form.regions.data), **_user_changes(form)
        )
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("admin.user_edit", user_id=user.id), code=303)
    return _user_page(user, form, PasswordResetForm(prefix="reset", owner=user))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_only
def user_active(user_id):
    user = _office_user(user_id)
    if ActiveForm().validate_on_submit():
        activate = request.form.get("active") == "1"
        if not activate and user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "error")
        else:
            accounts.set_active(_actor(), user, activate)
            flash(
                _("%(name)s can sign in again.", name=user.name)
                if activate
                else _("%(name)s can no longer sign in.", name=user.name),
                "success",
            )
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_only
def user_password(user_id):
    user = _office_user(user_id)
    form = PasswordResetForm(prefix="reset", owner=user)
    if form.validate_on_submit():
        accounts.reset_password(_actor(), user, form.password.data)
        flash(
            _(
                "Password reset: %(name)s must choose a new one at the next sign-in.",
                name=user.name,
            ),
            "success",
        )
        return redirect(url_for("admin.user_edit", user_id=user.id), code=303)
    edit_form = UserForm(obj=user, office=current_user.office, editing=user)
    edit_form.regions.data = "\n".join(user.region_codes())
    return _user_page(user, edit_form, form), 422


def _user_page(user: User, form: UserForm, reset_form: PasswordResetForm) -> str:
    """A user's page: their details, password reset, sign-in and devices."""
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        reset_form=reset_form,
        active_form=ActiveForm(),
        tokens=devices.tokens_of(user.id),
        now=utcnow(),
        revoke_url=lambda t: url_for("admin.user_device_revoke", user_id=user.id, token_id=t.id),
    )


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@admin_only
def user_second_factor_reset(user_id):
    """Another administrator clears a user's second factor (a lost phone); they enrol again."""
    user = _office_user(user_id)
    if ActiveForm().validate_on_submit():
        try:
            accounts.reset_second_factor(_actor(), user)
        except accounts.OwnSecondFactor:
            flash(_("Another administrator must reset your own second factor."), "error")
        else:
            flash(
                _("%(name)s sets up a new second factor at the next sign-in.", name=user.name),
                "success",
            )
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/users/<int:user_id>/sign-out-everywhere", methods=["POST"])
@admin_only
def user_sign_out_everywhere(user_id):
    """End every session and revoke every device of a user (a leaked password, a lost phone)."""
    user = _office_user(user_id)
    if ActiveForm().validate_on_submit():
        counts = accounts.sign_out_everywhere(_actor(), user)
        flash(
            _(
                "%(name)s is signed out everywhere: %(sessions)d sessions ended, "
                "%(devices)d devices signed out.",
                name=user.name,
                sessions=counts["sessions_ended"],
                devices=counts["tokens_revoked"],
            ),
            "success",
        )
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/users/<int:user_id>/devices/<int:token_id>/revoke", methods=["POST"])
@admin_only
def user_device_revoke(user_id, token_id):
    """Sign one of a user's phones out (a lost or stolen phone): it wipes its case data."""
    user = _office_user(user_id)
    token = devices.token_of(user.id, token_id)
    if token is None:
        abort(404)
    if ActiveForm().validate_on_submit():
        devices.revoke_token(_actor(), token)
        flash(
            _(
                "The device %(label)s of %(name)s is signed out.",
                label=token.label or token.id,
                name=user.name,
            ),
            "success",
        )
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/teams")
@office_admin
def teams():
    return render_template("admin/teams.html", teams=queries.office_teams(current_user.office_id))


@bp.route("/teams/new", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@office_admin
def team_edit(team_id):
    team = _office_team(team_id) if team_id is not None else None
    form = TeamForm(obj=team)
    if form.validate_on_submit():
        try:
            team = accounts.save_team(
                _actor(),
                team,
                office=current_user.office_id,
                name=form.name.data,
                district_code=form.district_code.data,
                active=form.active.data,
            )
        except accounts.TeamNameTaken:
            form.name.errors.append(_("Your office already has a team of this name."))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.team_edit", team_id=team.id), code=303)
    members = queries.team_members(team)
    return render_template("admin/team_form.html", form=form, team=team, members=members)
