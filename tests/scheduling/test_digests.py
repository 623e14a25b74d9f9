"""Digests for the demo school, with the chart; the DSL's without names; the headteacher's
counts only; one digest per person per day across the clocks changing."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.demo.build import build_demo, demo_school_id
from sendbot.demo.school import DEMO_TEACHER_EMAIL
from sendbot.domain.needs import Area
from sendbot.scheduling.fastforward import FastForward
from sendbot.services import concerns, digests
from sendbot.services.actors import staff_actor_by_email
from sendbot.serving.scheduler import daily_trigger
from sendbot.store.models import EhcCase, Pupil
from tests.factories import build_small_school
from tests.scheduling.helpers import nobody_on_sen_support, set_settings, utc

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 24)
NARRATIVE = "He said a grown-up at home hurt his arm."


def _demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    sessions = build_demo(tmp_path / "demo.db", TODAY)
    school_id = demo_school_id(sessions)
    assert school_id is not None
    with sessions() as session, session.begin():
        teacher = staff_actor_by_email(session, DEMO_TEACHER_EMAIL)
        assert teacher is not None
        pupils = session.scalars(
            select(Pupil)
            .where(Pupil.school_id == school_id, Pupil.group_id.is_not(None))
            .order_by(Pupil.id)
        ).all()
        mine = [p for p in pupils if p.group and p.group.code == "4B"]
        areas = [Area.SEMH, Area.COMMUNICATION, Area.SEMH, Area.COGNITION, Area.SENSORY_PHYSICAL]
        for n, area in enumerate(areas):
            at = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON) - timedelta(days=6 * n)
            new = concerns.NewConcern(
                mine[n].id, area, f"Note {n}: {NARRATIVE}", safeguarding=n == 0
            )
            concerns.log_concern(session, teacher, new, at)
        session.add(EhcCase(pupil_id=mine[1].id, request_received_on=date(2026, 10, 19)))
    return sessions, school_id


def test_senco_digest_for_the_demo_school_with_its_chart(tmp_path: Path) -> None:
    sessions, school_id = _demo(tmp_path)
    with sessions() as session:
        digest = digests.build(session, school_id, "senco", TODAY, utc(2026, 11, 24, 7, 30))
    text = digest.text()
    assert text.startswith("SENCO digest for Tuesday 24 November 2026 - Brookfield Primary School")
    # Since Monday's digest only a safeguarding concern was logged: the DSL's, not listed here.
    assert "New concerns" not in text
    assert "Safeguarding concern" not in text
    assert "Intervention sessions" in text and "planned" in text
    assert "Statutory deadlines due or overdue" in text
    assert (
        "LA decides whether to carry out an EHC needs assessment (local authority), due Mon 30 Nov"
        in text
    )
    assert "[SEND Regs 2014 reg 5(1)-(4); Code 9.40-9.42]" in text
    assert NARRATIVE not in text
    assert digest.chart is not None and digest.chart.startswith(b"\x89PNG")
    (tmp_path / "digest.png").write_bytes(digest.chart)
    message = digests.to_message(digest)
    assert message.attachments[0].mime_type == "image/png"
    # The chart's numbers: concerns by area per week, sessions delivered against planned.
    with sessions() as session:
        from sendbot.store.models import School

        weeks, by_area, delivered, planned = digests.chart_data(
            session, session.get(School, school_id), TODAY
        )
    assert [w.isoformat() for w in weeks] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    assert sum(sum(v) for v in by_area.values()) == 4  # the fifth is more than four weeks old
    assert by_area[Area.SEMH.label] == [0, 1, 0, 1]
    assert sum(delivered) > 0 and sum(planned) >= sum(delivered) - 1


def test_dsl_digest_names_no_pupil_and_headteacher_gets_counts_only(tmp_path: Path) -> None:
    sessions, school_id = _demo(tmp_path)
    with sessions() as session:
        dsl = digests.build(session, school_id, "dsl", TODAY, utc(2026, 11, 24, 7, 30)).text()
        head = digests.build(
            session, school_id, "headteacher", TODAY, utc(2026, 11, 24, 7, 30)
        ).text()
        names = [
            p.first_name for p in session.scalars(select(Pupil).where(Pupil.school_id == school_id))
        ]
    assert "Open safeguarding items (1)" in dsl
    assert "Year 4, logged by Rachel Ellison, open 21 h, NOT ACKNOWLEDGED" in dsl
    assert (
        "Concerns logged in the last 7 days: 2 (Communication and interaction: 1, Social, emotional and mental health: 1)"
        in head
        and "Safeguarding concerns logged: 1" in head
    )
    for text in (dsl, head):
        assert NARRATIVE not in text
        assert not any(f" {name} " in f" {text} " for name in names)


def test_empty_day_sends_one_line_or_nothing_as_the_school_chooses(sessions) -> None:
    school = build_small_school(sessions)
    nobody_on_sen_support(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    set_settings(sessions, school.school_id, digest_days=[0, 1, 2, 3, 4])
    ff = FastForward(sessions, FrozenClock(utc(2026, 11, 24, 6, 0)))
    asyncio.run(ff.run_until(utc(2026, 11, 24, 8, 0)))
    texts = sorted(x.message.text for x in ff.delivered)
    assert texts == [
        "DSL digest for Tuesday 24 November 2026 - Oakfield Primary School: nothing new today, nothing due or overdue.",
        "SENCO digest for Tuesday 24 November 2026 - Oakfield Primary School: nothing new today, nothing due or overdue.",
    ]
    set_settings(sessions, school.school_id, digest_days=[0, 1, 2, 3, 4], empty_digest="none")
    before = len(ff.delivered)
    asyncio.run(ff.run_until(utc(2026, 11, 25, 8, 0)))
    assert len(ff.delivered) == before


def test_one_digest_a_day_at_0730_school_time_across_the_clocks_changing(sessions) -> None:
    school = build_small_school(sessions)
    nobody_on_sen_support(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    # Digests at the weekend too: a school that keeps them on closed days.
    set_settings(
        sessions,
        school.school_id,
        digest_days=[0, 1, 2, 3, 4, 5, 6],
        digests_on_closed_days=True,
    )
    senco = f"staff:{school.staff['senco']}"
    for start, end, expected in (
        # British Summer Time ends on Sunday 25 October 2026.
        (
            utc(2026, 10, 24, 0),
            utc(2026, 10, 27, 12),
            ["10-24 06:30", "10-25 07:30", "10-26 07:30", "10-27 07:30"],
        ),
        # And starts on Sunday 29 March 2026.
        (utc(2026, 3, 28, 0), utc(2026, 3, 30, 12), ["03-28 07:30", "03-29 06:30", "03-30 06:30"]),
    ):
        ff = FastForward(sessions, FrozenClock(start))
        asyncio.run(ff.run_until(end))
        got = [x.at.strftime("%m-%d %H:%M") for x in ff.delivered if x.recipient.address == senco]
        assert got == expected  # UTC times: 07:30 in London each day, once each
        assert all(
            x.at.astimezone(LONDON).strftime("%H:%M") == "07:30"
            for x in ff.delivered
            if x.recipient.address == senco
        )


def test_the_daily_job_fires_at_0600_london_time_either_side_of_the_change() -> None:
    trigger = daily_trigger("Europe/London")
    autumn = trigger.get_next_fire_time(None, datetime(2026, 10, 24, 12, tzinfo=LONDON))
    assert autumn is not None and autumn.isoformat() == "2026-10-25T06:00:00+00:00"
    after = trigger.get_next_fire_time(autumn, autumn + timedelta(seconds=1))
    assert after is not None and after.isoformat() == "2026-10-26T06:00:00+00:00"
    spring = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, tzinfo=LONDON))
    assert spring is not None and spring.astimezone(ZoneInfo("UTC")).hour == 5  # 06:00 BST
