"""The staff pages over HTTP: who gets in, what every page carries, and bad input.

The same app `sendbot serve` runs, on a free port; requests from httpx, which keeps cookies
like a browser. tests/web/test_browser.py drives the same pages with Chromium.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.messages import registry
from sendbot.store.models import AuditEvent, ConcernAction, Outbox, WebSession
from sendbot.web.app import web_plugin
from sendbot.web.site import NotServable
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


@pytest.fixture
def site(db_url, clock):  # type: ignore[no-untyped-def]
    with serving(db_url, clock) as running:
        yield running


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(browser: httpx.Client, link: str) -> httpx.Response:
    """Open the link, press Sign in: what a person does with the link in their chat."""
    shown = browser.get(link)
    assert shown.status_code == 200 and "Sign in" in shown.text
    return browser.post(link, data={"csrf": form_token(shown.text)}, follow_redirects=True)


def test_the_dsl_signs_in_with_a_link_reads_the_concern_and_records_a_decision(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    page = f"/staff/concerns/{concern_id}"
    with httpx.Client() as browser:
        opened = sign_in(browser, site.link(sessions, school.staff["dsl"], page))
        assert opened.status_code == 200
        assert opened.url.path == page
        assert "Concern about Amelia Khan" in opened.text and NARRATIVE in opened.text
        decided = browser.post(
            f"{site.base}{page}/decision",
            data={
                "csrf": form_token(opened.text),
                "decision": "referral",
                "note": "Rang the front door; referral made.",
            },
            follow_redirects=True,
        )
    assert decided.status_code == 200
    assert "Referral to children&#39;s social care" in decided.text
    assert "Rang the front door; referral made." in decided.text
    with sessions() as session:
        kinds = [a.kind for a in session.query(ConcernAction).filter_by(concern_id=concern_id)]
        views = session.query(AuditEvent).filter_by(action="concern.view").count()
    assert kinds == ["acknowledged", "referral"]
    assert views == 2  # the page, and the page again after saving


def test_every_page_carries_the_security_headers_and_the_cookie_is_http_only(
    site: StaffSite, sessions, school: SmallSchool
) -> None:
    with httpx.Client() as browser:
        shown = browser.get(site.link(sessions, school.staff["dsl"]))
        for response in (shown, browser.get(f"{site.base}/staff/nowhere")):
            headers = response.headers
            assert "default-src 'self'" in headers["content-security-policy"]
            assert "script-src 'none'" in headers["content-security-policy"]
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "no-referrer"
            assert headers["cache-control"] == "no-store"
        signed = browser.post(str(shown.url), data={"csrf": form_token(shown.text)})
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1 only: see docs/web.md


def test_a_teacher_who_signs_in_is_refused_the_concern_kindly_and_it_is_audited(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    page = f"/staff/concerns/{concern_id}"
    with httpx.Client() as browser:
        opened = sign_in(browser, site.link(sessions, school.staff["teacher"], page))
        listing = browser.get(f"{site.base}/staff/concerns")
    assert opened.status_code == 403
    assert "This page is for the designated safeguarding lead and deputies." in opened.text
    assert NARRATIVE not in opened.text and "Amelia" not in opened.text
    assert listing.status_code == 403 and "Amelia" not in listing.text
    with sessions() as session:
        refused = session.query(AuditEvent).filter_by(action="concern.view_refused").one()
    assert refused.actor_id == school.staff["teacher"]


def test_a_link_works_once_and_not_after_ten_minutes_and_offers_a_new_one(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    dsl = school.staff["dsl"]
    used = site.link(sessions, dsl)
    late = site.link(sessions, dsl, "/staff/concerns")
    with httpx.Client() as browser:
        assert sign_in(browser, used).status_code == 200
    with httpx.Client() as other:
        again = sign_in(other, used)
        clock.advance(timedelta(minutes=10))
        expired = sign_in(other, late)
        asked = other.post(late + "/new", data={"csrf": form_token(expired.text)})
        asked_again = other.post(late + "/new", data={"csrf": form_token(expired.text)})
    assert again.status_code == 400 and "This sign-in link has been used" in again.text
    assert expired.status_code == 400 and "This sign-in link has expired" in expired.text
    assert "Send me a new link" in expired.text
    assert "A new sign-in link is on its way" in asked.text
    assert asked_again.status_code == 200
    with sessions() as session:
        sent = session.query(Outbox).filter_by(template="web.sign_in_link").all()
    assert [(row.recipient_staff_id, row.params["page"]) for row in sent] == [
        (dsl, "/staff/concerns")
    ]  # one new link however often the button is pressed, and no token in the outbox
    assert "token" not in str(sent[0].params)


def test_a_forged_or_replayed_cookie_or_an_idle_session_opens_nothing(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    page = f"{site.base}/staff/concerns/{concern_id}"
    forged = httpx.get(page, cookies={"sendbot-staff": "made-up-by-someone"})
    assert forged.status_code == 401 and NARRATIVE not in forged.text
    assert "did not give it" in forged.text
    with httpx.Client() as browser:
        opened = sign_in(browser, site.link(sessions, school.staff["dsl"]))
        cookie = browser.cookies["sendbot-staff"]
        browser.post(f"{site.base}/staff/sign-out", data={"csrf": form_token(opened.text)})
    replayed = httpx.get(page, cookies={"sendbot-staff": cookie})
    assert replayed.status_code == 401 and "That sign-in has ended" in replayed.text
    with httpx.Client() as browser:
        sign_in(browser, site.link(sessions, school.staff["dsl"]))
        clock.advance(timedelta(minutes=14))
        assert browser.get(page).status_code == 200  # each page keeps it alive
        clock.advance(timedelta(minutes=15))
        idle = browser.get(page)
    assert idle.status_code == 401 and "15 minutes without use" in idle.text
    with sessions() as session:
        assert session.query(WebSession).filter(WebSession.ended_at.is_(None)).count() == 0


def test_a_form_without_its_token_saves_nothing_and_keeps_what_was_typed(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    page = f"{site.base}/staff/concerns/{concern_id}"
    with httpx.Client() as browser:
        sign_in(browser, site.link(sessions, school.staff["dsl"]))
        refused = browser.post(
            page + "/decision", data={"decision": "monitor", "note": "Spoke to mum at 3pm."}
        )
        not_ours = browser.get(f"{site.base}/staff/concerns/{concern_id + 999}")
        not_a_number = browser.get(f"{site.base}/staff/concerns/1%27%20OR%201=1")
    assert refused.status_code == 403
    assert "Nothing was saved yet" in refused.text and "Spoke to mum at 3pm." in refused.text
    assert not_ours.status_code == 404 and "Concern not found" in not_ours.text
    assert not_a_number.status_code == 404
    with sessions() as session:
        assert session.query(ConcernAction).filter_by(concern_id=concern_id).count() == 0


@pytest.mark.parametrize(
    "url", ["http://sendbot.school.example", "ftp://localhost", "sendbot.school.example"]
)
def test_an_address_that_cannot_carry_secure_cookies_is_refused_at_start_up(url: str) -> None:
    with pytest.raises(NotServable, match="must be an https:// address"):
        web_plugin(Settings(web_url=url))


def test_a_half_configured_openid_provider_is_refused_at_start_up() -> None:
    settings = Settings(web_url="https://sendbot.school.example", web_oidc_issuer="https://x")
    with pytest.raises(ValueError, match="SENDBOT_WEB_OIDC_CLIENT_ID"):
        web_plugin(settings)


def test_the_new_link_the_outbox_sends_signs_its_owner_in(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    old = site.link(sessions, school.staff["dsl"], "/staff/concerns")
    clock.advance(timedelta(minutes=10))
    with httpx.Client() as browser:
        expired = sign_in(browser, old)
        browser.post(old + "/new", data={"csrf": form_token(expired.text)})
        with sessions() as session, session.begin():
            row = session.query(Outbox).filter_by(template="web.sign_in_link").one()
            context = {
                "_now": clock.now().isoformat(),
                "_recipient_staff_id": row.recipient_staff_id,
            }
            message = registry.render(row.template, {**row.params, **context}, "en_GB", session)
        assert message is not None
        new = re.search(r"http://\S+/staff/sign-in/\S+", message.text)
        assert new and "works once, only for you" in message.text
        opened = sign_in(browser, new.group(0))
    assert opened.status_code == 200 and opened.url.path == "/staff/concerns"


def test_an_openid_answer_not_started_by_this_browser_signs_nobody_in(
    db_url, clock: FrozenClock, sessions, school: SmallSchool
) -> None:
    port = free_port()
    fake = FakeProvider(issuer=f"http://127.0.0.1:{port}", next_email="dsl@oakfield.example")
    with (
        in_a_thread(fake.app(), port),
        serving(
            db_url,
            clock,
            web_oidc_issuer=fake.issuer,
            web_oidc_client_id=CLIENT_ID,
            web_oidc_client_secret=CLIENT_SECRET,
            web_oidc_tenant=TENANT,
        ) as site,
        httpx.Client() as victim,
    ):
        # Someone else's sign-in, finished in this browser: its state is not this one's.
        with httpx.Client() as attacker:
            started = attacker.get(f"{site.base}/staff/oidc/start")
            back = attacker.get(started.headers["location"]).headers["location"]
        forced = victim.get(back)
        cancelled = victim.get(f"{site.base}/staff/oidc/callback?error=access_denied")
    assert forced.status_code == 403 and "started in another window" in forced.text
    assert "sendbot-staff" not in forced.cookies
    assert cancelled.status_code == 403 and "cancelled or refused" in cancelled.text
    assert fake.token_requests == []  # the code was never even exchanged


def test_the_dsl_opens_the_childs_chronology_from_the_concern_and_downloads_it(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    with httpx.Client() as browser:
        opened = sign_in(
            browser, site.link(sessions, school.staff["dsl"], f"/staff/concerns/{concern_id}")
        )
        link = re.search(r'href="(/staff/pupils/\d+/chronology)"', opened.text)
        assert link, "the concern page links to the child's chronology"
        page = browser.get(f"{site.base}{link.group(1)}")
        pdf = browser.get(f"{site.base}{link.group(1)}.pdf")
        html = browser.get(f"{site.base}{link.group(1)}.html")
        nothing = browser.get(f"{site.base}{link.group(1)}.docx")
    assert page.status_code == 200
    assert "Safeguarding chronology: Amelia Khan" in page.text
    assert NARRATIVE in page.text and "Concern logged" in page.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    assert "Amelia" not in pdf.headers["content-disposition"]  # no child's name in a file name
    assert html.status_code == 200 and "Amelia Khan" in html.text
    assert nothing.status_code == 404
    with sessions() as session:
        read = session.query(AuditEvent).filter_by(action="chronology.read").count()
        exported = session.query(AuditEvent).filter_by(action="chronology.export").count()
    assert (read, exported) == (1, 2)


def test_a_teacher_is_refused_the_chronology_and_the_refusal_is_audited(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    a_safeguarding_concern(sessions, school, clock)
    with httpx.Client() as browser:
        sign_in(browser, site.link(sessions, school.staff["teacher"]))
        page = browser.get(f"{site.base}/staff/pupils/{school.pupils['amelia']}/chronology")
        pdf = browser.get(f"{site.base}/staff/pupils/{school.pupils['amelia']}/chronology.pdf")
    assert page.status_code == 403 and pdf.status_code == 403
    assert "Amelia" not in page.text and NARRATIVE not in page.text
    assert not pdf.content.startswith(b"%PDF")
    with sessions() as session:
        refused = session.query(AuditEvent).filter_by(action="chronology.refused").count()
    assert refused == 2


def test_the_concern_page_shows_the_whole_account_and_its_photo_to_its_readers_only(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    page = f"/staff/concerns/{concern_id}"
    with httpx.Client() as browser:
        opened = sign_in(browser, site.link(sessions, school.staff["dsl"], page))
        photo = re.search(rf'src="(/staff/concerns/{concern_id}/photos/\d+)"', opened.text)
        assert photo, "the page shows the photo kept with the concern"
        image = browser.get(f"{site.base}{photo.group(1)}")
    for shown in ("the library corner", "Emotional abuse", "The child's own words"):
        assert shown in opened.text
    assert CHILD_WORDS in opened.text
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    with httpx.Client() as browser:
        sign_in(browser, site.link(sessions, school.staff["teacher"]))
        refused = browser.get(f"{site.base}{photo.group(1)}")
        elsewhere = browser.get(f"{site.base}/staff/concerns/{concern_id + 1}/photos/1")
    assert refused.status_code == 404 and not refused.content.startswith(b"\x89PNG")
    assert elsewhere.status_code == 404
    with sessions() as session:
        views = [
            e.action
            for e in session.query(AuditEvent).filter(
                AuditEvent.action.like("concern.attachment_view%")
            )
        ]
    assert views == [
        "concern.attachment_view",
        "concern.attachment_view_refused",
        "concern.attachment_view_refused",
    ]


def test_a_form_token_outside_ascii_or_a_form_that_cannot_be_read_is_answered_kindly(
    site: StaffSite, sessions, school: SmallSchool, clock: FrozenClock
) -> None:
    """What fuzzing the forms found: a token with a character outside ASCII, and a
    multipart post without its boundary, were server errors. Neither saves anything."""
    concern_id = a_safeguarding_concern(sessions, school, clock)
    page = f"{site.base}/staff/concerns/{concern_id}"
    with httpx.Client() as browser:
        sign_in(browser, site.link(sessions, school.staff["dsl"], page))
        odd_token = browser.post(f"{page}/acknowledge", data={"csrf": "\u00e9t\u00e9"})
        no_boundary = browser.post(
            f"{page}/decision",
            content=b"decision=monitor&note=x",
            headers={"Content-Type": "multipart/form-data"},
        )
        odd_link = browser.post(
            f"{site.base}/staff/sign-in/abc",
            data={"csrf": "\u00e9"},
            cookies={"sendbot-sign-in": "abc"},
        )
    assert odd_token.status_code == 403 and "needed refreshing" in odd_token.text
    assert no_boundary.status_code == 400 and "not a form these pages can read" in no_boundary.text
    assert odd_link.status_code == 200 and "Sign in" in odd_link.text
    with sessions() as session:
        assert session.query(ConcernAction).count() == 0
