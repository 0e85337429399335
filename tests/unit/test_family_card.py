"""The family tree recorded in the field against the family card (fieldcheck.domain.family)."""

from datetime import date

from fieldcheck.domain import family


def _person(name, nik, born, relation):
    return {"name": name, "nik": nik, "birth_date": born, "kk_relation": relation}


CARD = [
    _person("Ujang Suryana", "3204120101700001", date(1970, 1, 1), "head"),
    _person("Euis Sumarni", "3204124204750001", date(1975, 4, 2), "wife"),
    _person("Siti Nurhaliza", "3204124503990001", date(1999, 3, 5), "child"),
    _person("Dedi Kurniawan", "3204121002030001", date(2003, 2, 10), "child"),
]
APPLICANT = {"name": "Siti Nurhaliza", "nik": "3204124503990001", "relation": "applicant"}


def _by_name(rows):
    return {(r.recorded or r.card)["name"]: r for r in rows}


def test_the_same_family_matches_and_a_member_not_recorded_is_said():
    recorded = [
        APPLICANT,
        {"name": "Ujang Suryana", "relation": "father", "birth_date": "1970-01-01"},
        {"name": "Euis Sumarni", "nik": "3204124204750001", "relation": "mother"},
    ]
    rows = _by_name(family.compare(recorded, CARD))
    assert {n: r.status for n, r in rows.items()} == {
        "Siti Nurhaliza": "match",
        "Ujang Suryana": "match",
        "Euis Sumarni": "match",
        "Dedi Kurniawan": "not_recorded",
    }
    assert rows["Euis Sumarni"].score == 1.0
    assert family.mismatch_count(family.compare(recorded, CARD)) == 1


def test_a_member_missing_on_the_card():
    rows = family.compare([APPLICANT, {"name": "Rina Marlina", "relation": "sibling"}], CARD)
    assert _by_name(rows)["Rina Marlina"].status == "missing_on_card"
    codes = [code for code, _ in family.findings(rows)]
    assert "family_member_not_on_card" in codes


def test_relationship_differs_and_the_recorded_card_code_wins():
    # "father" usually is the head (1); the card says husband (2) -> differs.
    card = [dict(CARD[0], kk_relation="husband"), *CARD[1:]]
    rows = _by_name(family.compare([{"name": "Ujang Suryana", "relation": "father"}], card))
    assert rows["Ujang Suryana"].status == "relationship_differs"
    assert (rows["Ujang Suryana"].expected_shdk, rows["Ujang Suryana"].card_shdk) == (1, 2)
    # the officer read "husband" off the card: no difference.
    recorded = [{"name": "Ujang Suryana", "relation": "father", "kk_relation": "husband"}]
    assert _by_name(family.compare(recorded, card))["Ujang Suryana"].status == "match"
    # the card's number instead of its code word
    card_numbers = [dict(CARD[1], kk_relation="3")]
    rows = family.compare([{"name": "Euis Sumarni", "relation": "mother"}], card_numbers)
    assert rows[0].status == "match"


def test_birth_date_differs():
    recorded = [{"name": "Euis Sumarni", "relation": "mother", "birth_date": "1977-04-02"}]
    rows = family.compare(recorded, CARD)
    row = _by_name(rows)["Euis Sumarni"]
    assert row.status == "birth_date_differs" and row.differences == ("birth_date_differs",)
    finding = next(f for f in family.findings(rows) if f[0] == "family_birth_date_differs")
    assert finding[1]["card"] == "1975-04-02" and finding[1]["recorded"] == "1977-04-02"


def test_both_differences_are_kept():
    recorded = [{"name": "Euis Sumarni", "relation": "sibling", "birth_date": "1977-04-02"}]
    row = family.compare(recorded, CARD)[0]
    assert row.differences == ("relationship_differs", "birth_date_differs")


def test_name_variants_pair_up_and_a_different_name_does_not():
    for variant in ("Nurhaliza, Siti", "Siti Nur Haliza", "SITI NURHALIZA"):
        rows = family.compare([{"name": variant, "relation": "sibling"}], CARD)
        paired = [r for r in rows if r.recorded and r.card]
        assert paired and paired[0].card["name"] == "Siti Nurhaliza", variant
        assert paired[0].status == "match"
    rows = family.compare([{"name": "Siti Nurhasanah", "relation": "sibling"}], CARD)
    assert rows[0].status == "missing_on_card"


def test_an_equal_nik_pairs_despite_another_name():
    recorded = [{"name": "Ibu Euis", "nik": "3204124204750001", "relation": "mother"}]
    row = family.compare(recorded, CARD)[0]
    assert row.card["name"] == "Euis Sumarni" and row.status == "match"


def test_the_applicant_is_not_checked_for_a_relationship():
    row = family.compare([APPLICANT], CARD)[0]
    assert row.status == "match" and row.expected_shdk is None


def test_shdk_numbers_and_codes():
    assert family.shdk_number("head") == 1 and family.shdk_number("11") == 11
    assert family.shdk_number(4) == 4 and family.shdk_number("12") is None
    assert family.shdk_number("nobody") is None and family.shdk_code(3) == "wife"
