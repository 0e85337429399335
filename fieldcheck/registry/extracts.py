"""Registry extracts: a clerk loads a CSV of the registry's people, open questions get a
pre-answer (a suggestion the clerk confirms with one action), and extracts are purged after
REGISTRY_EXTRACT_DAYS.

An extract is never an answer by itself: `suggestion` on the question is all it writes.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app

from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    EXTRACT_LOAD,
    EXTRACT_MATCH,
    EXTRACT_PURGE,
)
from fieldcheck.db import database
from fieldcheck.domain import family, identity, names, roles
from fieldcheck.errors import message
from fieldcheck.models import RegistryExtract, RegistryPerson, RegistryQuestion, User
from fieldcheck.registry import queries

COLUMNS = (
    "nik",
    "kk",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "relationship",
    "father_name",
    "mother_name",
)
MAX_ROWS = 500_000
CHUNK = 80  # rows per INSERT: 11 columns stay under SQLite's 999 variables
SEXES = {"F": "F", "M": "M", "P": "F", "L": "M"}


@dataclass
class RowProblem:
    line: int
    column: str | None
    message: str


@dataclass
class ParsedExtract:
    valid: list[dict] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str | None = None
    total: int = 0

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


@dataclass
class LoadResult:
    parsed: ParsedExtract
    extract: RegistryExtract | None = None
    suggested: dict = field(default_factory=dict)  # answer -> questions pre-answered
    purged: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """Nothing was loaded: the file was refused, or none of its rows were good."""
        return bool(self.parsed.file_error) or self.extract is None


def loader_regions(user: User) -> list[str]:
    """The regions whose people a user may load: a clerk's own, an administrator's office's."""
    if user.role == roles.REGISTRY:
        return user.region_codes()
    if user.role == roles.ADMIN and user.office_id:
        return user.office.region_codes()
    return []


def _too_many_rows(text: str) -> bool:
    """Whether the file has more than MAX_ROWS rows, read no further than the row past it
    (counting is some 50 times cheaper than checking: a file over the cap has none checked)."""
    lines = csv.reader(io.StringIO(text, newline=""))
    next(lines, None)  # the header
    rows = 0
    for row in lines:
        rows += bool(row)  # an empty line is no row (csv.DictReader skips it too)
        if rows > MAX_ROWS:
            return True
    return False


def parse(data: bytes, regions, today: date) -> ParsedExtract:
    """Check every row; the good ones come back ready for RegistryPerson. A file over the row
    cap, or one that is not CSV, has none of its rows checked."""
    result = ParsedExtract()
    if not data.strip():
        result.file_error = message("extract_empty")
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.file_error = message("extract_encoding")
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        result.file_error = _file_error(reader, text)
        if result.file_error is None:
            _check_rows(reader, regions, today, result)
    except csv.Error:  # a quote left open, or a cell longer than csv takes (128 K)
        result.file_error = message("extract_not_csv", {"line": reader.line_num})
        result.valid, result.problems = [], []
    return result


def _file_error(reader: csv.DictReader, text: str) -> str | None:
    """The wrong columns or too many rows, in words; None when the rows may be checked."""
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        return message(
            "extract_columns",
            {
                "columns": ",".join(COLUMNS),
                "missing": ", ".join(missing) or "—",
                "unknown": ", ".join(unknown) or "—",
            },
        )
    if _too_many_rows(text):
        return message("extract_too_many", {"max": MAX_ROWS})
    reader.fieldnames = header
    return None


def _check_rows(reader: csv.DictReader, regions, today: date, result: ParsedExtract):
    for row in reader:
        line = reader.line_num
        result.total += 1
        if None in row:
            result.problems.append(RowProblem(line, None, message("extract_cells")))
            continue
        person, problems = _row(row, line, regions, today)
        if problems:
            result.problems.extend(problems)
        else:
            result.valid.append(person)


def _row(row: dict, line: int, regions, today: date):
    cell = {k: (v or "").strip() for k, v in row.items()}
    problems = []

    def bad(column, key, **params):
        problems.append(RowProblem(line, column, message(f"extract_{key}", params)))

    decoded = identity.decode_nik(cell["nik"], today)
    if not decoded.valid:
        bad("nik", "nik")
    elif not queries.in_regions(decoded.district_code, regions):
        bad("nik", "outside", district=decoded.district_code)
    kk = cell["kk"].replace(" ", "")
    if kk and not (len(kk) == 16 and kk.isdigit()):
        bad("kk", "kk")
    if not cell["name"]:
        bad("name", "name")
    for column, limit in (("name", 200), ("birth_place", 100), ("father_name", 200)):
        if len(cell[column]) > limit:
            bad(column, "too_long")
    if len(cell["mother_name"]) > 200:
        bad("mother_name", "too_long")
    sex = SEXES.get(cell["sex"].upper()) if cell["sex"] else None
    if cell["sex"] and sex is None:
        bad("sex", "sex")
    birth_date = None
    if cell["birth_date"]:
        try:
            birth_date = date.fromisoformat(cell["birth_date"])
        except ValueError:
            bad("birth_date", "birth_date")
    relation = None
    if cell["relationship"]:
        relation = family.shdk_code(family.shdk_number(cell["relationship"]))
        if relation is None:
            bad("relationship", "relationship")
    if problems:
        return None, problems
    return {
        "nik": decoded.nik,
        "kk": kk or None,
        "name": cell["name"],
        "sex": sex,
        "birth_place": cell["birth_place"] or None,
        "birth_date": birth_date,
        "kk_relation": relation,
        "father_name": cell["father_name"] or None,
        "mother_name": cell["mother_name"] or None,
        "region_code": decoded.district_code,
    }, []


def load(actor: Actor, filename: str, data: bytes, regions) -> LoadResult:
    """Check the file, load its good rows, purge expired extracts, pre-answer open questions."""
    parsed = parse(data, regions, actor.at.date())
    result = LoadResult(parsed)
    result.purged = purge_extracts(actor.at, actor)
    if parsed.file_error or not parsed.valid:
        return result
    days = int(current_app.config.get("REGISTRY_EXTRACT_DAYS", 30))
    with database.atomic():
        extract = RegistryExtract.create(
            filename=(filename or "extract.csv")[:120],
            loaded_by=actor.user,
            loaded_at=actor.at,
            purge_after=actor.at + timedelta(days=days),
            rows=len(parsed.valid),
        )
        rows = [{**p, "extract": extract.id} for p in parsed.valid]
        for start in range(0, len(rows), CHUNK):
            RegistryPerson.insert_many(rows[start : start + CHUNK]).execute()
        actor.record(
            EXTRACT_LOAD,
            ("extract", extract.id),
            {
                "filename": extract.filename,
                "rows": len(parsed.valid),
                "bad_rows": len(parsed.bad_lines),
                "purge_after": extract.purge_after,
            },
        )
    result.extract = extract
    result.suggested = pre_answer(actor, extract, regions)
    return result


def pre_answer(actor: Actor, extract: RegistryExtract, regions, people=None) -> dict:
    """Store a suggestion on every open question in `regions` the extract can answer."""
    people = queries.extract_people(extract) if people is None else people
    index = names.NameIndex(people)
    by_kk: dict[str, list[dict]] = {}
    for person in people:
        if person["kk"]:
            by_kk.setdefault(person["kk"], []).append(person)
    covered = {p["region_code"] for p in people}
    note = f"Matched against extract {extract.id}"
    counts: dict[str, int] = {}
    questions = queries.open_questions_in_regions(regions)
    with database.atomic():
        for question in questions:
            claimed = json.loads(question.claimed)
            if question.kind == "kk_membership":
                suggestion = suggest_card(claimed, by_kk.get(claimed.get("kk") or "", []))
            else:
                suggestion = suggest_person(question.kind, claimed, index)
            if suggestion is None:
                continue
            if suggestion["answer"] == "not_found" and question.region_code not in covered:
                continue  # the extract does not cover that district: it cannot say "not found"
            suggestion["note"] = note
            question.suggestion = json.dumps(suggestion, ensure_ascii=False, default=str)
            question.save(only=[RegistryQuestion.suggestion])
            counts[suggestion["answer"]] = counts.get(suggestion["answer"], 0) + 1
        actor.record(
            EXTRACT_MATCH,
            ("extract", extract.id),
            {"questions": sum(counts.values()), "by_answer": counts},
        )
    return counts


def _differences(claimed: dict, person: dict, candidate: names.Candidate, kind: str) -> list[str]:
    found = []
    if candidate.name_score < names.MATCH:
        found.append(f"name {person['name']}")
    claimed_nik = names._nik(claimed.get("nik"))
    if claimed_nik and claimed_nik != person["nik"]:
        found.append(f"NIK {person['nik']}")
    born = names._birth_date(claimed.get("birth_date"))
    if born and person["birth_date"] and born != names._birth_date(person["birth_date"]):
        found.append(f"born {names._birth_date(person['birth_date']).isoformat()}")
    sex = names._SEXES.get(str(claimed.get("sex") or "").strip().casefold())
    if sex and person["sex"] and sex != person["sex"]:
        found.append(f"sex {person['sex']}")
    if kind == "member_identity":
        expected = family.expected_shdk(claimed)
        on_card = family.shdk_number(person["kk_relation"])
        if expected is not None and on_card is not None and expected != on_card:
            found.append(f"relationship {person['kk_relation']}")
    return found


def suggest_person(kind: str, claimed: dict, index: names.NameIndex) -> dict | None:
    """match / mismatch / not_found for one claimed person, or None when the clerk must judge."""
    candidates = index.lookup(claimed, limit=10)
    nik_hit = next((c for c in candidates if c.reasons == ["nik"]), None)
    born = names._birth_date(claimed.get("birth_date"))
    chosen = nik_hit
    if chosen is None:
        chosen = next(
            (
                c
                for c in candidates
                if c.name_score >= names.POSSIBLE
                and born is not None
                and names._birth_date(c.person["birth_date"]) == born
            ),
            None,
        )
    if chosen is None:
        if any(c.name_score >= names.POSSIBLE for c in candidates):
            return None  # a namesake with another birth date: the clerk decides
        best = candidates[0] if candidates else None
        return {
            "answer": "not_found",
            "registry_value": None,
            "score": best.score if best else 0.0,
            "reasons": best.reasons if best else [],
        }
    differences = _differences(claimed, chosen.person, chosen, kind)
    return {
        "answer": "mismatch" if differences else "match",
        "registry_value": "; ".join(differences) or None,
        "score": chosen.score,
        "reasons": [*chosen.reasons, f"name {chosen.name_score:.2f}"]
        if chosen.reasons == ["nik"]
        else list(chosen.reasons),
    }


def suggest_card(claimed: dict, card: list[dict]) -> dict:
    """Each claimed member of a family card against the extract's people with that KK."""
    if not card:
        return {"answer": "not_found", "registry_value": None, "score": 0.0, "reasons": []}
    differences, scores, reasons = [], [], []
    for member in claimed.get("members") or []:
        ranked = names.match_person(member, card, limit=1, minimum=names.POSSIBLE)
        best = ranked[0] if ranked else None
        if best is None or (best.reasons != ["nik"] and best.name_score < names.MATCH):
            differences.append(f"{member.get('name')} not on the card")
            scores.append(best.score if best else 0.0)
            reasons.append(f"{member.get('name')}: not found")
            continue
        scores.append(best.score)
        reasons.append(f"{member.get('name')}: {', '.join(best.reasons)}")
        if member.get("relation") != "applicant":
            expected = family.expected_shdk(member)
            on_card = family.shdk_number(best.person["kk_relation"])
            if expected is not None and on_card is not None and expected != on_card:
                differences.append(
                    f"{best.person['name']} relationship {best.person['kk_relation']}"
                )
    return {
        "answer": "mismatch" if differences else "match",
        "registry_value": "; ".join(differences) or None,
        "score": round(min(scores), 4) if scores else 0.0,
        "reasons": reasons,
    }


def purge_extracts(now, actor: Actor | None = None) -> dict:
    """Delete the extracts (and their people) past purge_after; audited when any went."""
    expired = queries.expired_extract_ids(now)
    if not expired:
        return {"extracts": 0, "people": 0}
    with database.atomic():
        people = RegistryPerson.delete().where(RegistryPerson.extract.in_(expired)).execute()
        RegistryExtract.delete().where(RegistryExtract.id.in_(expired)).execute()
        counts = {"extracts": len(expired), "people": people}
        (actor or Actor(None, now, None)).record(EXTRACT_PURGE, None, {**counts, "ids": expired})
    return counts
