"""The CSV files of the national lists (issue 16): the prevention list and repatriated victims'
records. Read as the passport system's export is (fieldcheck.cases.importer: within the same
caps, streamed, every bad line reported by its line and reason in the reader's language) and
loaded all or nothing: a file with one bad line loads nothing."""

import csv
from collections.abc import Callable, Sequence
from datetime import date
from typing import IO

from fieldcheck.cases import importer
from fieldcheck.cases.importer import Caps, ParsedFile, RowProblem
from fieldcheck.errors import MESSAGES, message

__all__ = ("Caps", "ParsedFile", "RowProblem", "date_cell", "messages", "parse")

# A row's problems: (column, what is wrong, in words).
Problems = list[tuple[str | None, str]]


def messages(caps: Caps, columns: Sequence[str]) -> dict[str, str]:
    """What a check says of a file, in the reader's language: the export's words, but for the
    columns, which name this file's own."""
    words = importer.messages(caps)
    # The missing and unknown columns are put in as the file is read (importer.measure).
    words["columns"] = message(
        "list_columns",
        {"columns": ", ".join(columns), "missing": "%(missing)s", "unknown": "%(unknown)s"},
    )
    words["date"] = str(MESSAGES["list_date"])
    return words


def parse(
    stream: IO[bytes],
    caps: Caps,
    words: dict[str, str],
    columns: Sequence[str],
    required: Sequence[str],
    check_row: Callable[[dict[str, str]], tuple[dict, Problems]],
) -> ParsedFile:
    """Every row checked by `check_row` (its cells by column, stripped; it returns the row's
    data and its problems): the valid rows with their lines, every problem with its line."""
    result = ParsedFile()
    result.file_error = importer.measure(stream, caps, words, columns, required)
    if result.file_error is not None:
        return result
    with importer.text_of(stream) as text:
        reader = csv.DictReader(text)
        reader.fieldnames = [h.strip() for h in reader.fieldnames]
        for row in reader:
            line = reader.line_num
            result.total += 1
            if None in row:  # more cells than the header has columns
                result.problems.append(RowProblem(line, None, words["cells"]))
                continue
            data, problems = check_row({c: (row.get(c) or "").strip() for c in columns})
            if problems:
                result.problems.extend(RowProblem(line, column, said) for column, said in problems)
            else:
                result.valid.append((line, data))
    return result


def date_cell(cells: dict[str, str], column: str, problems: Problems, words) -> date | None:
    """A YYYY-MM-DD cell as a date (None when empty); a problem noted when it is not one."""
    text = cells.get(column, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append((column, words["date"] % {"value": text}))
        return None
