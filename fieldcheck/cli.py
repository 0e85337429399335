"""The `fieldcheck` command: init, demo, user create, regions import, db upgrade, audit, keys."""

import getpass
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from fieldcheck import create_app


def _db():
    from fieldcheck.db import database

    database.connect(reuse_if_open=True)
    return database


def _seal():
    """Seal what a command wrote into the audit chain at once, not at the next request."""
    from fieldcheck import audit as trail
    from fieldcheck.audit_checkpoints import CheckpointError

    try:
        trail.seal()
    except CheckpointError as exc:  # the change is made; its events wait for the next seal
        click.echo(f"warning: the audit trail was not sealed: {exc}", err=True)


def _cli_actor():
    from fieldcheck.accounts import Actor
    from fieldcheck.clock import utcnow

    return Actor(None, utcnow(), f"cli:{getpass.getuser()}")


@click.group(
    cls=FlaskGroup,
    create_app=create_app,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def main():
    """FieldCheck: field verification of doubtful passport applications."""


def register(app):
    """Put FieldCheck's commands on `app.cli` (so `fieldcheck` and the test runner see them)."""
    for command in (
        init,
        db,
        demo,
        user,
        regions,
        audit,
        keys,
        registry,
        scans,
        recruiters,
        statistics,
    ):
        app.cli.add_command(command)


@click.command()
@with_appcontext
def init():
    """Create the instance folder, the secret key and the database at the latest version."""
    from flask import current_app

    from fieldcheck import migrations

    db = _db()
    applied = migrations.upgrade(db)
    click.echo(f"Instance folder: {current_app.instance_path}")
    click.echo(f"Database: {_safe_url(current_app.config['DATABASE_URL'])}")
    click.echo(
        f"Schema version {migrations.current_version(db)}"
        + (f" ({len(applied)} migrations applied)" if applied else " (up to date)")
    )


@click.group(cls=AppGroup)
def db():
    """Database schema."""


@db.command("upgrade")
@click.option("--to", "target", type=int, default=None, help="Stop at this version.")
def db_upgrade(target):
    """Apply the migrations the database lacks."""
    from fieldcheck import migrations

    database = _db()
    for m in migrations.upgrade(database, target=target):
        click.echo(f"applied {m.version:04d} {m.name}")
    click.echo(f"schema version {migrations.current_version(database)}")


@click.command()
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when users exist.")
def demo(if_empty):
    """Fill an empty database with a demo office, teams and one account per role."""
    from flask import current_app

    from fieldcheck import signing
    from fieldcheck.db import database
    from fieldcheck.demo import DEMO_PASSWORD, DemoExists, create_demo, mark_demo_instance

    _db()
    try:
        had_keys = bool(signing.list_keys(current_app.instance_path))
        with database.atomic():
            users = create_demo(_cli_actor())
    except DemoExists as exc:
        if if_empty:
            click.echo("Demo data not added: the database already has users.")
            return
        raise click.ClickException(f"{exc}; the demo only fills an empty database") from exc
    except signing.KeyStoreError as exc:
        raise click.ClickException(f"{exc}; the demo signs its verified cases' reports") from exc
    _seal()
    if not had_keys:
        click.echo("A report-signing key was made in the instance folder.")
    if mark_demo_instance(current_app.instance_path):
        click.echo(
            "This instance is marked as a demo in its config.py: no second factor is asked at "
            "sign-in (remove those lines for real work)."
        )
    click.echo(f"Demo office created. Sign in with the password {DEMO_PASSWORD!r} as:")
    for user in users:
        click.echo(f"  {user.username:<11} {user.role}")


@click.group(cls=AppGroup)
def user():
    """User accounts."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["admin", "intake", "field", "registry", "supervisor", "passport", "analyst"]
    ),
)
@click.option(
    "--office",
    "office_code",
    default=None,
    help="Office code, e.g. KANIM-BDG (analysts, and administrators without one: headquarters).",
)
@click.option("--team", "team_name", default=None, help="Team name (field officers).")
@click.option("--region", "regions", multiple=True, help="Region code (registry clerks).")
@click.password_option(
    prompt="Password", help="Asked for when not given; held to the password rule (README)."
)
def user_create(username, name, role, office_code, team_name, regions, password):
    """Create an account (it must change its password at first sign-in)."""
    from flask_babel import force_locale

    from fieldcheck.accounts import RegionsOutsideOffice, create_user
    from fieldcheck.domain.passwords import password_problems
    from fieldcheck.errors import message
    from fieldcheck.models import Office, Region, Team, User

    _db()
    office = Office.get_or_none(Office.code == office_code) if office_code else None
    if role == "analyst":
        if office_code:
            raise click.BadParameter("a headquarters analyst has no office", param_hint="--office")
    elif office_code and office is None:
        raise click.BadParameter(f"no office with code {office_code!r}", param_hint="--office")
    elif office is None and role != "admin":  # only headquarters administrators and analysts
        raise click.BadParameter("give the --office of this account", param_hint="--office")
    team = None
    if team_name:
        team = Team.get_or_none((Team.office == office) & (Team.name == team_name))
        if team is None:
            raise click.BadParameter(
                f"office {office_code} has no team {team_name!r}", param_hint="--team"
            )
    if role == "field" and team is None:
        raise click.BadParameter("a field officer needs --team", param_hint="--team")
    if role == "registry" and not regions:
        raise click.BadParameter("a registry clerk needs at least one --region")
    unknown = set(regions) - {r.code for r in Region.select().where(Region.code.in_(regions))}
    if unknown:
        raise click.BadParameter(f"unknown region codes: {', '.join(sorted(unknown))}")
    problems = password_problems(
        password, username=username, name=name, office_name=office.name if office else ""
    )
    if problems:
        with force_locale("en"):  # the command speaks English, like the rest of the CLI
            reasons = " ".join(message(p.code, p.params) for p in problems)
        raise click.BadParameter(f"the password is refused. {reasons}", param_hint="--password")
    if User.select().where(User.username == username.lower()).exists():
        raise click.BadParameter(f"username {username!r} is taken", param_hint="--username")
    try:
        made = create_user(
            _cli_actor(),
            username=username,
            name=name,
            role=role,
            password=password,
            office=office,
            team=team,
            regions=regions,
        )
    except RegionsOutsideOffice as exc:
        raise click.BadParameter(f"{office_code}: {exc}", param_hint="--region") from exc
    _seal()
    click.echo(f"created {made.username} ({made.role})")


@click.group(cls=AppGroup)
def regions():
    """Kemendagri region codes."""


@regions.command("import")
@click.argument("file", type=click.File("rb"))
def regions_import(file):
    """Load a `code,name` CSV of regions (e.g. wilayah-2025.csv); re-importing is harmless."""
    from fieldcheck import audit
    from fieldcheck.db import database
    from fieldcheck.regions import import_regions, read_region_csv

    _db()
    parsed = read_region_csv(file.read())
    if parsed.errors:
        for problem in parsed.errors[:50]:
            click.echo(problem, err=True)
        more = len(parsed.errors) - 50
        if more > 0:
            click.echo(f"... and {more} more problems", err=True)
        raise click.ClickException(
            f"{len(parsed.errors)} problems in {file.name}; nothing was imported"
        )
    with database.atomic():
        try:
            result = import_regions(parsed)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        _cli_actor().record(
            audit.REGIONS_IMPORT,
            ("regions", Path(file.name).name[:64]),
            {"added": result.added, "updated": result.updated, "by_level": result.by_level},
        )
    _seal()
    click.echo(
        f"{result.added} added, {result.updated} renamed, {result.unchanged} unchanged; "
        f"by level: {result.by_level}"
    )


@click.group(cls=AppGroup)
def audit():
    """The audit trail."""


@audit.command("seal")
def audit_seal():
    """Chain the events not yet sealed and sign a checkpoint of the chain's head (run it every
    minute from cron, say)."""
    from fieldcheck import audit as trail
    from fieldcheck.audit_checkpoints import CheckpointError

    _db()
    try:
        sealed = trail.seal()
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"sealed {sealed} events")


@audit.command("verify")
@click.option(
    "--witness",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A copy made by `audit checkpoints export` and kept away from this server: the "
    "chain must have its heads too.",
)
def audit_verify(witness):
    """Check the sealed hash chain against the signed checkpoints (and a witness copy); exit 1
    at the first thing that does not hold, saying what."""
    from fieldcheck import audit as trail

    _db()
    report = trail.verify(witness=witness)
    if not report.ok:
        where = f" at chain position {report.broken_seq}" if report.broken_seq else ""
        click.echo(f"BROKEN{where}: {report.problem}", err=True)
        sys.exit(1)
    said = (
        f"audit chain intact: {report.checked} events checked, {report.unsealed} not yet "
        f"sealed; {report.checkpoints} checkpoints hold, the latest counting "
        f"{report.anchored} events"
    )
    if witness is not None:
        said += f"; the {report.witnessed} checkpoints of the witness copy hold"
    click.echo(said)


@audit.group("checkpoints", cls=AppGroup)
def audit_checkpoints():
    """Signed checkpoints of the audit chain's head."""


@audit_checkpoints.command("export")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of the screen.",
)
def audit_checkpoints_export(output):
    """Every checkpoint with the audit key's public half, as JSON, for a witness to keep
    outside this server (`audit verify --witness FILE` checks the trail against it)."""
    import json

    from fieldcheck import audit as trail
    from fieldcheck.audit_checkpoints import CheckpointError
    from fieldcheck.clock import utcnow

    try:
        export = trail.checkpoint_log().export(now=utcnow().isoformat(timespec="seconds"))
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    text = json.dumps(export, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"{len(export['checkpoints'])} checkpoints written to {output}")


def _safe_url(url: str) -> str:
    """A database URL without its password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


@click.group(cls=AppGroup)
def keys():
    """Report-signing keys (ECDSA P-256) in the instance folder."""


def _keys_folder():
    from flask import current_app

    return current_app.instance_path


def _key_line(entry) -> str:
    return f"{entry['key_id']}  {entry['status']:<8} created {entry['created']}" + (
        f"  revoked {entry['revoked_at']}" if entry.get("revoked_at") else ""
    )


@keys.command("create")
@with_appcontext
def keys_create():
    """Make the first signing key."""
    from fieldcheck import signing

    try:
        entry = signing.create_key(_keys_folder())
    except signing.KeyStoreError as exc:
        raise click.ClickException(f"{exc.code}: {exc}") from exc
    _record_key_event("key.create", entry["key_id"])
    click.echo(f"created {_key_line(entry)}")


@keys.command("rotate")
@with_appcontext
def keys_rotate():
    """Make a new active key; the old one retires but still verifies its reports."""
    from fieldcheck import signing

    entry = signing.rotate_key(_keys_folder())
    _record_key_event("key.rotate", entry["key_id"])
    click.echo(f"active now: {_key_line(entry)}")


@keys.command("list")
@with_appcontext
def keys_list():
    """Every key, with its status."""
    from fieldcheck import signing

    entries = signing.list_keys(_keys_folder())
    if not entries:
        click.echo("no keys: run `fieldcheck keys create`")
    for entry in entries:
        click.echo(_key_line(entry))


@keys.command("export-public")
@with_appcontext
def keys_export_public():
    """The public keys as JSON (JWK), as published at /.well-known/fieldcheck-keys.json."""
    import json

    from fieldcheck import signing

    click.echo(json.dumps(signing.export_public(_keys_folder()), indent=2))


@keys.command("revoke")
@click.argument("key_id")
@click.option("--reason", required=True, help="Why (e.g. the key was compromised).")
@with_appcontext
def keys_revoke(key_id, reason):
    """Mark a compromised key revoked: every report it signed answers REVOKED."""
    from fieldcheck import signing

    try:
        entry = signing.revoke_key(_keys_folder(), key_id, reason)
    except signing.KeyStoreError as exc:
        raise click.ClickException(f"{exc.code}: {exc}") from exc
    _record_key_event("key.revoke", entry["key_id"], reason)
    click.echo(f"revoked {_key_line(entry)}")


def _record_key_event(action, kid, reason=None):
    from fieldcheck.db import database

    _db()
    with database.atomic():
        _cli_actor().record(action, ("key", kid), {"reason": reason} if reason else {})
    _seal()


@click.group(cls=AppGroup)
def registry():
    """Registry extracts."""


@registry.command("purge")
def registry_purge():
    """Delete the registry extracts (and their people) past their purge date (run it daily)."""
    from fieldcheck.registry.extracts import purge_extracts

    _db()
    actor = _cli_actor()
    counts = purge_extracts(actor.at, actor)
    _seal()
    click.echo(f"purged {counts['extracts']} extracts, {counts['people']} people")


@click.group(cls=AppGroup)
def scans():
    """The scan log of report verifications."""


@scans.command("prune")
def scans_prune():
    """Delete the scans older than SCAN_LOG_DAYS (run it daily)."""
    from flask import current_app

    from fieldcheck.reports.scans import prune_scans

    _db()
    days = current_app.config["SCAN_LOG_DAYS"]
    removed = prune_scans(_cli_actor(), days)
    _seal()
    click.echo(f"removed {removed} scans older than {days} days")


@click.group(cls=AppGroup)
def recruiters():
    """Recruiters and agencies linked across cases and offices."""


@recruiters.command("link")
def recruiters_link():
    """Link the recruiters and agencies of every case and visit not linked yet (once, after the
    upgrade that brought them; running it again links nothing twice)."""
    from fieldcheck.recruiters.service import link_all

    _db()
    made = link_all(_cli_actor())
    _seal()
    click.echo(f"linked {made} intakes and visits to their recruiters and agencies")


@click.group(cls=AppGroup)
def statistics():
    """The statistics dashboard's summary of counts."""


@statistics.command("refresh")
def statistics_refresh():
    """Rebuild the statistics' summary from the cases now (e.g. from cron, every few minutes)."""
    from fieldcheck.clock import utcnow
    from fieldcheck.statistics.summary import refresh

    _db()
    made = refresh(utcnow())
    click.echo(f"statistics counted as of {made.isoformat(timespec='seconds')}")
