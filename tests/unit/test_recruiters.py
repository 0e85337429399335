"""Recruiters named in cases: which answers are one recruiter (fieldcheck.domain.recruiters)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldcheck.domain.recruiters import (
    ACCOUNT,
    HANDLE,
    NAME_AGENCY,
    PHONE,
    Identifier,
    LinkedCase,
    Mention,
    Node,
    Ties,
    fold_agency,
    identifiers,
    mention_from,
    network_drawing,
    normalise_account,
    normalise_handle,
    normalise_phone,
    plan_link,
    same_recruiter,
    tally_ties,
    ties_facts,
)
from fieldcheck.domain.signals import check_facts

SIX_WAYS = [
    "0812-3456-7890",
    "+62 812 3456 7890",
    "6281234567890",
    "(0812) 34567890",
    "0812 3456 7890",
    "+6281234567890",
]


@pytest.mark.parametrize("written", SIX_WAYS)
def test_a_phone_written_any_of_six_ways_is_one_e164_number(written):
    assert normalise_phone(written) == "+6281234567890"


def test_the_same_phone_written_six_ways_links_every_pair():
    mentions = [Mention(name=f"Orang {i}", phone=p) for i, p in enumerate(SIX_WAYS)]
    assert all(same_recruiter(a, b) for a in mentions for b in mentions)


def test_a_foreign_phone_keeps_its_country():
    assert normalise_phone("+855 12 345 678") == "+85512345678"
    assert normalise_phone("+855 12-345-678") == normalise_phone("+85512345678")


@pytest.mark.parametrize("text", ["", "abc", "12", None, "0812"])
def test_what_cannot_be_a_phone_is_none(text):
    assert normalise_phone(text) is None


def test_two_siti_aminah_with_different_phones_and_no_shared_agency_do_not_link():
    first = Mention(name="Siti Aminah", phone="0813 1111 2222")
    second = Mention(name="Siti Aminah", phone="0813 9999 8888")
    assert not same_recruiter(first, second)
    # Not even with an agency on one side only, nor with none at all.
    assert not same_recruiter(Mention(name="Siti Aminah", agency="PT Maju"), second)
    assert not same_recruiter(Mention(name="Siti Aminah"), Mention(name="Siti Aminah"))


def test_a_victims_record_naming_the_phone_another_way_is_the_cases_recruiter():
    # A repatriated victim's record names the recruiter in the intake form's columns.
    victim = mention_from(
        {"recruiter_name": "Rina", "recruiter_phone": "+62 812-3456-7890", "recruiter_agency": ""}
    )
    case = mention_from({"recruiter_name": "Bu Rina", "recruiter_phone": "(0812) 34567890"})
    assert same_recruiter(victim, case)


def test_a_victims_record_naming_only_a_common_name_is_no_cases_recruiter():
    victim = mention_from({"recruiter_name": "Siti Aminah"})
    case = mention_from({"recruiter_name": "Siti Aminah", "recruiter_phone": "0813 1111 2222"})
    assert victim.names_a_recruiter and identifiers(victim) == ()
    assert not same_recruiter(victim, case)


def test_a_name_alone_gives_no_identifier():
    assert identifiers(Mention(name="Siti Aminah")) == ()


def test_a_handle_with_and_without_at_links():
    assert same_recruiter(Mention(handle="@Rina.Kerja"), Mention(handle="rina.kerja"))
    assert normalise_handle("  @Rina.Kerja ") == "rina.kerja"


@pytest.mark.parametrize(
    "written", ["t.me/rina_kerja", "https://t.me/rina_kerja", "instagram.com/Rina_Kerja/"]
)
def test_a_handle_written_with_its_site_is_the_handle(written):
    assert normalise_handle(written) == "rina_kerja"


def test_name_variants_link_only_with_a_shared_agency():
    rizky = Mention(name="Muhammad Rizky", agency="PT Maju Jaya Abadi")
    rizki = Mention(name="Moh. Rizki", agency="PT. Maju Jaya Abadi")
    assert same_recruiter(rizky, rizki)
    assert not same_recruiter(Mention(name="Muhammad Rizky"), Mention(name="Moh. Rizki"))
    assert not same_recruiter(rizky, Mention(name="Moh. Rizki", agency="PT Sinar Terang"))


def test_an_agency_is_folded_for_case_punctuation_and_legal_form():
    assert (
        fold_agency("PT. Maju Jaya Abadi")
        == fold_agency("maju  jaya abadi, pt")
        == ("maju jaya abadi")
    )


def test_a_bank_account_is_its_digits():
    assert normalise_account("1234-5678-90") == normalise_account("12345 67890") == "1234567890"
    assert normalise_account("123") is None
    assert same_recruiter(Mention(account="1234-5678-90"), Mention(account="12345 67890"))


def test_each_kind_of_identifier_is_found():
    mention = Mention(
        name="Bu Rina",
        phone="+855 12 345 678",
        agency="PT Golden Sun",
        handle="@rina.kerja",
        account="1234567890",
    )
    assert {i.kind for i in identifiers(mention)} == {PHONE, HANDLE, ACCOUNT, NAME_AGENCY}


def test_an_answer_without_a_recruiter_or_agency_is_no_mention():
    assert mention_from({"recruiter_name": " ", "recruiter_phone": None}) is None
    only_agency = mention_from({"recruiter_agency": "PT Maju"})
    assert only_agency is not None and not only_agency.names_a_recruiter


def test_a_mention_joins_the_oldest_recruiter_and_merges_the_others():
    phone, handle = Identifier(PHONE, "+6281234567890"), Identifier(HANDLE, "rina")
    assert plan_link({}).recruiter is None
    plan = plan_link({phone: 7, handle: 3})
    assert (plan.recruiter, plan.merge) == (3, (7,))
    assert plan_link({phone: 5, handle: 5}).merge == ()


def test_ties_become_facts_only_when_the_recruiter_is_seen_elsewhere():
    assert ties_facts(Ties()) == {}
    facts = ties_facts(Ties(other_cases=4, offices=3, refused=2))
    assert facts == {
        "recruiter.seen_in_other_cases": 4,
        "recruiter.offices": 3,
        "recruiter.refused_cases": 2,
        "recruiter.repatriated_victims": 0,
    }
    assert check_facts(facts) == []


def test_ties_tally_cases_one_by_one_and_counted_ones_together():
    """A case's ties: the cases its recruiters are linked to, itself left out, each counted
    once however many recruiters name it; with cases counted by office and refusal (a
    recruiter's many), their offices joined to the others'."""
    bandung, jakarta, surabaya = 1, 2, 3
    first = {10: LinkedCase(bandung, False), 11: LinkedCase(jakarta, True)}
    second = {11: LinkedCase(jakarta, True), 12: LinkedCase(bandung, False)}
    assert tally_ties(10, [first, second]) == Ties(other_cases=2, offices=2, refused=1)
    summed = {LinkedCase(jakarta, True): 3, LinkedCase(surabaya, False): 2, LinkedCase(1, True): 0}
    assert tally_ties(10, [first], summed=summed) == Ties(other_cases=6, offices=2, refused=4)
    assert tally_ties(12, [first], summed=summed) == Ties(other_cases=7, offices=3, refused=4)
    assert tally_ties(10, [{10: first[10]}], [{5: None, 6: 10}]) == Ties(victims=1)


def test_ties_to_repatriated_victims_alone_become_facts():
    facts = ties_facts(Ties(victims=2))
    assert facts["recruiter.repatriated_victims"] == 2
    assert facts["recruiter.seen_in_other_cases"] == 0
    assert check_facts(facts) == []


@given(st.text(max_size=30))
def test_normalising_never_raises_and_is_stable(text):
    for normalise in (normalise_phone, normalise_handle, normalise_account, fold_agency):
        once = normalise(text)
        assert once is None or isinstance(once, str)
    handle = normalise_handle(text)
    assert handle is None or normalise_handle(handle) == handle


def test_the_drawing_puts_each_column_in_its_place_and_joins_neighbours():
    nodes = [
        Node("recruiter", "r", "Bu Rina", "self"),
        Node("identifier", "p", "+85512345678", "phone"),
        Node("case", "c1", "2026-BDG-000001"),
        Node("office", "o", "Kanim Bandung"),
    ]
    drawing = network_drawing(nodes, [("p", "r"), ("r", "c1"), ("c1", "o"), ("r", "missing")])
    xs = {box.node.key: box.x for box in drawing.boxes}
    assert xs["p"] < xs["r"] < xs["c1"] < xs["o"]
    assert len(drawing.lines) == 3  # an edge to a node not drawn is left out
    assert all(line.x1 < line.x2 for line in drawing.lines)
    first = drawing.lines[0]
    assert drawing.path.count("M") == 3
    assert drawing.path.startswith(f"M{first.x1} {first.y1}L{first.x2} {first.y2} M")


def test_a_crowded_column_is_summed_up_in_one_box():
    nodes = [Node("case", f"c{i}", f"Case {i}") for i in range(30)]
    drawing = network_drawing(nodes, [], more={"case": "+ {n} more"})
    labels = [box.text for box in drawing.boxes]
    assert len(labels) == 13 and labels[-1] == "+ 18 more"


def test_a_long_label_is_cut_to_fit_its_box():
    drawing = network_drawing([Node("identifier", "a", "A" * 60)], [])
    assert len(drawing.boxes[0].text) <= 24 and drawing.boxes[0].text.endswith("…")
