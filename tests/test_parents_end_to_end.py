"""A family reached without Telegram, end to end through `sendbot serve`.

The serving app is the one `sendbot serve` builds (`plugins_for` the settings: email over
SMTP, text messages through GOV.UK Notify, the parents' pages, the clock and its outbox
worker), listening on a free local port. Its SMTP relay is a real SMTP server on this
machine (aiosmtpd) and Notify is the fake one that checks the real client's signed token.

Kacper's parents come from the school's roster export: his mother reads Urdu and has only
an email address, his father reads Polish and has only a mobile number. The SENCO books his
review. The relay receives the mother's email (plain text and HTML, right to left, with a
real calendar invitation) and Notify the father's text message, each with its one-tap link.
Debian's Chromium opens each link as it arrived, each parent answers "I need an interpreter"
in their own language, and the SENCO is told of both and sees both on the review papers.
axe-core then finds no serious problem on the invitation page in English, Arabic and Polish.

Screenshots go to `test-artifacts/screenshots/` (or SENDBOT_SCREENSHOTS): `e2e-*.png`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.cli.serve import plugins_for
from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.delivery import keys
from sendbot.i18n.languages import BY_CODE
from sendbot.i18n.writer import Writer
from sendbot.messages import registry
from sendbot.messages.parents.invitation import meeting_title
from sendbot.services import meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.roster import import_roster
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.store.db import transaction
from sendbot.store.models import Guardian, Identity, Outbox
from tests.email.relay import Relay
from tests.factories import SmallSchool
from tests.notify.fake_notify import API_KEY, SMS_TEMPLATE, FakeNotify
from tests.web.staff_site import free_port, in_a_thread
from tests.web.test_browser import browser, screenshots  # noqa: F401 (the fixture)
from tests.web.test_parent_browser import _speak, fits, serious, shot, small_phone

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
BOOKED = datetime(2026, 12, 15, 15, 30, tzinfo=LONDON)
MOTHER, FATHER = "amna.kowalska@family.example", "+447700900123"
PHONE = {"width": 390, "height": 844}
URDU_INTERPRETER, POLISH_INTERPRETER = "مجھے ترجمان کی ضرورت ہے", "Potrzebuję tłumacza"

# The school's MIS export, as `sendbot roster import` reads it: only the parents' files.
SCHOOL_CSV = "urn,name\n900001,Oakfield Primary School\n"
GUARDIANS_CSV = (
    "guardian_id,title,first_name,last_name,email,phone,preferred_language,needs_interpreter\n"
    "G101,Mrs,Amna,Kowalska, Amna.Kowalska@Family.example ,,ur,N\n"
    "G102,Mr,Marek,Kowalski,,07700 900123,pl,N\n"
)
LINKS_CSV = (
    "guardian_id,pupil_id,relationship,parental_responsibility,contact_priority\n"
    "G101,P-Kacper-Wiśniewski,mother,Y,1\n"
    "G102,P-Kacper-Wiśniewski,father,Y,2\n"
)


@dataclass(frozen=True)
class Family:
    mother: int
    father: int


def the_roster_names_the_family(sessions: sessionmaker[Session], folder: Path) -> Family:
    """Import the parents' files; their email and phone columns are their only channels."""
    for name, text in (
        ("school.csv", SCHOOL_CSV),
        ("guardians.csv", GUARDIANS_CSV),
        ("guardian_links.csv", LINKS_CSV),
    ):
        (folder / name).write_text(text, encoding="utf-8")
    with transaction(sessions) as session:
        import_roster(session, [folder], clock=FrozenClock(BOOKED - timedelta(days=30)))
    with sessions() as session:
        ids = {g.external_id: g.id for g in session.scalars(select(Guardian))}
        channels = {
            (i.guardian_id, i.platform, i.external_id)
            for i in session.scalars(select(Identity).where(Identity.active))
            if i.guardian_id in (ids["G101"], ids["G102"])
        }
    family = Family(ids["G101"], ids["G102"])
    assert channels == {(family.mother, "email", MOTHER), (family.father, "sms", FATHER)}
    return family


@dataclass
class Serving:
    base: str
    relay: Relay
    notify: FakeNotify


@contextmanager
def sendbot_serve(db_url: str, clock: FrozenClock) -> Iterator[Serving]:
    """The app `sendbot serve` runs, configured for the relay, Notify and the pages."""
    relay, notify = Relay().start(), FakeNotify()
    notify_url = notify.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=db_url,
        web_url=base,
        smtp_host="127.0.0.1",
        smtp_port=relay.port,
        smtp_security="none",
        smtp_from_address="office@oakfield.example",
        notify_api_key=SecretStr(API_KEY),
        notify_base_url=notify_url,
        notify_sms_template_id=SMS_TEMPLATE,
    )
    core = build_core(settings, clock)
    try:
        with in_a_thread(build_app(core, plugins_for(settings)), port):
            yield Serving(base, relay, notify)
    finally:
        core.db.dispose()
        notify.stop()
        relay.stop()


@pytest.fixture
def served(db_url: str, clock: FrozenClock) -> Iterator[Serving]:
    with sendbot_serve(db_url, clock) as running:
        yield running


def the_senco_books_the_review(
    sessions: sessionmaker[Session], school: SmallSchool, now: datetime
) -> int:
    """As the meeting flow books it (meeting_flows calls `meetings.schedule`)."""
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        return meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["kacper"],
            kind="sen_support_review",
            starts_at=BOOKED,
            ends_at=BOOKED + timedelta(minutes=45),
            now=now,
            place="Room 4",
            attendees=["SENCO", "class teacher"],
        ).meeting_id


def until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Wait for what the server's clock does every two seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "sendbot serve never sent it"
        time.sleep(0.1)


def title_in(language: str, isolates: bool = True) -> str:
    writer = Writer(BY_CODE[language], "Europe/London", isolates=isolates)
    return meeting_title(writer, "sen_support_review", "Kacper")


def link_in(text: str, base: str) -> str:
    [link] = set(re.findall(re.escape(base) + r"/p/[A-Za-z0-9_-]{16,}", text))
    return link


def the_email(served: Serving) -> tuple[str, str, Calendar]:
    """The one email the relay received for the mother: its text, its HTML, its .ics."""
    [received] = served.relay.handler.to(MOTHER)
    email = received.email()
    assert email["Subject"] == title_in("ur")
    assert email.get_content_type() == "multipart/mixed"
    [alternative, *attachments] = email.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = email.get_body(("plain",)), email.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    [ics] = [p for p in attachments if p.get_content_type() == "text/calendar"]
    assert isinstance(ics, EmailMessage) and ics.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    return str(text.get_content()), str(html.get_content()), calendar


def the_invitation_arrives_by_email(served: Serving) -> str:
    text, html, calendar = the_email(served)
    assert 'dir="rtl"' in html and 'lang="ur"' in html
    assert text.startswith("محترم ⁨Amna⁩") and "Room 4" in text  # "Dear Amna", in Urdu
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    # The school's wall-clock time in its own zone, which the file describes.
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("dtstart") == BOOKED and event.decoded("dtstart").hour == 15
    assert [z["TZID"] for z in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    link = link_in(text, served.base)
    assert link in html  # the one-tap button
    return link


def the_invitation_arrives_by_text(served: Serving) -> str:
    [sent] = [r for r in served.notify.delivered if r.kind == "sms"]
    assert sent.body["phone_number"] == FATHER
    assert sent.body["template_id"] == SMS_TEMPLATE
    body = str(sent.body["personalisation"]["body"])
    assert body.startswith("Dzień dobry Marek")
    # Polish letters kept; the dash made plain, so the message stays in the GSM alphabet.
    assert title_in("pl", isolates=False).replace("–", "-") in body and "15:30" in body
    link = link_in(body, served.base)
    assert body.rstrip().endswith(link)
    return link


def answers(browser: Browser, link: str, interpreter: str, name: str) -> Page:  # noqa: F811
    """A parent's phone (390 pixels wide, the size of the screenshots in docs/parents.md)."""
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(link)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"e2e-invitation-{name}")
    page.get_by_role("button", name=interpreter).click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"e2e-thank-you-{name}")
    return page


def test_a_family_without_telegram_answers_by_email_and_text_and_the_senco_sees_it(
    browser: Browser,  # noqa: F811
    served: Serving,
    sessions: sessionmaker[Session],
    school: SmallSchool,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    family = the_roster_names_the_family(sessions, tmp_path)
    meeting_id = the_senco_books_the_review(sessions, school, clock.now())
    until(lambda: served.relay.handler.to(MOTHER) and served.notify.delivered)
    mother_link = the_invitation_arrives_by_email(served)
    father_link = the_invitation_arrives_by_text(served)

    page = answers(browser, mother_link, URDU_INTERPRETER, "urdu")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("status").first).to_contain_text("ترجمان")
    page = answers(browser, father_link, POLISH_INTERPRETER, "polish")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_role("status").first).to_contain_text("tłumacza")

    told = the_sencos_notices(sessions, school)
    assert any("Amna Kowalska" in t and "interpreter" in t for t in told), told
    assert any("Marek Kowalski" in t and "interpreter" in t for t in told), told
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        papers = meetings.review_papers(session, senco, meeting_id, clock.now())
    assert {(p.name, p.interpreter) for p in papers.guardians} == {
        ("Amna Kowalska", True),
        ("Marek Kowalski", True),
    }

    problems = {}
    for language in ("en", "ar", "pl"):
        _speak(sessions, family.mother, language)
        page = small_phone(browser, bypass_csp=True)
        page.goto(mother_link)
        fits(page)
        shot(page, f"e2e-axe-invitation-{language}")
        if found := serious(page):
            problems[language] = found
    assert problems == {}


def the_sencos_notices(sessions: sessionmaker[Session], school: SmallSchool) -> list[str]:
    """What sendbot tells the SENCO of each answer, as the SENCO's chat would show it."""
    with sessions() as session:
        notices = session.scalars(
            select(Outbox).where(
                Outbox.template == keys.MEETING_RSVP_NOTICE,
                Outbox.recipient_staff_id == school.staff["senco"],
            )
        ).all()
        said = [registry.render(n.template, n.params, "en_GB", session) for n in notices]
    return [m.text for m in said if m is not None]
