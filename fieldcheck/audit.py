"""The audit trail: one event per change (in the change's transaction) and per read of
personal data, made tamper-evident by a hash chain sealed over ranges of events, whose head
each seal signs into a checkpoint log outside the database (fieldcheck.audit_checkpoints)."""

import hashlib
import heapq
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import peewee
from flask import current_app

from fieldcheck.audit_checkpoints import (
    KEY_FILE,
    LOG_FILE,
    CheckpointError,
    CheckpointLog,
    ObjectCheckpointLog,
    read_witness,
)
from fieldcheck.clock import utcnow
from fieldcheck.db import database, is_postgres
from fieldcheck.models import AuditEvent

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
USER_SECOND_FACTOR_ENROL = "user.second_factor_enrol"
USER_SECOND_FACTOR_RESET = "user.second_factor_reset"
USER_RECOVERY_CODE_USE = "user.recovery_code_use"
SESSION_END = "session.end"
TEAM_CREATE = "team.create"
TEAM_UPDATE = "team.update"
OFFICE_CREATE = "office.create"
REGIONS_IMPORT = "regions.import"
DEMO_CREATE = "demo.create"
SCAN_LOG_PRUNE = "scan_log.prune"

# Cases, the registry, reports, the phones' operations, sync and devices.
CASE_CREATE = "case.create"
CASE_READ = "case.read"
CASE_SEARCH = "case.search"
CASE_IMPORT = "case.import"
CASE_RISK = "case.risk"
DEVICE_TOKEN_ISSUE = "device.token_issue"  # noqa: S105  (an action name)
DEVICE_TOKEN_REVOKE = "device.token_revoke"  # noqa: S105  (an action name)
REPORT_ISSUE = "report.issue"
REPORT_REVOKE = "report.revoke"
REPORT_READ = "report.read"
REPORT_VERIFY = "report.verify"
VISIT_SUBMIT = "visit.submit"
VISIT_AMEND = "visit.amend"
NOTE_ADD = "note.add"
SYNC_PULL = "sync.pull"
SYNC_PUSH = "sync.push"
MEDIA_UPLOAD = "media.upload"
MEDIA_READ = "media.read"
REGISTRY_ASK = "registry.ask"
REGISTRY_ANSWER = "registry.answer"
REGISTRY_CORRECT = "registry.correct"
REGISTRY_SKIP = "registry.proceed_without"
EXTRACT_LOAD = "registry.extract_load"
EXTRACT_MATCH = "registry.extract_match"
EXTRACT_PURGE = "registry.extract_purge"
VISIT_COMPLETE = "visit.complete"  # a visit's last photo arrived
# Phone enrolment (fieldcheck.enrolment): a one-time code made for a field officer, used by
# their phone (which gets a device token: device.token_issue), or refused (wrong, used, expired).
ENROLMENT_CODE_CREATE = "enrolment.code_create"
ENROLMENT_CODE_USE = "enrolment.code_use"
ENROLMENT_CODE_REFUSE = "enrolment.code_refuse"
# Recruiters and agencies (issue 16, fieldcheck.recruiters): a case's intake or visit linked to
# the recruiter and agency it names, two recruiters found to be one merged; reads of a
# recruiter's page (with the cases it showed) and of the list of recruiters.
RECRUITER_LINK = "recruiter.link"
RECRUITER_MERGE = "recruiter.merge"
# A file of repatriated victims' records linked to the recruiters and agencies they name: one
# event a file (or a run of `fieldcheck recruiters link`), each victim with its recruiter.
RECRUITER_LINK_VICTIMS = "recruiter.link_victims"
RECRUITER_READ = "recruiter.read"
RECRUITER_LIST = "recruiter.list"
AGENCY_READ = "agency.read"
# Seen before (issue 16): the same applicant in another office's case; the national prevention
# list (daftar cegah), kept by headquarters administrators, and the cases that named someone on
# it; repatriated trafficking victims' records, loaded at headquarters and sent to the office
# that issued the passport, whose supervisor reviews a verified case's record.
CASE_SEEN_ELSEWHERE = "case.seen_elsewhere"
PREVENTION_CREATE = "prevention.create"
PREVENTION_UPDATE = "prevention.update"
PREVENTION_REMOVE = "prevention.remove"
PREVENTION_IMPORT = "prevention.import"
PREVENTION_READ = "prevention.read"
PREVENTION_HIT = "prevention.hit"
PREVENTION_HIT_READ = "prevention.hit_read"
PREVENTION_HIT_HANDLE = "prevention.hit_handle"
REPATRIATION_IMPORT = "repatriation.import"
REPATRIATION_READ = "repatriation.read"
REPATRIATION_REVIEW = "repatriation.review"
# Statistics (issue 17): an export for partners, with its format, offices, filters and privacy rule.
STATISTICS_EXPORT = "statistics.export"

# Reads of the lists that show people's names and NIKs: one event each time such a list is
# shown (an htmx refresh of it too, and an empty one), saying which list (the action), with
# which filters and how many rows, never the rows themselves (see record_list_read).
CASE_LIST = "case.list"
FIELD_LIST = "field.list"
REGISTRY_QUEUE = "registry.queue"
REGISTRY_PRINT = "registry.print"
REVIEW_QUEUE = "review.queue"
PREVENTION_LIST = "prevention.list"
PREVENTION_HIT_LIST = "prevention.hit_list"
REPATRIATION_LIST = "repatriation.list"

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
    return AuditEvent.create(**row)


def record_list_read(reader, action: str, filters: dict, rows: int, **shown):
    """Audit that `reader` (an accounts.Actor) was shown a list of personal data: `action` names
    the list, `filters` holds its filters as parsed (no text typed to search: a name or a NIK
    typed there is itself personal data), `rows` how many rows it showed, and `shown` what else
    says which rows those were (the page, the scope it was drawn from). One INSERT, atomic on
    its own, as the case page's read: a list changes nothing else for it to be atomic with."""
    return reader.record(action, None, {"filters": filters, "rows": rows, **shown})


def record_for_each(action, model: type[peewee.Model], where, *, actor=None, address=None, at):
    """Write one `action` event about each `model` row that `where` selects (its primary key
    the subject id), as `record` would write it with empty details, in one INSERT ... SELECT:
    for an audited read written only when the thing read is there for the reader. Returns how
    many events were written (none: nothing there for the reader)."""
    found = model.select(
        peewee.Value(AuditEvent.at.db_value(at)),
        peewee.Value(actor.id if actor is not None else None),
        peewee.Value(actor.username if actor is not None else None),
        peewee.Value(action),
        peewee.Value(model.__name__.lower()),  # as _subject() names a model's rows
        model._meta.primary_key.cast("TEXT"),
        peewee.Value(canonical_json({})),
        peewee.Value(address),
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
    return AuditEvent.insert_from(found, fields).as_rowcount().execute()


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


# Made once: json.dumps with options makes a new encoder at every call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical_json(value) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return _CANONICAL.encode(value)


def event_digest(prev_hash: str, event: AuditEvent) -> str:
    """The hash of an event chained to the one before it."""
    return _digest(prev_hash, event.chain_seq, event.id, event.at, *_chained(event))


def _chained(event: AuditEvent) -> tuple:
    """What the chain holds of an event besides its number, id and time, in the hash's order."""
    return tuple(getattr(event, name) for name, _ in CHAINED)


# The columns of an event the chain holds besides its number, id and time (as read by name).
CHAINED = (
    ("actor_id", AuditEvent.actor),
    ("actor_name", AuditEvent.actor_name),
    ("action", AuditEvent.action),
    ("subject_type", AuditEvent.subject_type),
    ("subject_id", AuditEvent.subject_id),
    ("details", AuditEvent.details),
    ("address", AuditEvent.address),
)


def _digest(prev_hash: str, seq: int, event_id: int, at, *chained) -> str:
    body = canonical_json([seq, event_id, at.isoformat(), *chained])
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def checkpoint_log(app=None) -> CheckpointLog:
    """The app's checkpoint log (AUDIT_CHECKPOINT_LOG: by default a file in the instance folder,
    or `s3://BUCKET/PREFIX`, objects in a bucket reached with the MEDIA_S3_* settings, one log
    for every node of a cluster) and its audit key (a file in the instance folder, never in the
    database)."""
    app = app or current_app
    folder = Path(app.instance_path)
    where = app.config.get("AUDIT_CHECKPOINT_LOG") or folder / LOG_FILE
    if isinstance(where, str) and where.startswith("s3://"):
        bucket, _, prefix = where.removeprefix("s3://").partition("/")
        if not bucket or not prefix.strip("/"):
            raise ValueError("AUDIT_CHECKPOINT_LOG s3://BUCKET/PREFIX names no bucket or prefix")
        client = app.extensions.get("audit_log_client")
        if client is None:  # made once: a boto3 client costs tens of milliseconds to make
            from sync.s3 import S3Storage

            settings = app.config
            client = S3Storage(
                bucket,
                endpoint_url=settings.get("MEDIA_S3_ENDPOINT_URL"),
                region=settings.get("MEDIA_S3_REGION"),
                access_key_id=settings.get("MEDIA_S3_ACCESS_KEY_ID"),
                secret_access_key=settings.get("MEDIA_S3_SECRET_ACCESS_KEY"),
            ).client
            app.extensions["audit_log_client"] = client
        return ObjectCheckpointLog(client, bucket, prefix, folder / KEY_FILE)
    return CheckpointLog(where, folder / KEY_FILE)


@contextmanager
def _sealers_held(shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """On PostgreSQL, the lock that makes sealing one at a time across every node: a session
    advisory lock, held from before a seal reads the checkpoint log to after it appended its
    checkpoint (a transaction's lock would end at the commit, before the checkpoint, and let
    another node's sealer read the log in between). `shared` for readers (verify): they wait
    for a sealer, not for each other. Yields False when wait=False and a sealer holds it.
    A node that dies holding it loses its connection, and PostgreSQL lets the lock go.
    On SQLite, one host only, the checkpoint log's file lock and the write lock suffice."""
    if not is_postgres():
        yield True
        return
    kind = "_shared" if shared else ""
    if wait:
        database.execute_sql(f"SELECT pg_advisory_lock{kind}(%s)", (_SEAL_LOCK,))
    else:
        got = database.execute_sql(
            f"SELECT pg_try_advisory_lock{kind}(%s)", (_SEAL_LOCK,)
        ).fetchone()[0]
        if not got:
            yield False
            return
    try:
        yield True
    finally:
        database.execute_sql(f"SELECT pg_advisory_unlock{kind}(%s)", (_SEAL_LOCK,))


@dataclass(frozen=True)
class ChainHead:
    """The newest sealed event: how many the chain has (its chain_seq), its id and hash."""

    count: int
    event_id: int
    hash: str


def _chain_head() -> ChainHead | None:
    last = (
        AuditEvent.select(AuditEvent.id, AuditEvent.chain_seq, AuditEvent.chain_hash)
        .where(AuditEvent.chain_seq.is_null(False))
        .order_by(AuditEvent.chain_seq.desc())
        .first()
    )
    return ChainHead(last.chain_seq, last.id, last.chain_hash) if last else None


def seal(limit: int = 10_000, wait: bool = True, log: CheckpointLog | None = None) -> int:
    """Chain every event not yet sealed, oldest id first, then sign a checkpoint of the chain's
    head into the checkpoint log; return how many events were sealed.

    One sealer at a time, from before it reads the checkpoint log to after its checkpoint: on
    PostgreSQL a session advisory lock, which holds across every node of a cluster; on this host
    also the checkpoint log file's lock (and SQLite's write lock, taken as the transaction
    begins). With wait=False a busy sealer is left to finish the work.

    The checkpoint is written after the transaction commits, never before, so that none names
    a seal that rolled back. A crash between the commit and the checkpoint leaves sealed events
    that no checkpoint names: `verify` says so, and the next seal, even one with nothing to
    seal, signs the checkpoint of the head that was missed.
    """
    if database.in_transaction():
        raise RuntimeError("seal() needs a transaction of its own: its checkpoint follows it")
    log = log or checkpoint_log()
    with _sealers_held(wait=wait) as held, log.appending(wait=wait) as anchor:
        if not held or anchor is None:
            return 0
        sealed = _seal_events(limit)
        count, head = sealed
        if head is not None and head.count > anchor.latest_count:
            anchor.append(
                count=head.count,
                last_event_id=head.event_id,
                head=head.hash,
                at=utcnow().isoformat(timespec="seconds"),
            )
        return count


def _seal_events(limit: int) -> tuple[int, ChainHead | None]:
    """Seal in one transaction (the caller holds `_sealers_held`): (how many, the chain's head
    after)."""
    # BEGIN IMMEDIATE takes SQLite's write lock before the head is read: a second sealer waits
    # there, and then reads the head the first one left (a deferred transaction would read the
    # old head and fail when it came to write).
    with database.atomic(**({} if is_postgres() else {"lock_type": "IMMEDIATE"})):
        head = _chain_head()
        seq, prev = (head.count, head.hash) if head else (0, GENESIS)
        pending = (
            AuditEvent.select(AuditEvent.id, AuditEvent.at, *(field for _, field in CHAINED))
            .where(AuditEvent.chain_seq.is_null())
            .order_by(AuditEvent.id)
            .limit(limit)
            .tuples()  # each field's python_value, as a model's row would have them
        )
        seals = []
        for event_id, at, *chained in pending:
            seq += 1
            prev = _digest(prev, seq, event_id, at, *chained)
            seals.append((event_id, seq, prev))
        _write_seals(seals)
        if seals:
            head = ChainHead(seq, seals[-1][0], prev)
        return len(seals), head


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
            # Unsealed, as they were read: PostgreSQL then finds them by the partial index of
            # unsealed events instead of reading the whole log (which only grows) to join it.
            " FROM v WHERE audit_event.id = v.id AND audit_event.chain_seq IS NULL",
            [value for seal in chunk for value in seal],
        )


@dataclass
class ChainReport:
    """What `verify` found: how many sealed events and checkpoints hold, and the first thing
    that does not, if any (`broken_seq`: where in the chain, when it is in the chain)."""

    checked: int
    unsealed: int
    broken_seq: int | None = None
    broken_event_id: int | None = None
    problem: str | None = None
    checkpoints: int = 0  # of the checkpoint log, all holding
    anchored: int = 0  # events counted by the latest checkpoint
    witnessed: int = 0  # checkpoints of the witness copy, all holding

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Mark:
    """A head the chain must have at `count`: a checkpoint of the log or of a witness copy."""

    count: int
    head: str
    event_id: int
    label: str
    witness: bool


def _marks(entries, witness: bool) -> Iterator[_Mark]:
    for where, checkpoint in entries:
        yield _Mark(
            checkpoint.count,
            checkpoint.head,
            checkpoint.last_event_id,
            f"the checkpoint of {checkpoint.at} ({where})",
            witness,
        )


def verify(batch: int = 5_000, witness=None, log: CheckpointLog | None = None) -> ChainReport:
    """Walk the sealed chain in order and hold it to every checkpoint of the log, and of a
    witness copy (a path) when given; report the first thing that does not hold.

    Every checkpoint must be signed by the audit key and follow the one before; at each
    checkpoint's count the chain must have the head it signed; the chain must reach the
    latest checkpoint (or sealed events were deleted) and end there (or sealed events are named
    by no checkpoint: the log's newest lines were removed)."""
    log = log or checkpoint_log()
    # Every node's sealers wait (and this host's, on the log file): the log's end matches the head.
    with _sealers_held(shared=True), log.reading() as seen:
        head = _chain_head()
        unsealed = AuditEvent.select().where(AuditEvent.chain_seq.is_null()).count()
    sealed = head.count if head else 0
    try:
        key, lines, latest = log.check(seen)
        copy = read_witness(witness) if witness is not None else None
    except CheckpointError as exc:
        return ChainReport(0, unsealed, problem=str(exc))
    found = partial(
        ChainReport,
        unsealed=unsealed,
        checkpoints=lines,
        anchored=latest.count if latest else 0,
        witnessed=len(copy.checkpoints) if copy else 0,
    )
    if copy is not None and key is not None and copy.key_id != key.key_id:
        return found(
            0,
            problem=f"the witness copy {copy.path} was signed with audit key {copy.key_id}, but "
            f"this instance's audit key is {key.key_id}: the key was replaced and the "
            "checkpoints signed again (or the copy belongs to another instance)",
        )
    witnessed = enumerate(copy.checkpoints if copy else [], 1)
    marks = heapq.merge(
        _marks(log.entries(seen), witness=False),
        _marks(((f"number {n} of the witness copy {witness}", c) for n, c in witnessed), True),
        key=lambda mark: mark.count,
    )
    mark = next(marks, None)
    prev, expected_seq, checked = GENESIS, 1, 0
    query = (
        AuditEvent.select()
        .where(AuditEvent.chain_seq.is_null(False) & (AuditEvent.chain_seq <= sealed))
        .order_by(AuditEvent.chain_seq)
    )
    for event in query.iterator():
        if event.chain_seq != expected_seq:
            return found(
                checked,
                broken_seq=expected_seq,
                problem=f"event number {expected_seq} of the chain is missing",
            )
        if event_digest(prev, event) != event.chain_hash:
            return found(
                checked,
                broken_seq=event.chain_seq,
                broken_event_id=event.id,
                problem=f"event {event.id} ({event.action}) was changed after sealing",
            )
        while mark is not None and mark.count == event.chain_seq:
            if (mark.head, mark.event_id) != (event.chain_hash, event.id):
                return found(
                    checked,
                    broken_seq=event.chain_seq,
                    broken_event_id=event.id,
                    problem=_differs(mark, event),
                )
            mark = next(marks, None)
        prev, expected_seq, checked = event.chain_hash, expected_seq + 1, checked + 1
    if mark is not None:
        return found(checked, broken_seq=checked + 1, problem=_too_short(mark, checked))
    anchored = latest.count if latest else 0
    if checked > anchored:
        return found(
            checked,
            broken_seq=anchored + 1,
            problem=f"sealed events {anchored + 1} to {checked} of the chain are named by no "
            f"checkpoint in {log.path}: its newest checkpoints were removed (if the server "
            "stopped between a seal and its checkpoint, or the database was sealed before "
            "checkpoints existed, `fieldcheck audit seal` signs the missing one)",
        )
    return found(checked)


def _differs(mark: _Mark, event: AuditEvent) -> str:
    said = (
        f"event {event.chain_seq} of the chain (id {event.id}, hash {event.chain_hash[:16]}...) "
        f"is not what {mark.label} signed (id {mark.event_id}, hash {mark.head[:16]}...): "
    )
    if mark.witness:
        return said + (
            "the trail was rewritten, and its checkpoints signed again, after the witness copy "
            "was made"
        )
    return said + f"sealed events up to {event.chain_seq} were changed and the chain recomputed"


def _too_short(mark: _Mark, checked: int) -> str:
    if checked == 0:
        return (
            f"the audit table holds no sealed events, but {mark.label} counts {mark.count}: "
            "the table was emptied"
        )
    return (
        f"the chain ends at event {checked}, but {mark.label} counts {mark.count}: the newest "
        f"{mark.count - checked} sealed events were deleted"
    )


def events_for(subject_type: str, subject_id) -> peewee.ModelSelect:
    """The events about one subject, oldest first (a timeline)."""
    return (
        AuditEvent.select()
        .where(
            (AuditEvent.subject_type == subject_type) & (AuditEvent.subject_id == str(subject_id))
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
