"""Kemendagri region codes: parse a `code,name` CSV and load it, all or nothing, idempotently."""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from fieldcheck.db import database, is_postgres
from fieldcheck.models import Region

DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
PLAIN_LENGTHS = {2: 1, 4: 2, 6: 3, 10: 4}
LEVEL_NAMES = {1: "province", 2: "regency/city", 3: "district", 4: "village"}


def normalise_code(raw: str) -> str | None:
    """`32.04.12.2001` as it is; `3204122001` (digits only) dotted; anything else None."""
    code = raw.strip()
    if DOTTED.match(code):
        return code
    if code.isdigit() and len(code) in PLAIN_LENGTHS:
        parts = [code[:2], code[2:4], code[4:6], code[6:]]
        return ".".join(p for p in parts if p)
    return None


def level_of(code: str) -> int:
    return code.count(".") + 1


def parent_of(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


@dataclass
class RegionFile:
    """What a region CSV holds: its valid rows, and every problem found, by line."""

    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_region_csv(data: bytes) -> RegionFile:
    """Parse a `code,name` CSV (UTF-8, header first); report each bad line, keep nothing bad."""
    result = RegionFile()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.errors.append(f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8")
        return result
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        result.errors.append("the file is empty: expected a header line 'code,name'")
        return result
    if [h.strip().lower() for h in header[:2]] != ["code", "name"]:
        result.errors.append(f"line 1: expected the header 'code,name', found {','.join(header)!r}")
        return result
    seen = {}
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            result.errors.append(f"line {line}: expected 2 columns (code,name), found {len(row)}")
            continue
        code, name = normalise_code(row[0]), row[1].strip()
        if code is None:
            result.errors.append(f"line {line}: {row[0]!r} is not a region code like 32.04.12")
        elif not name:
            result.errors.append(f"line {line}: region {code} has no name")
        elif code in seen:
            result.errors.append(f"line {line}: region {code} already given on line {seen[code]}")
        else:
            seen[code] = line
            result.rows.append(
                {
                    "code": code,
                    "name": name,
                    "level": level_of(code),
                    "parent_code": parent_of(code),
                }
            )
    return result


@dataclass
class ImportResult:
    added: int
    updated: int
    unchanged: int
    by_level: dict


def import_regions(region_file: RegionFile, batch: int = 1000) -> ImportResult:
    """Load the rows in one transaction: new codes added, changed names updated, nothing lost.

    Refuses the whole file if it had errors or names a parent that is neither in the file nor
    already known.
    """
    if region_file.errors:
        raise ValueError("the file has errors; nothing was imported")
    existing = {code: name for code, name in Region.select(Region.code, Region.name).tuples()}
    in_file = {row["code"] for row in region_file.rows}
    orphans = [
        r["code"]
        for r in region_file.rows
        if r["parent_code"] and r["parent_code"] not in in_file and r["parent_code"] not in existing
    ]
    if orphans:
        raise ValueError(
            f"{len(orphans)} regions have an unknown parent, first {orphans[0]}: "
            "import the parent regions too; nothing was imported"
        )
    fresh = [r for r in region_file.rows if r["code"] not in existing]
    renamed = [
        r for r in region_file.rows if r["code"] in existing and existing[r["code"]] != r["name"]
    ]
    with database.atomic():
        for start in range(0, len(fresh), batch):
            Region.insert_many(fresh[start : start + batch]).execute()
        for row in renamed:
            Region.update(name=row["name"]).where(Region.code == row["code"]).execute()
        if is_postgres():
            database.execute_sql('ANALYZE "region"')
    return ImportResult(
        added=len(fresh),
        updated=len(renamed),
        unchanged=len(region_file.rows) - len(fresh) - len(renamed),
        by_level=dict(sorted(Counter(r["level"] for r in region_file.rows).items())),
    )


def count_by_level() -> dict[int, int]:
    """How many regions of each level the database holds."""
    from peewee import fn

    query = Region.select(Region.level, fn.COUNT(Region.code)).group_by(Region.level).tuples()
    return dict(sorted(query))
