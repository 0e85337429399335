"""The building blocks of the payload models: each judges a value and says in the model's JSON
Schema what it judges, and pydantic's errors come out as ours ({field, code, params})."""

from typing import Annotated

import pytest
from pydantic import Field, ValidationError

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
