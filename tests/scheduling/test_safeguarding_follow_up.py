"""Safeguarding follow-up, fast-forwarded: escalation at 15 and 60 minutes and not after an
acknowledgement; the referral chase after 1 working day; several concerns in a short time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.domain.needs import Area
from sendbot.scheduling.fastforward import FastForward
from sendbot.services import concerns, escalation, safeguarding
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, ConcernAction, Deadline
from tests.factories import NOW, build_small_school
from tests.scheduling.helpers import set_settings, utc

LONDON = ZoneInfo("Europe/London")


def _school(sessions, **settings):  # type: ignore[no-untyped-def]
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id, **settings)
    set_settings(sessions, school.other_school_id)
    return school


def _log(sessions, school, at, *, flagged=True, pupil="amelia", area=Area.SEMH):  # type: ignore[no-untyped-def]
    with sessions() as session, session.begin():
        actor = staff_actor_by_id(session, school.staff["teacher"])
        assert actor is not None
        new = concerns.NewConcern(
            pupil_id=school.pupils[pupil],
            area=area,
            narrative="Something the child said.",
            safeguarding=flagged,
        )
        return concerns.log_concern(session, actor, new, at).concern_id


def _who(ff, school, since=None):  # type: ignore[no-untyped-def]
    names = {f"staff:{v}": k for k, v in school.staff.items()}
    return [
        (
            names[x.recipient.address],
            x.message.text.splitlines()[0],
            int((x.at - NOW).total_seconds() // 60),
        )
        for x in ff.delivered
        if since is None or x.at >= since
    ]


def test_escalates_at_15_and_60_minutes_when_nobody_acknowledges(sessions) -> None:
    school = _school(sessions)
    concern_id = _log(sessions, school, NOW)
    ff = FastForward(sessions, FrozenClock(NOW))
    asyncio.run(ff.run_until(NOW + timedelta(hours=3)))
    sent = _who(ff, school)
    alerts = sorted(
        (who, minute)
        for who, title, minute in sent
        if title.startswith("Safeguarding concern logged")
    )
    assert alerts == [("deputy", 0), ("dsl", 0)]
    escalations = sorted(
        (minute, who) for who, title, minute in sent if "NOT acknowledged" in title
    )
    assert escalations == [(15, "deputy"), (15, "head"), (60, "deputy"), (60, "dsl"), (60, "head")]
    assert all("after 15 minutes" in t for w, t, m in sent if m == 15 and "NOT" in t)
    with sessions() as session:
        steps = session.scalars(
            select(ConcernAction).where(
                ConcernAction.concern_id == concern_id, ConcernAction.kind == "escalated"
            )
        ).all()
        assert [a.details["step"] for a in steps] == [1, 2]
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.pupil_id == school.pupils["amelia"])
        ).all()
        assert audited.count("concern.escalated") == 2
    # No narrative ever leaves in a message.
    assert not any("Something the child said" in x.message.text for x in ff.delivered)


def test_no_escalation_after_an_acknowledgement(sessions) -> None:
    school = _school(sessions)
    concern_id = _log(sessions, school, NOW)
    clock = FrozenClock(NOW)
    ff = FastForward(sessions, clock)
    asyncio.run(ff.run_until(NOW + timedelta(minutes=10)))
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert safeguarding.acknowledge(session, dsl, concern_id, clock.now()).first
    asyncio.run(ff.run_until(NOW + timedelta(hours=3)))
    assert not any("NOT acknowledged" in title for _, title, _ in _who(ff, school))


def test_acknowledged_between_the_steps_stops_the_second(sessions) -> None:
    school = _school(sessions)
    concern_id = _log(sessions, school, NOW)
    clock = FrozenClock(NOW)
    ff = FastForward(sessions, clock)
    asyncio.run(ff.run_until(NOW + timedelta(minutes=30)))
    with sessions() as session, session.begin():
        deputy = staff_actor_by_id(session, school.staff["deputy"])
        assert safeguarding.acknowledge(session, deputy, concern_id, clock.now()).first
    asyncio.run(ff.run_until(NOW + timedelta(hours=3)))
    minutes = sorted({m for _, t, m in _who(ff, school) if "NOT acknowledged" in t})
    assert minutes == [15]


def test_configurable_minutes_and_on_call_out_of_hours(sessions) -> None:
    school = _school(
        sessions, escalation_minutes=[5, 30], out_of_hours="on_call", on_call_staff_ids=[]
    )
    with sessions() as session, session.begin():
        from sendbot.store.models import School

        row = session.get(School, school.school_id)
        row.settings = {**row.settings, "on_call_staff_ids": [school.staff["senco"]]}
    saturday_night = utc(2026, 11, 28, 22, 0)
    _log(sessions, school, saturday_night)
    ff = FastForward(sessions, FrozenClock(saturday_night))
    asyncio.run(ff.run_until(saturday_night + timedelta(hours=1)))
    names = {f"staff:{v}": k for k, v in school.staff.items()}
    first = sorted(
        names[x.recipient.address]
        for x in ff.delivered
        if "after 5 minutes" in x.message.text and x.at == saturday_night + timedelta(minutes=5)
    )
    assert first == ["head", "senco"]  # the on-call person and the headteacher, not the deputies
    second = sorted(
        names[x.recipient.address] for x in ff.delivered if "after 30 minutes" in x.message.text
    )
    assert second == ["deputy", "dsl", "head", "senco"]


def test_next_school_day_holds_escalation_until_school_opens(sessions) -> None:
    school = _school(sessions, out_of_hours="next_school_day")
    friday_evening = utc(2026, 11, 27, 19, 0)
    _log(sessions, school, friday_evening)
    ff = FastForward(sessions, FrozenClock(friday_evening))
    asyncio.run(ff.run_until(utc(2026, 11, 30, 12, 0)))
    escalated = [x.at for x in ff.delivered if "NOT acknowledged" in x.message.text]
    # Monday 08:00 is when school hours start: +15 and +60 minutes from then.
    assert sorted(set(escalated)) == [utc(2026, 11, 30, 8, 15), utc(2026, 11, 30, 9, 0)]
    alerts = [
        x.at for x in ff.delivered if x.message.text.startswith("Safeguarding concern logged")
    ]
    assert set(alerts) == {friday_evening}  # the first alert itself never waits


def test_referral_chase_after_one_working_day_then_after_each_chase(sessions) -> None:
    school = _school(sessions)
    concern_id = _log(sessions, school, NOW)
    clock = FrozenClock(NOW)
    ff = FastForward(sessions, clock)
    friday = utc(2026, 11, 27, 14, 0)
    asyncio.run(ff.run_until(friday))
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = friday
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        safeguarding.acknowledge(session, dsl, concern_id, friday)
        escalation.record_referral(session, dsl, concern_id, friday)
    with sessions() as session:
        kinds = {
            r.kind: r.due_on.isoformat()
            for r in session.scalars(select(Deadline).where(Deadline.subject_type == "concern"))
        }
    assert kinds == {
        "safeguarding.la_referral_response": "2026-11-30",
        "safeguarding.referral_follow_up": "2026-12-01",
    }
    asyncio.run(ff.run_until(utc(2026, 12, 2, 11, 0)))
    chases = [x for x in ff.delivered if x.message.text.startswith("Referral follow-up")]
    # Friday 14:00 + 1 working day = Monday 14:00; once, to the DSL who referred it.
    assert [(x.at, x.recipient.address) for x in chases] == [
        (utc(2026, 11, 30, 14, 0), f"staff:{school.staff['dsl']}")
    ]
    assert {b.label for b in chases[0].message.buttons} >= {
        "They have replied",
        "I have chased them",
    }
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        escalation.record_chase(session, dsl, concern_id, utc(2026, 12, 2, 11, 0))
    asyncio.run(ff.run_until(utc(2026, 12, 3, 18, 0)))
    chases = [x for x in ff.delivered if x.message.text.startswith("Referral follow-up")]
    assert len(chases) == 2 and "Chased 1 time so far." in chases[1].message.text
    assert chases[1].at == utc(2026, 12, 3, 11, 0)
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        escalation.record_la_response(session, dsl, concern_id, utc(2026, 12, 3, 18, 0))
    asyncio.run(ff.run_until(utc(2026, 12, 10, 18, 0)))
    assert len([x for x in ff.delivered if x.message.text.startswith("Referral follow-up")]) == 2
    with sessions() as session:
        kinds = [
            a.kind
            for a in session.scalars(
                select(ConcernAction)
                .where(ConcernAction.concern_id == concern_id)
                .order_by(ConcernAction.id)
            )
        ]
        statuses = {
            r.kind: r.status
            for r in session.scalars(select(Deadline).where(Deadline.subject_type == "concern"))
        }
    assert kinds[kinds.index("acknowledged") :] == [
        "acknowledged",
        "referral",
        "chase_prompt",
        "referral_chase",
        "chase_prompt",
        "la_response",
    ]
    assert statuses["safeguarding.la_referral_response"] == "met"


def test_three_concerns_in_fourteen_days_prompt_the_dsl_and_senco(sessions) -> None:
    school = _school(sessions)
    _log(sessions, school, NOW - timedelta(days=12), flagged=False, area=Area.SEMH)
    _log(sessions, school, NOW - timedelta(days=3), flagged=False, area=Area.COGNITION)
    ff = FastForward(sessions, FrozenClock(NOW))
    asyncio.run(ff.run_until(NOW + timedelta(minutes=5)))
    assert not any("concerns about one pupil" in x.message.text for x in ff.delivered)
    _log(sessions, school, NOW + timedelta(minutes=10), flagged=False, area=Area.SENSORY_PHYSICAL)
    asyncio.run(ff.run_until(NOW + timedelta(days=1)))
    prompts = [x for x in ff.delivered if "3 concerns about one pupil in 14 days" in x.message.text]
    names = {f"staff:{v}": k for k, v in school.staff.items()}
    assert sorted(names[x.recipient.address] for x in prompts) == ["dsl", "senco"]
    text = prompts[0].message.text
    assert "Amelia" not in text and "Something the child said" not in text
    assert "too easily put down to their needs" in text
    # A concern about another pupil, or an old one, starts nothing.
    _log(sessions, school, NOW + timedelta(days=2), flagged=False, pupil="zoe")
    asyncio.run(ff.run_until(NOW + timedelta(days=3)))
    assert len([x for x in ff.delivered if "concerns about one pupil" in x.message.text]) == 2
