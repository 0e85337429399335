"""The push envelope: what a phone sends, checked before anything is applied.

    {"version": 1,
     "device": "optional device label",
     "operations": [{"op_id": "<uuid>", "type": "visit.submit", "record_id": "<uuid>",
                     "base_version": 3, "created_at": "2026-11-02T08:15:00Z",
                     "payload": {...}}]}

`op_id` is made once on the phone for one operation; `record_id` is the client-made UUID of the
record the operation creates or changes. The content hash covers what the operation means
(type, record, base version, payload), not when or how it travelled.

The envelope and its operations are pydantic models: they judge what arrives, and their JSON
Schema is what the app's API document shows of them (the app names each operation type and the
payload it takes). An envelope that cannot be read is an EnvelopeError; an operation that cannot
be read is a BadOperation, rejected on its own while the rest of the batch goes on.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
)
from pydantic_core import PydanticCustomError

ENVELOPE_VERSION = 1
MAX_OPERATIONS = 500
MAX_DEVICE = 50  # characters of the device label kept
MAX_CREATED_AT = 40  # characters of `created_at` kept

# Why an operation cannot be read, by the first field found wrong (in the model's order).
REJECTIONS = {
    "op_id": ("op_id_invalid", "'op_id' must be a UUID"),
    "type": ("type_missing", "'type' must name the operation"),
    "record_id": ("record_id_invalid", "'record_id' must be a UUID"),
    "base_version": ("base_version_invalid", "'base_version' must be a whole number"),
    "payload": ("payload_invalid", "'payload' must be an object"),
}


class EnvelopeError(Exception):
    """The envelope as a whole cannot be read; nothing in it was applied."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# Made once: json.dumps with options makes a new encoder at every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value) -> str:
    """The one text of a JSON value: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(value)


def content_hash(value) -> str:
    # surrogatepass: a lone surrogate in some text must not stop the hash (the handler judges
    # and cleans the text; the hash only has to be stable).
    return hashlib.sha256(canonical_json(value).encode("utf-8", "surrogatepass")).hexdigest()


def _uuid(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None


def _client_uuid(value) -> str:
    found = _uuid(value)
    if found is None:
        raise PydanticCustomError("not_a_uuid", "not a UUID")
    return found


def _named(kind: str) -> str:
    if not kind:
        raise PydanticCustomError("required", "the operation needs a type")
    return kind


def _stamp(value) -> str | None:
    return None if value is None else str(value)[:MAX_CREATED_AT]


def _device_label(value) -> str | None:
    if value is None:
        return None
    label = "".join(c for c in str(value) if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF)
    return label[:MAX_DEVICE] or None


# Any form uuid.UUID reads (hyphens or not, braces, urn:uuid:), kept in its canonical form.
ClientUuid = Annotated[
    str, BeforeValidator(_client_uuid), Field(json_schema_extra={"format": "uuid"})
]


class Operation(BaseModel):
    """One operation of a push: applied atomically, answered on its own."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    op_id: ClientUuid = Field(description="made once on the phone for this operation")
    # Not strict: a type with a lone surrogate is still a name (of no known operation).
    type: Annotated[str, AfterValidator(_named)] = Field(
        description="what to do, e.g. visit.submit"
    )
    record_id: ClientUuid | None = Field(
        None, description="client-made UUID of the record it creates or changes"
    )
    base_version: Annotated[int, Strict(), Field(ge=0, lt=2**31)] | None = Field(
        None, description="the version of the case it was made on"
    )
    created_at: Annotated[str | None, BeforeValidator(_stamp)] = Field(
        None,
        description=f"when it was made on the phone (kept, not judged; {MAX_CREATED_AT} "
        "characters at most)",
    )
    payload: dict = Field(default_factory=dict, description="what the type of operation takes")

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


OperationT = TypeVar("OperationT")


class Envelope(BaseModel, Generic[OperationT]):
    """A batch of operations, each applied atomically and answered on its own: one bad
    operation never spoils the batch. An operation the server cannot read (not an object, no
    UUID op_id, ...) is answered `rejected`, not a 400."""

    model_config = ConfigDict(extra="ignore")

    version: Literal[ENVELOPE_VERSION]
    device: Annotated[str | None, BeforeValidator(_device_label)] = Field(
        None, description=f"a label of the device (its first {MAX_DEVICE} printable characters)"
    )
    operations: Annotated[list[OperationT], Field(max_length=MAX_OPERATIONS)]


@dataclass(frozen=True)
class BadOperation:
    """An operation too malformed to hand to a handler: rejected, the rest of the batch goes on."""

    index: int
    op_id: str | None
    code: str
    message: str


def parse_envelope(body) -> tuple[list, str | None]:
    """The operations of a push (each an Operation or a BadOperation) and the device label."""
    try:
        envelope = Envelope.model_validate(body)
    except ValidationError as error:
        raise _unreadable(error.errors()[0], body) from None
    return [_parse_operation(i, raw) for i, raw in enumerate(envelope.operations)], envelope.device


def _unreadable(error, body) -> EnvelopeError:
    where = error["loc"][:1]
    if where == ("version",):
        return EnvelopeError(
            "unsupported_version",
            f"envelope version {body.get('version')!r} is not supported; use {ENVELOPE_VERSION}",
        )
    if where == ("operations",) and error["type"] == "too_long":
        return EnvelopeError(
            "too_many_operations",
            f"at most {MAX_OPERATIONS} operations in one push; split the batch",
        )
    if where == ("operations",):
        return EnvelopeError("envelope_invalid", "'operations' must be a list")
    return EnvelopeError("envelope_invalid", "the body must be a JSON object")


def _parse_operation(index: int, raw):
    if not isinstance(raw, dict):
        return BadOperation(index, None, "operation_invalid", "an operation must be an object")
    try:
        return Operation.model_validate(raw)
    except ValidationError as error:
        field = error.errors()[0]["loc"][0]
    op_id = None if field == "op_id" else _uuid(raw.get("op_id"))
    return BadOperation(index, op_id, *REJECTIONS[field])
