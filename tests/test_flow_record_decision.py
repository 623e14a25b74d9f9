"""The DSL records a decision on a safeguarding concern, as they would in a chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.domain.needs import Area
from sendbot.scheduling import jobs
from sendbot.services import concerns, escalation, safeguarding
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, ConcernAction, Outbox
from tests.dialog import Dialog
from tests.factories import NOW, SmallSchool

INTRO = (
    "Let's record your decision on a safeguarding concern. Type 'back' to change an answer "
    "or 'cancel' to stop."
)
CONCERN_Q = "Which concern? Choose one of the open safeguarding concerns, or type its number."
DECISION_Q = "What have you decided?"
NOTE_Q = (
    "A short note: what you decided and why, and who you spoke to. Up to 1,000 characters, "
    "or 'skip'."
)
DECISIONS = [
    "Monitor in school",
    "Early help",
    "Referral to children's social care",
    "Report to the police",
]
NOTE = "Spoke to the front door team; a social worker will visit today."


def dialog_for(sessions, school: SmallSchool, who: str, at=NOW) -> Dialog:
    with sessions() as session:
        actor = staff_actor_by_id(session, school.staff[who])
    assert actor is not None
    engine = Engine(sessions, REGISTRY, FrozenClock(at))
    return Dialog(engine, actor, ChatRef("console", f"staff:{actor.staff_id}"))


def log_safeguarding(sessions, school: SmallSchool, pupil: str = "amir") -> int:
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        return concerns.log_concern(
            session,
            teacher,
            concerns.NewConcern(
                school.pupils[pupil], Area.SEMH, "What was seen.", safeguarding=True
            ),
            NOW,
        ).concern_id


def test_a_referral_is_recorded_acknowledges_the_alert_and_starts_the_chase(sessions, school):
    concern = log_safeguarding(sessions, school)
    listed = f"#{concern} Year 3, logged by Hannah Price, Tue 24 Nov 10:15"
    d = dialog_for(sessions, school, "dsl")
    first = d.says("decision")
    assert first.text == f"{INTRO}\n\n{CONCERN_Q}"
    assert [o.label for o in first.options] == [listed]
    second = d.says("1")
    assert second.text == DECISION_Q
    assert [o.label for o in second.options] == DECISIONS
    d.verify(
        [
            ("3", NOTE_Q),
            (
                NOTE,
                "Please check:\n"
                f"- Concern: {listed}\n"
                "- Decision: Referral to children's social care\n"
                f"- Note: {NOTE}\n"
                "I will ask you in 1 working day whether the local authority has acknowledged "
                "the referral and decided next steps.\n\n"
                "Save this decision?",
            ),
            (
                "1",
                f"Recorded: referral to children's social care for concern #{concern}. I will "
                "ask you in 1 working day whether the local authority has acknowledged it and "
                "decided next steps. The alert is now acknowledged, so it will not be escalated.",
            ),
        ]
    )
    with sessions() as session:
        actions = session.scalars(
            select(ConcernAction)
            .where(ConcernAction.concern_id == concern)
            .order_by(ConcernAction.id)
        ).all()
        assert [a.kind for a in actions] == ["acknowledged", "referral"]
        assert actions[-1].note_text == NOTE
        assert actions[-1].actor_id == school.staff["dsl"]
        trail = session.scalars(
            select(AuditEvent.action).where(AuditEvent.pupil_id == school.pupils["amir"])
        ).all()
        assert "concern.referral" in trail
        assert NOTE not in str(
            session.scalars(select(AuditEvent.details)).all()
        )  # the note stays in the encrypted chronology

    # One working day later (Wednesday, same time) the DSL is asked about it.
    later = NOW + timedelta(days=1)
    assert jobs.run(sessions, escalation.check_referral_chases, later) == 1
    with sessions() as session:
        chase = session.scalars(
            select(Outbox).where(Outbox.template == escalation.REFERRAL_CHASE)
        ).one()
        assert chase.recipient_staff_id == school.staff["dsl"]
        # Nobody is escalated to about an alert the DSL has acted on.
        assert escalation.check_escalations(session, NOW + timedelta(hours=2)) == 0


def test_monitor_on_an_acknowledged_concern_by_a_deputy_with_no_note(sessions, school):
    concern = log_safeguarding(sessions, school)
    with sessions() as session, session.begin():
        deputy = staff_actor_by_id(session, school.staff["deputy"])
        assert safeguarding.acknowledge(session, deputy, concern, NOW).first
    d = dialog_for(sessions, school, "deputy")
    d.says("record a decision")
    d.says(f"#{concern}")
    d.says("monitor in school")
    reply = d.says("skip")
    assert "- Note: skipped" in reply.text
    assert "working day" not in reply.text
    assert d.says("save").text == (
        f"Recorded for concern #{concern}: monitor in school. It is in the pupil's chronology."
    )
    with sessions() as session:
        decision = session.scalars(
            select(ConcernAction).where(ConcernAction.kind == "decision")
        ).one()
        assert decision.details == {"decision": "monitor"} and decision.note_text is None
    assert jobs.run(sessions, escalation.check_referral_chases, NOW + timedelta(days=3)) == 0


def test_a_number_that_is_not_an_open_concern_is_asked_again(sessions, school):
    log_safeguarding(sessions, school)
    d = dialog_for(sessions, school, "dsl")
    d.says("decision")
    d.verify(
        [
            (
                "#999",
                "There is no open safeguarding concern '#999'. Type the number shown with the "
                f"concern, like 12.\n\n{CONCERN_Q}",
            )
        ]
    )


def test_only_the_dsl_and_deputies_see_it_and_the_service_checks_again(sessions, school):
    concern = log_safeguarding(sessions, school)
    for who in ("teacher", "senco", "head"):
        with sessions() as session:
            actor = staff_actor_by_id(session, school.staff[who])
        assert not REGISTRY.get("record_decision").may_start(actor)
        d = dialog_for(sessions, school, who)
        assert not d.says("decision").text.startswith(INTRO)
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        with pytest.raises(escalation.NotAllowed):
            escalation.record_decision(session, senco, concern, "referral", NOW)
