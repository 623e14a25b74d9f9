"""The Home tab: each person's dashboard, by role, published when they open it."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from sendbot.domain.needs import Area
from sendbot.services import concerns, escalation
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import (
    Concern,
    Deadline,
    GroupStaff,
    Guardian,
    Intervention,
    InterventionSession,
    ParentMessage,
    Pupil,
    SupportPlan,
)
from tests.factories import NOW
from tests.slack import payloads
from tests.slack.harness import USERS, running

TODAY = date(2026, 11, 24)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def seed(sessions, h) -> None:  # type: ignore[no-untyped-def]
    p, s = h.school.pupils, h.school.staff
    with sessions() as session, session.begin():
        # A plan goes with a level of support (plans.save_plan moves the level first).
        session.get(Pupil, p["kacper"]).sen_status = "sen_support"
        session.get(Pupil, p["zoe"]).sen_status = "sen_support"
        session.get(Pupil, p["ruby"]).sen_status = "ehc_plan"
        session.add_all(
            [
                SupportPlan(
                    pupil_id=p["amelia"],
                    kind="sen_support",
                    started_on=date(2026, 9, 7),
                    next_review_on=TODAY + timedelta(days=5),
                ),
                SupportPlan(
                    pupil_id=p["kacper"],
                    kind="sen_support",
                    started_on=date(2026, 9, 7),
                    next_review_on=TODAY + timedelta(days=3),
                ),
                SupportPlan(
                    pupil_id=p["ruby"],
                    kind="ehc_plan",
                    started_on=date(2025, 12, 1),
                    next_review_on=TODAY - timedelta(days=2),
                ),
                SupportPlan(
                    pupil_id=p["zoe"],
                    kind="sen_support",
                    started_on=date(2026, 9, 7),
                    next_review_on=TODAY + timedelta(days=40),
                ),
                Deadline(
                    school_id=h.school.school_id,
                    pupil_id=p["ruby"],
                    kind="annual_review_report",
                    subject_type="ehc_case",
                    subject_id=1,
                    due_on=TODAY + timedelta(days=7),
                    owner_role="senco",
                    source="SEND Code of Practice 9.176",
                    computed_at=NOW,
                ),
                Concern(
                    school_id=h.school.school_id,
                    pupil_id=p["zoe"],
                    raised_by_id=s["teacher"],
                    raised_at=NOW - timedelta(days=1),
                    area="cognition_learning",
                    narrative_text="Struggling with phonics.",
                    safeguarding=False,
                ),
                Concern(
                    school_id=h.school.school_id,
                    pupil_id=p["amir"],
                    raised_by_id=s["ta"],
                    raised_at=NOW - timedelta(hours=3),
                    area="semh",
                    narrative_text="Bruise on his arm; said his uncle did it.",
                    safeguarding=True,
                ),
            ]
        )
        group = Intervention(
            school_id=h.school.school_id,
            name="Phonics catch-up",
            area="cognition_learning",
            delivered_by_id=s["ta"],
            starts_on=date(2026, 11, 2),
        )
        session.add(group)
        session.flush()
        session.add_all(
            [
                InterventionSession(
                    intervention_id=group.id,
                    held_on=TODAY - timedelta(days=1),
                    minutes=30,
                    recorded_at=NOW,
                ),
                InterventionSession(
                    intervention_id=group.id,
                    held_on=TODAY - timedelta(days=8),
                    minutes=30,
                    recorded_at=NOW,
                ),
            ]
        )
        parent = Guardian(
            school_id=h.school.school_id, external_id="G-1", first_name="Anna", last_name="Nowak"
        )
        session.add(parent)
        session.flush()
        session.add(
            ParentMessage(
                school_id=h.school.school_id,
                guardian_id=parent.id,
                pupil_id=p["zoe"],
                direction="in",
                body_text="Can we talk on Friday?",
                at=NOW,
            )
        )


async def home_of(h, who: str, event_id: str) -> dict:  # type: ignore[no-untyped-def]
    before = len(h.fake.called("views.publish"))
    response = await h.event(payloads.app_home_opened(USERS[who], event_id=event_id))
    assert response.status == 200
    calls = await h.fake.wait_for("views.publish", before + 1)
    assert calls[-1].params["user_id"] == USERS[who]
    return calls[-1].params["view"]


def texts(view: dict) -> str:
    out = []
    for block in view["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        for f in block.get("fields", []):
            out.append(f["text"])
        for e in block.get("elements", []):
            if "text" in e:
                out.append(e["text"]["text"] if isinstance(e["text"], dict) else e["text"])
    return "\n".join(out)


def test_a_teacher_sees_flow_buttons_and_their_own_pupils_reviews(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            seed(sessions, h)
            view = await home_of(h, "teacher", "Ev0T1")
            assert view["type"] == "home"
            assert view["blocks"][0] == {
                "type": "header",
                "text": {"type": "plain_text", "text": "Hello Hannah", "emoji": True},
            }
            flows = view["blocks"][1]
            assert flows["block_id"] == "home.flows"
            assert [(e["text"]["text"], e["action_id"]) for e in flows["elements"]] == [
                ("Log a concern", "home.start:log_concern")
            ]
            shown = texts(view)
            assert "Your pupils' reviews in the next 14 days" in shown
            assert "• Amelia Khan (Year 3): SEN support plan review Sun 29 Nov" in shown
            assert "Kacper" not in shown  # 4R: not this teacher's pupil
            assert "Zoë" not in shown  # review in 40 days
            assert "SENCO" not in shown and "Safeguarding" not in shown

    run(scenario())


def test_the_senco_sees_concerns_reviews_deadlines_sessions_and_parent_replies(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            seed(sessions, h)
            view = await home_of(h, "senco", "Ev0S1")
            counts = next(b for b in view["blocks"] if b.get("block_id") == "senco.counts")
            with sessions() as session:
                # Deadlines are also worked out from the plans above as they are saved.
                deadlines = session.scalar(
                    select(func.count())
                    .select_from(Deadline)
                    .where(
                        Deadline.status == "open",
                        Deadline.due_on <= TODAY + timedelta(days=14),
                        Deadline.owner_role != "dsl",
                    )
                )
            assert deadlines >= 1
            assert [f["text"] for f in counts["fields"]] == [
                "*Open concerns*\n1",
                "*Reviews due or overdue*\n3",
                f"*Statutory deadlines*\n{deadlines}",
                "*Sessions this week*\n1",
                "*Parent replies waiting*\n1",
            ]
            shown = texts(view)
            assert "Zoë Nowak (Year 3): Cognition and learning" in shown
            assert "Ruby Khan (Year 4): EHC plan review Sun 22 Nov *overdue*" in shown
            assert "• Annual review report (Ruby Khan): Tue 1 Dec" in shown
            # The safeguarding concern is the DSL's, and no narrative appears anywhere.
            assert "Bruise" not in shown and "phonics" not in shown.lower().replace(
                "phonics catch-up", ""
            )

    run(scenario())


def test_the_dsl_sees_open_safeguarding_items_and_how_old_they_are(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            seed(sessions, h)
            view = await home_of(h, "dsl", "Ev0D1")
            item = next(b for b in view["blocks"] if b.get("block_id") == "safeguarding.open")
            with sessions() as session:
                concern_id = session.scalar(select(Concern.id).where(Concern.safeguarding))
            assert item["text"]["text"] == (
                f"• #{concern_id} Year 3, logged by Bilal Ahmed, open 3 h, *not acknowledged*"
            )
            assert "Bruise" not in texts(view)
            assert "SENCO" not in texts(view)

    run(scenario())


def test_a_deputy_dsl_who_teaches_sees_only_their_own_class_plan_reviews(db_url, sessions):
    """Finding every pupil (to log a concern) is not reading every pupil's SEND plan: the
    deputy teaches 3B, so only 3B's reviews are theirs."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            seed(sessions, h)
            with sessions() as session, session.begin():
                amelia = session.get(Pupil, h.school.pupils["amelia"])
                session.add(
                    GroupStaff(
                        group_id=amelia.group_id, staff_id=h.school.staff["deputy"], role="teacher"
                    )
                )
            shown = texts(await home_of(h, "deputy", "Ev0P1"))
            assert "Your pupils' reviews in the next 14 days" in shown
            assert "• Amelia Khan (Year 3): SEN support plan review Sun 29 Nov" in shown
            assert "Kacper" not in shown  # 4R, on SEN support: not the deputy's to read
            assert "Safeguarding" in shown  # their safeguarding list is still there

    run(scenario())


def test_the_senco_home_tab_never_names_a_child_referred_to_social_care(db_url, sessions):
    """A referral about a pupil without SEND: the local authority's reply is due, a
    safeguarding deadline. It is on the DSL's list, not the SENCO's, and every deadline the
    SENCO does see is named in plain words, never by its rule id."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            seed(sessions, h)
            with sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                teacher = staff_actor_by_id(session, h.school.staff["teacher"])
                dsl = staff_actor_by_id(session, h.school.staff["dsl"])
                new = concerns.NewConcern(
                    h.school.pupils["amir"], Area.SEMH, "Said he is scared to go home.", True
                )
                receipt = concerns.log_concern(session, teacher, new, NOW)
                escalation.record_referral(session, dsl, receipt.concern_id, NOW)
            with sessions() as session:
                kinds = set(session.scalars(select(Deadline.kind).where(Deadline.status == "open")))
            assert "safeguarding.la_referral_response" in kinds

            senco = texts(await home_of(h, "senco", "Ev0S9"))
            assert "Amir" not in senco
            assert "referral" not in senco.lower() and "safeguarding" not in senco.lower()
            lines = next(
                b["text"]["text"]
                for b in (await home_of(h, "senco", "Ev0S10"))["blocks"]
                if b.get("block_id") == "senco.deadlines"
            ).splitlines()[1:]
            assert lines and all(not re.search(r"[a-z]+[._][a-z]", line) for line in lines)
            assert "• Annual review report (Ruby Khan): Tue 1 Dec" in lines

            dsl_home = texts(await home_of(h, "dsl", "Ev0D9"))
            assert "Year 3, logged by Hannah Price" in dsl_home

    run(scenario())
