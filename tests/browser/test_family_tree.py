"""The family tree drawn as a tree at 360 px, in both languages: parents above the applicant, the
spouse beside her, brothers and sisters in a row that wraps, children below, no box over
another and none off the screen sideways. The same layout on the phone's form (drawn by its
script) and on the pages the server renders (registry family page, review), where the people
who differ from the family card are marked."""

from datetime import date

import pytest

from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.domain.identity import encode_nik
from fieldcheck.models import Case, User
from fieldcheck.registry import extracts
from tests.browser.field_helpers import (
    new_phone,
    officer_with_cases,
    open_step,
)
from tests.browser.helpers import MOBILE, scroll_width, sign_in
from tests.factories import Phone, submit

pytestmark = pytest.mark.browser

BOTH_LANGUAGES = pytest.mark.parametrize("language", ["en-US", "id-ID"])

# 2 parents, a spouse, 3 children and 5 brothers and sisters.
FAMILY = (
    ("father", "Ujang Suryana"),
    ("mother", "Euis Sumarni"),
    ("spouse", "Agus Setiawan"),
    *(("child", f"Anak {n}") for n in ("Pertama", "Kedua", "Ketiga")),
    *(("sibling", f"Saudara Kandung {n}") for n in range(1, 6)),
)


def tree_boxes(page) -> list[dict]:
    """Every person's box of the page's tree (#family-tree): band, name, relation, geometry."""
    return page.evaluate("""() => [...document.querySelectorAll("#family-tree .ftree-person")]
        .filter((box) => box.getClientRects().length)
        .map((box) => {
          const r = box.getBoundingClientRect();
          return { band: box.closest("[data-band]").dataset.band,
                   applicant: box.classList.contains("is-applicant"),
                   mismatch: box.classList.contains("is-mismatch"),
                   name: box.querySelector(".ftree-name")?.textContent.trim() || "",
                   relation: box.querySelector(".ftree-relation")?.textContent.trim() || "",
                   left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        })""")


def assert_drawn_as_a_tree(boxes: list[dict], width: int = MOBILE["width"]):
    def band(name):
        return [b for b in boxes if b["band"] == name]

    [applicant] = [b for b in boxes if b["applicant"]]
    parents, children, siblings = band("parents"), band("children"), band("siblings")
    spouses = [b for b in band("couple") if not b["applicant"]]
    assert (len(parents), len(spouses), len(children), len(siblings)) == (2, 1, 3, 5)
    assert all(p["bottom"] <= applicant["top"] for p in parents), "parents above the applicant"
    assert all(c["top"] >= applicant["bottom"] for c in children), "children below"
    [spouse] = spouses
    assert abs(spouse["top"] - applicant["top"]) < 2, "the spouse beside the applicant"
    assert spouse["left"] >= applicant["right"] or spouse["right"] <= applicant["left"]
    assert all(applicant["bottom"] <= s["top"] for s in siblings), "siblings in their own row"
    assert len({round(s["top"]) for s in siblings}) > 1, "the siblings' row wraps at 360 px"
    assert max(s["bottom"] for s in siblings) <= min(c["top"] for c in children)
    for i, a in enumerate(boxes):
        assert a["left"] >= 0 and a["right"] <= width, f"{a['name']} is off the screen"
        assert a["name"] and a["relation"], a
        for b in boxes[i + 1 :]:
            apart = (
                a["right"] <= b["left"]
                or b["right"] <= a["left"]
                or a["bottom"] <= b["top"]
                or b["bottom"] <= a["top"]
            )
            assert apart, f"{a['name']} overlaps {b['name']}"


@BOTH_LANGUAGES
def test_the_phone_draws_the_family_as_a_tree(live_server, open_page, language):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, language)
    page.goto(f"/field/cases/{cases[0]}")
    open_step(page, "family")
    for relation, name in FAMILY:
        page.locator("#family-add").click()
        member = page.locator("#family-list .family-member").last
        member.locator("select[data-key=relation]").select_option(relation)
        member.locator("input[data-key=name]").fill(name)
    boxes = tree_boxes(page)
    assert_drawn_as_a_tree(boxes)
    assert {b["name"] for b in boxes} >= {name for _, name in FAMILY}
    assert scroll_width(page) <= MOBILE["width"]
    # Members are numbered once: by their legend, not again by the list.
    assert page.evaluate("""() => [...document.querySelectorAll("#family-list > li")]
        .every((li) => getComputedStyle(li).listStyleType === "none")""")
    assert page.locator("#family-list .member-number").all_inner_texts() == [
        str(n) for n in range(1, len(FAMILY) + 1)
    ]


KK = "3204120101150001"


def recorded_family_with_a_card(live_server):
    """A case whose officer recorded FAMILY and whose family card (a loaded extract) holds the
    applicant, the father, the mother with another birth date, and a brother nobody recorded."""
    (user,), [case_id] = officer_with_cases(live_server, cases=1)
    family = [
        {"uuid": f"7d1f3c1e-2222-4a4a-9a9a-{i:012d}", "relation": r, "name": n}
        for i, (r, n) in enumerate(FAMILY)
    ]
    family[1]["birth_date"] = "1975-04-02"
    # The phone's push, outside an app context of ours (each request must have its own).
    phone = Phone(live_server.app.test_client(), user)
    result = phone.push(submit(case_id, family=family)).json["results"][0]
    assert result["status"] == "applied", result
    with live_server.app.app_context():
        Case.update(kk=KK).where(Case.id == case_id).execute()
        case = Case.get_by_id(case_id)
        clerk = User.get(User.username == "registry")
        rows = [
            "nik,kk,name,sex,birth_place,birth_date,relationship,father_name,mother_name",
            f"{encode_nik('32.04.12', 'M', date(1970, 1, 1), 2)},{KK},Ujang Suryana,L,Bandung,"
            "1970-01-01,head,,",
            f"3204124101760001,{KK},Euis Sumarni,P,Bandung,1976-01-01,wife,,",
            f"{case.nik},{KK},{case.applicant_name},P,Bandung,{case.birth_date},child,,",
            f"{encode_nik('32.04.12', 'M', date(2003, 2, 10), 3)},{KK},Dedi Kurniawan,L,Bandung,"
            "2003-02-10,child,,",
        ]
        actor = Actor(clerk, utcnow(), "test")
        loaded = extracts.load(
            actor, "kk.csv", ("\n".join(rows) + "\n").encode(), extracts.loader_regions(clerk)
        )
        assert loaded.extract is not None, loaded
    return case_id


@BOTH_LANGUAGES
def test_the_server_draws_the_same_tree_and_marks_who_differs_from_the_card(
    live_server, open_page, language
):
    case_id = recorded_family_with_a_card(live_server)
    page = open_page(locale=language, viewport=MOBILE)
    sign_in(page, "supervisor")
    for path in (f"/registry/cases/{case_id}/family", f"/review/cases/{case_id}"):
        page.goto(path)
        boxes = tree_boxes(page)
        assert_drawn_as_a_tree([b for b in boxes if b["band"] != "others"])
        assert scroll_width(page) <= MOBILE["width"], path
        marked = {b["name"] for b in boxes if b["mismatch"]}
        # The mother's birth date differs; the brother is only on the card.
        assert {"Euis Sumarni", "Dedi Kurniawan"} <= marked, (path, marked)
        assert "Ujang Suryana" not in marked
        page.emulate_media(media="print")
        assert_drawn_as_a_tree([b for b in tree_boxes(page) if b["band"] != "others"])
        page.emulate_media(media="screen")
