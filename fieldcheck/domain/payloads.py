"""What a phone sends, as pydantic models: one description that judges a payload and gives
its JSON Schema (the OpenAPI document's components are these models' own schemas).

The building blocks here hold both halves of a rule, so the two cannot drift apart: `Text(200)`
cleans and bounds text and says `maxLength: 200`; `Between(1, 9)` refuses 0 and says
`minimum: 1`; `Code(("a", "b"))` refuses "c" and says `enum: ["a", "b"]`.

Errors are `{"field": "family.1.nik", "code": "nik_invalid", "params": {...}}`: the field is a
dotted path into the payload (list items by index, "" for the payload itself), the code one
of the stable codes the phone has words for (fieldcheck/errors.py), and `params` (only when
there are some) plain JSON values, never the text that was wrong. The checks written here raise
those codes themselves (`problem`, or `RefusedAs` for a check pydantic makes); `field_errors` is
the one place where pydantic's own error types become ours.

A field not given (absent, null, or text that is blank once cleaned, as a form's empty input
may send) takes its default, or is `required`; a name the model does not know is an
`unexpected_field`, told before the errors of the fields the object has. Checks that need the
server's clock read it from the validation context:
`Model.model_validate(data, context={"now": aware_datetime})`.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

# Text from a phone: a textarea may give CRLF; other control characters (and lone surrogates,
# which JSON can carry but UTF-8 cannot store) are dropped rather than refused.
LINE_BREAKS = re.compile(r"\r\n?")
UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# pydantic's error types -> ours. The checks in this package raise ours directly.
PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unexpected_field",
    "model_type": "not_an_object",
    "dict_type": "not_an_object",
    "list_type": "not_a_list",
    "bool_type": "not_a_boolean",
    "int_type": "not_an_integer",
    "string_too_long": "too_long",
}


def clean_text(text: str) -> str:
    """Text as stored: LF line breaks, no other control characters, no surrounding space."""
    if text.isprintable():  # no control character, no surrogate: nothing to drop
        return text.strip()
    return UNWANTED.sub("", LINE_BREAKS.sub("\n", text)).strip()


def is_blank(value) -> bool:
    """Whether a value counts as not given: null, or text that is blank once cleaned."""
    if isinstance(value, str):
        # Most text starts with a letter or digit, which cleaning keeps: no need to clean it.
        return not value[:1].isalnum() and not clean_text(value)
    return value is None


def _any_blank(values) -> bool:
    """Whether any of `values` is_blank (written out: it runs for every object of a payload)."""
    for value in values:
        if value is None or (
            isinstance(value, str) and not value[:1].isalnum() and not clean_text(value)
        ):
            return True
    return False


def problem(code: str, **params) -> PydanticCustomError:
    """One of our errors, for a check to raise (its message is the code: people read the
    catalogue's words for it)."""
    return PydanticCustomError(code, code, params or None)


def now_of(info: ValidationInfo) -> datetime:
    """The server's time the payload is judged at, from the validation context."""
    return info.context["now"]


class Payload(BaseModel):
    """A JSON object a phone sends (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")  # "ignore" drops unknown names quietly
    field_names: ClassVar[frozenset] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs):
        super().__pydantic_init_subclass__(**kwargs)
        cls.field_names = frozenset(cls.model_fields)

    @model_validator(mode="wrap")
    @classmethod
    def _read(cls, data, handler):
        if not isinstance(data, dict):
            return handler(data)  # pydantic says not_an_object
        names = cls.field_names
        # What a phone sends is most often already as read: then it is passed on as it came,
        # not copied. (A dict subclass is copied: pydantic reads it as a plain dict would be.)
        if type(data) is dict and names.issuperset(data) and not _any_blank(data.values()):
            return handler(data)
        # is_blank, written out: this runs for every object of every payload.
        given = {
            k: v
            for k, v in data.items()
            if k in names
            and v is not None
            and (not isinstance(v, str) or v[:1].isalnum() or clean_text(v))
        }
        if data.keys() <= names or cls.model_config["extra"] != "forbid":
            return handler(given)
        unknown = [k for k in data if k not in names]
        # pydantic would name unknown fields last, and cannot name one with a lone surrogate.
        found = [_error(problem("unexpected_field"), (key,), data[key]) for key in unknown]
        try:
            handler(given)
        except ValidationError as error:
            found += [_again(e) for e in error.errors()]
        raise ValidationError.from_exception_data(cls.__name__, found)


def field_errors(error: ValidationError) -> list[dict]:
    """pydantic's errors as ours: `{"field", "code", "params"?}`, in the order found."""
    return [_ours(e) for e in error.errors(include_url=False)]


def _ours(error) -> dict:
    kind, ctx = error["type"], error.get("ctx") or {}
    code = PYDANTIC_CODES.get(kind, kind)
    if kind not in PYDANTIC_CODES:
        params = ctx  # one of ours: its params are its context
    elif kind == "string_too_long":  # the input is the text as cleaned, so its length counts
        params = {"max": ctx["max_length"], "length": len(error["input"])}
    else:
        params = {}
    if code == "not_an_object" and is_blank(error["input"]):
        code = "required"  # the payload itself, or a list's item, is null or blank
    field = ".".join(str(part) for part in error["loc"])
    return (
        {"field": field, "code": code, "params": params}
        if params
        else {"field": field, "code": code}
    )


def _error(kind, loc: tuple, value) -> dict:
    return {"type": kind, "loc": loc, "input": value}


def _again(error) -> dict:
    """An error pydantic found, to raise again with others (same type, place and context)."""
    kind = PydanticCustomError(error["type"], error["msg"], error.get("ctx"))
    return _error(kind, error["loc"], error["input"])


# -- building blocks: each validates and says so in the JSON Schema ---------------------------
# They are types, named and used as types are: `name: Text(200) | None = None`.


def _text(value) -> str:
    if not isinstance(value, str):
        raise problem("not_text")
    return clean_text(value)


def Text(max_length: int, *, required: bool = False):
    """Text cleaned as stored (`clean_text`), then at most `max_length` characters long; a
    required text is not blank (a blank one is not given, so `required`)."""
    shape = (
        StringConstraints(max_length=max_length, min_length=1, pattern=r"\S")
        if required
        else StringConstraints(max_length=max_length)
    )
    return Annotated[str, shape, BeforeValidator(_text)]


Flag = Annotated[bool, Strict()]  # true or false; 1, "true" and "ya" are not_a_boolean


def Code(values):
    """One of `values` (text): anything else, of any type, is unknown_code."""
    return Annotated[Literal[tuple(values)], RefusedAs("unknown_code")]


def Integer(low: int, high: int):
    """A JSON integer (not 3.0, not true) from `low` to `high`."""
    return Annotated[int, Strict(), Between(low, high)]


def _number(value) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise problem("not_a_number")
    try:
        number = float(value)
    except OverflowError:  # an integer too big for a float is out of any range we take
        number = math.inf if value > 0 else -math.inf
    if math.isnan(number):
        raise problem("not_a_number")
    return number


def Number(low: float, high: float, *, above: bool = False):
    """A finite number from `low` (above it, when `above`) to `high`, as a float."""
    return Annotated[float, BeforeValidator(_number), Between(low, high, above=above)]


def Matching(pattern: str, code: str, *, lower: bool = False, format: str | None = None):
    """Text that matches `pattern` whole (lower-cased when `lower`); anything else is `code`."""
    regex = re.compile(pattern)

    def matching(value):
        if isinstance(value, str) and regex.fullmatch(value):
            return value.lower() if lower else value
        raise problem(code)

    # The document says what this check enforces: the same pattern, and the format it names.
    keywords = {"pattern": pattern, **({"format": format} if format else {})}
    return Annotated[str, BeforeValidator(matching), Field(json_schema_extra=keywords)]


@dataclass(frozen=True)
class RefusedAs:
    """Whatever the type it marks refuses, for any reason, is our `code` (without params): so
    a check that pydantic makes itself, such as a Literal's, needs no function of ours."""

    code: str

    def __get_pydantic_core_schema__(self, source, handler: GetCoreSchemaHandler):
        return _refused_as(handler(source), self.code)


def _refused_as(schema, code: str, params: dict | None = None):
    return core_schema.custom_error_schema(
        schema, code, custom_error_message=code, custom_error_context=params
    )


@dataclass(frozen=True)
class Between:
    """A number from `low` to `high` (above `low` when `above`): else out_of_range {min, max}."""

    low: float
    high: float
    above: bool = False

    def __get_pydantic_core_schema__(self, source, handler: GetCoreSchemaHandler):
        # The type is judged first (with its own errors), then its bounds, by pydantic: an int
        # is compared as an int, so a bound past 2**53 stays exact.
        bounds = {"gt" if self.above else "ge": self.low, "le": self.high}
        within = (
            core_schema.int_schema(**bounds)
            if source is int
            else core_schema.float_schema(**bounds)
        )
        params = {"min": self.low, "max": self.high}
        return core_schema.chain_schema(
            [handler(source), _refused_as(within, "out_of_range", params)]
        )

    def __get_pydantic_json_schema__(self, schema, handler: GetJsonSchemaHandler):
        json_schema = handler(schema)
        json_schema["exclusiveMinimum" if self.above else "minimum"] = self.low
        json_schema["maximum"] = self.high
        return json_schema


@dataclass(frozen=True)
class Entries:
    """A list of at most `max_items` objects, each `unique` value in it once. Every entry is
    judged even when there are too many; a repeated value is told after its entry's errors."""

    max_items: int
    unique: str

    def __get_pydantic_core_schema__(self, source, handler: GetCoreSchemaHandler):
        (item,) = get_args(source)
        field = item.model_fields[self.unique]
        key_of = TypeAdapter(Annotated[field.annotation, *field.metadata])

        def entries(value, validate):
            found = []
            if isinstance(value, list) and len(value) > self.max_items:
                found.append(_error(problem("too_many", max=self.max_items), (), value))
            try:
                items = validate(value)
                keys = [getattr(entry, self.unique) for entry in items]
            except ValidationError as error:
                found += [_again(e) for e in error.errors()]
                keys = [_key(key_of, raw, self.unique) for raw in _listed(value)]
            if not found and len(set(keys)) == len(keys):
                return items  # every entry good, none repeated: nothing to tell
            first_at = {}
            for index, key in enumerate(keys):
                if key is not None and key in first_at:
                    where = (index, self.unique)
                    found.append(_error(problem("duplicate", first=first_at[key]), where, key))
                elif key is not None:
                    first_at[key] = index
            if found:
                found.sort(key=lambda e: e["loc"][0] if e["loc"] else -1)  # stable: by entry
                raise ValidationError.from_exception_data(item.__name__, found)
            return items

        return core_schema.no_info_wrap_validator_function(entries, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler: GetJsonSchemaHandler):
        json_schema = handler(schema)
        json_schema["maxItems"] = self.max_items
        return json_schema


def _listed(value) -> list:
    return value if isinstance(value, list) else []


def _key(adapter: TypeAdapter, raw, name: str):
    """The clean value of an entry's `name`, or None when the entry has none that is valid."""
    if not isinstance(raw, dict) or is_blank(raw.get(name)):
        return None
    try:
        return adapter.validate_python(raw[name])
    except ValidationError:
        return None
