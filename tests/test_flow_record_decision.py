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
from sendbot.store.models import AuditEvent, ConcernAction, Deadline, Outbox
from tests.dialog import Dialog
from tests.factories import NOW, SmallSchool

INTRO = (
    "Let's record a step on a safeguarding concern, with its reason. Type 'back' to change an "
    "answer or 'cancel' to stop."
)
CONCERN_Q = (
    "Which concern? Type its number, like 12, or choose one of the open safeguarding concerns. "
    "To reopen a closed one, type its number."
)
DECISION_Q = "What have you decided?"
NOTE_Q = (
    "Why? What you decided and the reason for it, and who you spoke to. Up to 1,000 characters."
)
STEPS = [
    "Monitor in school",
    "Early help",
    "Referral to children's social care",
    "Report to the police",
    "Consult the LADO",
    "No further action",
    "Contact with an agency",
    "Close the concern (sign-off)",
]
NOTE = "Spoke to the front door team; a social worker will visit today."
WHAT_WAS_SEEN = "What was seen."


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
            concerns.NewConcern(school.pupils[pupil], Area.SEMH, WHAT_WAS_SEEN, safeguarding=True),
            NOW,
        ).concern_id


def test_a_referral_is_recorded_acknowledges_the_alert_and_starts_the_chase(sessions, school):
    concern = log_safeguarding(sessions, school)
    listed = (
        f"Concern {concern}: Amir Khan (Year 3), logged by Hannah Price, Tue 24 Nov 10:15: "
        f'"{WHAT_WAS_SEEN}"'
    )
    d = dialog_for(sessions, school, "dsl")
    first = d.says("decision")
    assert first.text == f"{INTRO}\n\n{CONCERN_Q}"
    assert [o.label for o in first.options] == [listed]
    assert not first.numbered  # the list shows the concerns' own numbers, not positions
    second = d.says(str(concern))
    assert second.text == DECISION_Q
    assert [o.label for o in second.options] == STEPS
    d.verify(
        [
            ("3", NOTE_Q),
            (
                NOTE,
                "Please check:\n"
                f"- Concern: {listed}\n"
                "- Decision: Referral to children's social care\n"
                f"- Reason: {NOTE}\n"
                "I will ask you in 1 working day whether the local authority has acknowledged "
                "the referral and decided next steps.\n\n"
                "Save this?",
            ),
            (
                "1",
                "Recorded: referral to children's social care for Amir Khan (concern "
                f"{concern}). I will ask you in 1 working day whether the local authority has "
                "acknowledged it and decided next steps. The alert is now acknowledged, so it "
                "will not be escalated.",
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


def test_monitor_on_an_acknowledged_concern_by_a_deputy_needs_a_reason(sessions, school):
    concern = log_safeguarding(sessions, school)
    with sessions() as session, session.begin():
        deputy = staff_actor_by_id(session, school.staff["deputy"])
        assert safeguarding.acknowledge(session, deputy, concern, NOW).first
    d = dialog_for(sessions, school, "deputy")
    d.says("record a decision")
    d.says(f"#{concern}")
    assert d.says("monitor in school").text == NOTE_Q
    assert d.says("skip").text == f"Please write a few words.\n\n{NOTE_Q}"  # a reason is needed
    reply = d.says("Bruise explained by PE; mum rang in. Watch for more.")
    assert "- Reason: Bruise explained by PE; mum rang in. Watch for more." in reply.text
    assert "working day" not in reply.text
    assert d.says("save").text == (
        f"Recorded for Amir Khan (concern {concern}): monitor in school. It is in the "
        "pupil's chronology."
    )
    with sessions() as session:
        decision = session.scalars(
            select(ConcernAction).where(ConcernAction.kind == "decision")
        ).one()
        assert decision.details == {"decision": "monitor"}
        assert decision.note_text == "Bruise explained by PE; mum rang in. Watch for more."
    assert jobs.run(sessions, escalation.check_referral_chases, NOW + timedelta(days=3)) == 0


def test_a_typed_number_is_the_concerns_own_number_not_its_place_in_the_list(sessions, school):
    """Concerns 1, 2 and 3 are open; the list shows them in the order they were raised,
    which is not their numbers' order. '2' means concern 2, wherever it is listed."""
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        ids = {}
        for pupil, minutes in (("amir", 20), ("amelia", 30), ("zoe", 10)):
            ids[pupil] = concerns.log_concern(
                session,
                teacher,
                concerns.NewConcern(school.pupils[pupil], Area.SEMH, "Seen.", safeguarding=True),
                NOW + timedelta(minutes=minutes),
            ).concern_id
    second = ids["amelia"]
    d = dialog_for(sessions, school, "dsl", at=NOW + timedelta(hours=1))
    listed = [o.value for o in d.says("decision").options]
    assert listed == [str(ids["zoe"]), str(ids["amir"]), str(ids["amelia"])]
    assert listed.index(str(second)) != second - 1  # its place in the list is another number
    assert d.says(str(second)).text == DECISION_Q
    d.says("referral to children's social care")
    summary = d.says("Front door told.").text
    assert f"- Concern: Concern {second}: Amelia Khan (Year 3)" in summary
    assert d.says("1").text.startswith(
        f"Recorded: referral to children's social care for Amelia Khan (concern {second})."
    )
    with sessions() as session:
        referral = session.scalars(
            select(ConcernAction).where(ConcernAction.kind == "referral")
        ).one()
        assert referral.concern_id == second


@pytest.mark.parametrize("step", list(escalation.DECISIONS))
def test_every_decision_is_recorded_with_its_reason(sessions, school, step):
    concern = log_safeguarding(sessions, school)
    reason = f"Reason for {step}: discussed with the headteacher."
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        with pytest.raises(ValueError, match="reason"):
            escalation.record_decision(session, dsl, concern, step, NOW, "  ")
        decided = escalation.record_decision(session, dsl, concern, step, NOW, reason)
        action = session.get(ConcernAction, decided.action_id)
        assert action is not None and action.note_text == reason
        assert action.kind == ("referral" if step == "referral" else "decision")
        trail = session.scalars(select(AuditEvent).where(AuditEvent.object_id == concern)).all()
        assert reason not in str([e.details for e in trail])


def test_a_contact_with_an_agency_records_who_when_and_what(sessions, school):
    concern = log_safeguarding(sessions, school)
    d = dialog_for(sessions, school, "dsl")
    d.says("decision")
    d.says(str(concern))
    assert d.says("contact with an agency").text == "Which agency?"
    assert d.says("health (school nurse, gp, health visitor)").text == (
        "Who did you speak to (name and role), when, and what was said or agreed? "
        "Up to 1,000 characters."
    )
    said = "Rang the school nurse, Ms Patel, at 11:00: she will see him on Friday."
    assert "- Agency: Health (school nurse, GP, health visitor)" in d.says(said).text
    assert d.says("1").text == (
        f"Recorded for Amir Khan (concern {concern}): contact with health (school nurse, GP, "
        "health visitor). It is in the pupil's chronology. The alert is now acknowledged, so "
        "it will not be escalated."
    )
    with sessions() as session:
        contact = session.scalars(
            select(ConcernAction).where(ConcernAction.kind == "agency_contact")
        ).one()
        assert (contact.details, contact.note_text) == ({"agency": "health"}, said)


def test_closing_needs_the_dsls_reason_and_a_closed_concern_can_be_reopened(sessions, school):
    concern = log_safeguarding(sessions, school)
    d = dialog_for(sessions, school, "dsl")
    d.says("close concern")
    d.says(str(concern))
    assert d.says("close the concern (sign-off)").text.startswith("Why are you closing")
    summary = d.says("Explained by a fall at football; mum confirmed.").text
    assert "Closing it is your sign-off. It can be reopened later, with a reason." in summary
    assert d.says("save").text == (
        f"Closed: Amir Khan (concern {concern}), with your reason, signed off by Martin Shaw. "
        "It is in the pupil's chronology and can be reopened if anything changes. The alert "
        "is now acknowledged, so it will not be escalated."
    )
    # Closed, it is no longer offered, and nothing more is decided on it until reopened.
    d2 = dialog_for(sessions, school, "dsl")
    assert d2.says("decision").options == ()
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        with pytest.raises(ValueError, match="closed"):
            escalation.record_decision(session, dsl, concern, "monitor", NOW, "More news.")
        with pytest.raises(ValueError, match="already closed"):
            escalation.close_concern(session, dsl, concern, NOW, "Again.")
        with pytest.raises(escalation.NotAllowed):
            escalation.reopen_concern(session, teacher, concern, NOW, "I saw more.")
        with pytest.raises(ValueError, match="reason"):
            escalation.reopen_concern(session, dsl, concern, NOW, "")
    # The DSL reopens it in the chat, by its number: reopening is all there is to do on it.
    d3 = dialog_for(sessions, school, "dsl", at=NOW + timedelta(days=2))
    d3.says("reopen concern")
    chosen = d3.says(str(concern))
    assert [o.label for o in chosen.options] == ["Reopen the concern"]
    assert d3.says("1").text == "Why are you reopening it? What is new. Up to 1,000 characters."
    assert "(closed)" in d3.says("A new bruise was reported.").text
    assert d3.says("save").text == (
        f"Reopened: Amir Khan (concern {concern}), with your reason. It is in the pupil's "
        "chronology and in the list of open concerns again."
    )
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        with pytest.raises(ValueError, match="not closed"):
            escalation.reopen_concern(session, dsl, concern, NOW, "Twice.")
    with sessions() as session:
        steps = session.scalars(
            select(ConcernAction)
            .where(ConcernAction.concern_id == concern)
            .order_by(ConcernAction.id)
        ).all()
        assert [(a.kind, a.note_text) for a in steps] == [
            ("acknowledged", None),
            ("closed", "Explained by a fall at football; mum confirmed."),
            ("reopened", "A new bruise was reported."),
        ]
        assert {e.action for e in session.scalars(select(AuditEvent))} >= {
            "concern.closed",
            "concern.reopened",
        }
    assert [o.value for o in dialog_for(sessions, school, "dsl").says("decision").options] == [
        str(concern)
    ]


def test_closing_without_a_reason_or_by_someone_else_is_refused(sessions, school):
    concern = log_safeguarding(sessions, school)
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        with pytest.raises(ValueError, match="reason"):
            escalation.close_concern(session, dsl, concern, NOW, None)
        for who in ("teacher", "senco", "head"):
            actor = staff_actor_by_id(session, school.staff[who])
            with pytest.raises(escalation.NotAllowed):
                escalation.close_concern(session, actor, concern, NOW, "Nothing in it.")


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


def test_closing_a_referred_concern_stops_the_chase_and_its_deadlines(sessions, school):
    """A referral made on Tuesday is owed a reply by Wednesday; the DSL closes the concern
    first (the local authority rang back and it was recorded elsewhere): nobody is chased,
    and the concern's deadlines are no longer open."""
    concern = log_safeguarding(sessions, school)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        escalation.record_decision(session, dsl, concern, "referral", NOW, NOTE)
    with sessions() as session:
        due = session.scalars(
            select(Deadline.status).where(
                Deadline.subject_type == "concern", Deadline.subject_id == concern
            )
        ).all()
        assert due and set(due) == {"open"}
    later = NOW + timedelta(hours=3)
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = later
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        escalation.close_concern(session, dsl, concern, later, "The duty team took it on.")
    assert jobs.run(sessions, escalation.check_referral_chases, NOW + timedelta(days=2)) == 0
    with sessions() as session:
        left = session.scalars(
            select(Deadline.status).where(
                Deadline.subject_type == "concern", Deadline.subject_id == concern
            )
        ).all()
        assert "open" not in left
