"""Every role against every action: on a record in scope, on a record of the same school out
of scope, and on a record of another school.

The one policy (sendbot/services/policy.py) answers `decide(actor, action, record)`; this
table is the whole of what it may say. One person a role, so no answer comes from a second
role: a teacher and a TA in class 3B (the TA delivers an intervention there), a SENCO, a
DSL, a deputy DSL, a headteacher and an admin with no class, and a parent linked to one
pupil of 3B. The records in scope are about that pupil, who is on SEN support (own class,
pupils supported, SEND school-wide, safeguarding, own child); the out-of-scope ones are about
a pupil of another class with no SEND; the foreign records are the same kinds in another
school, where every answer is no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sendbot.services import policy
from sendbot.services.actors import actor_for_staff
from sendbot.services.policy import Action, GuardianActor
from sendbot.store.models import (
    Concern,
    Guardian,
    GuardianPupil,
    Intervention,
    InterventionPupil,
    Invitation,
    Meeting,
    ParentMessage,
    Pupil,
    School,
    Staff,
    StaffRole,
    TeachingGroup,
)
from tests.factories import NOW

ROLES = ("teacher", "ta", "senco", "dsl", "deputy_dsl", "headteacher", "admin", "parent")
Y, N = True, False

# Action: what each role in ROLES order may do to the record in scope.
MATRIX: dict[Action, tuple[bool, ...]] = {
    #                                  teacher ta senco dsl deputy head admin parent
    Action.FIND_PUPIL:                (Y,     Y,  Y,    Y,  Y,     Y,   N,    N),
    Action.LOG_CONCERN:               (Y,     Y,  Y,    Y,  Y,     Y,   N,    N),
    Action.READ_SAFEGUARDING:         (N,     N,  N,    Y,  Y,     N,   N,    N),
    Action.READ_SEND_RECORD:          (Y,     Y,  Y,    N,  N,     Y,   N,    N),
    Action.MANAGE_SEND:               (N,     N,  Y,    N,  N,     N,   N,    N),
    # A safeguarding concern about the pupil (who has SEND), logged by someone else.
    Action.READ_CONCERN:              (N,     N,  Y,    Y,  Y,     N,   N,    N),
    Action.ACKNOWLEDGE_CONCERN:       (N,     N,  N,    Y,  Y,     N,   N,    N),
    Action.RECORD_SESSION:            (N,     Y,  Y,    N,  N,     Y,   N,    N),
    Action.REPLY_TO_PARENT:           (Y,     Y,  Y,    N,  N,     Y,   N,    N),
    Action.READ_OWN_CHILD:            (N,     N,  N,    N,  N,     N,   N,    Y),
    Action.ANSWER_INVITATION:         (N,     N,  N,    N,  N,     N,   N,    Y),
}  # fmt: skip

# The same school, a record outside the class-bound scopes: a pupil of another class with no
# SEND, a concern about them, another teacher's intervention, another family's message and
# invitation. Whole-school roles keep their reach; the SENCO's SEND reach does not apply.
OUTSIDE: dict[Action, tuple[bool, ...]] = {
    #                                  teacher ta senco dsl deputy head admin parent
    Action.FIND_PUPIL:                (N,     N,  Y,    Y,  Y,     Y,   N,    N),
    Action.LOG_CONCERN:               (N,     N,  Y,    Y,  Y,     Y,   N,    N),
    Action.READ_SAFEGUARDING:         (N,     N,  N,    Y,  Y,     N,   N,    N),
    Action.READ_SEND_RECORD:          (N,     N,  N,    N,  N,     Y,   N,    N),
    Action.MANAGE_SEND:               (N,     N,  Y,    N,  N,     N,   N,    N),
    Action.READ_CONCERN:              (N,     N,  N,    Y,  Y,     N,   N,    N),
    Action.ACKNOWLEDGE_CONCERN:       (N,     N,  N,    Y,  Y,     N,   N,    N),
    Action.RECORD_SESSION:            (N,     N,  Y,    N,  N,     Y,   N,    N),
    Action.REPLY_TO_PARENT:           (N,     N,  Y,    N,  N,     Y,   N,    N),
    Action.READ_OWN_CHILD:            (N,     N,  N,    N,  N,     N,   N,    N),
    Action.ANSWER_INVITATION:         (N,     N,  N,    N,  N,     N,   N,    N),
}  # fmt: skip


@dataclass(frozen=True)
class Side:
    """One school's people and records, by action subject."""

    actors: dict[str, policy.Actor]
    subjects: dict[Action, int]  # in the actors' scope (see the module docstring)
    outside: dict[Action, int]  # same school, out of scope for class-bound roles


def _school(session: Session, urn: str, tag: str) -> Side:
    school = School(name=f"School {tag}", urn=urn)
    session.add(school)
    session.flush()
    group = TeachingGroup(school_id=school.id, code="3B", name="3B", year_group=3)
    session.add(group)
    session.flush()
    people: dict[str, Staff] = {}
    for role in ROLES[:-1]:
        people[role] = Staff(
            school_id=school.id,
            external_id=f"{tag}-{role}",
            first_name=role.title(),
            last_name=tag,
            email=f"{role}@{tag}.example",
            roles=[StaffRole(role=role)],
        )
    session.add_all(people.values())
    session.flush()
    from sendbot.store.models import GroupStaff

    session.add_all(
        [
            GroupStaff(group_id=group.id, staff_id=people["teacher"].id, role="teacher"),
            GroupStaff(group_id=group.id, staff_id=people["ta"].id, role="ta"),
        ]
    )
    other_teacher = Staff(
        school_id=school.id,
        external_id=f"{tag}-t2",
        first_name="Other",
        last_name=tag,
        email=f"t2@{tag}.example",
        roles=[StaffRole(role="teacher")],
    )
    elsewhere = TeachingGroup(school_id=school.id, code="4R", name="4R", year_group=4)
    session.add_all([other_teacher, elsewhere])
    session.flush()
    # In scope: a pupil of 3B on SEN support, in the TA's intervention, the parent's child.
    guardian, in_scope = _records(
        session, school.id, group.id, f"{tag}-in", "sen_support", people["ta"].id, other_teacher.id
    )
    # Same school, out of scope: a pupil of 4R without SEND, another teacher's intervention,
    # another family.
    _, outside = _records(
        session, school.id, elsewhere.id, f"{tag}-out", "none", other_teacher.id, other_teacher.id
    )
    actors: dict[str, policy.Actor] = {r: actor_for_staff(people[r]) for r in ROLES[:-1]}
    actors["parent"] = GuardianActor(guardian.id, school.id)
    return Side(
        actors,
        {action: in_scope[_kind(action)] for action in Action},
        {action: outside[_kind(action)] for action in Action},
    )


def _records(
    session: Session,
    school_id: int,
    group_id: int,
    tag: str,
    sen_status: str,
    delivered_by: int,
    raised_by: int,
) -> tuple[Guardian, dict[str, int]]:
    """A pupil with a guardian, a safeguarding concern, an intervention, a message from the
    guardian and an invitation to a review; their ids by kind."""
    pupil = Pupil(
        school_id=school_id,
        external_id=f"{tag}-p",
        first_name="Pat",
        last_name=tag,
        date_of_birth=date(2018, 3, 14),
        year_group=3,
        group_id=group_id,
        sen_status=sen_status,
    )
    guardian = Guardian(school_id=school_id, external_id=f"{tag}-g", first_name="G", last_name=tag)
    session.add_all([pupil, guardian])
    session.flush()
    session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=pupil.id))
    concern = Concern(
        school_id=school_id,
        pupil_id=pupil.id,
        raised_by_id=raised_by,
        raised_at=NOW,
        area="semh",
        narrative_text="matrix",
        safeguarding=True,
    )
    intervention = Intervention(
        school_id=school_id,
        name="Phonics",
        area="cognition_learning",
        delivered_by_id=delivered_by,
        starts_on=NOW.date(),
    )
    message = ParentMessage(
        school_id=school_id,
        guardian_id=guardian.id,
        pupil_id=pupil.id,
        direction="in",
        body_text="matrix",
        at=NOW,
    )
    meeting = Meeting(
        school_id=school_id, pupil_id=pupil.id, kind="sen_support_review",
        starts_at=NOW + timedelta(days=7),
    )  # fmt: skip
    session.add_all([concern, intervention, message, meeting])
    session.flush()
    session.add(
        InterventionPupil(intervention_id=intervention.id, pupil_id=pupil.id, joined_on=NOW.date())
    )
    invitation = Invitation(meeting_id=meeting.id, guardian_id=guardian.id)
    session.add(invitation)
    session.flush()
    return guardian, {
        "pupil": pupil.id,
        "concern": concern.id,
        "intervention": intervention.id,
        "message": message.id,
        "invitation": invitation.id,
    }


def _kind(action: Action) -> str:
    if action in policy.PUPIL_ACTIONS:
        return "pupil"
    return {
        Action.READ_CONCERN: "concern",
        Action.ACKNOWLEDGE_CONCERN: "concern",
        Action.RECORD_SESSION: "intervention",
        Action.REPLY_TO_PARENT: "message",
        Action.ANSWER_INVITATION: "invitation",
    }[action]


@pytest.fixture
def sides(sessions: sessionmaker[Session]) -> tuple[Side, Side]:
    with sessions() as session, session.begin():
        return _school(session, "910001", "own"), _school(session, "910002", "far")


def test_the_matrix_names_every_action() -> None:
    assert set(MATRIX) == set(OUTSIDE) == set(Action)


def test_every_role_against_every_action_on_an_own_and_a_foreign_record(sessions, sides) -> None:
    own, foreign = sides
    got_own: dict[Action, tuple[bool, ...]] = {}
    got_foreign: dict[Action, tuple[bool, ...]] = {}
    with sessions() as session:
        for action in Action:
            got_own[action] = tuple(
                policy.decide(session, own.actors[role], action, own.subjects[action])
                for role in ROLES
            )
            got_foreign[action] = tuple(
                policy.decide(session, own.actors[role], action, foreign.subjects[action])
                for role in ROLES
            )
    assert got_own == MATRIX
    assert got_foreign == {action: (N,) * len(ROLES) for action in Action}


def test_every_role_against_every_action_on_a_record_of_their_school_out_of_scope(
    sessions, sides
) -> None:
    own, _ = sides
    with sessions() as session:
        got = {
            action: tuple(
                policy.decide(session, own.actors[role], action, own.outside[action])
                for role in ROLES
            )
            for action in Action
        }
    assert got == OUTSIDE


def test_a_parent_never_reaches_another_familys_child_in_the_same_school(sessions, sides) -> None:
    own, _ = sides
    with sessions() as session, session.begin():
        pupil = session.get(Pupil, own.subjects[Action.READ_OWN_CHILD])
        assert pupil is not None
        sibling_class = Pupil(
            school_id=pupil.school_id,
            external_id="own-other-family",
            first_name="Sam",
            last_name="Other",
            date_of_birth=date(2018, 1, 1),
            year_group=3,
            group_id=pupil.group_id,
        )
        session.add(sibling_class)
        session.flush()
        parent = own.actors["parent"]
        assert not policy.decide(session, parent, Action.READ_OWN_CHILD, sibling_class.id)
        pupil.active = False  # a child who has left is no longer reachable either
        session.flush()
        assert not policy.decide(session, parent, Action.READ_OWN_CHILD, pupil.id)


def test_the_reply_to_a_parent_is_refused_before_typing_exactly_where_the_matrix_says_no(
    sessions, sides
) -> None:
    """`reply_refusal` is the decision the Reply button asks before the form opens: the same
    answer as REPLY_TO_PARENT's rows, with the reason to show."""
    own, foreign = sides
    reply = Action.REPLY_TO_PARENT
    expected = {
        "own": MATRIX[reply],
        "outside": OUTSIDE[reply],
        "foreign": (N,) * len(ROLES),
    }
    with sessions() as session:
        subjects = {
            "own": own.subjects[reply],
            "outside": own.outside[reply],
            "foreign": foreign.subjects[reply],
        }
        got = {
            where: tuple(
                policy.reply_refusal(session, own.actors[role], message_id) for role in ROLES
            )
            for where, message_id in subjects.items()
        }
        gone = {policy.reply_refusal(session, own.actors[role], None) for role in ROLES}
    assert {
        where: tuple(refusal is None for refusal in refusals) for where, refusals in got.items()
    } == expected
    refused = {r for refusals in got.values() for r in refusals if r is not None}
    assert refused == {policy.NOT_YOURS_TO_ANSWER}
    assert gone == {policy.OUT_OF_DATE}
