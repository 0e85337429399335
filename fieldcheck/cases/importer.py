"""Import of applications from the passport system's CSV export.

Each row is checked by the same CaseForm as the intake form, so no rule is written twice. A dry
run reports every row's problems; a real run imports either every valid row or nothing at all
(the officer's choice), in one transaction, and never a half.

The file is read as a stream, twice: first its size, header and rows are counted, stopping at
the first cap crossed (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS) without reading the rest; only a file
within both is read again to check its rows (about a millisecond each). Memory holds one row
at a time besides the rows found valid, at most the row cap.
"""

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from flask_babel import format_decimal
from werkzeug.datastructures import MultiDict

from fieldcheck import audit
from fieldcheck.accounts import Actor
from fieldcheck.cases import query, service
from fieldcheck.cases.forms import CaseForm
from fieldcheck.db import database
from fieldcheck.errors import MESSAGES, message
from fieldcheck.limits import describe_size

COLUMNS = (
    "application_number",
    "application_date",
    "applicant_name",
    "nik",
    "kk",
    "sex",
    "birth_place",
    "birth_date",
    "marital_status",
    "address",
    "phone",
    "purpose",
    "destination_country",
    "sponsor",
    "sponsor_is_employer",
    "visa_type",
    "job_offer_channel",
    "costs_paid_by",
    "documents",
    "referral_reasons",
    "referral_notes",
    "age_doubted",
    "priority",
    "due_date",
)
REQUIRED = (
    "application_number",
    "application_date",
    "applicant_name",
    "nik",
    "sex",
    "birth_date",
    "purpose",
    "destination_country",
    "referral_reasons",
)
LIST_COLUMNS = ("documents", "referral_reasons")  # several codes separated by ";"
FLAG_COLUMNS = ("sponsor_is_employer", "age_doubted")  # yes/no, ya/tidak, 1/0


@dataclass
class RowProblem:
    line: int
    column: str | None
    message: str


@dataclass
class ParsedFile:
    """What an export holds: rows ready for create_case, and what is wrong, line by line."""

    valid: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    file_error: str | None = None
    total: int = 0

    @property
    def bad_lines(self) -> int:
        return len({p.line for p in self.problems})


YES = {"1", "y", "yes", "ya", "true", "benar"}
NO = {"", "0", "n", "no", "tidak", "false", "salah"}


def _unknown_codes(field_, given: list[str]) -> str:
    """The cells' codes that a column of choices does not take, as written ("" if none)."""
    choices = getattr(field_, "choices", None)  # only fields of choices have them
    if not isinstance(choices, list):
        return ""
    codes = {code for code, _ in choices}
    return ", ".join(value for value in given if value not in codes)


def codes_of(field_) -> str:
    """The codes a column of choices takes, as its cells write them."""
    return ", ".join(code for code, _ in field_.choices if code)


# The columns whose cells are codes, each with its codes in words on the import page (the
# destination country takes any ISO 3166 code, so it is described instead).
CODED_COLUMNS = (
    "sex",
    "marital_status",
    "purpose",
    "visa_type",
    "job_offer_channel",
    "costs_paid_by",
    "documents",
    "referral_reasons",
    "priority",
)


@dataclass(frozen=True)
class Caps:
    """The most an import may hold: bytes of the file, rows after its header."""

    max_bytes: int
    max_rows: int

    @classmethod
    def from_config(cls, config) -> "Caps":
        """The caps the app is configured with (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS)."""
        return cls(max_bytes=config["IMPORT_MAX_BYTES"], max_rows=config["IMPORT_MAX_ROWS"])


# What `parse` says of a file or a row, by its key there: the catalogue's codes
# (fieldcheck.errors), each "import_" and the key.
MESSAGE_KEYS = (
    "empty",
    "encoding",
    "columns",
    "cells",
    "repeated",
    "too_many",
    "too_big",
    "not_csv",
    "code",
    "flag",
    "country",
)


def messages(caps: Caps) -> dict[str, str]:
    """What `parse` says, in the reader's language, the caps put in words (the other
    messages' parameters are filled in as the file is read)."""
    words = {key: str(MESSAGES[f"import_{key}"]) for key in MESSAGE_KEYS}
    words["too_many"] = message("import_too_many", {"max": format_decimal(caps.max_rows)})
    words["too_big"] = message("import_too_big", {"size": describe_size(caps.max_bytes)})
    return words


def coded_columns() -> list[tuple[str, str, str]]:
    """The columns whose cells are codes: each with its label and the codes it takes, as every
    row is checked against them (the intake form's own choices, never a request's)."""
    rows = CaseForm(formdata=None, meta={"csrf": False})
    return [
        (column, getattr(rows, column).label.text, codes_of(getattr(rows, column)))
        for column in CODED_COLUMNS
    ]


@contextmanager
def _text_of(stream: IO[bytes]) -> Iterator[io.TextIOWrapper]:
    """A seekable byte stream as UTF-8 text from its start, decoded as it is read; the stream
    stays open (the wrapper is detached from it afterwards)."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield text
    finally:
        text.detach()


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, io.SEEK_END)
    return stream.tell()


def _blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def measure(stream: IO[bytes], caps: Caps, messages) -> str | None:
    """What stops the file before its rows are checked, in words, or None: too large, empty,
    not UTF-8, not CSV, the wrong columns, too many rows. Reads no more than the header and
    `caps.max_rows` + 1 rows (nothing at all of a file over `caps.max_bytes`)."""
    if _size(stream) > caps.max_bytes:
        return messages["too_big"]
    with _text_of(stream) as text:
        lines = csv.reader(text)
        try:
            header = next(lines, None)
            if header is None or _blank(header):
                if all(_blank(row) for row in lines):
                    return messages["empty"]
                header = []
            header = [h.strip() for h in header]
            missing = [c for c in REQUIRED if c not in header]
            unknown = [c for c in header if c not in COLUMNS]
            if missing or unknown:
                return messages["columns"] % {
                    "missing": ", ".join(missing) or "—",
                    "unknown": ", ".join(unknown) or "—",
                }
            rows = 0
            for row in lines:
                rows += bool(row)  # an empty line is no row (csv.DictReader skips it too)
                if rows > caps.max_rows:
                    return messages["too_many"]
        except UnicodeDecodeError:
            return messages["encoding"]
        except csv.Error:  # a quote left open, or a cell longer than csv takes (128 K)
            return messages["not_csv"] % {"line": lines.line_num}
    return None


def parse(stream: IO[bytes], office, messages, caps: Caps) -> ParsedFile:
    """Check every row of an export (a seekable byte stream, such as an upload's); `messages`
    turns file-level problems into words. A file over a cap has none of its rows checked."""
    result = ParsedFile()
    result.file_error = measure(stream, caps, messages)
    if result.file_error is None:
        with _text_of(stream) as text:
            _check_rows(csv.DictReader(text), office, messages, result)
    return result


def _check_rows(reader: csv.DictReader, office, messages, result: ParsedFile):
    reader.fieldnames = [h.strip() for h in reader.fieldnames]
    seen = {}
    for row in reader:
        line = reader.line_num
        result.total += 1
        if None in row:  # more cells than the header has columns
            result.problems.append(RowProblem(line, None, messages["cells"]))
            continue
        values, unclear = MultiDict(), []
        for column, cell in row.items():
            cell = (cell or "").strip()
            if column in LIST_COLUMNS:
                for code in filter(None, (c.strip() for c in cell.split(";"))):
                    values.add(column, code)
            elif column in FLAG_COLUMNS:
                if cell.lower() in YES:
                    values[column] = "y"
                elif cell.lower() not in NO:  # never read as a "no" it may not mean
                    unclear.append((column, [messages["flag"] % {"value": cell}]))
            elif cell:
                values[column] = cell
        form = CaseForm(formdata=values, meta={"csrf": False})
        if not form.validate() or unclear:
            for name, errors in [*unclear, *form.errors.items()]:
                field_ = getattr(form, name, None)
                label = field_.label.text if field_ is not None else name
                unknown = _unknown_codes(field_, values.getlist(name))
                if unknown and name == "destination_country":
                    errors = [messages["country"] % {"value": unknown}]
                elif unknown:  # say which codes, and which the column takes
                    errors = [messages["code"] % {"value": unknown, "codes": codes_of(field_)}]
                result.problems.append(
                    RowProblem(line, f"{name} ({label})", " ".join(str(e) for e in errors))
                )
            continue
        data_row = form.data_for_case()
        number = data_row["application_number"]
        if number in seen:
            result.problems.append(
                RowProblem(
                    line, "application_number", messages["repeated"] % {"line": seen[number]}
                )
            )
            continue
        seen[number] = line
        result.valid.append((line, data_row))
    numbers = [d["application_number"] for _, d in result.valid]
    existing = query.existing_application_numbers(office, numbers)
    if existing:
        result.duplicates = [
            (line, d["application_number"])
            for line, d in result.valid
            if d["application_number"] in existing
        ]
        result.valid = [
            (line, d) for line, d in result.valid if d["application_number"] not in existing
        ]


def import_rows(actor: Actor, office, report: ParsedFile, filename: str):
    """Import the valid rows in one transaction, yielding progress as it goes: every row, or
    none of them when one is refused (the import is audited once, as case.import)."""
    total, done = len(report.valid), 0
    try:
        with database.atomic():
            for line, row in report.valid:
                try:
                    service.create_case(actor, office, row)
                except service.CaseError as error:
                    raise ImportStopped(line, message(error.code, error.params)) from error
                done += 1
                if done % 50 == 0 or done == total:
                    yield {"done": done, "total": total}
            actor.record(
                audit.CASE_IMPORT,
                ("import", filename),
                {
                    "imported": done,
                    "bad_lines": report.bad_lines,
                    "duplicates": len(report.duplicates),
                },
            )
    except ImportStopped as stop:
        yield {"failed": True, "line": stop.line, "reason": stop.reason}
        return
    yield {"finished": True, "imported": done}


class ImportStopped(Exception):
    """A row the service refused while importing: the whole import is rolled back."""

    def __init__(self, line, reason):
        super().__init__(reason)
        self.line, self.reason = line, reason
