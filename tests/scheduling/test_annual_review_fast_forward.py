"""An annual review from booking to the LA's decision, fast-forwarded: each deadline and
each reminder to the SENCO arrives on its day, exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.scheduling.fastforward import FastForward
from sendbot.services import deadlines, meetings, review_outcomes
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Deadline, EhcCase, Meeting
from tests.factories import NOW, build_small_school
from tests.scheduling.helpers import d, set_settings, utc

LONDON = ZoneInfo("Europe/London")


def test_annual_review_deadlines_and_reminders_each_exactly_once(sessions) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    pupil = school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        session.add(
            EhcCase(pupil_id=pupil, local_authority="Testshire", final_issued_on=d("2026-01-20"))
        )
    with sessions() as session, session.begin():  # the SENCO books it, as the flow does
        session.info["sendbot.now"] = NOW
        senco = staff_actor_by_id(session, school.staff["senco"])
        booked = meetings.schedule(
            session,
            senco,
            pupil_id=pupil,
            kind="annual_review",
            starts_at=datetime(2027, 1, 11, 10, 0, tzinfo=LONDON),
            now=NOW,
            place="School office",
        )
    # Materialised in the same transaction as the facts, with the rule's source named.
    with sessions() as session:
        due = {
            row.kind: row
            for row in session.scalars(select(Deadline).where(Deadline.pupil_id == pupil))
        }
    assert due["ehc.review_invitations"].due_on == d("2026-12-28")
    assert due["ehc.review_advice"].due_on == d("2026-12-28")
    # The report and the LA's decision follow a meeting held, not one booked.
    assert "ehc.review_report" not in due and "ehc.review_la_decision" not in due
    # CFA 2014 s44(1): "in the period of 12 months starting with" 20 January 2026.
    assert due["ehc.annual_review"].due_on == d("2027-01-19")
    assert "reg 20(2),(3)" in due["ehc.review_invitations"].source

    clock = FrozenClock(NOW)
    ff = FastForward(sessions, clock)
    asyncio.run(ff.run_until(utc(2027, 1, 11, 12)))
    with sessions() as session, session.begin():  # the SENCO says it was held
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        review_outcomes.record_outcome(
            session, senco, booked.meeting_id, held=True, reason=None, now=clock.now()
        )
    with sessions() as session:
        due = {
            row.kind: row
            for row in session.scalars(select(Deadline).where(Deadline.pupil_id == pupil))
        }
    assert due["ehc.review_report"].due_on == d("2027-01-25")
    assert due["ehc.review_la_decision"].due_on == d("2027-02-08")
    assert due["ehc.review_la_decision"].owner_role == "la"
    asyncio.run(ff.run_until(utc(2027, 2, 15)))

    senco = [x for x in ff.delivered if x.recipient.address == f"staff:{school.staff['senco']}"]
    assert senco, "the SENCO heard nothing"
    others = [(x.recipient.address, x.message.text[:80]) for x in ff.delivered if x not in senco]
    assert others == []

    def days(title: str) -> list[str]:
        return sorted(
            x.at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
            for x in senco
            if x.message.text.splitlines()[0].endswith(title) or f": {title} for" in x.message.text
        )

    invitations = days("Annual review invitations sent")
    assert invitations == [
        "2026-11-30 07:30",  # 28 days before 28 Dec
        "2026-12-14 07:30",  # 14
        "2026-12-21 07:30",  # 7
        "2026-12-26 07:30",  # 2
        "2026-12-28 07:30",  # on the day
    ]
    assert days("Annual review report sent") == [  # from the moment it was held
        "2027-01-11 12:00",  # 14 days before: that morning's reminder, as soon as it starts
        "2027-01-18 07:30",
        "2027-01-23 07:30",
        "2027-01-25 07:30",
    ]
    la = [x for x in senco if x.message.text.startswith("Today is the local authority's deadline")]
    assert len(la) == 1
    assert la[0].at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == "2027-02-08 07:30"
    assert "LA decision after the annual review" in la[0].message.text
    # Every message is unique: no reminder twice, whatever the number of wake-ups.
    counts = Counter(x.message.text for x in senco)
    assert max(counts.values()) == 1


def test_done_stops_the_reminders(sessions) -> None:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    pupil = school.pupils["amelia"]
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        session.add(EhcCase(pupil_id=pupil, final_issued_on=d("2026-01-20")))
        session.add(
            Meeting(
                school_id=school.school_id,
                pupil_id=pupil,
                kind="annual_review",
                starts_at=datetime(2027, 1, 11, 10, 0, tzinfo=LONDON),
            )
        )
    clock = FrozenClock(NOW)
    ff = FastForward(sessions, clock)
    asyncio.run(ff.run_until(utc(2026, 12, 1)))
    assert any("Annual review invitations sent" in x.message.text for x in ff.delivered)
    from sendbot.services.actors import staff_actor_by_id

    with sessions() as session, session.begin():
        row = session.scalar(select(Deadline).where(Deadline.kind == "ehc.review_invitations"))
        actor = staff_actor_by_id(session, school.staff["senco"])
        assert actor is not None
        assert deadlines.mark_done(session, actor, row.id, clock.now()).startswith("Marked done")
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        other = session.scalar(select(Deadline).where(Deadline.kind == "ehc.review_advice"))
        assert "Only the owner" in deadlines.mark_done(session, teacher, other.id, clock.now())
    later = asyncio.run(ff.run_until(utc(2027, 1, 1)))
    assert not any("Annual review invitations sent" in x.message.text for x in later)
    assert any("Annual review advice circulated" in x.message.text for x in later)


def test_parents_are_reminded_7_days_and_1_day_before_in_their_language(sessions) -> None:
    from sendbot.store.models import Guardian, GuardianPupil, Identity, Invitation

    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    pupil = school.pupils["kacper"]
    starts = datetime(2026, 12, 10, 9, 0, tzinfo=LONDON)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        mum = Guardian(
            school_id=school.school_id,
            external_id="G1",
            first_name="Anna",
            last_name="Wiśniewska",
            preferred_language="pl",
        )
        dad = Guardian(
            school_id=school.school_id, external_id="G2", first_name="Piotr", last_name="Wiśniewski"
        )
        session.add_all([mum, dad])
        session.flush()
        meeting = Meeting(
            school_id=school.school_id, pupil_id=pupil, kind="sen_support_review", starts_at=starts
        )
        session.add(meeting)
        session.flush()
        for guardian, rsvp in ((mum, None), (dad, "yes")):
            session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=pupil))
            session.add(
                Identity(
                    platform="telegram",
                    external_id=f"chat-{guardian.id}",
                    guardian_id=guardian.id,
                    created_at=NOW,
                )
            )
            session.add(
                Invitation(meeting_id=meeting.id, guardian_id=guardian.id, sent_at=NOW, rsvp=rsvp)
            )
        ids = {"mum": f"chat-{mum.id}", "dad": f"chat-{dad.id}"}
    ff = FastForward(sessions, FrozenClock(NOW))
    asyncio.run(ff.run_until(utc(2026, 12, 11)))
    got = sorted(
        (x.recipient.address, x.at.astimezone(LONDON).strftime("%d %b %H:%M"), x.message.language)
        for x in ff.delivered
        if x.recipient.platform == "telegram"
    )
    assert got == sorted(
        [
            (ids["dad"], "09 Dec 09:00", "en_GB"),  # accepted: the day before
            (ids["mum"], "03 Dec 09:00", "pl"),  # unanswered: 7 days before
            (ids["mum"], "09 Dec 09:00", "pl"),  # and 1 day before
        ]
    )
