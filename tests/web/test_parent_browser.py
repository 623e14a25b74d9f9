"""The parents' pages in a real browser: Debian's Chromium, headless, at 320 pixels wide.

A review is booked for Kacper, whose mother reads Urdu and has only an email address, and
whose father reads Polish and has only a mobile number. Each opens the link their message
carried, answers "I need an interpreter", and the SENCO's record shows both. Then axe-core
(the copy bundled with axe-playwright-python) checks every page in English, Arabic and
Polish: no serious or critical accessibility problem. The pages run no script and their
Content-Security-Policy forbids it, so axe is added to a context that bypasses the CSP.

Screenshots go to `test-artifacts/screenshots/` (or SENDBOT_SCREENSHOTS), as the staff
pages' do (tests/web/test_browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.delivery import keys
from sendbot.messages import registry
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Guardian, Invitation, Outbox
from tests.factories import SmallSchool
from tests.web.parent_site import Family, a_family_without_telegram, book_review, the_post
from tests.web.staff_site import StaffSite, serving
from tests.web.test_browser import browser, screenshots  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
NARROW = {"width": 320, "height": 640}


@pytest.fixture
def site(db_url: str, clock: FrozenClock) -> Iterator[StaffSite]:
    with serving(db_url, clock) as running:
        yield running


@pytest.fixture
def family(sessions, school: SmallSchool) -> Family:  # type: ignore[no-untyped-def]
    return a_family_without_telegram(sessions, school)


def small_phone(browser: Browser, bypass_csp: bool = False) -> Page:  # noqa: F811
    return browser.new_context(viewport=NARROW, bypass_csp=bypass_csp).new_page()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(screenshots() / f"{name}.png"), full_page=True)


def fits(page: Page) -> None:
    """One column at 320px: nothing wider than the screen (WCAG 1.4.10, reflow)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


def test_each_parent_answers_i_need_an_interpreter_in_their_language_and_the_senco_sees_both(
    browser: Browser,  # noqa: F811
    site: StaffSite,
    sessions,
    school: SmallSchool,
    clock: FrozenClock,
    family: Family,
) -> None:
    book_review(sessions, school, clock.now())
    post = the_post(sessions, clock, site.base)
    post.deliver()
    [mother] = post.links_to("amna@example.org")
    [father] = post.links_to("+447700900123")

    page = small_phone(browser)
    page.goto(mother)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    fits(page)
    shot(page, "p01-invitation-urdu")
    page.get_by_role("button", name="مجھے ترجمان کی ضرورت ہے").click()
    expect(page.get_by_role("status").first).to_contain_text("ترجمان")
    shot(page, "p02-interpreter-asked-urdu")

    page = small_phone(browser)
    page.goto(father)
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    fits(page)
    shot(page, "p03-invitation-polish")
    page.get_by_role("button", name="Potrzebuję tłumacza").click()
    expect(page.get_by_role("status").first).to_contain_text("tłumacza")
    shot(page, "p04-interpreter-asked-polish")

    with sessions() as session:
        asked = session.scalars(
            select(Invitation.guardian_id).where(Invitation.interpreter_requested)
        ).all()
        notices = session.scalars(
            select(Outbox).where(
                Outbox.template == keys.MEETING_RSVP_NOTICE,
                Outbox.recipient_staff_id == school.staff["senco"],
            )
        ).all()
        said = [registry.render(n.template, n.params, "en_GB", session) for n in notices]
    assert sorted(asked) == sorted([family.mother, family.father])
    texts = [m.text for m in said if m is not None]
    assert any("Amna Kowalska" in t and "interpreter" in t for t in texts), texts
    assert any("Marek Kowalski" in t and "interpreter" in t for t in texts), texts


def serious(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"""
    )
    return found


def _speak(sessions, guardian_id: int, language: str) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session, session.begin():
        guardian = session.get(Guardian, guardian_id)
        guardian.preferred_language = language
        guardian.script = "Arab" if language == "ar" else None


def test_every_page_passes_axe_in_english_arabic_and_polish(
    browser: Browser,  # noqa: F811
    site: StaffSite,
    sessions,
    school: SmallSchool,
    clock: FrozenClock,
    family: Family,
) -> None:
    book_review(sessions, school, clock.now())
    post = the_post(sessions, clock, site.base)
    post.deliver()
    [link] = post.links_to("amna@example.org")
    problems = checked(browser, sessions, family, {
        "invitation": link,
        "views": f"{link}/views",
        "message": f"{link}/message",
        "settings": f"{link}/settings",
        "unknown-link": f"{site.base}/p/AAAAAAAAAAAAAAAAAAAAAA",
    })  # fmt: skip
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        meeting_id = session.scalars(select(Invitation.meeting_id)).first()
        assert senco is not None and meeting_id is not None
        meetings.cancel(session, senco, meeting_id, now=clock.now())
    post.deliver()
    [summary] = [m.link for r, m in post.email.sent if m.link and m.link != link]
    problems.update(checked(browser, sessions, family, {"summary": summary}))
    assert problems == {}


def checked(  # type: ignore[no-untyped-def]
    browser: Browser,  # noqa: F811
    sessions,
    family: Family,
    pages: dict[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """Each page in English, Arabic and Polish, at 320px: its serious problems, by page."""
    problems: dict[str, list[dict[str, Any]]] = {}
    for language in ("en", "ar", "pl"):
        _speak(sessions, family.mother, language)
        page = small_phone(browser, bypass_csp=True)
        for name, url in pages.items():
            page.goto(url)
            assert page.locator("h1").count() == 1
            fits(page)
            shot(page, f"p-axe-{language}-{name}")
            found = serious(page)
            if found:
                problems[f"{language} {name}"] = found
    return problems


def test_the_connect_telegram_and_confirm_email_pages_pass_axe(
    browser: Browser,  # noqa: F811
    db_url: str,
    sessions,
    school: SmallSchool,
    clock: FrozenClock,
    family: Family,
) -> None:
    """`sendbot invite guardians`' pages: confirm an email address (the mother), connect
    Telegram before and after the button that makes the invite (the father)."""
    from sendbot.services import invite_groups

    with serving(db_url, clock, telegram_bot_username="oakfield_bot") as site:
        with sessions() as session, session.begin():
            plan = invite_groups.plan(session, class_code="4R", year=None, school_urn="900001")
            invite_groups.send(session, plan, clock.now())
        post = the_post(sessions, clock, site.base)
        post.deliver()
        [mother] = post.links_to("amna@example.org")
        [father] = post.links_to("+447700900123")
        problems: dict[str, list[dict[str, Any]]] = {}
        for language in ("en", "ar", "pl"):
            _speak(sessions, family.mother, language)
            _speak(sessions, family.father, language)
            page = small_phone(browser, bypass_csp=True)
            for name, url in (("confirm-email", mother), ("connect-telegram", father)):
                page.goto(url)
                assert page.locator("h1").count() == 1
                fits(page)
                shot(page, f"p-axe-{language}-{name}")
                problems[f"{language} {name}"] = serious(page)
            page.locator("main form button").click()
            expect(page.locator("main a.button.primary")).to_have_attribute(
                "href", re.compile(r"^https://t\.me/oakfield_bot\?start=")
            )
            fits(page)
            shot(page, f"p-axe-{language}-telegram-link")
            problems[f"{language} telegram-link"] = serious(page)
    assert {k: v for k, v in problems.items() if v} == {}
