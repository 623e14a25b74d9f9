"""The staff pages in a real browser: Debian's Chromium, headless, driven by Playwright.

Against the app `sendbot serve` runs (in this process, on a free port) and a local OpenID
provider (tests/web/fake_oidc.py): the DSL signs in with a one-time link and with the
school's accounts, reads a concern and records a decision; a teacher who signs in is
refused; a forged cookie and an expired link get their kind pages. No script runs on any
page (the Content-Security-Policy forbids it), so what Chromium shows is the whole page.

A screenshot of each page is saved in `test-artifacts/screenshots/` under the folder the
tests run from, or in SENDBOT_SCREENSHOTS (docs/testing.md). Without Chromium these tests
are left out of a local run and the report's header says so (tests/conftest.py); CI refuses
to start without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sendbot.clock import FrozenClock
from sendbot.store.models import AuditEvent, ConcernAction
from tests.conftest import CHROMIUM
from tests.factories import SmallSchool
from tests.web.fake_oidc import CLIENT_ID, CLIENT_SECRET, TENANT, FakeProvider
from tests.web.staff_site import (
    CHILD_WORDS,
    NARRATIVE,
    StaffSite,
    a_safeguarding_concern,
    free_port,
    in_a_thread,
    serving,
)

pytestmark = pytest.mark.browser


def screenshots() -> Path:
    folder = Path(os.environ.get("SENDBOT_SCREENSHOTS", "test-artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: install Debian's package (apt-get install "
            "chromium) or set SENDBOT_CHROMIUM. The browser tests never download a browser.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    port = free_port()
    fake = FakeProvider(issuer=f"http://127.0.0.1:{port}")
    with in_a_thread(fake.app(), port):
        yield fake


@pytest.fixture
def site(db_url: str, clock: FrozenClock, provider: FakeProvider) -> Iterator[StaffSite]:
    with serving(
        db_url,
        clock,
        web_oidc_issuer=provider.issuer,
        web_oidc_client_id=CLIENT_ID,
        web_oidc_client_secret=CLIENT_SECRET,
        web_oidc_tenant=TENANT,
    ) as running:
        yield running


def phone(browser: Browser) -> Page:
    """A fresh browser profile the size of a phone: no cookies from another test."""
    return browser.new_context(viewport={"width": 390, "height": 844}).new_page()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(screenshots() / f"{name}.png"), full_page=True)


def test_the_dsl_signs_in_with_a_link_reads_the_concern_and_records_a_decision(
    browser: Browser, site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    page = phone(browser)
    page.goto(site.link(sessions, school.staff["dsl"], f"/staff/concerns/{concern_id}"))
    shot(page, "01-sign-in-link")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Concern about Amelia Khan")).to_be_visible()
    expect(page.get_by_text(NARRATIVE)).to_be_visible()
    expect(page.get_by_text("Reported by")).to_be_visible()
    expect(page.get_by_text(CHILD_WORDS)).to_be_visible()
    photo = page.get_by_role("img", name="Photo (PNG")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 1  # the image itself loaded
    shot(page, "02-concern")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged, by Martin Shaw")).to_be_visible()
    page.get_by_label("Referral to children's social care").check()
    page.get_by_label("A short note").fill("Spoke to the duty social worker at 10:05.")
    shot(page, "03-decision-form")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text("Referral to children's social care, by Martin Shaw")).to_be_visible()
    expect(page.get_by_text("Spoke to the duty social worker at 10:05.")).to_be_visible()
    shot(page, "04-decision-recorded")
    page.get_by_role("link", name="Amelia Khan's chronology").click()
    expect(page.get_by_role("heading", name="Safeguarding chronology: Amelia Khan")).to_be_visible()
    expect(page.get_by_text("Referral to children's social care").first).to_be_visible()
    shot(page, "04b-chronology")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    saved = screenshots() / "04c-chronology.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    page.go_back()
    page.get_by_role("link", name="All open concerns").click()
    expect(page.get_by_role("link", name="Amelia Khan (Year 3)")).to_be_visible()
    shot(page, "05-open-concerns")
    with sessions() as session:
        kinds = [a.kind for a in session.query(ConcernAction).filter_by(concern_id=concern_id)]
    assert kinds == ["acknowledged", "referral"]


def test_the_dsl_signs_in_with_the_school_account_through_openid_connect(
    browser: Browser,
    site: StaffSite,
    provider: FakeProvider,
    sessions,
    school: SmallSchool,
    clock: FrozenClock,
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    provider.next_email = "dsl@oakfield.example"
    page = phone(browser)
    page.goto(f"{site.base}/staff/concerns/{concern_id}")
    expect(page.get_by_text("Please sign in to see this page.")).to_be_visible()
    shot(page, "06-sign-in-needed")
    page.get_by_role("link", name="Sign in with your school account").click()
    expect(page.get_by_role("heading", name="Concern about Amelia Khan")).to_be_visible()
    expect(page.get_by_text(NARRATIVE)).to_be_visible()
    shot(page, "07-concern-after-openid")
    [exchange] = provider.token_requests
    assert exchange["code_verifier"] and exchange["client_secret"] == CLIENT_SECRET
    with sessions() as session:
        signed = session.query(AuditEvent).filter_by(action="web.sign_in").one()
    assert signed.actor_id == school.staff["dsl"] and signed.details == {"via": "entra"}


def test_a_teacher_who_signs_in_is_refused_the_concern(
    browser: Browser,
    site: StaffSite,
    provider: FakeProvider,
    sessions,
    school: SmallSchool,
    clock: FrozenClock,
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    provider.next_email = "teacher@oakfield.example"
    page = phone(browser)
    page.goto(f"{site.base}/staff/oidc/start?page=/staff/concerns/{concern_id}")
    expect(page.get_by_role("heading", name="You can't open this concern")).to_be_visible()
    expect(page.get_by_text("tell the designated safeguarding lead in person")).to_be_visible()
    assert "Amelia" not in page.content() and NARRATIVE not in page.content()
    shot(page, "08-teacher-refused")
    with sessions() as session:
        refused = session.query(AuditEvent).filter_by(action="concern.view_refused").one()
    assert refused.actor_id == school.staff["teacher"]


def test_a_forged_cookie_and_an_expired_link_get_kind_pages(
    browser: Browser, site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": "sendbot-staff", "value": "forged-by-someone", "url": site.base}])
    page = context.new_page()
    page.goto(f"{site.base}/staff/concerns/{concern_id}")
    expect(page.get_by_text("did not give it, so it was not accepted")).to_be_visible()
    assert NARRATIVE not in page.content()
    shot(page, "09-forged-cookie")
    assert all(c["value"] != "forged-by-someone" for c in context.cookies())

    link = site.link(sessions, school.staff["dsl"], f"/staff/concerns/{concern_id}")
    clock.advance(timedelta(minutes=11))
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This sign-in link has expired")).to_be_visible()
    shot(page, "10-expired-link")
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("heading", name="A new link is on its way")).to_be_visible()
    shot(page, "11-new-link-sent")
