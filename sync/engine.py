"""apply_push, the change feed and media bookkeeping: the engine that makes every operation
count exactly once, however often and in whatever order it arrives."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import peewee

from sync.envelope import BadOperation, Operation, parse_envelope
from sync.store import TABLES, Change, Media, MediaWait, OperationLog

APPLIED = "applied"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
REJECTED = "rejected"

# PostgreSQL advisory-lock key that orders change-feed writers by commit (see record_change).
_FEED_LOCK = 0x53_59_4E_43  # "SYNC"


class Rejected(Exception):
    """A handler refuses an operation: nothing of it is kept; the phone mends and resends.

    `errors` are per-field problems: [{"field": "household.gps", "code": "gps_accuracy"}].
    """

    def __init__(self, code: str, message: str = "", errors: list | None = None):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.errors = errors or []


@dataclass
class Outcome:
    """What a handler did: `applied`, or `conflict` (stored, flagged for a person to look at)."""

    status: str = APPLIED
    result: dict = field(default_factory=dict)
    reason: str | None = None


@dataclass
class PushContext:
    """Who pushes (a stable author id and the app's own principal), from which device, when."""

    author: str
    principal: object = None
    device: str | None = None
    now: datetime | None = None


Handler = Callable[[Operation, PushContext, "SyncEngine"], Outcome]


class Handlers:
    """The registry of operation types: the app registers one handler per type."""

    def __init__(self):
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler | None = None):
        """Register a handler for an operation type (usable as a decorator)."""
        if handler is None:
            return lambda fn: self.register(kind, fn)
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is registered already")
        self._handlers[kind] = handler
        return handler

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    @property
    def types(self) -> list[str]:
        return sorted(self._handlers)


def _result(op_id, status, **extra) -> dict:
    return {"op_id": op_id, "status": status, **{k: v for k, v in extra.items() if v is not None}}


class SyncEngine:
    """The sync engine over a peewee database (SQLite or PostgreSQL) handed to it."""

    def __init__(
        self,
        db: peewee.Database,
        handlers: Handlers,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.db = db
        self.handlers = handlers
        self.now = now
        db.bind(TABLES)

    # -- push ---------------------------------------------------------------------------------

    def push(self, body, context: PushContext) -> list[dict]:
        """Apply a push envelope: one result per operation, in order (EnvelopeError if unreadable).

        The batch is one transaction with a savepoint per operation: a bad operation is rolled
        back alone, and the operation log is written in the same transaction as the records, so
        a crash anywhere leaves either the operation and its records, or neither.
        """
        operations, device = parse_envelope(body)
        context.device = context.device or device
        context.now = context.now or self.now()
        with self._write_transaction():
            logged = self._logged([op.op_id for op in operations if isinstance(op, Operation)])
            return [self._apply_one(op, context, logged) for op in operations]

    def _write_transaction(self):
        """A transaction that will write. On SQLite it takes the write lock at BEGIN
        (IMMEDIATE), so a concurrent push waits for it (busy_timeout) instead of failing on a
        stale snapshot when it first writes after reading (SQLITE_BUSY_SNAPSHOT)."""
        db = self.db.obj if isinstance(self.db, peewee.DatabaseProxy) else self.db
        if isinstance(db, peewee.SqliteDatabase) and not db.in_transaction():
            return db.atomic(lock_type="IMMEDIATE")
        return self.db.atomic()

    def _is_postgres(self) -> bool:
        db = self.db.obj if isinstance(self.db, peewee.DatabaseProxy) else self.db
        return isinstance(db, peewee.PostgresqlDatabase)

    def lock(self, key: str):
        """Serialise the work on one key (an op id, a photo) until this transaction ends.

        PostgreSQL runs transactions side by side (READ COMMITTED): two pushes of the same
        operation, or a photo and the push naming it, could each miss the other's uncommitted
        work. An advisory lock per key makes the second wait and then see what the first did.
        (SQLite's single writer already serialises them.)"""
        if self._is_postgres():
            self.db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))

    def _logged(self, op_ids) -> dict[str, OperationLog]:
        found = {}
        for start in range(0, len(op_ids), 500):
            chunk = op_ids[start : start + 500]
            found.update(
                {
                    row.op_id: row
                    for row in OperationLog.select().where(OperationLog.op_id.in_(chunk))
                }
            )
        return found

    def _apply_one(self, op, context: PushContext, logged: dict) -> dict:
        if isinstance(op, BadOperation):
            return _result(op.op_id, REJECTED, code=op.code, message=op.message)
        seen = logged.get(op.op_id)
        if seen is None and self._is_postgres():
            self.lock(f"op:{op.op_id}")  # a concurrent push of this op commits first...
            seen = OperationLog.get_or_none(OperationLog.op_id == op.op_id)  # ...and is seen
        if seen is not None:
            return self._repeat(op, seen)
        handler = self.handlers.get(op.type)
        if handler is None:
            return _result(
                op.op_id, REJECTED, code="unknown_type", message=f"no operation of type {op.type!r}"
            )
        try:
            with self.db.atomic():
                outcome = handler(op, context, self)
                row = OperationLog.create(
                    op_id=op.op_id,
                    type=op.type,
                    record_id=op.record_id,
                    content_hash=op.content_hash,
                    status=outcome.status,
                    result=json.dumps(outcome.result, sort_keys=True, default=str),
                    author=context.author,
                    device=context.device,
                    received_at=context.now,
                )
        except Rejected as refusal:
            return _result(
                op.op_id,
                REJECTED,
                code=refusal.code,
                message=refusal.message,
                errors=refusal.errors or None,
            )
        except peewee.IntegrityError:
            # The same op id committed by a concurrent push meanwhile: answer as a repeat.
            seen = OperationLog.get_or_none(OperationLog.op_id == op.op_id)
            if seen is None:
                raise
            return self._repeat(op, seen)
        logged[op.op_id] = row
        return _result(op.op_id, outcome.status, result=outcome.result, reason=outcome.reason)

    def _repeat(self, op: Operation, seen: OperationLog) -> dict:
        if seen.content_hash != op.content_hash:
            return _result(
                op.op_id,
                REJECTED,
                code="op_id_reused",
                message="this op id was used for other content; the first stays",
            )
        return _result(op.op_id, DUPLICATE, first=seen.status, result=json.loads(seen.result))

    # -- change feed --------------------------------------------------------------------------

    def record_change(self, scope: str, entity: str, entity_id, at: datetime | None = None):
        """Note that `entity` changed for whoever reads `scope`; call it inside the change's
        transaction.

        On PostgreSQL, sequence numbers are handed out at insert but become visible at commit,
        so a later number can be seen before an earlier one. An advisory lock held until commit
        makes feed writers take their numbers in commit order: a reader that has seen number n
        has seen every number below it, and a cursor never skips a change that committed late.
        (SQLite has one writer at a time, which gives the same order.)
        """
        if isinstance(
            self.db.obj if isinstance(self.db, peewee.DatabaseProxy) else self.db,
            peewee.PostgresqlDatabase,
        ):
            self.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_FEED_LOCK,))
        Change.create(scope=scope, entity=entity, entity_id=str(entity_id), at=at or self.now())

    def has_changed(self, scope: str, entity: str, entity_id) -> bool:
        """Whether `entity` was ever in `scope` (e.g. a case that was once a team's)."""
        return (
            Change.select()
            .where(
                (Change.scope == scope)
                & (Change.entity == entity)
                & (Change.entity_id == str(entity_id))
            )
            .exists()
        )

    def cursor_now(self) -> int:
        """The newest change committed: where a full download leaves the phone's cursor."""
        return Change.select(peewee.fn.MAX(Change.seq)).scalar() or 0

    def changes(self, scopes: list[str], after: int, limit: int = 1000):
        """Changes in these scopes after the cursor, oldest first; (changes, cursor, more)."""
        rows = list(
            Change.select()
            .where(Change.scope.in_(scopes) & (Change.seq > after))
            .order_by(Change.seq)
            .limit(limit + 1)
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].seq if rows else after), more

    # -- media --------------------------------------------------------------------------------

    def has_media(self, sha256: str) -> bool:
        return Media.select().where(Media.sha256 == sha256).exists()

    def arrived(self, shas) -> set[str]:
        shas = list(shas)
        return (
            {m.sha256 for m in Media.select(Media.sha256).where(Media.sha256.in_(shas))}
            if shas
            else set()
        )

    def await_media(self, owner: str, shas, since: datetime | None = None) -> list[str]:
        """Note which of these files `owner` still waits for; return them (empty: complete)."""
        for sha in sorted(set(shas)):
            self.lock(f"media:{sha}")
        missing = sorted(set(shas) - self.arrived(shas))
        for sha in missing:
            MediaWait.insert(
                sha256=sha, owner=owner, since=since or self.now()
            ).on_conflict_ignore().execute()
        return missing

    def media_arrived(
        self, sha256: str, size: int, mime: str, uploaded_by: str, at: datetime | None = None
    ) -> tuple[bool, list[str]]:
        """Book a file that arrived: (whether it is new, the owners now no longer waiting on it).

        A file that is already there is never replaced: the same bytes again change nothing.
        """
        with self.db.atomic():
            self.lock(f"media:{sha256}")  # a push naming this photo commits first, then is seen
            created = (
                Media.insert(
                    sha256=sha256,
                    size=size,
                    mime=mime,
                    uploaded_by=uploaded_by,
                    received_at=at or self.now(),
                )
                .on_conflict_ignore()
                .as_rowcount()
                .execute()
            )
            waiting = [w.owner for w in MediaWait.select().where(MediaWait.sha256 == sha256)]
            MediaWait.delete().where(MediaWait.sha256 == sha256).execute()
        still = (
            {w.owner for w in MediaWait.select(MediaWait.owner).where(MediaWait.owner.in_(waiting))}
            if waiting
            else set()
        )
        return bool(created), [o for o in waiting if o not in still]

    def waiting_for(self, owner: str) -> list[str]:
        return sorted(w.sha256 for w in MediaWait.select().where(MediaWait.owner == owner))
