"""Summaries queued from the database after a review and each term, on SQLite and PostgreSQL,
then rendered from the outbox row in each guardian's language."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from sendbot.i18n.catalogs import po_path, read_catalog
from sendbot.messages import registry
from sendbot.messages.parents import render
from sendbot.messages.parents.render import (
    REVIEW_SUMMARY,
    TERM_PROGRESS,
    NeedsSession,
    preview_for_staff,
)
from sendbot.services.parent_summaries import (
    queue_review_summary,
    queue_term_progress,
    review_summary_data,
)
from sendbot.store.models import (
    Guardian,
    GuardianPupil,
    Identity,
    Outbox,
    PlanReview,
    School,
    SupportPlan,
    Target,
    TargetProgress,
)
from tests.factories import NOW, build_small_school


def _guardian(session, school_id, key, language, script=None, **extra) -> Guardian:
    """A parent or carer linked on Telegram: a summary is queued only for those it can reach."""
    guardian = Guardian(
        school_id=school_id,
        external_id=f"G-{key}",
        first_name=key.title(),
        last_name="Khan",
        preferred_language=language,
        script=script,
        **{k: v for k, v in extra.items() if k == "active"},
    )
    session.add(guardian)
    session.flush()
    session.add(
        Identity(
            platform="telegram",
            external_id=f"80{guardian.id}",
            guardian_id=guardian.id,
            created_at=NOW,
        )
    )
    return guardian


def _setup(sessions):
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        amelia = school.pupils["amelia"]
        guardians = {
            "nadia": _guardian(session, school.school_id, "nadia", "ur", "Arab"),
            "marek": _guardian(session, school.school_id, "marek", "pl"),
            "gran": _guardian(session, school.school_id, "gran", "en"),
            "gone": _guardian(session, school.school_id, "gone", "ro", active=False),
        }
        for key, responsibility, priority in (
            ("nadia", True, 1),
            ("marek", True, 2),
            ("gran", False, 3),  # a grandparent without parental responsibility
            ("gone", True, 4),  # no longer active
        ):
            session.add(
                GuardianPupil(
                    guardian_id=guardians[key].id,
                    pupil_id=amelia,
                    relationship_to_pupil="parent",
                    parental_responsibility=responsibility,
                    contact_priority=priority,
                )
            )
        plan = SupportPlan(pupil_id=amelia, kind="sen_support", started_on=date(2026, 9, 10))
        session.add(plan)
        session.flush()

        def target(staff: str, parent: str, status: str = "active") -> Target:
            t = Target(
                plan_id=plan.id,
                pupil_id=amelia,
                staff_wording=staff,
                parent_wording=parent,
                area="cognition_learning",
                status=status,
            )
            session.add(t)
            session.flush()
            return t

        read = target(
            "Decode CVC words with 90% accuracy", "Read short words like cat and dog", "met"
        )
        write = target(
            "Use full stops in 3 of 5 sentences", "Put a full stop at the end of a sentence"
        )
        count = target("Count reliably to 50", "Count on to 50")
        review = PlanReview(
            plan_id=plan.id,
            held_on=date(2026, 11, 20),
            outcomes={str(read.id): "met", str(write.id): "partly", str(count.id): "not_yet"},
            next_steps_text="The TA will do phonics with Amelia every morning.",
            next_review_on=date(2027, 2, 10),
            recorded_at=NOW,
        )
        session.add(review)
        session.flush()
        # Set at the review: a new target.
        new = target("Read 40 HFW on sight", "Read 40 common words on sight")
        session.add_all(
            [
                TargetProgress(
                    target_id=write.id, rating="emerging", recorded_at=NOW - timedelta(days=80)
                ),
                TargetProgress(
                    target_id=write.id, rating="secure", recorded_at=NOW - timedelta(days=2)
                ),
                TargetProgress(
                    target_id=new.id, rating="developing", recorded_at=NOW - timedelta(days=1)
                ),
            ]
        )
        plan.next_review_on = date(2027, 2, 10)
        return school, guardians, plan.id, review.id


def test_review_summary_queued_for_each_guardian_with_responsibility(sessions) -> None:
    school, guardians, _, review_id = _setup(sessions)
    with sessions() as session, session.begin():
        ids = queue_review_summary(session, review_id, NOW)
        assert len(ids) == 2
        again = queue_review_summary(session, review_id, NOW)
        assert again == []  # the dedupe key holds
    with sessions() as session:
        rows = session.scalars(select(Outbox).order_by(Outbox.id)).all()
        assert [r.recipient_guardian_id for r in rows] == [
            guardians["nadia"].id,
            guardians["marek"].id,
        ]
        assert {r.template for r in rows} == {REVIEW_SUMMARY}
        assert rows[0].dedupe_key == f"review-summary:{review_id}:guardian:{guardians['nadia'].id}"
        params = rows[1].params
        assert params["child_name"] == "Amelia"
        assert params["parent_name"] == "Marek"
        assert params["reviewed"] == [
            {"wording": "Read short words like cat and dog", "outcome": "met"},
            {"wording": "Put a full stop at the end of a sentence", "outcome": "partly"},
            {"wording": "Count on to 50", "outcome": "not_yet"},
        ]
        assert params["new_targets"] == ["Read 40 common words on sight"]
        assert params["next_review_on"] == "2027-02-10"
        # The staff's next steps are encrypted at rest: the row names them, never copies them.
        assert params["next_steps"] is None
        assert params["next_steps_review_id"] == review_id
        assert all("phonics" not in json.dumps(r.params) for r in rows)
        with pytest.raises(NeedsSession):
            render(rows[0].template, rows[0].params, "en")

        # Rendered at send time in each guardian's language.
        for row in rows:
            guardian = session.get(Guardian, row.recipient_guardian_id)
            school_row = session.get(School, row.school_id)
            message = render(
                row.template,
                row.params,
                guardian.preferred_language,
                script=guardian.script,
                timezone=school_row.timezone,
                session=session,
            )
            code = {"ur": "ur", "pl": "pl"}[guardian.preferred_language]
            catalog = read_catalog(po_path(code), locale=code)
            heading = str(catalog.get("What school will do next:").string)
            assert heading in message.text
            assert message.language == code
            assert "The teaching assistant (TA) will do phonics" in message.text


def test_review_summary_data_uses_parent_wording(sessions) -> None:
    _, _, _, review_id = _setup(sessions)
    with sessions() as session:
        data, pupil = review_summary_data(session, review_id)
    text = render(REVIEW_SUMMARY, data.to_params(), "en").text
    assert "Read short words like cat and dog" in text
    assert "Decode CVC words" not in text  # never the staff's wording
    assert "HFW" not in text
    assert "Amelia has 1 new target:" in text
    assert "We will meet again to check progress on Wednesday, 10 February 2027." in text


def test_term_progress_for_sen_support(sessions) -> None:
    _, guardians, plan_id, _ = _setup(sessions)
    term_start = datetime(2026, 9, 3, tzinfo=UTC)
    with sessions() as session, session.begin():
        ids = queue_term_progress(
            session, plan_id, "2026-autumn", NOW, since=NOW - timedelta(days=30)
        )
        assert len(ids) == 2
        assert queue_term_progress(session, plan_id, "2026-autumn", NOW, since=term_start) == []
        # Another term is another summary.
        assert len(queue_term_progress(session, plan_id, "2027-spring", NOW)) == 2
    with sessions() as session:
        row = session.scalars(
            select(Outbox).where(Outbox.template == TERM_PROGRESS).order_by(Outbox.id)
        ).first()
        assert row is not None
        lines = {t["wording"]: t["rating"] for t in row.params["targets"]}
        # Met targets are not listed; the latest rating this term counts; old ones do not.
        assert lines == {
            "Put a full stop at the end of a sentence": "secure",
            "Count on to 50": None,
            "Read 40 common words on sight": "developing",
        }
        assert row.params["next_steps"] is None
        text = render(row.template, row.params, "en", session=session).text
        assert "The teaching assistant (TA) will do phonics with Amelia every morning." in text
        assert "Term: autumn term 2026" in text
        assert "Nearly there. Amelia can do this most of the time." in text


def test_term_progress_skips_other_plans(sessions) -> None:
    _, _, plan_id, _ = _setup(sessions)
    with sessions() as session, session.begin():
        plan = session.get(SupportPlan, plan_id)
        plan.kind = "ehc_plan"
        assert queue_term_progress(session, plan_id, "2026-autumn", NOW) == []
        plan.kind = "sen_support"
        plan.status = "closed"
        assert queue_term_progress(session, plan_id, "2026-autumn", NOW) == []


def test_the_outbox_worker_renders_summaries_with_its_session(sessions) -> None:
    """Through the scheduler's template registry, as the delivery worker calls it."""
    _, guardians, _, review_id = _setup(sessions)
    with sessions() as session, session.begin():
        queue_review_summary(session, review_id, NOW)
    with sessions() as session:
        row = session.scalars(
            select(Outbox).where(Outbox.recipient_guardian_id == guardians["marek"].id)
        ).one()
        context = {"_timezone": "Europe/London", "_now": NOW.isoformat(), "_outbox_id": row.id}
        message = registry.render(row.template, {**row.params, **context}, "pl", session)
        assert message is not None
        catalog = read_catalog(po_path("pl"), locale="pl")
        assert str(catalog.get("What school will do next:").string) in message.text
        assert "The teaching assistant (TA) will do phonics" in message.text
        assert message.language == "pl"


def test_staff_preview_is_what_the_parent_reads(sessions) -> None:
    _, _, _, review_id = _setup(sessions)
    with sessions() as session:
        data, _ = review_summary_data(session, review_id)
    text = preview_for_staff(data, "Europe/London")
    assert "The teaching assistant (TA) will do phonics with Amelia every morning." in text
    assert "Read short words like cat and dog" in text
    assert text == render(REVIEW_SUMMARY, data.to_params(), "en").text


def test_termly_sweep_queues_each_sen_support_plan_once(sessions) -> None:
    from sendbot.services.parent_summaries import queue_term_progress_for_school
    from sendbot.store.models import TermDate

    school, _, _, _ = _setup(sessions)
    with sessions() as session, session.begin():
        session.add(
            TermDate(
                school_id=school.school_id,
                name="2026-autumn",
                starts_on=date(2026, 11, 1),
                ends_on=date(2026, 12, 18),
            )
        )
        session.flush()
        assert queue_term_progress_for_school(session, school.school_id, "2026-autumn", NOW) == 2
        assert queue_term_progress_for_school(session, school.school_id, "2026-autumn", NOW) == 0
        assert (
            queue_term_progress_for_school(session, school.other_school_id, "2026-autumn", NOW) == 0
        )
    with sessions() as session:
        row = session.scalars(select(Outbox).where(Outbox.template == TERM_PROGRESS)).first()
        ratings = {t["wording"]: t["rating"] for t in row.params["targets"]}
        # Only ratings from 1 November count: the September "emerging" is last term's.
        assert ratings["Put a full stop at the end of a sentence"] == "secure"


def test_recorded_through_the_plans_service_and_never_plain(sessions, engine) -> None:
    """The staff flow records a review and queues the summary in one transaction; the
    next steps (encrypted at rest) are then nowhere in the database as plain text."""
    from sqlalchemy import text

    from sendbot.services import plans
    from sendbot.services.actors import staff_actor_by_id
    from sendbot.store.models import Base

    school = build_small_school(sessions)
    zoe = school.pupils["zoe"]
    today = NOW.date()
    words = "Quillanby-steps: practise the sound cards at home"
    with sessions() as session, session.begin():
        guardian = _guardian(session, school.school_id, "ewa", "pl")
        session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=zoe))
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        plans.save_plan(session, senco, zoe, "sen_support", today + timedelta(days=30), NOW, today)
        first = plans.add_target(
            session,
            senco,
            plans.NewTarget(
                zoe, "Blend CVC words", "Read short words", "cognition_learning",
                today + timedelta(days=30),
            ),
            NOW,
            today,
        )  # fmt: skip
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        review_id = plans.record_review(
            session,
            senco,
            plans.NewReview(zoe, today, {first: "met"}, words, today + timedelta(days=60)),
            NOW,
            today,
        )
        # Recording the review queued the summary already; asking again adds nothing.
        assert queue_review_summary(session, review_id, NOW) == []
    with sessions() as session:
        row = session.scalars(select(Outbox).where(Outbox.template == REVIEW_SUMMARY)).one()
        message = render(row.template, row.params, "pl", session=session)
        assert words in message.text
        assert "Read short words" in message.text
    with engine.connect() as conn:
        dump = "\n".join(
            str(value)
            for table in Base.metadata.sorted_tables
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"'))
            for value in row
        )
    assert "Quillanby-steps" not in dump


def test_no_summary_is_queued_for_a_parent_with_no_chat(sessions) -> None:
    """Like an invitation (finding 23 of the security review): nothing is queued that could
    only be retried for a day and end as an "undelivered" notice."""
    school, guardians, plan_id, _ = _setup(sessions)
    with sessions() as session, session.begin():
        for identity in session.scalars(
            select(Identity).where(Identity.guardian_id == guardians["marek"].id)
        ):
            identity.active = False
    with sessions() as session, session.begin():
        queue_term_progress(session, plan_id, "2026-autumn", NOW)
    with sessions() as session:
        queued = session.scalars(select(Outbox.recipient_guardian_id)).all()
    assert guardians["nadia"].id in queued
    assert guardians["marek"].id not in queued
