"""The push envelope: what a phone sends, checked before anything is applied.

    {"version": 1,
     "device": "optional device label",
     "operations": [{"op_id": "<uuid>", "type": "visit.submit", "record_id": "<uuid>",
                     "base_version": 3, "created_at": "2026-11-02T08:15:00Z",
                     "payload": {...}}]}

`op_id` is made once on the phone for one operation; `record_id` is the client-made UUID of the
record the operation creates or changes. The content hash covers what the operation means
(type, record, base version, payload), not when or how it travelled.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass

ENVELOPE_VERSION = 1
MAX_OPERATIONS = 500


class EnvelopeError(Exception):
    """The envelope as a whole cannot be read; nothing in it was applied."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Operation:
    op_id: str
    type: str
    record_id: str | None
    base_version: int | None
    payload: dict
    created_at: str | None

    @property
    def content(self) -> dict:
        return {
            "type": self.type,
            "record_id": self.record_id,
            "base_version": self.base_version,
            "payload": self.payload,
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


def canonical_json(value) -> str:
    """The one text of a JSON value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value) -> str:
    # surrogatepass: a lone surrogate in some text must not stop the hash (the handler judges
    # and cleans the text; the hash only has to be stable).
    return hashlib.sha256(canonical_json(value).encode("utf-8", "surrogatepass")).hexdigest()


def _uuid(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None


@dataclass(frozen=True)
class BadOperation:
    """An operation too malformed to hand to a handler: rejected, the rest of the batch goes on."""

    index: int
    op_id: str | None
    code: str
    message: str


def parse_envelope(body) -> tuple[list, str | None]:
    """The operations of a push (each an Operation or a BadOperation) and the device label."""
    if not isinstance(body, dict):
        raise EnvelopeError("envelope_invalid", "the body must be a JSON object")
    version = body.get("version")
    if version != ENVELOPE_VERSION:
        raise EnvelopeError(
            "unsupported_version",
            f"envelope version {version!r} is not supported; use {ENVELOPE_VERSION}",
        )
    operations = body.get("operations")
    if not isinstance(operations, list):
        raise EnvelopeError("envelope_invalid", "'operations' must be a list")
    if len(operations) > MAX_OPERATIONS:
        raise EnvelopeError(
            "too_many_operations",
            f"at most {MAX_OPERATIONS} operations in one push; split the batch",
        )
    device = body.get("device")
    if device is not None:
        device = "".join(
            c for c in str(device) if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF
        )
        device = device[:50] or None
    return [_parse_operation(i, raw) for i, raw in enumerate(operations)], device


def _parse_operation(index: int, raw):
    if not isinstance(raw, dict):
        return BadOperation(index, None, "operation_invalid", "an operation must be an object")
    op_id = _uuid(raw.get("op_id"))
    if op_id is None:
        return BadOperation(index, None, "op_id_invalid", "'op_id' must be a UUID")
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind:
        return BadOperation(index, op_id, "type_missing", "'type' must name the operation")
    record_id = raw.get("record_id")
    if record_id is not None:
        record_id = _uuid(record_id)
        if record_id is None:
            return BadOperation(index, op_id, "record_id_invalid", "'record_id' must be a UUID")
    base = raw.get("base_version")
    if base is not None and (
        not isinstance(base, int) or isinstance(base, bool) or not 0 <= base < 2**31
    ):
        return BadOperation(
            index, op_id, "base_version_invalid", "'base_version' must be a whole number"
        )
    payload = raw.get("payload", {})
    if not isinstance(payload, dict):
        return BadOperation(index, op_id, "payload_invalid", "'payload' must be an object")
    created = raw.get("created_at")
    return Operation(
        op_id, kind, record_id, base, payload, str(created)[:40] if created is not None else None
    )
