"""The walkthrough's annual review scene: one EHC review from the reminder to the LA's decision.

Set on Tuesday 24 November 2026, so every date can be worked by hand. The demo makes
Zainab's final EHC plan issued on 4 December 2025 (a year before her plan review in 10 days).
Played with the demo's post, as `sendbot demo --walkthrough` plays it: parents' email is
written as `.eml` files, text messages are printed, and Kacper's father answers his
invitation on his one-tap web page.
"""

from __future__ import annotations

import email
import io
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime, time
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.delivery import keys
from sendbot.demo import annual_review
from sendbot.demo.build import build_demo
from sendbot.demo.post import DemoPost, mail_folder
from sendbot.store.models import Guardian, Invitation, Outbox

TOUR_DAY = date(2026, 11, 24)  # a Tuesday in the autumn term
LINK = re.compile(r"http://localhost:8080/p/[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class Tour:
    transcript: str
    post: DemoPost
    sessions: sessionmaker[Session]


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Tour:
    path: Path = tmp_path_factory.mktemp("tour") / "tour.db"
    sessions = build_demo(path, TOUR_DAY)
    clock = FrozenClock(datetime.combine(TOUR_DAY, time(10, 30), ZoneInfo("Europe/London")))
    out = io.StringIO()
    post = DemoPost(f"sqlite:///{path}", mail_folder(path), school_name="Brookfield")
    annual_review.play(Engine(sessions, REGISTRY, clock), sessions, out, post)
    return Tour(out.getvalue(), post, sessions)


@pytest.fixture(scope="module")
def transcript(tour: Tour) -> str:
    return tour.transcript


def test_the_reminder_to_book_quotes_the_law_and_cites_it(transcript: str) -> None:
    """CFA 2014 s44(1): reviewed "in the period of 12 months starting with the date on
    which the plan was first made": from 4 December 2025 the last day is 3 December 2026."""
    assert "Book Zainab Qureshi's EHC plan annual review: it must be held by Thu 3 Dec 2026." in (
        transcript
    )
    assert "so the last day is 3 December 2026, the day before the anniversary." in transcript
    assert "Source: CFA 2014 s44(1); Code 9.169" in transcript


def test_booking_warns_of_short_notice_and_the_senco_keeps_the_date(transcript: str) -> None:
    """SEND Regs 2014 reg 20(3): "At least two weeks' notice of the date of the meeting must
    be given." Thursday 3 December is 9 days after Tuesday 24 November."""
    assert "That gives 9 days' notice." in transcript
    assert "Meeting booked for Thu 3 Dec 2026 at 15:30." in transcript
    # Her father is not on Telegram: the school has his email address, so his goes by email.
    assert "By email: Adeel Qureshi." in transcript
    assert "letter or call" not in transcript


def test_the_mother_gets_the_invitation_in_urdu_with_its_calendar_file_and_answers(
    transcript: str,
) -> None:
    assert "--> Nasreen Qureshi (parent/carer) [telegram]" in transcript
    assert "کے تعلیم، صحت اور نگہداشت کے منصوبے (EHC plan)" in transcript  # in Urdu
    assert "(attached: meeting.ics," in transcript
    assert "شکریہ۔ ہم نے اسکول کو بتا دیا ہے کہ آپ آئیں گے۔" in transcript  # "you will come"
    assert "Parent reply: Nasreen Qureshi will come" in transcript


def test_held_starts_the_report_and_the_la_decision_and_dates_the_next_review(
    transcript: str,
) -> None:
    """Held on Thursday 3 December 2026: the report within two weeks of the meeting
    (17 December), the LA's decision within four weeks (31 December), and the next review in
    the 12 months starting with 3 December 2026, whose last day is 2 December 2027."""
    assert "Was Zainab Qureshi's EHC plan annual review on Thursday 3 December 2026 held?" in (
        transcript
    )
    assert "Recorded: Zainab Qureshi's EHC plan annual review on Thu 3 Dec 2026 was held." in (
        transcript
    )
    assert "The report to the local authority is due by Thu 17 Dec 2026" in transcript
    assert "The local authority's decision is due by Thu 31 Dec 2026" in transcript
    assert "Next review due by Thu 2 Dec 2027." in transcript
    assert "Marked done: Annual review report sent (due Thu 17 Dec 2026)." in transcript


def test_the_las_decision_is_recorded_and_the_next_review_is_due_within_12_months(
    transcript: str,
) -> None:
    """Reg 20(10): the LA decides within four weeks of the meeting whether to keep, amend or
    cease the plan; recorded on 23 December 2026, it answers that deadline. The LA's notice of proposed amendments, sent on 23 December 2026, gives the family
    "at least 15 days, beginning with the day on which" it was served (reg 22(2)): the last
    day is 6 January 2027; the final amended plan within 8 weeks of it (reg 22(3))."""
    assert (
        "Recorded for Zainab Qureshi: the local authority decided on Wed 23 Dec 2026 to amend "
        "the plan."
    ) in transcript
    now_due = transcript.split("--- What is due for Zainab now ---")[1]
    assert "LA decision after the annual review" not in now_due
    assert (
        "Recorded for Zainab Qureshi: amendment notice, Wed 23 Dec 2026. Next due: Comments "
        "on proposed amendments, by Wed 6 Jan 2027."
    ) in transcript
    assert "- Final amended EHC plan: by Wed 17 Feb 2027" in transcript
    assert "- Annual review of the EHC plan: by Thu 2 Dec 2027 (CFA 2014 s44(1)" in transcript


def test_the_scene_shows_only_zainabs_messages(transcript: str) -> None:
    assert "SENCO digest for" not in transcript
    assert "other messages went out meanwhile: digests, other pupils." in transcript


def _kacpers_scene(transcript: str) -> str:
    return transcript.split("--- Meanwhile: Kacper's family, who are not on Telegram ---")[1].split(
        "--- The days before the meeting"
    )[0]


def _parsed(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_his_mothers_invitation_is_an_eml_file_beside_the_database_with_her_link(
    tour: Tour,
) -> None:
    scene = _kacpers_scene(tour.transcript)
    assert "--> Magdalena Wiśniewska (parent/carer) [email]" in scene
    written = re.findall(r"\(the email as sent: (.+\.eml)\)", scene)
    assert written and all(Path(w).parent == tour.post.mail_dir for w in written)
    assert tour.post.mail_dir == tour.post.mail_dir.parent / "tour-mail"
    assert stat.S_IMODE(tour.post.mail_dir.stat().st_mode) == 0o700
    invitation = Path(written[0])
    assert stat.S_IMODE(invitation.stat().st_mode) == 0o600
    parsed = _parsed(invitation)
    assert parsed["To"] == "parent.pl@family.example"
    assert parsed.is_multipart()
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    [link] = LINK.findall(text.get_content())
    assert f'href="{link}"' in html.get_content()
    assert f"(link: {link})" in scene  # the transcript shows the link the email carries
    assert "Spotkanie, aby sprawdzić, jak działa dodatkowa pomoc" in text.get_content()
    attached = [p.get_filename() for p in parsed.iter_attachments()]
    assert "meeting.ics" in attached


def test_his_fathers_text_message_is_printed_as_his_phone_shows_it_with_his_link(
    tour: Tour,
) -> None:
    scene = _kacpers_scene(tour.transcript)
    sms = scene.split("--> Tomasz Wiśniewski (parent/carer) [sms]\n")[1].split("\n\n[")[0]
    assert "Dzień dobry Tomasz," in sms
    assert "pomoc - Kacper" in sms  # the plain hyphen a text message sends, not the en dash
    assert LINK.search(sms.strip().splitlines()[-1])  # the link on the last line
    assert "[Przyjdę]" not in sms  # no buttons to tap in a text message


def test_his_father_answers_on_the_page_and_the_senco_is_told_he_needs_an_interpreter(
    tour: Tour,
) -> None:
    scene = _kacpers_scene(tour.transcript)
    assert "# The page, in Polish: Spotkanie, aby sprawdzić" in scene
    assert "[Przyjdę]  [Nie mogę przyjść]  [Proszę o inny termin]  [Potrzebuję tłumacza]" in scene
    assert "<-- Dziękujemy. Poprosiliśmy szkołę o zamówienie tłumacza dla Państwa." in scene
    assert "Parent reply: Tomasz Wiśniewski needs an interpreter" in scene
    assert "Their language: Polish. Please book an interpreter." in scene
    with tour.sessions() as session:
        father = session.scalars(
            select(Guardian).where(
                Guardian.first_name == "Tomasz", Guardian.last_name == "Wiśniewski"
            )
        ).one()
        invitation = session.scalars(
            select(Invitation).where(Invitation.guardian_id == father.id)
        ).one()
        notices = session.scalars(
            select(Outbox).where(Outbox.template == keys.MEETING_RSVP_NOTICE)
        ).all()
    assert invitation.interpreter_requested
    assert "interpreter" in [n.params.get("answer") for n in notices]


def test_only_the_first_meetings_family_is_followed_after_kacpers_scene(transcript: str) -> None:
    after = transcript.split("--- The days before the meeting")[1]
    assert "Wiśniew" not in after
