"""Who was seen before (issue 16): the same applicant in another office's case, a repatriated
victim's record held against the cases of the office that issued the passport, and people on
the national prevention list (daftar cegah: names, NIKs and birth dates the Police or another
authority ask immigration to watch).

One rule says when two records are the same person: the same NIK, or the same birth date and
names that match (fieldcheck.domain.names, `MATCH` or above). A name alone never matches:
namesakes are common ("Siti Aminah"), and a wrong match would put a stranger on a list. A NIK
that differs does not rule a person out, since a NIK is what a forger changes first.

Everything here is pure: dates, names and plain mappings in, answers out.
"""

from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fieldcheck.domain import case_states, identity, names, roles

# How far back another office's refusal or field check still counts.
HISTORY_MONTHS = 24

# How a record was matched.
NIK = "nik"
APPLICATION_NUMBER = "application_number"
NAME_BIRTH_DATE = "name_birth_date"
BASES = (APPLICATION_NUMBER, NIK, NAME_BIRTH_DATE)

# What another office's case is, for the applicant seen there.
REFUSED = "refused"
IN_CHECK = "in_check"


def day_in(moment: datetime, zone: str | None) -> date:
    """The calendar day of a moment in an office's zone (WIB, WITA, WIT; WIB without one):
    entries are valid, and refusals counted, by the office's day."""
    return moment.astimezone(ZoneInfo(roles.TIME_ZONES.get(zone or "WIB", "Asia/Jakarta"))).date()


def months_before(on: date, months: int) -> date:
    """The same day `months` calendar months before `on` (the month's last day when it is
    shorter: 31 March less one month is 28 or 29 February)."""
    index = on.year * 12 + on.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(on.day, monthrange(year, month)[1]))


def within_months(earlier: date, on: date, months: int = HISTORY_MONTHS) -> bool:
    """Whether `earlier` falls in the `months` calendar months up to `on` (both ends counted);
    a date after `on` does not."""
    return months_before(on, months) <= earlier <= on


def in_force(valid_from: date | None, valid_until: date | None, on: date) -> bool:
    """Whether a prevention-list entry applies on `on`: from its first day to its last, both
    included. Not yet valid, or expired, it matches no one."""
    if valid_from is None or valid_until is None:
        return False
    return valid_from <= on <= valid_until


def as_date(value) -> date | None:
    """A date, a moment or a YYYY-MM-DD text as a date; None for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _nik(value) -> str | None:
    digits = "".join(str(value or "").split()).replace(".", "").replace("-", "")
    return digits if len(digits) == 16 and digits.isdigit() else None


def _number(value) -> str | None:
    text = "".join(str(value or "").split()).upper()
    return text or None


def same_person(a: Mapping, b: Mapping) -> str | None:
    """How two records are one person: NIK (the same NIK), NAME_BIRTH_DATE (the same birth
    date and names that match), or None. Each mapping has `name`, `nik` and `birth_date`, any
    of them missing; without a NIK in common and a birth date in common, nothing matches."""
    nik = _nik(a.get("nik"))
    if nik is not None and nik == _nik(b.get("nik")):
        return NIK
    born = as_date(a.get("birth_date"))
    if born is None or born != as_date(b.get("birth_date")):
        return None
    if names.name_similarity(a.get("name"), b.get("name")) >= names.MATCH:
        return NAME_BIRTH_DATE
    return None


# --- the applicant seen in another office ------------------------------------------------------


@dataclass(frozen=True)
class Sighting:
    """Another office's case of the same applicant: which office, what it is (REFUSED, or
    IN_CHECK: still under a field check), since when, and how it was matched. Nothing else of
    that case is kept: the other office's data stays there."""

    case_id: int
    office: str
    kind: str
    on: date
    basis: str


def sightings(
    applicant: Mapping, earlier: Iterable[Mapping], today: date, months: int = HISTORY_MONTHS
) -> list[Sighting]:
    """The other offices' cases of this applicant that count, newest first: refused within
    `months` up to `today` (by the refusal's date), or still under a field check and referred
    within them (by the application's date).

    `earlier` rows have `id`, `office`, `state`, `nik`, `name`, `birth_date`,
    `application_date` and, for a refused case, `refused_on`."""
    found = []
    for row in earlier:
        basis = same_person(applicant, row)
        if basis is None:
            continue
        if row["state"] == case_states.REFUSED:
            kind, on = REFUSED, as_date(row.get("refused_on"))
        elif row["state"] in case_states.OPEN_STATES:
            kind, on = IN_CHECK, as_date(row.get("application_date"))
        else:
            continue
        if on is not None and within_months(on, today, months):
            found.append(Sighting(row["id"], row["office"], kind, on, basis))
    found.sort(key=lambda s: (s.on, s.case_id), reverse=True)
    return found


# --- the prevention list -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListHit:
    """A person who is on the prevention list: which one of the people checked (its subject),
    which entry, and how they were matched."""

    subject: str
    entry_id: int
    basis: str


def listed(people: Mapping[str, Mapping], entries: Iterable[Mapping], on: date) -> list[ListHit]:
    """Which of `people` (by subject: "applicant", a family member's id...) are on the list on
    `on`. Entries have `id`, `name`, `nik`, `birth_date`, `valid_from` and `valid_until`; one
    not in force on `on` matches no one."""
    live = [e for e in entries if in_force(as_date(e["valid_from"]), as_date(e["valid_until"]), on)]
    hits = []
    for subject, person in people.items():
        for entry in live:
            basis = same_person(person, entry)
            if basis is not None:
                hits.append(ListHit(subject, entry["id"], basis))
    return hits


# What an entry must hold: texts within these lengths, a NIK or a birth date (a name alone is
# never matched), and its validity, the first day not after the last.
ENTRY_TEXTS = {"name": 200, "authority": 200, "letter_number": 100, "reason": 4000}


def entry_problems(entry: Mapping, on: date) -> list[tuple[str, str, dict]]:
    """What is wrong with a prevention-list entry, as (field, code, params) for the catalogue
    of errors; [] when it can be kept. `on` is today (a NIK's birth date is checked against it)."""
    problems = []
    for field, longest in ENTRY_TEXTS.items():
        text = (entry.get(field) or "").strip()
        if not text:
            problems.append((field, "required", {}))
        elif len(text) > longest:
            problems.append((field, "too_long", {"max": longest}))
    nik = (entry.get("nik") or "").strip()
    if nik and not identity.decode_nik(nik, on).valid:
        problems.append(("nik", "nik_invalid", {}))
    if not nik and not entry.get("birth_date"):
        problems.append(("birth_date", "entry_identity_required", {}))
    start, end = entry.get("valid_from"), entry.get("valid_until")
    for field, value in (("valid_from", start), ("valid_until", end)):
        if value is None:
            problems.append((field, "required", {}))
    if start and end and end < start:
        problems.append(("valid_until", "entry_dates", {}))
    return problems


# --- repatriated victims -----------------------------------------------------------------------

# HTCDS 2.0's picklist of vic_TypeOfExploitation (the Human Trafficking Case Data Standard by
# IOM, CC BY 4.0): what a partner agency's record says the victim was trafficked for.
EXPLOITATION = (
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "Other",
)
# HTCDS prs_Gender values a record may give, as FieldCheck's sexes (the others say nothing).
GENDERS = {
    "Feminine": "F",
    "Masculine": "M",
    "TransgenderFeminine": None,
    "TransgenderMasculine": None,
    "NonConforming": None,
    "NonSpecifiedUnknown": None,
}
VICTIM_TEXTS = {
    "name": 200,
    "passport_number": 20,
    "application_number": 40,
    "return_place": 200,
    "circumstances": 4000,
    "recruiter_name": 200,
    "recruiter_agency": 200,
    "recruiter_handle": 200,
    "recruiter_account": 40,
}


def victim_problems(record: Mapping, on: date) -> list[tuple[str, str, dict]]:
    """What is wrong with a repatriated victim's record, as (field, code, params); [] when it
    can be kept. It needs a name, a return date not after `on`, and something to be matched by
    besides the name: a NIK, an application number or a birth date."""
    problems = []
    if not (record.get("name") or "").strip():
        problems.append(("name", "required", {}))
    for field, longest in VICTIM_TEXTS.items():
        if len(record.get(field) or "") > longest:
            problems.append((field, "too_long", {"max": longest}))
    nik = record.get("nik")
    if nik and not identity.decode_nik(nik, on).valid:
        problems.append(("nik", "nik_invalid", {}))
    if not (nik or record.get("application_number") or record.get("birth_date")):
        problems.append(("nik", "victim_identity_required", {}))
    returned = record.get("returned_on")
    if returned is None:
        problems.append(("returned_on", "required", {}))
    elif returned > on:
        problems.append(("returned_on", "victim_return_future", {}))
    born = record.get("birth_date")
    if born is not None and returned is not None and born > returned:
        problems.append(("birth_date", "victim_birth_after_return", {}))
    unknown = [code for code in record.get("exploitation") or () if code not in EXPLOITATION]
    if unknown:
        problems.append(
            (
                "exploitation",
                "import_code",
                {"value": ", ".join(unknown), "codes": ", ".join(EXPLOITATION)},
            )
        )
    return problems


# Among several cases of the same person, the one that preceded the passport: a verified one
# (its field report went with the application) before a refused or open one.
_PREFERRED_STATES = {case_states.VERIFIED: 0, case_states.REVOKED: 1}


def victim_match(record: Mapping, cases: Sequence[Mapping]) -> tuple[Mapping, str] | None:
    """The case of the issuing office that preceded a repatriated victim's passport, and how it
    was matched, or None: the passport was issued without a field check.

    By the application number first (the very application), then the NIK, then the name and
    birth date together, never the name alone. Only cases applied for on or before the return
    count. Among several, a verified case (one with a report) first, then the latest applied.

    `record` has `name`, `nik`, `birth_date`, `application_number`, `returned_on`; each case
    `id`, `application_number`, `nik`, `name`, `birth_date`, `application_date`, `state` and
    `has_report`."""
    returned = as_date(record.get("returned_on"))
    usable = [
        c
        for c in cases
        if returned is None or (as_date(c.get("application_date")) or returned) <= returned
    ]
    number = _number(record.get("application_number"))
    for basis in BASES:
        if basis == APPLICATION_NUMBER:
            found = [c for c in usable if number and _number(c.get("application_number")) == number]
        else:
            found = [c for c in usable if same_person(record, c) == basis]
        if found:
            return min(found, key=_preference), basis
    return None


def _preference(case: Mapping) -> tuple:
    applied = as_date(case.get("application_date")) or date.min
    return (
        not case.get("has_report"),
        _PREFERRED_STATES.get(case.get("state"), 2),
        -applied.toordinal(),
        -int(case.get("id") or 0),
    )
