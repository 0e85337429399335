"""Words shown for the codes a case stores (one place, in the catalogue)."""

import functools
import sys
from types import SimpleNamespace

from babel import Locale
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

STATES = {
    "referred": _l("Referred"),
    "assigned": _l("Assigned"),
    "in_field": _l("In the field"),
    "submitted": _l("Submitted"),
    "registry_check": _l("Registry check"),
    "under_review": _l("Under review"),
    "returned": _l("Returned for correction"),
    "verified": _l("Verified"),
    "refused": _l("Refused"),
    "revoked": _l("Revoked"),
    "cancelled": _l("Cancelled"),
}

ACTIONS = {
    "assign": _l("Assign"),
    "reassign": _l("Re-assign"),
    "take_to_field": _l("Take to the field"),
    "submit": _l("Submit"),
    "begin_registry_check": _l("Send to the registry check"),
    "begin_review": _l("Start review"),
    "return_for_correction": _l("Return for correction"),
    "resubmit": _l("Resubmit"),
    "verify": _l("Verify"),
    "refuse": _l("Refuse"),
    "revoke": _l("Revoke"),
    "cancel": _l("Cancel case"),
}

PRIORITIES = {"high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}
RISK_LEVELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
SEXES = {"F": _l("Female"), "M": _l("Male")}
MARITAL = {
    "single": _l("Not married"),
    "married": _l("Married"),
    "divorced": _l("Divorced"),
    "widowed": _l("Widowed"),
}
PURPOSES = {
    "work": _l("Work"),
    "tourism": _l("Tourism"),
    "family_visit": _l("Family visit"),
    "study": _l("Study"),
    "pilgrimage": _l("Pilgrimage (umrah/hajj)"),
    "business": _l("Business"),
    "other": _l("Other"),
}
VISA_TYPES = {
    "visit": _l("Visit visa"),
    "tourist": _l("Tourist visa"),
    "work": _l("Work visa"),
    "student": _l("Student visa"),
    "none": _l("No visa needed"),
    "unknown": _l("Not known yet"),
}
DOCUMENTS = {
    "ktp": _l("Identity card (KTP)"),
    "kk": _l("Family card (KK)"),
    "birth_certificate": _l("Birth certificate"),
    "diploma": _l("Diploma"),
    "marriage_certificate": _l("Marriage certificate"),
    "parents_consent": _l("Both parents' consent letter"),
    "husband_statement": _l("Husband's statement"),
    "employment_contract": _l("Employment contract"),
}
REFERRAL_REASONS = {
    "doubtful_purpose": _l("Stated purpose of travel is doubtful"),
    "doubtful_documents": _l("Documents look doubtful"),
    "doubtful_age": _l("Stated age is doubtful"),
    "high_risk_destination": _l("High-risk destination"),
    "recruiter_suspected": _l("A recruiter seems to be involved"),
    "inconsistent_answers": _l("Answers at the interview were inconsistent"),
    "accompanied": _l("Came with someone who answered for the applicant"),
    "other": _l("Other (see notes)"),
}


def in_words(table: dict) -> dict[str, str]:
    """A table of this module in the reader's language, e.g. `in_words(STATES)["verified"]`.

    Translated once per language and app, not once per row: a page of 25 cases would otherwise
    look up the same dozen words a hundred times.
    """
    language = str(get_locale())
    cache = current_app.extensions.setdefault("fieldcheck.labels", {})
    key = (id(table), language)
    words = cache.get(key)
    if words is None:
        words = cache[key] = {code: str(label) for code, label in table.items()}
    return words


def for_reader() -> SimpleNamespace:
    """This module for a template, its tables in the reader's language (see in_words), made
    once per language: a case page shows a dozen labels, and each lazy one would find the
    catalogue through the request again when shown."""
    language = str(get_locale())
    cache = current_app.extensions.setdefault("fieldcheck.labels.for_reader", {})
    words = cache.get(language)
    if words is None:
        module = vars(sys.modules[__name__])
        words = cache[language] = SimpleNamespace(
            **{
                name: in_words(value) if _is_table(value) else value
                for name, value in module.items()
                if not name.startswith("_")
            }
        )
    return words


def _is_table(value) -> bool:
    """One of this module's tables of words: codes to lazily translated text."""
    return isinstance(value, dict) and all(isinstance(v, LazyString) for v in value.values())


def country_names() -> dict[str, str]:
    """Every territory's name in the reader's language, by ISO 3166 code."""
    return _territories(str(get_locale()))


@functools.cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)  # a plain dict: Babel's resolves aliases


def country_name(code: str | None) -> str:
    """A country's name in the reader's language, from its ISO 3166 code."""
    if not code:
        return ""
    return country_names().get(code.upper(), code.upper())


def countries() -> list[tuple[str, str]]:
    """Every country as (code, name), sorted by name in the reader's language."""
    return _countries(str(get_locale()))


@functools.cache
def _countries(language: str) -> list[tuple[str, str]]:
    locale = Locale.parse(language)
    return sorted(
        (
            (c, n)
            for c, n in locale.territories.items()
            if len(c) == 2
            and c.isalpha()
            and c not in {"ZZ", "EU", "EZ", "UN", "XA", "XB", "XK", "QO"}
        ),
        key=lambda item: item[1],
    )


AUDIT_ACTIONS = {
    "case.create": _l("created the case"),
    "case.read": _l("opened the case"),
    "case.assign": _l("assigned the case"),
    "case.reassign": _l("re-assigned the case"),
    "case.cancel": _l("cancelled the case"),
    "case.take_to_field": _l("took the case to the field"),
    "case.submit": _l("submitted the field findings"),
    "case.begin_registry_check": _l("sent the case to the registry check"),
    "case.begin_review": _l("started the review"),
    "case.return_for_correction": _l("returned the findings for correction"),
    "case.resubmit": _l("resubmitted the findings"),
    "case.verify": _l("verified the application"),
    "case.refuse": _l("refused the application"),
    "case.revoke": _l("revoked the verification"),
    "case.risk": _l("re-evaluated the risk signals"),
    "registry.ask": _l("asked the registry a question"),
    "registry.answer": _l("answered a registry question"),
    "registry.correct": _l("corrected a registry answer"),
    "registry.proceed_without": _l("went on without the remaining registry answers"),
    "report.issue": _l("issued the field report"),
    "report.revoke": _l("revoked the field report"),
    "report.read": _l("opened the field report"),
    "note.add": _l("added a note"),
    "case.seen_elsewhere": _l("found the same applicant in another office"),
    "prevention.hit": _l("found someone on the prevention list"),
    "prevention.hit_read": _l("opened the prevention-list hit"),
    "prevention.hit_handle": _l("handled the prevention-list hit"),
}


def action_label(action: str) -> str:
    """An audited action in words."""
    return in_words(AUDIT_ACTIONS).get(action, action)


# What the registry was asked about, as a timeline line names it.
REGISTRY_RECORDS = {
    "nik_identity": _l("the applicant's NIK"),
    "kk_membership": _l("the family card"),
    "birth_certificate": _l("the birth certificate"),
    "member_identity": _l("a family member's NIK"),
}
REGISTRY_ANSWERS = {"match": _l("Match"), "mismatch": _l("Mismatch"), "not_found": _l("Not found")}
# What each kind of registry question asks the clerk, as the queue and the review show it.
REGISTRY_QUESTIONS = {
    "nik_identity": _l("Is this NIK this person, born on this date?"),
    "kk_membership": _l("Are these people on this family card, with these relationships?"),
    "birth_certificate": _l("Does this birth certificate exist?"),
    "member_identity": _l("Is this family member's NIK this person, with this relationship?"),
}


def event_details(action: str, details: dict) -> list[str]:
    """What a timeline line says after its action: which registry record was asked about and
    the answer, whom the case was given to, how the risk changed, and any reason or comment.

    Only what the event itself recorded: an older event without the names says none.
    """
    parts = []
    if action.startswith("registry.") and details.get("kind"):
        parts.append(in_words(REGISTRY_RECORDS).get(details["kind"], details["kind"]))
        if details.get("answer"):
            parts.append(in_words(REGISTRY_ANSWERS).get(details["answer"], details["answer"]))
        if details.get("note"):
            parts.append(details["note"])
    elif action in ("case.assign", "case.reassign") and details.get("team_name"):
        parts.append(", ".join(filter(None, (details["team_name"], details.get("officer_name")))))
    elif action == "case.risk" and details.get("risk"):
        (was, was_score), (now, now_score) = details["risk"]
        levels = in_words(RISK_LEVELS)
        after = f"{levels.get(now, now)} ({now_score})"
        if (was, was_score) == (now, now_score):
            parts.append(_("risk unchanged: %(level)s", level=after))
        else:
            before = f"{levels.get(was, was)} ({was_score})"
            parts.append(_("risk %(before)s → %(after)s", before=before, after=after))
    said = details.get("reason") or details.get("comment")
    if said:
        parts.append(said)
    return parts


RELATIONS = {
    "father": _l("Father"),
    "mother": _l("Mother"),
    "spouse": _l("Husband or wife"),
    "child": _l("Child"),
    "sibling": _l("Brother or sister"),
    "grandparent": _l("Grandparent"),
    "grandchild": _l("Grandchild"),
    "parent_in_law": _l("Parent-in-law"),
    "other_relative": _l("Other relative"),
    "other": _l("Other"),
}
MET_RELATIONS = {
    "applicant": _l("The applicant herself or himself"),
    **RELATIONS,
    "neighbour": _l("Neighbour"),
    "village_official": _l("Village official"),
    "none": _l("Nobody was met"),
}
KK_RELATIONS = {
    "head": _l("Head of family (1)"),
    "husband": _l("Husband (2)"),
    "wife": _l("Wife (3)"),
    "child": _l("Child (4)"),
    "child_in_law": _l("Child-in-law (5)"),
    "grandchild": _l("Grandchild (6)"),
    "parent": _l("Parent (7)"),
    "parent_in_law": _l("Parent-in-law (8)"),
    "other_relative": _l("Other relative (9)"),
    "household_help": _l("Household help (10)"),
    "other": _l("Other (11)"),
}
CHANNELS = {
    "social_media": _l("Social media"),
    "messaging_app": _l("Messaging app (WhatsApp, Telegram…)"),
    "online_ad": _l("Online advertisement"),
    "recruiter": _l("A recruiter"),
    "agency": _l("An agency"),
    "friend_or_family": _l("Friend or family"),
    "walk_in": _l("Applied in person"),
    "none": _l("No job offer"),
}
COSTS = {
    "self": _l("The applicant"),
    "family": _l("The family"),
    "employer": _l("The employer"),
    "recruiter": _l("The recruiter"),
    "other": _l("Someone else"),
}
# Issue 15, findings that count: an answer to "was there an employment contract?", at intake
# (one among the documents presented) or in the field (interview.contract_seen).
CONTRACT_ANSWERS = {True: _l("Contract seen"), False: _l("No contract")}
RECOMMENDATIONS = {
    "verify": _l("Verify: the story holds"),
    "refuse": _l("Refuse: signs of trafficking"),
    "unclear": _l("Unclear: needs more checks"),
}

# Issue 16: what a repatriated victim was trafficked for, by HTCDS 2.0's vic_TypeOfExploitation
# codes (the Human Trafficking Case Data Standard by IOM, CC BY 4.0).
EXPLOITATION = {
    "ForcedLabour": _l("Forced labour"),
    "SexualExploitation": _l("Sexual exploitation"),
    "ChildLabour": _l("Child labour"),
    "ForcedMarriage": _l("Forced marriage"),
    "Servitude": _l("Servitude"),
    "ForcedMilitaryByNonStateActors": _l("Forced military service (by non-state actors)"),
    "OrganRemoval": _l("Organ removal"),
    "ForcedBegging": _l("Forced begging"),
    "ForcedAdoption": _l("Forced adoption"),
    "Surrogacy": _l("Surrogacy"),
    "Other": _l("Other"),
}
# How a repatriated victim's record was matched to a case (fieldcheck.domain.watch).
MATCHED_BY = {
    "application_number": _l("by the application number"),
    "nik": _l("by the NIK"),
    "name_birth_date": _l("by the name and birth date"),
}

# How a person of the family tree agrees with the family card (domain.family's statuses).
# Recruiters and agencies (issue 16): what ties mentions of one recruiter together, where a
# case named them, and a case's decision as the recruiter's page shows it.
IDENTIFIER_KINDS = {
    "phone": _l("Phone"),
    "handle": _l("Social-media or messaging account"),
    "account": _l("Bank account"),
    "name_agency": _l("Name with agency"),
}
LINK_SOURCES = {"intake": _l("Intake"), "visit": _l("Field visit")}
DECISIONS = {
    "verified": _l("Verified"),
    "refused": _l("Refused"),
    "revoked": _l("Verification revoked"),
}

FAMILY_STATUSES = {
    "match": _l("Matches the card"),
    "missing_on_card": _l("Not on the card"),
    "not_recorded": _l("On the card, not recorded"),
    "relationship_differs": _l("Relationship differs"),
    "birth_date_differs": _l("Birth date differs"),
}
