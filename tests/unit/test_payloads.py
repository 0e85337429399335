"""The building blocks of the payload models: each judges a value and says in the model's JSON
Schema what it judges, and pydantic's errors come out as ours ({field, code, params})."""

import random
from typing import Annotated

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from fieldcheck.domain.notes import NotePayload
from fieldcheck.domain.payloads import (
    Code,
    Entries,
    Flag,
    Integer,
    Matching,
    Number,
    Payload,
    Text,
    field_errors,
)


class Entry(Payload):
    key: Matching("^[a-z]+$", "not_a_key")
    size: Integer(1, 9) | None = None


class Sample(Payload):
    title: Text(5, required=True)
    note: Text(8) | None = None
    done: Flag | None = None
    colour: Code(("red", "green")) | None = None
    count: Integer(1, 9) | None = None
    share: Number(0, 1, above=True) | None = None
    entries: Annotated[list[Entry], Entries(2, unique="key")] | None = Field(default_factory=list)


def errors_of(model, data) -> list[dict]:
    with pytest.raises(ValidationError) as error:
        model.model_validate(data)
    return field_errors(error.value)


def test_each_block_says_in_the_schema_what_it_judges():
    schema = Sample.model_json_schema()
    given = {
        name: prop["anyOf"][0] if "anyOf" in prop else prop
        for name, prop in schema["properties"].items()
    }
    assert (given["title"]["maxLength"], given["title"]["minLength"]) == (5, 1)
    assert given["note"] == {"type": "string", "maxLength": 8}
    assert given["done"] == {"type": "boolean"}
    assert given["colour"] == {"type": "string", "enum": ["red", "green"]}
    assert given["count"] == {"type": "integer", "minimum": 1, "maximum": 9}
    assert given["share"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
    assert given["entries"]["maxItems"] == 2
    assert schema["$defs"]["Entry"]["properties"]["key"]["pattern"] == "^[a-z]+$"
    assert (schema["required"], schema["additionalProperties"]) == (["title"], False)


@pytest.mark.parametrize(
    ("name", "value", "code", "params"),
    [
        ("title", "Rumah kosong", "too_long", {"max": 5, "length": 12}),
        ("note", 5, "not_text", None),
        ("done", 1, "not_a_boolean", None),
        ("colour", "blue", "unknown_code", None),
        ("colour", ["red"], "unknown_code", None),
        ("count", 10, "out_of_range", {"min": 1, "max": 9}),
        ("count", 9.0, "not_an_integer", None),
        ("share", 0, "out_of_range", {"min": 0, "max": 1}),
        ("share", "0.5", "not_a_number", None),
        ("entries", {"key": "a"}, "not_a_list", None),
        ("entries", [{"key": "A"}], "not_a_key", None),
    ],
)
def test_each_block_judges_with_its_own_code(name, value, code, params):
    [error] = errors_of(Sample, {"title": "Rumah", name: value})
    assert error["code"] == code and error.get("params") == params
    assert error["field"].split(".")[0] == name


def test_every_entry_is_judged_even_when_there_are_too_many():
    entries = [{"key": "a"}, {"key": "b"}, {"key": "c", "size": 0}, {"key": "a"}]
    assert errors_of(Sample, {"title": "Rumah", "entries": entries}) == [
        {"field": "entries", "code": "too_many", "params": {"max": 2}},
        {"field": "entries.2.size", "code": "out_of_range", "params": {"min": 1, "max": 9}},
        {"field": "entries.3.key", "code": "duplicate", "params": {"first": 0}},
    ]


def test_unknown_names_are_told_first_and_blank_values_are_not_given():
    data = {"title": " \x00 ", "note": "", "done": None, "mood": "", "size": 3}
    assert errors_of(Sample, data) == [
        {"field": "mood", "code": "unexpected_field"},
        {"field": "size", "code": "unexpected_field"},
        {"field": "title", "code": "required"},
    ]


@pytest.mark.parametrize("data", [None, " ", [], "Rumah"])
def test_what_is_not_an_object_is_required_when_blank(data):
    code = "required" if data in (None, " ") else "not_an_object"
    assert errors_of(Sample, data) == [{"field": "", "code": code}]


def test_a_note_takes_a_case_and_text_and_ignores_other_names():
    note = NotePayload.model_validate({"case_id": 3, "text": " Kosong\r\npagi ", "via": "sms"})
    assert (note.case_id, note.text) == (3, "Kosong\npagi")
    assert errors_of(NotePayload, {"case_id": 0, "text": "\x00"}) == [
        {"field": "case_id", "code": "out_of_range", "params": {"min": 1, "max": 2**31 - 1}},
        {"field": "text", "code": "required"},
    ]


@pytest.mark.parametrize(
    "value", [1, 0, True, 1.0, [], {}, ["red"], "blue", "Red", " red", "red\n", "r\ud800", b"red"]
)
def test_a_code_refuses_any_other_value_of_any_type_as_unknown_code(value):
    assert errors_of(Sample, {"title": "Rumah", "colour": value}) == [
        {"field": "colour", "code": "unknown_code"}
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("count", 0),
        ("count", 10),
        ("count", 10**30),
        ("count", -(10**30)),
        ("share", 0),
        ("share", 0.0),
        ("share", -1),
        ("share", 1.000001),
        ("share", 10**400),  # too big for a float: beyond any bound
        ("share", -(10**400)),
        ("share", float("inf")),
    ],
)
def test_a_number_beyond_its_bounds_is_out_of_range_with_both(name, value):
    bounds = {"count": {"min": 1, "max": 9}, "share": {"min": 0, "max": 1}}[name]
    assert errors_of(Sample, {"title": "Rumah", name: value}) == [
        {"field": name, "code": "out_of_range", "params": bounds}
    ]


def test_bounds_take_their_edges_and_an_integer_is_compared_exactly():
    sample = Sample.model_validate({"title": "Rumah", "count": 9, "share": 1})
    assert (sample.count, sample.share) == (9, 1.0) and isinstance(sample.share, float)
    Big = TypeAdapter(Integer(0, 2**53))
    assert Big.validate_python(2**53) == 2**53
    with pytest.raises(ValidationError):  # as a float, 2**53 + 1 would equal the bound
        Big.validate_python(2**53 + 1)


class Copied(dict):
    """A dict that Payload reads the long way, dropping from a copy (see `read_the_long_way`)."""


def read_the_long_way(value):
    """`value` with every object in it a Copied: pydantic takes it as it takes a dict, but
    `Payload` copies it instead of passing it on, so both ways of reading can be compared."""
    if isinstance(value, dict):
        return Copied({key: read_the_long_way(item) for key, item in value.items()})
    if isinstance(value, list):
        return [read_the_long_way(item) for item in value]
    return value


def outcome(model, data):
    """What validating gives, as the phone would see it: the clean object or our errors."""
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as error:
        return field_errors(error)


# Values that are dropped, kept, refused or cleaned; text that starts with no letter or digit
# and is not blank; names a model does not know (one with a lone surrogate).
TRICKY = [
    None, "", " ", "\t\r\n", "\x00", "\x00 \x7f", "\ud800", " \ud800 ", "\u00a0", "\u3000",
    "x", " padded ", "line\r\nbreak", "+62 812", "(x)", "@pak.joko", "-", "red", "RED", "abcde",
    "abcdef", 0, 1, 9, 10, -1, 0.5, 1.5, float("nan"), True, False, [], [None], {}, {"key": "a"},
    [{"key": "a"}, {"key": "a"}], [{"key": "a", "size": None}, {"key": "b", "size": " "}],
]  # fmt: skip
NAMES = ["title", "note", "done", "colour", "count", "share", "entries", "mood", "\ud800", ""]


def tricky_objects(rng, count: int) -> list[dict]:
    """`count` objects of random names (known or not) and TRICKY values, with entries."""
    found = []
    for _ in range(count):
        data = {rng.choice(NAMES): rng.choice(TRICKY) for _ in range(rng.randrange(6))}
        if rng.random() < 0.5:
            data.setdefault("title", "Rumah")
        found.append(data)
    return found


def test_an_object_passed_on_as_it_came_is_judged_as_one_read_the_long_way():
    rng = random.Random(20261102)  # the same objects every run
    objects = tricky_objects(rng, 2000)
    assert any(isinstance(outcome(Sample, data), dict) for data in objects)  # some are good
    for data in objects:
        assert outcome(Sample, data) == outcome(Sample, read_the_long_way(data)), data
