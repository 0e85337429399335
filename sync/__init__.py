"""The sync engine: brings every finding recorded offline to the central office exactly once.

A plain Python package that imports neither Flask nor `fieldcheck`: it works on a peewee
database handed to it and owns its own tables (sync.store). The app registers one handler per
operation type (sync.engine.Handlers) and mounts the HTTP face. See DESIGN.md, "Sync contract".
"""

from sync.engine import (
    APPLIED,
    CONFLICT,
    DUPLICATE,
    REJECTED,
    Handlers,
    Outcome,
    PushContext,
    Rejected,
    SyncEngine,
)
from sync.envelope import ENVELOPE_VERSION, EnvelopeError, Operation

__all__ = [
    "APPLIED",
    "CONFLICT",
    "DUPLICATE",
    "REJECTED",
    "ENVELOPE_VERSION",
    "EnvelopeError",
    "Handlers",
    "Operation",
    "Outcome",
    "PushContext",
    "Rejected",
    "SyncEngine",
]
