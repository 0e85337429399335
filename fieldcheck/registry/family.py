"""A case's family tree (the latest unflagged field visit) against its family card (the newest
registry extract holding that KK): the data of the comparison page, and its findings."""

from dataclasses import dataclass, field

from fieldcheck.accounts import Actor
from fieldcheck.db import database
from fieldcheck.domain import family, identity
from fieldcheck.models import Case, CaseFinding, FieldVisit, RegistryExtract
from fieldcheck.registry import queries

FAMILY_SOURCE = "family"


@dataclass
class Comparison:
    case: Case
    visit: FieldVisit | None
    extract: RegistryExtract | None
    recorded: list[dict] = field(default_factory=list)
    card: list[dict] = field(default_factory=list)
    rows: list[family.Row] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return family.mismatch_count(self.rows)


def recorded_members(case: Case, visit: FieldVisit | None) -> list[dict]:
    """The applicant, then the members the officer recorded."""
    people = [
        {
            "name": case.applicant_name,
            "nik": case.nik,
            "birth_date": case.birth_date,
            "relation": "applicant",
            "kk_relation": None,
        }
    ]
    if visit is not None:
        for m in queries.visit_family(visit):
            people.append(
                {
                    "name": m.name,
                    "nik": m.nik,
                    "birth_date": m.birth_date,
                    "relation": m.relation,
                    "kk_relation": m.kk_relation,
                    "alive": m.alive,
                    "uuid": m.uuid,
                }
            )
    return people


def compare_case(case: Case) -> Comparison:
    visit = case.latest_visit()
    extract, card = queries.card_members(case.kk) if case.kk else (None, [])
    result = Comparison(case, visit, extract, recorded_members(case, visit), card)
    if visit is not None and card:
        result.rows = family.compare(result.recorded, card)
    return result


def record_findings(actor: Actor, comparison: Comparison) -> int:
    """The differences become the case's family findings (replacing earlier ones)."""
    from fieldcheck.cases import service as cases

    found = [identity.Finding(code, params) for code, params in family.findings(comparison.rows)]
    with database.atomic():
        CaseFinding.delete().where(
            (CaseFinding.case == comparison.case) & (CaseFinding.source == FAMILY_SOURCE)
        ).execute()
        cases.add_findings(actor, comparison.case, FAMILY_SOURCE, found)
    return len(found)
