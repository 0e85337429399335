"""The family tree the officer recorded against the family card (KK) the registry holds.

Pure: dicts in, frozen rows out. A recorded member is a mapping with ``name``, ``nik``,
``birth_date`` (date or ISO text), ``relation`` (to the applicant, one of visits.RELATIONS, or
"applicant" for the applicant herself) and optionally ``kk_relation`` (the SHDK code the officer
read off the card). A card member has ``name``, ``nik``, ``birth_date`` and ``kk_relation`` (an
SHDK code word of visits.KK_RELATIONS, or its number).

People pair up by an equal NIK first, then by name (names.name_similarity >= MATCH), the most
alike pairs first. Each pair is compared on the SHDK number (the recorded `kk_relation`, else
the usual number of its `relation`, see visits) and the birth date.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fieldcheck.domain import names, visits

MATCH = "match"
MISSING_ON_CARD = "missing_on_card"  # recorded in the field, not on the card
NOT_RECORDED = "not_recorded"  # on the card, not recorded in the field
RELATIONSHIP_DIFFERS = "relationship_differs"
BIRTH_DATE_DIFFERS = "birth_date_differs"
STATUSES = (MATCH, MISSING_ON_CARD, NOT_RECORDED, RELATIONSHIP_DIFFERS, BIRTH_DATE_DIFFERS)

# The finding each difference becomes (cases.service.add_findings, source "family").
FINDING_CODES = {
    MISSING_ON_CARD: "family_member_not_on_card",
    NOT_RECORDED: "family_card_member_not_recorded",
    RELATIONSHIP_DIFFERS: "family_relationship_differs",
    BIRTH_DATE_DIFFERS: "family_birth_date_differs",
}

_SHDK_NAMES = {number: code for code, number in visits.KK_RELATIONS.items()}


@dataclass(frozen=True)
class Row:
    """One person of the comparison: who was recorded, who is on the card, and how they differ.

    `status` is the first of `differences` (relationship before birth date), or match,
    missing_on_card or not_recorded. `score` is the name similarity of a pair (1.0 for a NIK).
    """

    status: str
    recorded: Mapping | None = None
    card: Mapping | None = None
    differences: tuple[str, ...] = ()
    score: float = 0.0
    expected_shdk: int | None = None
    card_shdk: int | None = None
    details: dict = field(default_factory=dict)


def shdk_number(value) -> int | None:
    """An SHDK code word or number (1-11) as its number; None when unknown."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if value in _SHDK_NAMES else None
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text) if int(text) in _SHDK_NAMES else None
    return visits.KK_RELATIONS.get(text)


def shdk_code(number: int | None) -> str | None:
    return _SHDK_NAMES.get(number) if number is not None else None


def expected_shdk(member: Mapping) -> int | None:
    """The SHDK number a recorded member should have on the card (None: not to be checked)."""
    recorded = shdk_number(member.get("kk_relation"))
    if recorded is not None:
        return recorded
    return visits.RELATIONS.get(member.get("relation") or "")


def _nik(value) -> str | None:
    return names._nik(value)


def _date(value):
    return names._birth_date(value)


def compare(recorded: Sequence[Mapping], card: Sequence[Mapping]) -> list[Row]:
    """Pair the recorded members with the card's and say, per person, how they agree.

    Rows come in the recorded order (missing_on_card among them), then the card members nobody
    recorded (not_recorded), in the card's order.
    """
    pairs: dict[int, tuple[int, float]] = {}
    used_card: set[int] = set()
    # Equal NIKs first.
    card_niks = {}
    for j, person in enumerate(card):
        nik = _nik(person.get("nik"))
        if nik and nik not in card_niks:
            card_niks[nik] = j
    for i, member in enumerate(recorded):
        nik = _nik(member.get("nik"))
        j = card_niks.get(nik) if nik else None
        if j is not None and j not in used_card:
            pairs[i] = (j, 1.0)
            used_card.add(j)
    # Then names, the most alike first.
    scored = []
    for i, member in enumerate(recorded):
        if i in pairs:
            continue
        for j, person in enumerate(card):
            if j in used_card:
                continue
            score = names.name_similarity(member.get("name"), person.get("name"))
            if score >= names.MATCH:
                scored.append((-score, i, j))
    for negative, i, j in sorted(scored):
        if i not in pairs and j not in used_card:
            pairs[i] = (j, -negative)
            used_card.add(j)

    rows = []
    for i, member in enumerate(recorded):
        if i not in pairs:
            rows.append(Row(MISSING_ON_CARD, recorded=member, expected_shdk=expected_shdk(member)))
            continue
        j, score = pairs[i]
        person = card[j]
        differences = []
        expected = None if member.get("relation") == "applicant" else expected_shdk(member)
        on_card = shdk_number(person.get("kk_relation"))
        if expected is not None and on_card is not None and expected != on_card:
            differences.append(RELATIONSHIP_DIFFERS)
        born, card_born = _date(member.get("birth_date")), _date(person.get("birth_date"))
        if born and card_born and born != card_born:
            differences.append(BIRTH_DATE_DIFFERS)
        rows.append(
            Row(
                differences[0] if differences else MATCH,
                recorded=member,
                card=person,
                differences=tuple(differences),
                score=round(score, 4),
                expected_shdk=expected,
                card_shdk=on_card,
            )
        )
    for j, person in enumerate(card):
        if j not in used_card:
            rows.append(
                Row(NOT_RECORDED, card=person, card_shdk=shdk_number(person.get("kk_relation")))
            )
    return rows


def findings(rows: Sequence[Row]) -> list[tuple[str, dict]]:
    """(finding code, params) for every difference: what add_findings records."""
    found = []
    for row in rows:
        statuses = row.differences or ((row.status,) if row.status != MATCH else ())
        for status in statuses:
            person = row.recorded or row.card or {}
            params = {"name": person.get("name"), "relation": (row.recorded or {}).get("relation")}
            if status == RELATIONSHIP_DIFFERS:
                params["recorded"] = shdk_code(row.expected_shdk)
                params["card"] = shdk_code(row.card_shdk)
            elif status == BIRTH_DATE_DIFFERS:
                params["recorded"] = str(_date(row.recorded.get("birth_date")))
                params["card"] = str(_date(row.card.get("birth_date")))
            found.append((FINDING_CODES[status], params))
    return found


def mismatch_count(rows: Sequence[Row]) -> int:
    """Members that differ from the card (the fact family.card_mismatch_count)."""
    return sum(row.status != MATCH for row in rows)
