"""The verification form on a 360 x 740 phone, in both languages: five steps (household, family,
interview, location and photos, assessment) with "Step n of 5", each control a 44 x 44 px
target with 16 px text, no sideways scroll, no axe violation (AAA contrast included), the
browser's back button moving between steps, each step kept in the draft as it is left (even
offline), a last screen listing what is missing, and photos in a grid with a remove button each."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.field_helpers import (
    STEPS,
    current_step,
    new_phone,
    officer_with_cases,
    open_step,
    outbox,
    png_bytes,
    wait_until,
)
from tests.browser.helpers import MOBILE, scroll_width

pytestmark = pytest.mark.browser

BOTH_LANGUAGES = pytest.mark.parametrize("language", ["en-US", "id-ID"])
STEP_WORDS = {
    "en-US": ("Step 2 of 5:", "Family"),
    "id-ID": ("Langkah 2 dari 5:", "Keluarga"),
}

_axe = Axe()
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"color-contrast-enhanced": {"enabled": True}},  # 7:1, for the sun
}

# Every control a finger meets; a checkbox or radio button is measured with its label (the
# label is the target), any other control by its own box. Inputs' text at least 16 px.
SMALL_TARGETS = """() => {
  const small = [];
  const controls = document.querySelectorAll("main a[href], main button, "
    + "main input:not([type=hidden]), main select, main textarea, main summary");
  for (const control of controls) {
    const style = getComputedStyle(control);
    if (!control.getClientRects().length || style.visibility === "hidden") continue;
    const check = control.type === "checkbox" || control.type === "radio";
    const label = control.closest("label")
      || document.querySelector(`label[for="${control.id}"]`);
    const box = (check && label ? label : control).getBoundingClientRect();
    const name = control.id || control.name || control.textContent.trim().slice(0, 30);
    if (box.width < 44 || box.height < 44) {
      small.push(`${name}: ${Math.round(box.width)} x ${Math.round(box.height)}`);
    }
    const size = parseFloat(style.fontSize);
    const typed = ["INPUT", "SELECT", "TEXTAREA"].includes(control.tagName);
    if (typed && size < 16) small.push(`${name}: ${size}px text`);
  }
  return small;
}"""


def case_form(live_server, open_page, language):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, language)
    page.goto(f"/field/cases/{cases[0]}")
    return page


def step_title(page) -> str:
    return page.locator(f"#step-{current_step(page)}-title").inner_text()


@BOTH_LANGUAGES
def test_every_step_has_44px_targets_no_sideways_scroll_and_no_axe_violation(
    live_server, open_page, language
):
    page = case_form(live_server, open_page, language)
    for n, step in enumerate(STEPS, start=1):
        open_step(page, step)
        if step == "family":
            page.locator("#family-add").click()
        if step == "place":
            page.locator("#photo-input").set_input_files(
                files=[{"name": "rumah.png", "mimeType": "image/png", "buffer": png_bytes()}]
            )
            page.locator("#photo-list .photo-item").first.wait_for()
        assert f" {n} " in step_title(page)  # "Step n of 5", in either language
        assert page.evaluate(SMALL_TARGETS) == [], step
        assert scroll_width(page) <= MOBILE["width"], step
        results = _axe.run(page, options=AXE_OPTIONS)
        assert results.violations_count == 0, f"{step}: {results.generate_report()}"


@BOTH_LANGUAGES
def test_the_back_button_moves_between_steps(live_server, open_page, language):
    page = case_form(live_server, open_page, language)
    assert current_step(page) == "household"
    page.locator("#step-household .step-next").click()
    wait_until(page, lambda: current_step(page) == "family")
    count, name = STEP_WORDS[language]
    assert " ".join(step_title(page).split()) == f"{count} {name}"
    page.locator("#step-family .step-next").click()
    wait_until(page, lambda: current_step(page) == "interview")
    page.go_back()
    wait_until(page, lambda: current_step(page) == "family")
    page.go_back()
    wait_until(page, lambda: current_step(page) == "household")
    page.go_forward()
    wait_until(page, lambda: current_step(page) == "family")
    # The page's own Back is the browser's: one more back leaves the form for the list.
    page.locator("#step-family .step-back").click()
    wait_until(page, lambda: current_step(page) == "household")
    page.go_back()
    page.wait_for_url("**/field/")


@BOTH_LANGUAGES
def test_a_steps_answers_are_kept_in_the_draft_when_it_is_left_even_offline(
    live_server, open_page, language
):
    page = case_form(live_server, open_page, language)
    page.context.set_offline(True)
    page.reload()  # from the phone's cache
    page.locator("#household-address_found-no").check()
    page.locator("#household-met_name").fill("Pak RT Sukamaju")
    page.locator("#household-account").fill("Tetangga tidak tahu rencana perjalanan.")
    page.locator("#step-household .step-next").click()  # leaving the step keeps it
    wait_until(page, lambda: current_step(page) == "family")
    page.reload()  # at once: no time for the typing's own saving
    assert current_step(page) == "family"
    page.go_back()
    wait_until(page, lambda: current_step(page) == "household")
    assert page.locator("#household-address_found-no").is_checked()
    assert page.locator("#household-met_name").input_value() == "Pak RT Sukamaju"
    assert "Tetangga" in page.locator("#household-account").input_value()


@BOTH_LANGUAGES
def test_the_last_screen_lists_what_is_missing_before_save_and_send(
    live_server, open_page, language
):
    page = case_form(live_server, open_page, language)
    page.context.set_offline(True)
    open_step(page, "assessment")
    missing = page.locator("#missing-list .missing-item")
    found_legend = page.locator("#household-address_found-yes").locator(
        "xpath=ancestor::fieldset[1]/legend"
    )
    recommendation = page.locator("#step-assessment fieldset.group legend")
    texts = missing.all_inner_texts()
    assert len(texts) == 2, texts
    assert found_legend.inner_text().strip() in texts[0]
    assert recommendation.inner_text().strip() in texts[1]
    assert page.locator("#not-recorded [data-when]:visible").count() == 3  # family, GPS, photo
    page.locator("#visit-form button[type=submit]").click()  # refused: nothing is queued
    assert page.evaluate("document.activeElement.id") == "form-check"
    assert outbox(page) == []

    missing.first.click()  # takes the officer to the question
    wait_until(page, lambda: current_step(page) == "household")
    assert page.evaluate("document.activeElement.name") == "household.address_found"
    page.locator("#household-address_found-yes").check()
    open_step(page, "assessment")
    [left] = missing.all_inner_texts()
    assert recommendation.inner_text().strip() in left
    page.locator("input[name=recommendation][value=verify]").check()
    assert missing.count() == 0
    assert page.locator("#nothing-missing").is_visible()
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_url("**/field/")
    assert len(outbox(page)) == 1


@BOTH_LANGUAGES
def test_photos_show_as_a_grid_of_thumbnails_each_with_a_remove_button(
    live_server, open_page, language
):
    page = case_form(live_server, open_page, language)
    open_step(page, "place")
    page.locator("#photo-input").set_input_files(
        files=[
            {"name": f"foto{n}.png", "mimeType": "image/png", "buffer": png_bytes(seed=n)}
            for n in (1, 2)
        ]
    )
    items = page.locator("#photo-list .photo-item")
    items.nth(1).wait_for()
    first, second = items.nth(0).bounding_box(), items.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 1 and second["x"] >= first["x"] + first["width"]
    for n in range(2):
        thumb = items.nth(n).locator("img.photo-thumb")
        wait_until(page, lambda t=thumb: t.evaluate("img => img.naturalWidth") > 0)
        assert items.nth(n).locator("button.photo-remove").is_visible()
    assert (
        page.evaluate("getComputedStyle(document.getElementById('photo-list')).listStyleType")
        == "none"
    )
    items.nth(0).locator("button.photo-remove").click()
    assert items.count() == 1
