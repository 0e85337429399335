"""apply_push, the change feed and media bookkeeping: the engine that makes every operation
count exactly once, however often and in whatever order it arrives."""

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

import peewee

from sync import bulk
from sync.envelope import BadOperation, Operation, parse_envelope
from sync.store import TABLES, Change, Media, MediaWait, OperationLog, is_postgres

APPLIED = "applied"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
REJECTED = "rejected"

# PostgreSQL advisory-lock key that orders change-feed writers by commit (see record_change).
_FEED_LOCK = 0x53_59_4E_43  # "SYNC"

# An operation's result as the log keeps it (made once: json.dumps with options makes a new
# encoder at every call).
_RESULT_JSON = json.JSONEncoder(sort_keys=True, default=str)

# The rows the push under way hands to SyncEngine.insert, to be written at its end.
_held: ContextVar["list[tuple[type[peewee.Model], object, dict]] | None"] = ContextVar(
    "sync_held_rows", default=None
)
# The keys of the rows the push under way holds, by table (see SyncEngine._keys).
_drawn: ContextVar["dict[type[peewee.Model], Iterator[int]] | None"] = ContextVar(
    "sync_drawn_ids", default=None
)


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
    """Who pushes (a stable author id and the app's own principal), from which device, when.

    `run` counts the runs of operations the push has begun (see SyncEngine.push): when an
    operation refuses, every operation of its run is undone with it, so what a handler keeps in
    `cache` about the operations of the run under way must be forgotten with them.
    """

    author: str
    principal: object = None
    device: str | None = None
    now: datetime | None = None
    cache: dict = field(default_factory=dict)  # what `prepare` hooks looked up for the push
    run: int = 0


Handler = Callable[[Operation, PushContext, "SyncEngine"], Outcome]
Prepare = Callable[[list[Operation], PushContext, "SyncEngine"], None]
Check = Callable[[Operation, PushContext, "SyncEngine"], None]


class Handlers:
    """The registry of operation types: the app registers one handler per type."""

    def __init__(self):
        self._handlers: dict[str, Handler] = {}
        self._prepare: dict[str, Prepare] = {}
        self._check: dict[str, Check] = {}

    def register(
        self,
        kind: str,
        handler: Handler | None = None,
        *,
        prepare: Prepare = None,
        check: Check = None,
    ):
        """Register a handler for an operation type (usable as a decorator).

        `prepare`, when given, is called once a push with all the new operations of this type,
        before any of them is applied: the place to look up in one query what each operation
        would otherwise look up alone (it keeps what it found in `context.cache`).

        `check`, when given, is called with each operation just before its handler: it raises
        Rejected for what the handler would refuse before writing anything, and writes
        nothing itself, so its refusal undoes nothing (see SyncEngine.push). The handler may
        still refuse; that costs more.
        """
        if handler is None:
            return lambda fn: self.register(kind, fn, prepare=prepare, check=check)
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is registered already")
        self._handlers[kind] = handler
        if prepare is not None:
            self._prepare[kind] = prepare
        if check is not None:
            self._check[kind] = check
        return handler

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    def preparer(self, kind: str) -> Prepare | None:
        return self._prepare.get(kind)

    def checker(self, kind: str) -> Check | None:
        return self._check.get(kind)

    @property
    def types(self) -> list[str]:
        return sorted(self._handlers)


def _result(op_id, status, **extra) -> dict:
    return {"op_id": op_id, "status": status, **{k: v for k, v in extra.items() if v is not None}}


def _refused(op, refusal: Rejected) -> dict:
    return _result(
        op.op_id,
        REJECTED,
        code=refusal.code,
        message=refusal.message,
        errors=refusal.errors or None,
    )


class _Logged(NamedTuple):
    """What a repeat of an operation applied earlier in the same push is answered from (as
    from its OperationLog row)."""

    content_hash: str
    status: str
    result: str


class _Refusal(Exception):
    """An operation's handler refused it: its run of operations is rolled back."""

    def __init__(self, result: dict):
        super().__init__(result["code"])
        self.result = result


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

    def push(self, body, context: PushContext, finish=None) -> list[dict]:
        """Apply a push envelope: one result per operation, in order (EnvelopeError if unreadable).

        The batch is one transaction, and the operation log is written in the same transaction
        as the records, so a crash anywhere leaves either the operation and its records, or
        neither. A bad operation is rolled back alone: the operations are applied in runs, each
        in one savepoint (the whole batch, as long as none refuses); when a handler refuses an
        operation, its run's savepoint is rolled back, and the operations of the run before it
        are applied again in a savepoint of their own, then those after it in another. So
        every operation is applied as if alone in its own savepoint, in order, without a
        savepoint's round trips for each. (What a `check` refuses needs no rollback.)

        Rows that only accumulate (the operation log, the change feed, and whatever a handler
        hands to `insert`) are written at the end, one insert_many per table for the whole
        push. `finish(results)`, when given, runs last in the same transaction (e.g. to audit
        the push), its rows handed to `insert` written with the others.
        """
        operations, device = parse_envelope(body)
        context.device = context.device or device
        context.now = context.now or self.now()
        ops = [op for op in operations if isinstance(op, Operation)]
        with self._write_transaction():
            logged = self._locked_log(ops)
            with self._holding() as held:
                self._prepare(ops, context, logged)
                results = self._apply_all(operations, context, logged, held)
                if finish is not None:
                    finish(results)
            self._write(held)
            return results

    @contextmanager
    def _holding(self):
        held = []
        token, drawn = _held.set(held), _drawn.set({})
        try:
            yield held
        finally:
            _held.reset(token)
            _drawn.reset(drawn)

    def insert(self, model: type[peewee.Model], row: dict):
        """Insert a row (a dict by field name): at once, or, inside a push, with the push's
        other rows at its end, a few statements per table (dropped with its operation's
        savepoint if that is rolled back). For rows nothing reads back from the database
        before the push ends, such as audit events."""
        held = _held.get()
        if held is None:
            if model is Change:
                self._feed_lock()
            bulk.insert_rows(self.db, model, [row])
        else:
            held.append((model, None, row))

    def insert_with_id(self, model: type[peewee.Model], row: dict):
        """Insert a row that others point at and return its primary key. Inside a push the row
        is held as `insert` holds rows (rows pointing at it must be handed to `insert` after
        it), its key drawn at once (`_keys`); outside a push it is inserted at once."""
        held, drawn = _held.get(), _drawn.get()
        if held is None:
            return bulk.insert_row(self.db, model, row)
        if model not in drawn:
            drawn[model] = self._keys(model)
        pk = model._meta.primary_key
        row = {pk.name: next(drawn[model]), **row}
        held.append((model, None, row))
        return row[pk.name]

    def _keys(self, model: type[peewee.Model]) -> Iterator[int]:
        """The keys of the rows of `model` the push holds, in turn (a key drawn and not used,
        as after a rollback, is a gap).

        PostgreSQL: drawn from the table's own sequence, a hundred a round trip, so a row
        another transaction inserts meanwhile takes another key.

        SQLite: the keys SQLite itself would give the rows, one above the largest (a table
        without AUTOINCREMENT), the largest read once. No other connection can add a row in
        between: the push holds the database's one write lock from its BEGIN IMMEDIATE to its
        commit, and, in a transaction begun before the push, a writer that commits after this
        read makes the push's first write fail (SQLITE_BUSY_SNAPSHOT). Within a push, every new
        row of such a table must come through here (the handlers' visits and registry questions
        do). Were a key ever taken twice, it could not be stored (it is the primary key): the
        push would fail whole and be sent again, never point a row at another's."""
        meta = model._meta
        if self._is_postgres():
            return self._sequence_keys(f'"{meta.table_name}"', meta.primary_key.column_name)
        largest = model.select(peewee.fn.MAX(meta.primary_key)).scalar() or 0
        return itertools.count(largest + 1)

    def _sequence_keys(self, table: str, column: str) -> Iterator[int]:
        while True:
            cursor = self.db.execute_sql(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, 100)",
                (table, column),
            )
            yield from (key for (key,) in cursor.fetchall())

    def held_rows(self, model: type[peewee.Model]) -> list[dict]:
        """The rows of `model` the push's operations applied so far hold, to be written at its
        end (for a caller that reads the table again after an operation failed)."""
        return [
            row for held_model, pk, row in _held.get() or () if held_model is model and pk is None
        ]

    def update(self, model: type[peewee.Model], pk, row: dict):
        """UPDATE a row by primary key with these fields (by name): at once, or, inside a push,
        at its end, several updates of a row merged (dropped with its operation's savepoint if
        that is rolled back). The caller keeps the changed object: nothing may read the row
        from the database before the push ends."""
        held = _held.get()
        if held is None:
            bulk.update_rows(self.db, model, {pk: row})
        elif row:
            held.append((model, pk, row))

    def held_updates(self, model: type[peewee.Model], pk) -> dict:
        """What the push's operations applied so far will still write to this row: its fields
        by name (for a caller that reads the row again after an operation failed)."""
        changed = {}
        for held_model, key, row in _held.get() or ():
            if held_model is model and key == pk:
                changed.update(row)
        return changed

    def _write(self, held: list[tuple]):
        """The held rows, by table in the order they came; the updates merged by row."""
        inserts: dict[tuple, list[dict]] = {}
        updates: dict[type, dict] = {}
        changes = {}
        for model, pk, row in held:
            if pk is not None:
                updates.setdefault(model, {}).setdefault(pk, {}).update(row)
            elif model is Change:  # one entry per thing changed is all a reader needs
                changes.setdefault((row["scope"], row["entity"], row["entity_id"]), row)
            else:
                inserts.setdefault((model, *row), []).append(row)
        if changes:
            self._feed_lock()
            for row in changes.values():
                inserts.setdefault((Change, *row), []).append(row)
        for (model, *_), rows in inserts.items():
            bulk.insert_rows(self.db, model, rows)
        for model, rows in updates.items():
            bulk.update_rows(self.db, model, rows)

    def _write_transaction(self):
        """A transaction that will write. On SQLite it takes the write lock at BEGIN
        (IMMEDIATE), so a concurrent push waits for it (busy_timeout) instead of failing on a
        stale snapshot when it first writes after reading (SQLITE_BUSY_SNAPSHOT)."""
        db = self.db.obj if isinstance(self.db, peewee.DatabaseProxy) else self.db
        if isinstance(db, peewee.SqliteDatabase) and not db.in_transaction():
            return db.atomic(lock_type="IMMEDIATE")
        return self.db.atomic()

    def _is_postgres(self) -> bool:
        return is_postgres(self.db)

    def lock(self, key: str):
        """Serialise the work on one key (an op id, a photo) until this transaction ends.

        PostgreSQL runs transactions side by side (READ COMMITTED): two pushes of the same
        operation, or a photo and the push naming it, could each miss the other's uncommitted
        work. An advisory lock per key makes the second wait and then see what the first did.
        (SQLite's single writer already serialises them.)"""
        self.lock_all([key])

    def lock_all(self, keys):
        """`lock` for many keys in one statement, taken in sorted order: two transactions
        locking the same keys listed in different orders wait for each other, never deadlock."""
        keys = sorted(set(keys))
        if keys and self._is_postgres():
            self.db.execute_sql(
                "SELECT pg_advisory_xact_lock(hashtext(k))"
                " FROM (SELECT unnest(%s::text[]) AS k ORDER BY 1) AS keys",
                (keys,),
            )

    def _locked_log(self, ops: list[Operation]) -> dict:
        """The batch's operations the log holds already. On PostgreSQL the batch's op ids are
        locked first, in one statement: a concurrent push of one of them commits first and is
        then seen here as a repeat (read before the lock, it could be missed)."""
        op_ids = [op.op_id for op in ops]
        self.lock_all(f"op:{op_id}" for op_id in op_ids)
        return self._logged(op_ids)

    def _prepare(self, ops: list[Operation], context: PushContext, logged: dict):
        by_type: dict[str, list[Operation]] = {}
        for op in ops:
            if op.op_id not in logged:
                by_type.setdefault(op.type, []).append(op)
        for kind, group in by_type.items():
            prepare = self.handlers.preparer(kind)
            if prepare is not None:
                prepare(group, context, self)

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

    def _apply_all(self, operations, context: PushContext, logged: dict, held: list) -> list:
        """Every operation's result, the operations applied in runs (see `push`)."""
        results = [None] * len(operations)
        runs = [list(range(len(operations)))]
        while runs:
            run = runs.pop(0)
            if not run:
                continue
            context.run += 1
            mark, applied, index = len(held), [], None
            try:
                with self.db.atomic():  # the run's savepoint
                    for index in run:
                        results[index] = self._apply_one(
                            operations[index], context, logged, held, applied
                        )
            except _Refusal as refusal:
                # The savepoint took back what the run wrote; what it handed to `insert` goes
                # with it, and the operations it applied are not logged after all.
                del held[mark:]
                for op_id in applied:
                    del logged[op_id]
                at = run.index(index)
                results[index] = refusal.result
                runs[:0] = [run[:at], run[at + 1 :]]
        return results

    def _apply_one(self, op, context: PushContext, logged: dict, held: list, applied: list) -> dict:
        if isinstance(op, BadOperation):
            return _result(op.op_id, REJECTED, code=op.code, message=op.message)
        seen = logged.get(op.op_id)
        if seen is not None:
            return self._repeat(op, seen)
        handler = self.handlers.get(op.type)
        if handler is None:
            return _result(
                op.op_id, REJECTED, code="unknown_type", message=f"no operation of type {op.type!r}"
            )
        check = self.handlers.checker(op.type)
        try:
            if check is not None:
                check(op, context, self)
        except Rejected as refusal:  # before anything of it was written: nothing to undo
            return _refused(op, refusal)
        try:
            outcome = handler(op, context, self)
        except Rejected as refusal:
            raise _Refusal(_refused(op, refusal)) from None
        row = {
            "op_id": op.op_id,
            "type": op.type,
            "record_id": op.record_id,
            "content_hash": op.content_hash,
            "status": outcome.status,
            "result": _RESULT_JSON.encode(outcome.result),
            "author": context.author,
            "device": context.device,
            "received_at": context.now,
        }
        held.append((OperationLog, None, row))
        logged[op.op_id] = _Logged(row["content_hash"], row["status"], row["result"])
        applied.append(op.op_id)
        return _result(op.op_id, outcome.status, result=outcome.result, reason=outcome.reason)

    def _repeat(self, op: Operation, seen: "OperationLog | _Logged") -> dict:
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
        transaction (inside a push, it is written with the push's other rows at its end)."""
        row = {"scope": scope, "entity": entity, "entity_id": str(entity_id)}
        self.insert(Change, {**row, "at": at or self.now()})

    def _feed_lock(self):
        """On PostgreSQL, sequence numbers are handed out at insert but become visible at
        commit, so a later number can be seen before an earlier one. An advisory lock held
        until commit makes feed writers take their numbers in commit order: a reader that has
        seen number n has seen every number below it, and a cursor never skips a change that
        committed late. (SQLite has one writer at a time, which gives the same order.)"""
        if self._is_postgres():
            self.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_FEED_LOCK,))

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
        self.lock_all(f"media:{sha}" for sha in shas)
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
