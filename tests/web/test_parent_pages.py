"""The parents' one-tap pages over HTTP: the links the worker puts on email and text
messages, each page, and bad links and forms.

The same app `sendbot serve` runs, on a free port (tests/web/staff_site.py); requests from
httpx. tests/web/test_parent_browser.py drives the same pages with Chromium.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.delivery import keys
from sendbot.i18n.languages import resolve
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.honest import machine_notice
from sendbot.services import outbox, parent_links, parents
from sendbot.serving.core import build_core
from sendbot.serving.logs import RedactPersonalData
from sendbot.serving.scheduler import SchedulerService
from sendbot.store.models import (
    AuditEvent,
    Guardian,
    GuardianPupil,
    Identity,
    Invitation,
    Outbox,
    ParentLink,
    ParentMessage,
    Pupil,
)
from sendbot.web import parent_words
from tests.factories import SmallSchool
from tests.web.parent_site import (
    BOOKED,
    Family,
    Kept,
    a_family_without_telegram,
    book_review,
    the_post,
)
from tests.web.staff_site import StaffSite, serving

TOKEN = re.compile(r"/p/([A-Za-z0-9_-]{22})$")


@pytest.fixture
def site(db_url, clock):  # type: ignore[no-untyped-def]
    with serving(db_url, clock) as running:
        yield running


@pytest.fixture
def family(sessions, school: SmallSchool) -> Family:  # type: ignore[no-untyped-def]
    return a_family_without_telegram(sessions, school)


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def invitation_links(sessions, school, clock, site) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The review is booked; the mother's email and the father's text message go."""
    book_review(sessions, school, clock.now())
    post = the_post(sessions, clock, site.base)
    post.deliver()
    [mother] = post.links_to("amna@example.org")
    [father] = post.links_to("+447700900123")
    return mother, father


def test_each_email_and_text_message_carries_its_own_short_link_naming_no_child(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, father = invitation_links(sessions, school, clock, site)
    for link in (mother, father):
        assert link.startswith(f"{site.base}/p/")
        assert TOKEN.search(link), link
        assert "kacper" not in link.lower()
    assert mother != father
    with sessions() as session:
        rows = session.scalars(select(ParentLink).order_by(ParentLink.id)).all()
        issued = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "parent_link.issued")
        ).all()
    assert [(r.guardian_id, r.purpose) for r in rows] == [
        (family.mother, "invitation"),
        (family.father, "invitation"),
    ]
    for row, link in zip(rows, (mother, father), strict=True):
        assert TOKEN.search(link).group(1) not in row.token_hash  # type: ignore[union-attr]
        assert row.expires_at == BOOKED + timedelta(hours=1)
    assert len(issued) == 2


def test_a_retried_send_of_the_same_row_carries_the_same_link(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    book_review(sessions, school, clock.now())
    post = the_post(sessions, clock, site.base)
    with sessions() as session:
        row_id = session.scalar(
            select(Outbox.id).where(
                Outbox.recipient_guardian_id == family.mother,
                Outbox.template == keys.MEETING_INVITATION,
            )
        )
    first = post.worker.prepare([row_id])[0]
    again = post.worker.prepare([row_id])[0]
    assert first.message is not None and again.message is not None
    assert first.message.link == again.message.link is not None
    with sessions() as session:
        assert session.query(ParentLink).count() == 1


def test_the_invitation_page_answers_in_urdu_and_a_second_answer_counts(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, _ = invitation_links(sessions, school, clock, site)
    with httpx.Client() as browser:
        page = browser.get(mother)
        assert page.status_code == 200
        assert '<html lang="ur" dir="rtl">' in page.text
        assert "میں آؤں گا / آؤں گی" in page.text  # "I will come", as the chat's button says
        assert page.text.count("<h1>") == 1
        token = form_token(page.text)
        came = browser.post(
            f"{mother}/answer", data={"csrf": token, "choice": "yes"}, follow_redirects=True
        )
        assert came.status_code == 200 and came.url.path == TOKEN.search(mother).group(0)  # type: ignore[union-attr]
        changed = browser.post(
            f"{mother}/answer", data={"csrf": token, "choice": "no"}, follow_redirects=True
        )
        assert changed.status_code == 200
        interpreter = browser.post(
            f"{mother}/answer", data={"csrf": token, "choice": "interpreter"}
        )
        assert interpreter.status_code == 303
    with sessions() as session:
        invitation = session.scalars(
            select(Invitation).where(Invitation.guardian_id == family.mother)
        ).one()
        notices = session.scalars(
            select(Outbox).where(Outbox.template == keys.MEETING_RSVP_NOTICE)
        ).all()
    assert invitation.rsvp == "no" and invitation.interpreter_requested
    to_senco = [n.params for n in notices if n.recipient_staff_id == school.staff["senco"]]
    assert [(n["answer"], n["previous"]) for n in to_senco] == [
        ("yes", None),
        ("no", "yes"),
        ("interpreter", "no"),
    ]


def test_a_form_without_its_token_saves_nothing(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, father = invitation_links(sessions, school, clock, site)
    with httpx.Client() as browser:
        other = form_token(browser.get(father).text)  # the father's form, the mother's link
        for data in ({"choice": "yes"}, {"choice": "yes", "csrf": other}):
            refused = browser.post(f"{mother}/answer", data=data)
            assert refused.status_code == 403
            assert 'lang="ur"' in refused.text and "<form" in refused.text
    with sessions() as session:
        invitation = session.scalars(
            select(Invitation).where(Invitation.guardian_id == family.mother)
        ).one()
    assert invitation.rsvp is None


def test_the_calendar_file_is_the_invitation_in_the_parents_language(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    _, father = invitation_links(sessions, school, clock, site)
    got = httpx.get(f"{father}/meeting.ics")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/calendar")
    event = Calendar.from_ical(got.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == BOOKED
    assert event["summary"].params["LANGUAGE"] == "pl"


def test_views_before_the_review_are_saved_from_their_page(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    book_review(sessions, school, clock.now())
    post = the_post(sessions, clock, site.base)
    post.deliver()
    clock.advance(timedelta(minutes=3))
    post.deliver()
    links = post.links_to("+447700900123")
    assert len(links) == 2  # the invitation, then the request for views
    with httpx.Client() as browser:
        page = browser.get(links[1])
        assert page.status_code == 200 and 'lang="pl"' in page.text
        saved = browser.post(
            f"{links[1]}/views",
            data={"csrf": form_token(page.text), "going_well": "Czyta więcej", "hopes": ""},
            follow_redirects=True,
        )
    assert saved.status_code == 200
    # The thank-you names the child; the address it is at names only the child's number
    # (an address goes into the browser's history and the access log).
    [moved] = saved.history
    assert moved.headers["location"].endswith(f"?done=views&child={school.pupils['kacper']}")
    with sessions() as session:
        [kacper] = parents.children(session, family.father)
    assert parent_words.views_saved(Writer(resolve("pl")), kacper.name) in saved.text
    with sessions() as session:
        invitation = session.scalars(
            select(Invitation).where(Invitation.guardian_id == family.father)
        ).one()
    assert "Czyta więcej" in (invitation.parent_views_text or "")


def test_a_message_to_the_school_and_a_change_of_language(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, _ = invitation_links(sessions, school, clock, site)
    with httpx.Client() as browser:
        page = browser.get(f"{mother}/message")
        assert page.status_code == 200 and 'dir="rtl"' in page.text
        sent = browser.post(
            f"{mother}/message",
            data={"csrf": form_token(page.text), "pupil": str(school.pupils["kacper"]),
                  "text": "Kacper has a dentist appointment on Friday."},
            follow_redirects=True,
        )  # fmt: skip
        assert sent.status_code == 200
        settings = browser.get(f"{mother}/settings")
        changed = browser.post(
            f"{mother}/language",
            data={"csrf": form_token(settings.text), "language": "en_GB"},
            follow_redirects=True,
        )
        assert changed.status_code == 200 and '<html lang="en-GB" dir="ltr">' in changed.text
        assert "Thank you. I will write to you in English." in changed.text
    with sessions() as session:
        message = session.scalars(select(ParentMessage)).one()
    assert message.guardian_id == family.mother and "dentist" in message.body_text


def test_a_summary_page_shows_the_message_the_chat_gets(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, _ = invitation_links(sessions, school, clock, site)
    # a cancelled meeting's message opens a page to read
    with sessions() as session, session.begin():
        from sendbot.services import meetings
        from sendbot.services.actors import staff_actor_by_id

        senco = staff_actor_by_id(session, school.staff["senco"])
        meeting_id = session.scalars(select(Invitation.meeting_id)).first()
        meetings.cancel(session, senco, meeting_id, now=clock.now())  # type: ignore[arg-type]
    post = the_post(sessions, clock, site.base)
    post.deliver()
    [cancelled] = [m for r, m in post.email.sent if "cancel" in m.text.lower() or m.link]
    assert cancelled.link is not None
    page = httpx.get(cancelled.link)
    assert page.status_code == 200
    assert cancelled.text.splitlines()[0] in page.text
    gone = httpx.get(mother)
    assert gone.status_code == 200  # the invitation's link says the meeting was cancelled
    assert "<form" not in gone.text.split("<main")[1].split("<nav")[0]


def test_forged_expired_and_replaced_links_explain_themselves(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    _, father = invitation_links(sessions, school, clock, site)
    forged = httpx.get(f"{site.base}/p/AAAAAAAAAAAAAAAAAAAAAA")
    assert forged.status_code == 404
    assert "I do not recognise that link." in forged.text and 'lang="en-GB"' in forged.text
    assert "Send me a new link" not in forged.text
    with sessions() as session, session.begin():
        link = session.scalars(
            select(ParentLink).where(ParentLink.guardian_id == family.father)
        ).one()
        link.expires_at = clock.now()
        link.created_at = clock.now() - timedelta(days=1)
        link.purpose = "summary"  # a summary's link, 14 days old
    with httpx.Client() as browser:
        expired = browser.get(father)
        assert expired.status_code == 410 and 'lang="pl"' in expired.text
        assert "Kacper" not in expired.text and "Room 4" not in expired.text
        asked = browser.post(
            f"{father}/new", data={"csrf": form_token(expired.text)}, follow_redirects=True
        )
        assert asked.status_code == 200 and "Kacper" not in asked.text
        again = browser.post(f"{father}/new", data={"csrf": form_token(expired.text)})
        assert again.status_code == 303
    with sessions() as session:
        resent = session.scalars(
            select(Outbox).where(
                Outbox.recipient_guardian_id == family.father,
                Outbox.dedupe_key.like("parent-link-again:%"),
            )
        ).all()
        refused = session.query(AuditEvent).filter_by(action="parent_link.refused").count()
    assert len(resent) == 1  # once an hour, however often the button is pressed
    assert refused >= 2
    post = the_post(sessions, clock, site.base)
    post.deliver()
    [fresh] = post.links_to("+447700900123")
    assert fresh != father and httpx.get(fresh).status_code == 200
    replaced = httpx.get(father)
    assert replaced.status_code == 410


def test_only_email_and_text_messages_carry_a_link_and_only_with_the_web_address_set(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    with sessions() as session, session.begin():
        session.add(
            Identity(
                platform="telegram", external_id="7101", guardian_id=family.father,
                created_at=clock.now(),
            )
        )  # fmt: skip
    book_review(sessions, school, clock.now())
    telegram = Kept("telegram")
    without_address = the_post(sessions, clock, "")
    without_address.worker.senders = {**without_address.worker.senders, "telegram": telegram}
    without_address.deliver()
    [(_, on_telegram)] = telegram.sent
    [(_, by_email)] = without_address.email.sent
    assert on_telegram.link is None and on_telegram.buttons  # the chat shows its buttons
    assert by_email.link is None  # no web address: no page to send anyone to
    with sessions() as session:
        assert session.query(ParentLink).count() == 0


def test_a_too_long_message_is_kept_back_and_said_so(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    _, father = invitation_links(sessions, school, clock, site)
    with httpx.Client() as browser:
        page = browser.get(f"{father}/message")
        refused = browser.post(
            f"{father}/message",
            data={"csrf": form_token(page.text), "pupil": str(school.pupils["kacper"]),
                  "text": "x" * 3001},
            follow_redirects=True,
        )  # fmt: skip
        not_his = browser.post(
            f"{father}/message",
            data={"csrf": form_token(page.text), "pupil": str(school.pupils["amelia"]),
                  "text": "Hello"},
            follow_redirects=True,
        )  # fmt: skip
    assert refused.status_code == 200 and "3000" in refused.text.replace("\u00a0", "")
    assert not_his.status_code == 200
    with sessions() as session:
        assert session.query(ParentMessage).count() == 0


def test_after_the_meeting_its_link_says_so_and_offers_nothing(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, _ = invitation_links(sessions, school, clock, site)
    clock.advance(BOOKED + timedelta(hours=1) - clock.now())
    page = httpx.get(mother)
    assert page.status_code == 410 and 'lang="ur"' in page.text
    assert "Send me a new link" not in page.text and "/new" not in page.text
    answered = httpx.post(f"{mother}/answer", data={"choice": "yes"})
    assert answered.status_code == 410


def test_a_parent_with_email_and_a_mobile_switches_to_text_messages_from_the_page(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    """The page calls `guardian_channels.set_preferred_channel`, as /channel in the chat
    does, and says kindly what it did: changed, already so, or no address there."""
    mother, _ = invitation_links(sessions, school, clock, site)
    with sessions() as session, session.begin():  # she gives the school her mobile too
        session.add(
            Identity(
                platform="sms", external_id="+447700900456", guardian_id=family.mother,
                created_at=clock.now(),
            )
        )  # fmt: skip
    w = Writer(resolve("ur"))
    with httpx.Client() as browser:
        page = browser.get(f"{mother}/settings")
        assert 'value="email"' in page.text and 'value="sms"' in page.text
        assert 'value="telegram"' not in page.text  # only the channels they have
        assert 'value="email" checked' in page.text  # email is how she is reached now
        csrf = form_token(page.text)
        no_address = browser.post(
            f"{mother}/channel", data={"csrf": csrf, "channel": "telegram"}, follow_redirects=True
        )
        done = browser.post(
            f"{mother}/channel", data={"csrf": csrf, "channel": "sms"}, follow_redirects=True
        )
        same = browser.post(
            f"{mother}/channel", data={"csrf": csrf, "channel": "sms"}, follow_redirects=True
        )
    assert parent_words.done(w, "channel_none") in no_address.text
    assert done.status_code == 200 and done.url.path.endswith("/settings")
    assert parent_words.done(w, "channel") in done.text
    assert 'value="sms" checked' in done.text
    assert parent_words.done(w, "channel_same") in same.text
    with sessions() as session:
        assert session.get(Guardian, family.mother).preferred_channel == "sms"  # type: ignore[union-attr]
        changes = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "guardian.channel")
        ).all()
    assert [(e.actor_kind, e.actor_id, e.details) for e in changes] == [
        ("guardian", family.mother, {"from": None, "to": "sms"})
    ]
    with sessions() as session, session.begin():  # the next message goes by text message
        from sendbot.services import meetings
        from sendbot.services.actors import staff_actor_by_id

        senco = staff_actor_by_id(session, school.staff["senco"])
        meeting_id = session.scalars(select(Invitation.meeting_id)).first()
        meetings.cancel(session, senco, meeting_id, now=clock.now())  # type: ignore[arg-type]
    post = the_post(sessions, clock, site.base)
    post.deliver()
    assert post.links_to("+447700900456") and not post.links_to("amna@example.org")


def test_sendbot_serves_worker_is_given_the_web_address(db_url: str, clock: FrozenClock) -> None:
    core = build_core(
        Settings(database_url=db_url, web_url="https://sendbot.school.example"), clock
    )
    try:
        assert SchedulerService(core).worker.config.web_url == "https://sendbot.school.example"
    finally:
        core.db.dispose()


# --- what the fuzzing and the security review found ---------------------------------------


def test_a_form_token_in_other_characters_or_a_post_that_is_no_form_saves_nothing(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    """Found by fuzzing: a form token with a character outside ASCII was a server error (the
    comparison refused it), and a multipart post without a boundary answered a bare 400
    without the pages' security headers. Now both are a form without its token: the page
    again, in the parent's language, with every header, and nothing saved."""
    mother, _ = invitation_links(sessions, school, clock, site)
    with httpx.Client() as browser:
        odd = browser.post(f"{mother}/answer", data={"csrf": "é" * 64, "choice": "yes"})
        no_form = browser.post(
            f"{mother}/answer",
            content=b"csrf=x&choice=yes",
            headers={"Content-Type": "multipart/form-data"},
        )
    assert odd.status_code == 403 and no_form.status_code == 400
    for refused in (odd, no_form):
        assert 'lang="ur"' in refused.text and "<form" in refused.text
        assert refused.headers["Cache-Control"] == "no-store"
        assert refused.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in refused.headers["Content-Security-Policy"]
        assert refused.headers["X-Frame-Options"] == "DENY"
    with sessions() as session:
        assert session.scalars(select(Invitation.rsvp)).all() == [None, None]


def _no_longer_theirs(sessions, family: Family, school: SmallSchool, how: str) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session, session.begin():
        if how == "deactivated":
            session.get(Guardian, family.father).active = False
        elif how == "no parental responsibility":
            link = session.scalars(
                select(GuardianPupil).where(GuardianPupil.guardian_id == family.father)
            ).one()
            link.parental_responsibility = False
            link.shared_at = None
        else:  # the child left the school
            session.get(Pupil, school.pupils["kacper"]).active = False


@pytest.mark.parametrize(
    "how", ["deactivated", "no parental responsibility", "child left"]
)  # fmt: skip
def test_a_link_opens_nothing_once_the_policy_says_the_parent_may_not_read_the_child(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family, how: str
) -> None:
    """Found by the review: a link checked only that its guardian was active, so a summary's
    link still showed the child's news for 14 days after a parent lost parental
    responsibility, and "Send me a new link" queued it again. Every use now asks the policy
    (`may_open_parent_link`), and a link it refuses offers no new one."""
    _, father = invitation_links(sessions, school, clock, site)
    _no_longer_theirs(sessions, family, school, how)
    with httpx.Client() as browser:
        page = browser.get(father)
        assert page.status_code == 410 and "Kacper" not in page.text
        assert "Send me a new link" not in page.text and "<form" not in page.text
        assert "odbyło" not in page.text  # "it took place": it did not; no more than why
        with sessions() as session:  # the form token the page gave before
            token = parent_links.form_token(session, TOKEN.search(father).group(1))  # type: ignore[union-attr]
        answered = browser.post(f"{father}/answer", data={"csrf": token, "choice": "yes"})
        assert answered.status_code == 303
        browser.post(f"{father}/new", data={"csrf": token})
        asked = browser.post(
            f"{father}/message",
            data={"csrf": token, "pupil": str(school.pupils["kacper"]), "text": "Hello"},
        )
        assert asked.status_code == 303
    with sessions() as session:
        invitation = session.scalars(
            select(Invitation).where(Invitation.guardian_id == family.father)
        ).one()
        again = session.scalars(select(Outbox).where(Outbox.dedupe_key.like("parent-link-%")))
        assert invitation.rsvp is None and again.all() == []
        assert session.query(ParentMessage).count() == 0


def test_a_link_sent_to_an_account_that_was_switched_off_opens_nothing(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    """The father's old mobile number was switched off: the text message's link may be on a
    phone that is no longer his. It opens nothing; a new link goes to his accounts now."""
    _, father = invitation_links(sessions, school, clock, site)
    with sessions() as session, session.begin():
        phone = session.scalars(select(Identity).where(Identity.platform == "sms")).one()
        phone.active = False
        session.add(
            Identity(
                platform="email", external_id="marek@example.org", guardian_id=family.father,
                created_at=clock.now(),
            )
        )  # fmt: skip
    page = httpx.get(father)
    assert page.status_code == 410 and "Kacper" not in page.text


def test_send_me_a_new_link_cannot_be_used_to_message_a_family_again_and_again(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    """Found by the review: a link that still works could ask for a new link, and an old
    link could ask again every hour for ever. A working link needs no other; an old one
    asks at most `RESEND_LIMIT` times."""
    _, father = invitation_links(sessions, school, clock, site)
    with httpx.Client() as browser:
        token = form_token(browser.get(father).text)
        browser.post(f"{father}/new", data={"csrf": token})
        assert browser.get(father).status_code == 200  # still works: nothing was sent
        with sessions() as session, session.begin():
            session.scalars(select(ParentLink)).all()[1].replaced_at = clock.now()
        for _ in range(parent_links.RESEND_LIMIT + 3):
            browser.post(f"{father}/new", data={"csrf": token})
            clock.advance(timedelta(hours=1, minutes=1))
        last = browser.get(father)
    assert last.status_code == 410 and "Send me a new link" not in last.text
    with sessions() as session:
        again = session.scalars(select(Outbox).where(Outbox.dedupe_key.like("parent-link-%")))
        assert len(again.all()) == parent_links.RESEND_LIMIT


def test_the_access_log_never_carries_a_parents_link(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    """The token is the key to the page: the access log's request lines blank it, as they
    blank the staff pages' sign-in links."""
    mother, _ = invitation_links(sessions, school, clock, site)
    token = TOKEN.search(mother).group(1)  # type: ignore[union-attr]
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.addFilter(RedactPersonalData())
    access = logging.getLogger("aiohttp.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        httpx.get(f"{mother}/views")
        httpx.get(f"{mother}/meeting.ics")
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    assert "/p/[redacted]" in written.getvalue()
    assert token not in written.getvalue()


def test_a_link_bound_to_another_guardians_invitation_opens_nothing(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    """Defence in depth: a link is made for its outbox row's own guardian, but were one ever
    bound to another guardian's invitation, it opens nothing of it and answers nothing."""
    _, father = invitation_links(sessions, school, clock, site)
    with sessions() as session, session.begin():
        hers = session.scalars(
            select(Invitation.id).where(Invitation.guardian_id == family.mother)
        ).one()
        link = session.scalars(
            select(ParentLink).where(ParentLink.guardian_id == family.father)
        ).one()
        link.object_id = hers
        token = parent_links.form_token(session, TOKEN.search(father).group(1))  # type: ignore[union-attr]
    assert httpx.get(father).status_code == 410
    httpx.post(f"{father}/answer", data={"csrf": token, "choice": "no"})
    with sessions() as session:
        assert session.scalars(select(Invitation.rsvp)).all() == [None, None]


def test_a_summarys_link_opens_only_while_its_parent_may_read_that_child(
    sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    """A review summary and a term's progress name their child (`pupil_id` in the row's
    params), so a mother who may still read her other child does not open Kacper's summary
    once she may not read his record. A row queued before names none: any child of hers."""
    from sendbot.services.parent_summaries import queue_review_summary, queue_term_progress
    from sendbot.store.models import PlanReview, SupportPlan

    now = clock.now()
    with sessions() as session, session.begin():
        session.add(
            GuardianPupil(
                guardian_id=family.mother, pupil_id=school.pupils["amelia"],
                relationship_to_pupil="parent", parental_responsibility=True,
            )
        )  # fmt: skip
        plan = SupportPlan(
            pupil_id=school.pupils["kacper"], kind="sen_support", started_on=now.date()
        )
        session.add(plan)
        session.flush()
        review = PlanReview(plan_id=plan.id, held_on=now.date(), outcomes={}, recorded_at=now)
        session.add(review)
        session.flush()
        rows = [*queue_review_summary(session, review.id, now)]
        rows += queue_term_progress(session, plan.id, "2026-autumn", now)
        old = outbox.enqueue(
            session, school_id=school.school_id, template=keys.PARENT_TERM_PROGRESS,
            params={k: v for k, v in session.get(Outbox, rows[-1]).params.items()  # type: ignore[union-attr]
                    if k != "pupil_id"},
            dedupe_key="before-pupil-id", now=now, recipient_guardian_id=family.mother,
        )  # fmt: skip
        assert old is not None
        session.flush()
        mine = [
            r
            for r in [*rows, old.id]
            if session.get(Outbox, r).recipient_guardian_id == family.mother  # type: ignore[union-attr]
        ]
        assert {session.get(Outbox, r).params.get("pupil_id") for r in mine} == {  # type: ignore[union-attr]
            school.pupils["kacper"], None,
        }  # fmt: skip
        links = [
            parent_links.link_for_outbox(session, r, "https://school.example", now) for r in mine
        ]
    tokens = [TOKEN.search(str(link)).group(1) for link in links]  # type: ignore[union-attr]
    with sessions() as session, session.begin():
        assert all(parent_links.open_link(session, t, now).ok for t in tokens)
        session.scalars(
            select(GuardianPupil).where(
                GuardianPupil.guardian_id == family.mother,
                GuardianPupil.pupil_id == school.pupils["kacper"],
            )
        ).one().parental_responsibility = False
    with sessions() as session, session.begin():
        opened = [parent_links.open_link(session, t, now).status for t in tokens]
    assert opened == ["expired", "expired", "ok"]  # the old row keeps today's behaviour


def test_every_page_says_once_that_a_computer_translated_it_and_english_never_does(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    _, father = invitation_links(sessions, school, clock, site)
    pl, en = Writer(resolve("pl")), Writer(resolve("en"))
    parent_words.words(pl), parent_words.words(en)
    polish = machine_notice(pl)  # the Polish catalog is not reviewed yet
    english = machine_notice(en)
    assert polish is not None and english is None
    pages = ("", "/views", "/message", "/settings")
    for part in pages:
        page = httpx.get(f"{father}{part}")
        assert page.status_code == 200 and 'lang="pl"' in page.text
        assert page.text.count(polish) == 1, part
    with sessions() as session, session.begin():
        session.get(Guardian, family.father).preferred_language = "en"  # type: ignore[union-attr]
    for part in pages:
        page = httpx.get(f"{father}{part}")
        assert 'lang="en-GB"' in page.text and 'class="machine"' not in page.text, part
        assert "A computer translated" not in page.text
    with sessions() as session, session.begin():
        session.get(Guardian, family.father).preferred_language = "pl"  # type: ignore[union-attr]
        session.scalars(
            select(ParentLink).where(ParentLink.guardian_id == family.father)
        ).one().replaced_at = clock.now()
    gone = httpx.get(father)
    assert gone.status_code == 410 and gone.text.count(polish) == 1
    assert 'class="machine"' not in httpx.get(f"{site.base}/p/AAAAAAAAAAAAAAAAAAAAAA").text


def _one_click(link: str, body: str = "List-Unsubscribe=One-Click") -> httpx.Response:
    """What a mail app posts for RFC 8058's one-click unsubscribe: no cookie, no form token."""
    return httpx.post(
        link, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )


def _unsubscribed_notices(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    from sendbot.messages import registry

    with sessions() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.template == keys.PARENT_UNSUBSCRIBED_NOTICE)
        ).all()
        return [registry.render(r.template, r.params, "en", session).text for r in rows]  # type: ignore[union-attr]


def test_one_click_unsubscribe_switches_email_off_keeps_text_messages_and_tells_the_senco(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, father = invitation_links(sessions, school, clock, site)
    with sessions() as session, session.begin():  # she gives the school her mobile too
        session.add(
            Identity(
                platform="sms", external_id="+447700900456", guardian_id=family.mother,
                created_at=clock.now(),
            )
        )  # fmt: skip
    assert _one_click(mother, "List-Unsubscribe=Yes").status_code == 400  # only this post
    assert _one_click(father).status_code == 404  # his link came by text message: no email
    assert _unsubscribed_notices(sessions) == []
    first, again = _one_click(mother), _one_click(mother)
    assert first.status_code == again.status_code == 200
    with sessions() as session:
        accounts = {
            i.platform: (i.active, i.inactive_reason)
            for i in session.scalars(select(Identity).where(Identity.guardian_id == family.mother))
        }
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity.unsubscribe")
        ).all()
    assert accounts == {"email": (False, "unsubscribed"), "sms": (True, None)}
    assert [(e.actor_kind, e.actor_id) for e in audited] == [("guardian", family.mother)]
    [notice] = _unsubscribed_notices(sessions)  # once, to the school's one SENCO
    assert "Parent unsubscribed from sendbot's emails: Amna Kowalska" in notice
    assert "by text message instead" in notice


def test_one_click_unsubscribe_from_a_parents_only_channel_says_to_write_or_call(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock, family: Family
) -> None:
    mother, _ = invitation_links(sessions, school, clock, site)
    clock.advance(timedelta(days=30))  # the meeting is long over: the header still works
    assert httpx.get(mother).status_code == 410
    assert _one_click(mother).status_code == 200
    with sessions() as session:
        assert not session.scalars(
            select(Identity).where(Identity.guardian_id == family.mother, Identity.active)
        ).all()
    [notice] = _unsubscribed_notices(sessions)
    assert "can no longer reach them at all" in notice and "letter or phone" in notice


@pytest.fixture
def site_with_telegram(db_url, clock):  # type: ignore[no-untyped-def]
    with serving(db_url, clock, telegram_bot_username="oakfield_bot") as running:
        yield running


def invited_by_class(sessions, clock, site) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """`sendbot invite guardians --class 4R`: the mother, known only by email, is asked to
    confirm it; the father, known only by his mobile, to connect Telegram."""
    from sendbot.services import invite_groups

    with sessions() as session, session.begin():
        plan = invite_groups.plan(session, class_code="4R", year=None, school_urn="900001")
        assert invite_groups.send(session, plan, clock.now()) == 2
    post = the_post(sessions, clock, site.base)
    post.deliver()
    [mother] = post.links_to("amna@example.org")
    [father] = post.links_to("+447700900123")
    return mother, father


def test_the_invitation_to_connect_telegram_makes_the_invite_when_the_parent_asks(
    site_with_telegram: StaffSite, sessions, clock: FrozenClock, family: Family
) -> None:
    from sendbot.services import invites
    from sendbot.store.models import Invite

    _, father = invited_by_class(sessions, clock, site_with_telegram)
    said = parent_words.connect(Writer(resolve("pl")))
    with httpx.Client() as browser:
        page = browser.get(father)
        assert page.status_code == 200 and 'lang="pl"' in page.text
        assert f"<h1>{said['telegram_title']}</h1>" in page.text and "t.me" not in page.text
        with sessions() as session:  # opening the link (or a mail scanner opening it) makes none
            assert session.query(Invite).count() == 0
        stale = browser.post(f"{father}/telegram", data={"csrf": "stale"})
        assert stale.status_code == 403 and "t.me" not in stale.text
        made = browser.post(f"{father}/telegram", data={"csrf": form_token(page.text)})
    assert made.status_code == 200 and said["open"] in made.text and "<svg" in made.text
    found = re.search(r'href="https://t\.me/oakfield_bot\?start=([A-Za-z0-9_-]+)"', made.text)
    assert found, made.text
    with sessions() as session:
        invite = session.scalars(select(Invite)).one()
        created = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "invite.create")
        ).one()
    assert invite.guardian_id == family.father
    assert invite.code_hash == invites.hash_code(found.group(1))  # the code the bot redeems
    assert (created.actor_kind, created.actor_id) == ("guardian", family.father)


def test_the_invitation_to_confirm_an_email_address_marks_it_confirmed(
    site: StaffSite, sessions, clock: FrozenClock, family: Family
) -> None:
    mother, _ = invited_by_class(sessions, clock, site)
    said = parent_words.connect(Writer(resolve("ur")))
    with httpx.Client() as browser:
        page = browser.get(mother)
        assert page.status_code == 200 and 'lang="ur" dir="rtl"' in page.text
        assert said["email_title"] in page.text and said["confirmed"] not in page.text
        with sessions() as session:  # opening the link confirms nothing: the button does
            assert session.scalars(select(Identity.confirmed_at)).all() == [None, None]
        done = browser.post(
            f"{mother}/confirm", data={"csrf": form_token(page.text)}, follow_redirects=True
        )
        browser.post(f"{mother}/confirm", data={"csrf": form_token(page.text)})
    assert done.status_code == 200 and said["confirmed"] in done.text
    assert f"{mother}/confirm" not in done.text  # nothing left to press
    with sessions() as session:
        email = session.scalars(select(Identity).where(Identity.platform == "email")).one()
        sms = session.scalars(select(Identity).where(Identity.platform == "sms")).one()
        confirmed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity.confirm")
        ).all()
    assert email.confirmed_at == clock.now() and sms.confirmed_at is None
    assert [(e.actor_kind, e.actor_id, e.object_id) for e in confirmed] == [
        ("guardian", family.mother, email.id)
    ]
