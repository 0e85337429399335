"""Findings that count (issue 15): where intake and the field both answer (the visa, a contract,
who pays, how the job was offered), the field's answer is the one the risk signals see, whichever
way it turns them; with no field answer, intake's still counts.

Facts are built by the app's own `facts_for` from an unsaved case and a visit held as the sync
push holds it (`Known`), so no database is asked; the rules are the shipped default file.
"""

import json
from datetime import date
from types import SimpleNamespace

import pytest

from fieldcheck.cases.service import Known, facts_for
from fieldcheck.domain import visits
from fieldcheck.domain.signals import check_facts, default_rules_path, evaluate, load_rules_file
from fieldcheck.models import Case

DEFAULT = load_rules_file(default_rules_path())


def intake(**answers) -> Case:
    """A work application as intake records it (unsaved), with these answers."""
    values = {
        "id": 1,
        "sex": "M",
        "birth_date": date(1990, 1, 1),
        "application_date": date(2026, 11, 1),
        "marital_status": "married",
        "purpose": "work",
        "destination_country": "MY",
        "visa_type": "unknown",
        "documents": ["ktp", "kk"],
        "sponsor_is_employer": False,
        "age_doubted": False,
        "costs_paid_by": None,
        "job_offer_channel": None,
    }
    values.update(answers)
    values["documents"] = json.dumps(values["documents"])
    return Case(**values)


def visit(**interview) -> SimpleNamespace:
    """The visit that counts, as a FieldVisit row holds it, with these interview answers."""
    return SimpleNamespace(
        interview=json.dumps({"purpose": "work", **interview}),
        household_aware_of_trip=None,
        household_purpose_matches=None,
        recruiter_phone=None,
    )


def fired(at_intake: dict, seen=None) -> set[str]:
    """The signals a case with intake's answers fires, with the visit `seen`, or before any (a
    case not yet stored has no visit to look for)."""
    case = intake(**at_intake, id=1 if seen else None)
    # Nothing from outside the case (no recruiter it names is tied to other cases).
    facts = facts_for(case, Known(findings=[], latest_visit=seen, outside_facts={}))
    assert check_facts(facts) == []
    return {signal.id for signal in evaluate(DEFAULT, facts).fired}


# (signal, intake's answers, the field's answers): the signal fires on intake's answers alone;
# the field's answers clear it.
CLEARED = [
    pytest.param(
        "visit_visa_for_work", {"visa_type": "visit"}, {"visa_type": "work"}, id="visa-type"
    ),
    pytest.param(
        "work_without_contract",
        {"documents": ["ktp", "kk"]},
        {"contract_seen": True},
        id="contract",
    ),
    pytest.param(
        "costs_paid_by_others",
        {"costs_paid_by": "recruiter"},
        {"costs_paid_by": "self"},
        id="costs-paid-by",
    ),
    pytest.param(
        "job_offered_online",
        {"job_offer_channel": "social_media"},
        {"job_offer_channel": "friend_or_family"},
        id="job-channel-online",
    ),
    pytest.param(
        "job_through_recruiter",
        {"job_offer_channel": "agency"},
        {"job_offer_channel": "walk_in"},
        id="job-channel-recruiter",
    ),
]

# The other way: quiet on intake's answers alone; the field's answers make it fire.
RAISED = [
    pytest.param(
        "visit_visa_for_work", {"visa_type": "work"}, {"visa_type": "tourist"}, id="visa-type"
    ),
    pytest.param(
        "work_without_contract",
        {"documents": ["ktp", "kk", "employment_contract"]},
        {"contract_seen": False},
        id="contract",
    ),
    pytest.param(
        "costs_paid_by_others",
        {"costs_paid_by": "family"},
        {"costs_paid_by": "employer"},
        id="costs-paid-by",
    ),
    pytest.param(
        "job_offered_online",
        {"job_offer_channel": "walk_in"},
        {"job_offer_channel": "messaging_app"},
        id="job-channel-online",
    ),
    pytest.param(
        "job_through_recruiter",
        {"job_offer_channel": "friend_or_family"},
        {"job_offer_channel": "recruiter"},
        id="job-channel-recruiter",
    ),
]


@pytest.mark.parametrize(("signal", "at_intake", "in_the_field"), CLEARED)
def test_the_fields_answer_clears_a_signal_intakes_answer_fired(signal, at_intake, in_the_field):
    assert signal in fired(at_intake)
    assert signal not in fired(at_intake, visit(**in_the_field))


@pytest.mark.parametrize(("signal", "at_intake", "in_the_field"), RAISED)
def test_the_fields_answer_fires_a_signal_intakes_answer_did_not(signal, at_intake, in_the_field):
    assert signal not in fired(at_intake)
    assert signal in fired(at_intake, visit(**in_the_field))


@pytest.mark.parametrize(("signal", "at_intake", "in_the_field"), CLEARED)
def test_a_visit_that_leaves_a_question_open_keeps_intakes_answer(signal, at_intake, in_the_field):
    assert signal in fired(at_intake, visit())


def test_a_visa_the_field_does_not_know_keeps_intakes_visa():
    assert "visit_visa_for_work" in fired({"visa_type": "visit"}, visit(visa_type="unknown"))
    facts = facts_for(
        intake(visa_type="visit"),
        Known(findings=[], latest_visit=visit(visa_type="unknown"), outside_facts={}),
    )
    assert facts["application.visa_type"] == "visit"


def test_a_tourist_offered_a_job_in_the_field_holds_a_visit_visa_for_work():
    """The field's job channel counts in the visa signal's "going to work" too."""
    tourist = {"purpose": "tourism", "visa_type": "tourist", "job_offer_channel": "none"}
    assert "visit_visa_for_work" not in fired(tourist)
    assert "visit_visa_for_work" in fired(tourist, visit(job_offer_channel="online_ad"))


def test_the_reason_names_the_visa_the_field_found():
    case = intake(visa_type="work")
    facts = facts_for(
        case, Known(findings=[], latest_visit=visit(visa_type="tourist"), outside_facts={})
    )
    [reason] = [
        s.reason for s in evaluate(DEFAULT, facts, "en").fired if s.id == "visit_visa_for_work"
    ]
    assert reason.endswith("but only holds a tourist visa.")


# --- what the pages show -------------------------------------------------------------------


def compared(case: Case, interview: dict) -> dict:
    intake_facts = visits.intake_answers(
        visa_type=case.visa_type,
        documents=json.loads(case.documents),
        costs_paid_by=case.costs_paid_by,
        job_offer_channel=case.job_offer_channel,
    )
    field_facts = visits.facts_from_visit({"interview": interview})
    return {a.fact: a for a in visits.answers_compared(intake_facts, field_facts)}


def test_answers_that_differ_are_both_kept_and_the_fields_counts():
    case = intake(visa_type="visit", costs_paid_by="recruiter", job_offer_channel="agency")
    answers = compared(
        case,
        {
            "visa_type": "work",
            "contract_seen": True,
            "costs_paid_by": "recruiter",
            "job_offer_channel": None,
        },
    )
    visa, contract = answers["application.visa_type"], answers["interview.contract_seen"]
    assert (visa.intake, visa.field, visa.counts, visa.differ) == ("visit", "work", "work", True)
    assert (contract.intake, contract.field, contract.differ) == (False, True, True)
    assert contract.counts is True
    paid = answers["interview.costs_paid_by"]
    assert (paid.counts, paid.differ) == ("recruiter", False)  # the same answer twice
    channel = answers["interview.job_offer_channel"]
    assert (channel.field, channel.counts, channel.differ) == (None, "agency", False)


def test_a_visa_not_known_on_one_side_is_no_difference():
    answers = compared(intake(visa_type="unknown"), {"visa_type": "work"})
    visa = answers["application.visa_type"]
    assert (visa.counts, visa.differ) == ("work", False)
    answers = compared(intake(visa_type="visit"), {"visa_type": "unknown"})
    visa = answers["application.visa_type"]
    assert (visa.counts, visa.differ) == ("visit", False)
