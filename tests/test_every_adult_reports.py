"""Every adult in the school can report a concern about any child on roll there (Keeping
Children Safe in Education): a lunchtime supervisor, the school admin, a teacher about a
pupil of another class. Choosing the pupil shows their name, year group and class, nothing
more; reporting opens nothing to read; a child not on roll is refused kindly, and audited.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.conversations.adult_concern import ADULT_CONCERN
from sendbot.conversations.fields import ConfirmField
from sendbot.conversations.forms import NOT_VISIBLE, Forms
from sendbot.conversations.log_concern import LOG_CONCERN
from sendbot.conversations.registry import REGISTRY
from sendbot.conversations.staff_chat import staff_reply_message
from sendbot.domain.needs import Area
from sendbot.domain.people import Role
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.concerns import NewConcern, log_concern
from sendbot.services.policy import PermissionDenied
from sendbot.services.safeguarding import view_details
from sendbot.store.models import (
    AuditEvent,
    Concern,
    ConversationState,
    Outbox,
    Pupil,
    Staff,
    StaffRole,
)
from tests.factories import NOW, SmallSchool
from tests.staff_dialogs import count, dialog_for

INTRO = "Let's log a concern. Type 'back' to change an answer or 'cancel' to stop at any time."
PUPIL_Q = "Which pupil is this about? Type part of their first name or surname."
NARRATIVE_Q = "What happened? Say what you saw or heard, as facts (up to 2,000 characters)."
WORDS_Q = "Did the child say anything? Write their exact words, as they said them, or type 'skip'."
WHEN_Q = "When did it happen? Type 'now', or a day and time like 'today 12:30' or 'yesterday'."
WHERE_Q = "Where did it happen? For example 'playground' or 'Year 4 classroom'. Or 'skip'."
CATEGORY_Q = "Which kind of concern is it closest to?"
DONE_Q = (
    "What have you done about it so far (for example 'comforted her, told the DSL in "
    "person')? Or 'skip'."
)
TOLD_Q = "Who else have you told about this? Or 'skip'."
# The child's words, when and where, skipped or 'now': what a hurried report answers.
QUICK = ("skip", "now", "skip")
# The category, what the reporter did and who else was told, all skipped.
SKIPS = ("skip", "skip", "skip")
SOURCE_Q = "How did this come to you?"
AREA_Q = "Which area is it mostly about?"
SAFEGUARDING_Q = (
    "Does this involve an injury, something the child said about harm, or a change in "
    "behaviour or mood that could mean the child is at risk?"
)
DANGER_Q = "Is the child in immediate danger right now?"
MENU = "What would you like to do?\n1. Log a concern\n2. Concern about an adult"
STORY = "Kacper hid behind the shed at lunch and said his stepdad locks him out at night."
WORDS = "my stepdad locks me out at night"


@pytest.fixture
def lunchtime(sessions: sessionmaker[Session], school: SmallSchool) -> int:
    """Denise Varley, midday supervisor at Oakfield: no class, no intervention."""
    with sessions() as session, session.begin():
        person = Staff(
            school_id=school.school_id,
            external_id="S-lunch",
            first_name="Denise",
            last_name="Varley",
            email="lunch@oakfield.example",
            roles=[StaffRole(role=Role.OTHER_STAFF.value)],
        )
        session.add(person)
        session.flush()
        school.staff["lunch"] = person.id
        return person.id


def test_a_lunchtime_supervisor_reports_a_child_of_a_class_she_has_nothing_to_do_with(
    sessions, clock, school, lunchtime
):
    d = dialog_for(sessions, clock, school, "lunch")
    menu = d.says("hi")
    assert menu.text == "Hello Denise. What would you like to do?"
    assert [o.label for o in menu.options] == ["Log a concern", "Concern about an adult"]
    d.verify(
        [
            ("1", f"{INTRO}\n\n{PUPIL_Q}"),
            ("kacper", NARRATIVE_Q),
            (STORY, WORDS_Q),
            (WORDS, WHEN_Q),
            ("now", WHERE_Q),
            ("Behind the shed", SOURCE_Q),
            ("2", AREA_Q),
            ("3", SAFEGUARDING_Q),
            ("yes", DANGER_Q),
        ]
    )
    assert d.says("no").text.startswith(CATEGORY_Q)
    d.verify(
        [
            ("skip", DONE_Q),
            ("Stayed with him and took him to the office", TOLD_Q),
            (
                "skip",
                "Please check your concern:\n"
                "- Pupil: Kacper Wiśniewski (Year 4, 4R)\n"
                f"- What happened: {STORY}\n"
                f"- The child's words: {WORDS}\n"
                "- When: Tue 24 Nov 2026, 10:15\n"
                "- Where: Behind the shed\n"
                "- Raised by: The child told me\n"
                "- Area: Social, emotional and mental health\n"
                "- Safeguarding: Yes\n"
                "- Immediate danger: No\n"
                "- Category: not sure\n"
                "- What you did: Stayed with him and took him to the office\n"
                "- Who else was told: nobody yet\n"
                "This will be saved as a safeguarding concern and the DSL alerted at once.\n\n"
                "Save this concern?",
            ),
        ]
    )
    saved = d.says("1")
    assert saved.done
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert saved.text == (
            f"Saved as safeguarding concern #{concern.id}. The designated safeguarding lead "
            "and deputies have been alerted now. If you are still worried, find the DSL in "
            "person as well."
        )
        assert (concern.pupil_id, concern.raised_by_id) == (school.pupils["kacper"], lunchtime)
        assert concern.safeguarding
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "concern.create")
        ).one()
        assert (audited.actor_id, audited.pupil_id) == (
            lunchtime,
            school.pupils["kacper"],
        )
        alerted = {(a.recipient_staff_id, a.template) for a in session.scalars(select(Outbox))}
        assert alerted == {
            (school.staff["dsl"], "safeguarding.alert"),
            (school.staff["deputy"], "safeguarding.alert"),
        }
    # Reporting opened nothing: she may not read what she logged, like any reporter who is
    # not a lead, and the refusal is audited.
    with sessions() as session, session.begin():
        actor = staff_actor_by_id(session, lunchtime)
        assert actor is not None
        assert not view_details(session, actor, concern.id, NOW).allowed
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "concern.view_refused")
        ).one()
        assert refused.actor_id == lunchtime


def test_a_lunchtime_supervisor_can_do_nothing_else(sessions, clock, school, lunchtime):
    d = dialog_for(sessions, clock, school, "lunch")
    assert d.says("help").text == (
        "You are signed in as an other staff member (lunchtime, office, site, supply or "
        "volunteer). You can:\n"
        "- Log a concern ('concern'): tell the SENCO (and the DSL, if a child may be at "
        "risk) what you saw or heard\n"
        "- Concern about an adult ('adult'): report an allegation or a low-level concern "
        "about an adult working in the school (it goes to the headteacher, never to the "
        "adult)\n"
        "Type a word in quotes or 'menu' to start. While answering, 'back', 'cancel' and "
        "'help' always work."
    )
    assert d.says("due").text == f"Sorry, I didn't understand 'due'.\n\n{MENU}"
    assert d.says("targets").text == f"Sorry, I didn't understand 'targets'.\n\n{MENU}"
    refused = [
        d.engine.start(d.chat, d.actor, flow.name).text
        for flow in REGISTRY.flows
        if flow not in (LOG_CONCERN, ADULT_CONCERN)  # every adult reports about a child or an adult
    ]
    assert set(refused) == {"That isn't something you can do here."}
    # The reply to a parent opens only from its Reply button, which the policy refuses her
    # (tests/test_permission_matrix.py, REPLY_TO_PARENT).


def test_the_school_admin_reports_a_concern(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "admin")
    for line in ("concern", "Ruby", "Ruby's mum shouted at her in reception and pulled her arm."):
        d.says(line)
    for line in (*QUICK, "3", "3", "yes", "no", *SKIPS):
        d.says(line)
    saved = d.says("save")
    assert saved.text.startswith("Saved as safeguarding concern #")
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert (concern.pupil_id, concern.raised_by_id, concern.source) == (
            school.pupils["ruby"],
            school.staff["admin"],
            "parent",
        )


def test_a_teacher_reports_a_pupil_outside_her_class(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")  # 3B's teacher; Kacper is in 4R
    d.verify([("concern", f"{INTRO}\n\n{PUPIL_Q}"), ("Wisniewski", NARRATIVE_Q)])
    for line in ("Crying by the gate at home time.", *QUICK, "1", "3", "no", "skip", "skip"):
        d.says(line)
    assert d.says("1").text.startswith("Saved as concern #")
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert concern.pupil_id == school.pupils["kacper"]
        assert concern.raised_by_id == school.staff["teacher"]


def test_the_search_shows_name_year_and_class_only_on_every_platform(
    sessions, clock, school, lunchtime
):
    # Amelia is on SEN support, Ruby has a safeguarding concern already: none of it shows.
    with sessions() as session, session.begin():
        ruby = session.get(Pupil, school.pupils["ruby"])
        assert ruby is not None
        ruby.sen_status = "ehc_plan"
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert dsl is not None
        log_concern(session, dsl, NewConcern(ruby.id, Area.SEMH, "Bruise on her cheek.", True), NOW)
    labels = ["Amelia Khan (Year 3, 3B)", "Amir Khan (Year 3, 3B)", "Ruby Khan (Year 4, 4R)"]

    d = dialog_for(sessions, clock, school, "lunch")
    d.says("concern")
    console = d.says("Khan")  # the console and Telegram: the same reply
    assert console.text == "3 pupils match 'Khan'. Which one do you mean?"
    assert [o.label for o in console.options] == labels
    with sessions() as session:
        telegram = staff_reply_message(session, console)
    assert [b.label for b in telegram.buttons] == labels
    assert telegram.text == console.text

    forms = Forms(sessions, REGISTRY, clock)  # Slack's pupil menu in the modal
    assert d.actor is not None
    slack = forms.search_options(d.actor, LOG_CONCERN, {}, "pupil", "Khan")
    assert [label for _, label in slack] == labels
    assert [int(value) for value, _ in slack] == [
        school.pupils["amelia"],
        school.pupils["amir"],
        school.pupils["ruby"],
    ]


def test_a_pupil_of_another_school_is_refused_kindly(sessions, clock, school, lunchtime):
    d = dialog_for(sessions, clock, school, "lunch")
    d.says("concern")
    d.verify(
        [
            (
                "Stone",  # Amelia Stone, at Elm Grove
                "I couldn't find a pupil called 'Stone' on roll at your school. Try part of "
                "their first name or surname. If the child is not a pupil here, tell the "
                "designated safeguarding lead (DSL) in person: they will pass your concern "
                f"on.\n\n{PUPIL_Q}",
            )
        ]
    )
    assert count(sessions, Concern) == 0


def test_a_pupil_who_leaves_before_the_save_is_refused_kindly_and_audited(
    sessions, clock, school, lunchtime
):
    d = dialog_for(sessions, clock, school, "lunch")
    for line in ("concern", "Zoe", "Zoë said she has had no breakfast all week.", *QUICK):
        d.says(line)
    for line in ("2", "3", "no", "skip"):
        d.says(line)
    assert d.says("skip").text.endswith("Save this concern?")
    with sessions() as session, session.begin():
        zoe = session.get(Pupil, school.pupils["zoe"])
        assert zoe is not None
        zoe.active = False  # taken off roll by an import meanwhile
    reply = d.says("1")
    assert reply.text.startswith(
        "That pupil is not on roll at your school now, so a concern about them cannot be "
        "logged here. If you are worried about a child, tell the designated safeguarding "
        "lead (DSL) in person today.\n\nPlease check your concern:\n"
        "- Pupil: a pupil you can no longer choose\n"
    )
    assert not reply.done
    with sessions() as session:
        assert session.scalars(select(Concern)).all() == []
        refused = session.scalars(select(AuditEvent)).one()
        assert (refused.action, refused.actor_id, refused.pupil_id, refused.details) == (
            "concern.create_refused",
            lunchtime,
            school.pupils["zoe"],
            {"reason": "left"},
        )


def test_a_forged_choice_of_another_schools_pupil_is_refused_with_its_audit_event(
    sessions, clock, school, lunchtime
):
    with sessions() as session:
        actor = staff_actor_by_id(session, lunchtime)
    assert actor is not None
    answers = {
        "pupil": str(school.pupils["stone"]),
        "narrative": "Seen crying.",
        "source": "staff",
        "area": "semh",
        "safeguarding": "no",
    }
    result = Forms(sessions, REGISTRY, clock).submit(actor, LOG_CONCERN, answers)
    assert not result.done and result.errors == {"pupil": NOT_VISIBLE}
    # The service refuses it as well, with the event that records the attempt (written by
    # whoever rolls the refused save back), naming no pupil of another school.
    new = NewConcern(school.pupils["stone"], Area.SEMH, "Seen crying.", False)
    with sessions() as session, pytest.raises(PermissionDenied) as refused:
        log_concern(session, actor, new, NOW)
    assert refused.value.audit is not None
    assert {k: refused.value.audit[k] for k in ("action", "pupil_id", "details")} == {
        "action": "concern.create_refused",
        "pupil_id": None,
        "details": {"reason": "not_on_roll"},
    }
    assert count(sessions, Concern) == 0


# --- Cancel at the Save step ----------------------------------------------------------------


def test_typing_the_cancel_options_number_at_save_cancels(sessions, clock, school):
    d = dialog_for(sessions, clock, school, "teacher")
    for line in ("concern", "Amelia", "Upset at lunch.", *QUICK, "1", "3", "no", "skip"):
        d.says(line)
    summary = d.says("skip")
    assert summary.text.endswith("Save this concern?")
    assert [o.label for o in summary.options] == ["Save", "Change an answer", "Cancel"]
    reply = d.says("3")
    assert reply.text == f"Cancelled. Nothing was saved.\n\n{MENU}"
    assert reply.done
    assert count(sessions, Concern) == 0
    assert count(sessions, ConversationState) == 0
    assert count(sessions, Outbox) == 0


def test_every_save_step_offers_cancel_and_its_number_cancels(sessions, clock, school):
    """Every flow's final Save? step lists Cancel, and the engine reads its number (as a
    typed '3' or a tapped button, which arrives as the number) as cancel, in any flow."""
    confirms = [
        flow.fields[-1]
        for flow in (*REGISTRY.flows, *REGISTRY.hidden)
        if flow.fields and isinstance(flow.fields[-1], ConfirmField)
    ]
    assert len(confirms) >= 5
    for field in confirms:
        assert isinstance(field, ConfirmField)
        options = field.options(None, {})  # type: ignore[arg-type]
        assert options[-1].value == "cancel" and options[-1].label == "Cancel"

    d = dialog_for(sessions, clock, school, "senco")  # moving a pupil between levels
    for line in ("level", "Amir", "1"):
        d.says(line)
    save = d.says("His reading has not moved in two terms.")
    assert save.options[-1].label == "Cancel", save.text
    assert d.says(str(len(save.options))).text.startswith("Cancelled. Nothing was saved.")
    assert count(sessions, ConversationState) == 0
    with sessions() as session:
        amir = session.get(Pupil, school.pupils["amir"])
        assert amir is not None and amir.sen_status == "none"
