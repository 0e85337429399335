"""A CSV file of prevention-list entries, loaded by a headquarters administrator (all or none).

One entry a line: name, nik, birth_date, authority, letter_number, reason, valid_from,
valid_until (dates as YYYY-MM-DD; a NIK, a birth date or both: a name alone is never matched).
"""

from datetime import date
from typing import IO

from fieldcheck import csvload
from fieldcheck.domain import watch
from fieldcheck.errors import message

COLUMNS = (
    "name",
    "nik",
    "birth_date",
    "authority",
    "letter_number",
    "reason",
    "valid_from",
    "valid_until",
)
REQUIRED = ("name", "authority", "letter_number", "reason", "valid_from", "valid_until")
DATES = ("birth_date", "valid_from", "valid_until")


def parse(stream: IO[bytes], caps: csvload.Caps, on: date) -> csvload.ParsedFile:
    """Every line checked as the entry form checks an entry (fieldcheck.domain.watch)."""
    words = csvload.messages(caps, COLUMNS)

    def check_row(cells):
        problems = []
        data = {c: cells.get(c, "") for c in COLUMNS if c not in DATES}
        data.update({c: csvload.date_cell(cells, c, problems, words) for c in DATES})
        said = {column for column, _ in problems}
        for field, code, params in watch.entry_problems(data, on):
            if field not in said:
                column = "nik, birth_date" if code == "entry_identity_required" else field
                problems.append((column, message(code, params)))
        return data, problems

    return csvload.parse(stream, caps, words, COLUMNS, REQUIRED, check_row)
