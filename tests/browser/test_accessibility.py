"""The phone's pages at 360 x 740 in both languages pass axe-core (the pinned npm copy, see
tests/browser/axe.py) with every default rule and `color-contrast-enhanced` (WCAG AAA, 7:1):
the sign-in page, the officer's case list (after a sync, and opened again offline) and every
step of the verification form.

The form's steps are the page's `[data-step]` sections when it has them, each shown in turn
(the others hidden) as the form shows one step at a time; a page without them is audited as
one page."""

import pytest

from tests.browser.axe import report, run_axe
from tests.browser.field_helpers import (
    new_phone,
    officer_with_cases,
    png_bytes,
    wait_until,
)
from tests.browser.helpers import MOBILE

pytestmark = pytest.mark.browser

LOCALES = ["en-US", "id-ID"]


def phone(open_page, live_server, locale):
    """A fresh 360 x 740 phone in `locale` enrolled for a new officer, their case pulled:
    (the page, the case id)."""
    (username,), cases = officer_with_cases(live_server, cases=1)
    return new_phone(open_page, live_server, username, locale), cases[0]


def in_language(page, locale):
    """The page is in the context's language (else the test would audit one language twice)."""
    lang = page.evaluate("document.documentElement.lang")
    assert lang.split("-")[0] == locale.split("-")[0], (page.url, lang)


def audit(page, where: str) -> str:
    """axe's report of the page as it shows now, empty when nothing fails."""
    return report(run_axe(page), f"{where}: ")


def steps(page) -> list[str]:
    """The form's step sections, by name (or position), in document order."""
    return page.evaluate(
        """() => [...document.querySelectorAll("[data-step]")]
            .map((s, i) => s.dataset.step || s.id || String(i + 1))"""
    )


def show_only_step(page, index: int):
    """Show step `index` as the form shows its current step, hide the others; return the
    shown section's height (it must show something)."""
    return page.evaluate(
        """(index) => {
            const sections = [...document.querySelectorAll("[data-step]")];
            sections.forEach((section, i) => {
              const shown = i === index;
              section.hidden = !shown;
              section.inert = !shown;
              if (shown) {
                section.removeAttribute("aria-hidden");
                section.style.display = "";
                if (getComputedStyle(section).display === "none") section.style.display = "block";
              } else {
                section.style.display = "none";
              }
            });
            sections[index].scrollIntoView();
            return sections[index].getBoundingClientRect().height;
        }""",
        index,
    )


def fill_what_the_step_shows(page):
    """Give the visible step its variable parts: a family member (its inputs, the tree the
    phone draws) and a photo (the thumbnail and its remove button)."""
    add = page.locator("#family-add")
    if add.count() and add.is_visible():
        add.click()
        name = page.locator("#family-list input[data-key=name]").last
        if name.count():
            name.fill("Euis Sumarni")
    photo = page.locator("#photo-input")
    if photo.count() and page.evaluate(
        """() => { const input = document.querySelector("#photo-input");
                   const step = input.closest("[data-step]");
                   return !step || !step.hidden; }"""
    ):
        photo.set_input_files(
            files=[{"name": "rumah.png", "mimeType": "image/png", "buffer": png_bytes()}]
        )
        wait_until(page, lambda: page.locator("#photo-list > *").count() > 0)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_sign_in_page_passes_axe_with_aaa_contrast(open_page, locale):
    page = open_page(locale=locale, viewport=MOBILE)
    page.goto("/login")
    in_language(page, locale)
    found = audit(page, "/login")
    assert not found, found


@pytest.mark.parametrize("locale", LOCALES)
def test_the_phones_case_list_passes_axe_with_aaa_contrast_online_and_offline(
    live_server, open_page, locale
):
    page, _ = phone(open_page, live_server, locale)
    in_language(page, locale)
    online = audit(page, "/field/ after a sync")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # the page's offline status settles
    offline = audit(page, "/field/ offline")
    found = "\n".join(filter(None, [online, offline]))
    assert not found, found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_step_of_the_verification_form_passes_axe_with_aaa_contrast(
    live_server, open_page, locale
):
    page, case_id = phone(open_page, live_server, locale)
    page.goto(f"/field/cases/{case_id}")
    in_language(page, locale)
    names = steps(page)
    found = []
    if not names:  # one long page: audit it whole, with a family member and a photo in it
        fill_what_the_step_shows(page)
        found.append(audit(page, f"/field/cases/{case_id}"))
    for index, name in enumerate(names):
        assert show_only_step(page, index) > 0, f"step {name} shows nothing"
        fill_what_the_step_shows(page)
        found.append(audit(page, f"/field/cases/{case_id} step {index + 1} ({name})"))
    found = "\n".join(filter(None, found))
    assert not found, found
