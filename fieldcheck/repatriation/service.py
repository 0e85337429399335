"""Repatriated victims' records: loaded at headquarters (one transaction, all or nothing, one
audit event), each sent to the office that issued the passport and held against that office's
cases (fieldcheck.domain.watch.victim_match); reviewed there by a supervisor when a verified
field check preceded the passport. Reads of the records are audited: they are personal data.
"""

import json
from collections import defaultdict

from fieldcheck import events
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    REPATRIATION_IMPORT,
    REPATRIATION_LIST,
    REPATRIATION_READ,
    REPATRIATION_REVIEW,
    record_list_read,
)
from fieldcheck.db import database
from fieldcheck.domain import watch
from fieldcheck.models import RepatriatedVictim, RepatriationImport
from fieldcheck.repatriation import queries

PENDING, DONE = "pending", "done"
ROWS_AT_ONCE = 200  # records written per INSERT


class RepatriationError(Exception):
    """A review the rules refuse: `problems` are (field, code, params) for the catalogue."""

    def __init__(self, problems):
        super().__init__(", ".join(code for _, code, _ in problems))
        self.problems = problems


def match_records(records: list[dict]) -> list[tuple[dict, str] | None]:
    """Each record's case of its issuing office (and how it was matched), or None: the
    passport was issued without a field check. Asks the database a few statements an office,
    not one a record: the candidates by NIK, application number and birth date at once."""
    by_office = defaultdict(list)
    for index, record in enumerate(records):
        by_office[record["office"]].append(index)
    matched: list = [None] * len(records)
    for office_id, indices in by_office.items():
        mine = [records[i] for i in indices]
        by_nik, by_number, by_birth = defaultdict(list), defaultdict(list), defaultdict(list)
        for case in queries.candidates(office_id, mine):
            by_nik[case["nik"]].append(case)
            by_number[(case["application_number"] or "").upper()].append(case)
            by_birth[case["birth_date"]].append(case)
        for index in indices:
            record = records[index]
            near = {
                case["id"]: case
                for case in (
                    *by_nik.get(record.get("nik"), ()),
                    *by_number.get(record.get("application_number") or "", ()),
                    *by_birth.get(record.get("birth_date"), ()),
                )
            }
            matched[index] = watch.victim_match(record, list(near.values())) if near else None
    return matched


def load_records(
    actor: Actor, records: list[tuple[int, dict]], filename: str, source_agency: str
) -> RepatriationImport:
    """Store a file's records in one transaction, each matched to its issuing office's case;
    a record whose passport followed a verified field check waits for that office's
    supervisor. Audited once, with how many went to each office and how many matched."""
    rows = [record for _, record in records]
    found = match_records(rows)
    reports = queries.latest_reports(m[0]["id"] for m in found if m is not None)
    with database.atomic():
        batch = RepatriationImport.create(
            filename=filename,
            source_agency=source_agency.strip(),
            loaded_by=actor.user,
            loaded_at=actor.at,
            rows=len(rows),
            matched=sum(m is not None for m in found),
        )
        stored = []
        for (line, record), match in zip(records, found, strict=True):
            case, basis = match if match is not None else (None, None)
            report = reports.get(case["id"]) if case else None
            stored.append(
                {
                    **{k: v for k, v in record.items() if k != "exploitation"},
                    "exploitation": json.dumps(record.get("exploitation") or []),
                    "batch": batch.id,
                    "line": line,
                    "case": case["id"] if case else None,
                    "matched_by": basis,
                    "report": report,
                    "review_state": PENDING if report else None,
                }
            )
        for start in range(0, len(stored), ROWS_AT_ONCE):
            RepatriatedVictim.insert_many(stored[start : start + ROWS_AT_ONCE]).execute()
        # The recruiters the records name join the network of the cases (issue 16).
        events.victims_loaded.send(batch, actor=actor)
        actor.record(
            REPATRIATION_IMPORT,
            ("repatriation_import", batch.id),
            {
                "file": filename,
                "source_agency": batch.source_agency,
                "rows": batch.rows,
                "matched": batch.matched,
                "to_review": sum(1 for row in stored if row["review_state"]),
                "offices": {str(k): v for k, v in queries.office_counts(rows).items()},
            },
        )
    return batch


def record_list_shown(actor: Actor, office_id: int, rows: int, page: int):
    """An office's list of records (names, NIKs) was shown: audited with how many rows."""
    record_list_read(actor, REPATRIATION_LIST, {}, rows, page=page, scope={"office": office_id})


def record_read(actor: Actor, record: RepatriatedVictim):
    """A record's page was opened: a read of personal data."""
    actor.record(REPATRIATION_READ, ("repatriated_victim", record.id), {"case": record.case_id})


def review(actor: Actor, record: RepatriatedVictim, note: str) -> RepatriatedVictim:
    """A supervisor has held the field check against the victim's record and says what the
    office learns from it: the record leaves the review queue."""
    note = (note or "").strip()
    if not note:
        raise RepatriationError([("note", "required", {})])
    if len(note) > 4000:
        raise RepatriationError([("note", "too_long", {"max": 4000})])
    with database.atomic():
        record.review_state, record.reviewed_by, record.reviewed_at = DONE, actor.user, actor.at
        record.review_note = note
        record.save(
            only=[
                RepatriatedVictim.review_state,
                RepatriatedVictim.reviewed_by,
                RepatriatedVictim.reviewed_at,
                RepatriatedVictim.review_note,
            ]
        )
        actor.record(
            REPATRIATION_REVIEW,
            ("repatriated_victim", record.id),
            {"case": record.case_id, "note": note},
        )
    return record
