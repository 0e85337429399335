"""The app's clock: real time in production, a settable one in tests. Always UTC."""

from datetime import UTC, datetime, timedelta

from flask import current_app


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: tests set and advance it."""

    def __init__(self, at: datetime | None = None):
        self.at = at or datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def utcnow() -> datetime:
    """Now, from the current app's clock (UTC, timezone-aware)."""
    return current_app.extensions["clock"].now()
