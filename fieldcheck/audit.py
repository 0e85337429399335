"""The audit trail: one event per change (in the change's transaction) and per read of
personal data, made tamper-evident by a hash chain sealed over ranges of events."""

import hashlib
import json
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import peewee

from fieldcheck.db import Slot, database, is_postgres
from fieldcheck.models import AuditEvent
from sync.store import insert_row

# Actions, as `noun.verb`. Every audited thing FieldCheck does is named here.
USER_LOGIN = "user.login"
USER_LOGIN_FAILED = "user.login_failed"
USER_LOGOUT = "user.logout"
USER_TIMEOUT = "user.timeout"
USER_CREATE = "user.create"
USER_UPDATE = "user.update"
USER_DEACTIVATE = "user.deactivate"
USER_ACTIVATE = "user.activate"
USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105  (an action name)
USER_PASSWORD_CHANGE = "user.password_change"  # noqa: S105  (an action name)
USER_LANGUAGE = "user.language"
USER_SIGN_OUT_EVERYWHERE = "user.sign_out_everywhere"
SESSION_END = "session.end"
TEAM_CREATE = "team.create"
TEAM_UPDATE = "team.update"
OFFICE_CREATE = "office.create"
REGIONS_IMPORT = "regions.import"
DEMO_CREATE = "demo.create"
SCAN_LOG_PRUNE = "scan_log.prune"

GENESIS = "0" * 64
# An arbitrary key for PostgreSQL's advisory lock that makes sealing single-file.
_SEAL_LOCK = 0x46_43_41_55  # "FCAU"


# Where events go instead of one INSERT each (see `written_by`).
_writer: ContextVar[Callable | None] = ContextVar("audit_writer", default=None)


def record(action, *, actor=None, subject=None, details=None, address=None, at):
    """Write one audit event; call it inside the transaction of the change it describes.

    Returns the event, or None when a writer set by `written_by` takes it.
    """
    subject_type, subject_id = _subject(subject)
    if subject_id is not None and len(subject_id) > 64:
        raise ValueError("an audit subject id has at most 64 characters")
    row = {
        "at": at,
        "actor": actor.id if actor is not None else None,
        "actor_name": actor.username if actor is not None else None,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": canonical_json(details or {}),
        "address": address,
    }
    writer = _writer.get()
    if writer is not None:
        writer(AuditEvent, row)
        return None
    event = AuditEvent(**row)  # one plain INSERT: audited reads write one on every page
    event.id = insert_row(database, AuditEvent, event.__data__)
    return event


def event_for_each(model: type[peewee.Model], where, action: str) -> peewee.Insert:
    """An INSERT of one `action` event about each `model` row that `where` selects (its primary
    key the subject id), as `record` would write it with empty details; the actor, the moment
    and the address are left open as Slots, given by `event_slots` (compile it once with
    fieldcheck.db.CompiledSelect).

    For an audited read written only when the thing read is there for the reader, and in the
    same round trip as reading it (CompiledSelect.rows_after)."""
    pk = model._meta.primary_key
    found = model.select(
        Slot("at"),
        Slot("actor"),
        Slot("actor_name"),
        peewee.Value(action),
        peewee.Value(model.__name__.lower()),  # as _subject() names a model's rows
        pk.cast("TEXT"),
        peewee.Value(canonical_json({})),
        Slot("address"),
    ).where(where)
    fields = [
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.actor_name,
        AuditEvent.action,
        AuditEvent.subject_type,
        AuditEvent.subject_id,
        AuditEvent.details,
        AuditEvent.address,
    ]
    return AuditEvent.insert_from(found, fields)


def event_slots(actor, *, at, address) -> dict:
    """The values of event_for_each's Slots: who, when (aware, stored as naive UTC), from where."""
    return {
        "at": AuditEvent.at.db_value(at),
        "actor": actor.id,
        "actor_name": actor.username,
        "address": address,
    }


@contextmanager
def written_by(writer: Callable):
    """Hand the events recorded in this block to `writer(AuditEvent, row)`, which must write
    them in the same transaction (the sync engine writes a push's events in one statement)."""
    token = _writer.set(writer)
    try:
        yield
    finally:
        _writer.reset(token)


def _subject(subject):
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        kind, ident = subject
        return kind, str(ident)
    return type(subject).__name__.lower(), str(
        subject.get_id() if hasattr(subject, "get_id") else subject.id
    )


def canonical_json(value) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_digest(prev_hash: str, event: AuditEvent) -> str:
    """The hash of an event chained to the one before it."""
    body = canonical_json(
        [
            event.chain_seq,
            event.id,
            event.at.isoformat(),
            event.actor_id,
            event.actor_name,
            event.action,
            event.subject_type,
            event.subject_id,
            event.details,
            event.address,
        ]
    )
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def seal(limit: int = 10_000, wait: bool = True) -> int:
    """Chain every event not yet sealed, oldest id first; return how many were sealed.

    Sealing is done by one writer at a time (an advisory lock on PostgreSQL; SQLite's own
    write lock). With wait=False a busy sealer is left to finish the work.
    """
    with database.atomic():
        if is_postgres():
            if wait:
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_SEAL_LOCK,))
            else:
                got = database.execute_sql(
                    "SELECT pg_try_advisory_xact_lock(%s)", (_SEAL_LOCK,)
                ).fetchone()[0]
                if not got:
                    return 0
        last = (
            AuditEvent.select(AuditEvent.chain_seq, AuditEvent.chain_hash)
            .where(AuditEvent.chain_seq.is_null(False))
            .order_by(AuditEvent.chain_seq.desc())
            .first()
        )
        seq, prev = (last.chain_seq, last.chain_hash) if last else (0, GENESIS)
        pending = (
            AuditEvent.select()
            .where(AuditEvent.chain_seq.is_null())
            .order_by(AuditEvent.id)
            .limit(limit)
        )
        seals = []
        for event in pending:
            seq += 1
            event.chain_seq = seq
            prev = event.chain_hash = event_digest(prev, event)
            seals.append((event.id, seq, prev))
        _write_seals(seals)
        count = len(seals)
        return count


def _write_seals(seals: list[tuple[int, int, str]]):
    """Store (id, chain_seq, chain_hash) for many events in few statements."""
    mark = "%s" if is_postgres() else "?"
    per_statement = 5_000  # 3 variables a row, within SQLite's 32,766
    for start in range(0, len(seals), per_statement):
        chunk = seals[start : start + per_statement]
        values = ", ".join([f"({mark}, {mark}, {mark})"] * len(chunk))
        database.execute_sql(
            f"WITH v (id, seq, hash) AS (VALUES {values})"  # noqa: S608  (placeholders only)
            " UPDATE audit_event SET chain_seq = v.seq, chain_hash = v.hash"
            " FROM v WHERE audit_event.id = v.id",
            [value for seal in chunk for value in seal],
        )


@dataclass
class ChainReport:
    """What `verify` found: how many sealed events hold, and the first broken link if any."""

    checked: int
    unsealed: int
    broken_seq: int | None = None
    broken_event_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(batch: int = 5_000) -> ChainReport:
    """Walk the sealed chain in order and report the first event whose link does not hold."""
    prev, expected_seq, checked = GENESIS, 1, 0
    query = (
        AuditEvent.select()
        .where(AuditEvent.chain_seq.is_null(False))
        .order_by(AuditEvent.chain_seq)
    )
    unsealed = AuditEvent.select().where(AuditEvent.chain_seq.is_null()).count()
    for event in query.iterator():
        if event.chain_seq != expected_seq:
            return ChainReport(
                checked,
                unsealed,
                expected_seq,
                None,
                f"event number {expected_seq} of the chain is missing",
            )
        if event_digest(prev, event) != event.chain_hash:
            return ChainReport(
                checked,
                unsealed,
                event.chain_seq,
                event.id,
                f"event {event.id} ({event.action}) was changed after sealing",
            )
        prev, expected_seq, checked = event.chain_hash, expected_seq + 1, checked + 1
    return ChainReport(checked, unsealed)


def events_for(subject_type: str, subject_id) -> peewee.ModelSelect:
    """The events about one subject, oldest first (a timeline)."""
    return (
        AuditEvent.select()
        .where(
            (AuditEvent.subject_type == subject_type) & (AuditEvent.subject_id == str(subject_id))
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
