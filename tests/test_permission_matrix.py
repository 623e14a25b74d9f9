"""Every action the policy knows, against every role and every record scope.

The one policy (sendbot/services/policy.py) answers `decide(actor, action, record)`, and
`policy.Action` is every question it can be asked. The matrix below is generated from that
enum: every action x every role (a parent with and without parental responsibility, one the
school decided to share with, a deputy DSL who teaches, a SENCO who is not a DSL) x every
record scope of tests/permission_world.py, and on a record of another school. EXPECTED
says, for each action and scope, exactly who may: an action added to the policy without a
row here fails, and so does any answer that differs. Reads the policy allows beyond the
table are counted as unauthorised reads, and there must be none.
tests/test_permission_transports.py asks the same questions through Slack, Telegram and
the console.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sendbot.services import policy
from sendbot.services.policy import Action
from sendbot.store.models import Pupil
from tests.factories import SmallSchool
from tests.permission_world import (
    FOREIGN,
    OTHER_SAFEGUARDING,
    OTHER_SEND,
    OWN_PLAIN,
    OWN_SAFEGUARDING,
    OWN_SEND,
    ROLES,
    SCOPES,
    World,
    build_world,
)

# Who may, by action and record scope; a role not named may not (other_staff, a lunchtime
# supervisor, is named only to log concerns). The teacher and TA are 3B's, and so is the
# deputy DSL's class; "parent" has parental responsibility for Amelia,
# "parent_no_pr" has none for Amir, "parent_shared" has none for Ruby but the school
# recorded a decision to share.
EXPECTED: dict[Action, dict[str, str]] = {
    Action.FIND_PUPIL: {
        OWN_SEND:           "teacher ta senco dsl deputy head",
        OWN_PLAIN:          "teacher ta senco dsl deputy head",
        OTHER_SEND:         "senco dsl deputy head",
        OWN_SAFEGUARDING:   "teacher ta senco dsl deputy head",
        OTHER_SAFEGUARDING: "senco dsl deputy head",
    },
    # Every adult reports a concern about any child of their school (KCSIE); it reads nothing.
    Action.LOG_CONCERN: {
        OWN_SEND:           "teacher ta senco dsl deputy head admin other_staff chair",
        OWN_PLAIN:          "teacher ta senco dsl deputy head admin other_staff chair",
        OTHER_SEND:         "teacher ta senco dsl deputy head admin other_staff chair",
        OWN_SAFEGUARDING:   "teacher ta senco dsl deputy head admin other_staff chair",
        OTHER_SAFEGUARDING: "teacher ta senco dsl deputy head admin other_staff chair",
    },
    Action.READ_SAFEGUARDING: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # The deputy reads the SEND records of the class they teach, not the school's.
    Action.READ_SEND_RECORD: {
        OWN_SEND:           "teacher ta senco deputy head",
        OWN_PLAIN:          "teacher ta deputy head",
        OTHER_SEND:         "senco head",
        OWN_SAFEGUARDING:   "teacher ta senco deputy head",
        OTHER_SAFEGUARDING: "head",
    },
    Action.MANAGE_SEND: {
        OWN_SEND:           "senco",
        OWN_PLAIN:          "senco",
        OTHER_SEND:         "senco",
        OWN_SAFEGUARDING:   "senco",
        OTHER_SAFEGUARDING: "senco",
    },
    # The dates that start statutory deadlines: the SENCO, as for other SEND changes.
    Action.RECORD_EHC_STEP: {
        OWN_SEND:           "senco",
        OWN_PLAIN:          "senco",
        OTHER_SEND:         "senco",
        OWN_SAFEGUARDING:   "senco",
        OTHER_SAFEGUARDING: "senco",
    },
    # The cumulative-concern prompt's button: the SENCO only for a pupil with SEND.
    Action.REVIEW_CONCERNS: {
        OWN_SEND:           "senco dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "senco dsl deputy",
        OWN_SAFEGUARDING:   "senco dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # The whole record leaves with the headteacher, who answers subject access requests.
    Action.EXPORT_RECORD: {
        OWN_SEND:           "head",
        OWN_PLAIN:          "head",
        OTHER_SEND:         "head",
        OWN_SAFEGUARDING:   "head",
        OTHER_SAFEGUARDING: "head",
    },
    # Whether a subject access reply includes safeguarding records: the leads decide.
    Action.DECIDE_SAFEGUARDING_DISCLOSURE: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # The chronology of a child's safeguarding file: the leads alone, not the head.
    Action.READ_CHRONOLOGY: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    Action.READ_OWN_CHILD: {
        OWN_SEND:           "parent",
        OWN_PLAIN:          "",
        OTHER_SEND:         "parent_shared",
        OWN_SAFEGUARDING:   "parent",
        OTHER_SAFEGUARDING: "",
    },
    Action.READ_CONCERN: {
        OWN_SEND:           "senco dsl deputy head",
        OWN_PLAIN:          "teacher senco dsl deputy head",  # the teacher logged it
        OTHER_SEND:         "senco dsl deputy head",
        OWN_SAFEGUARDING:   "senco dsl deputy",  # the SENCO: Amelia has SEND
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    Action.ACKNOWLEDGE_CONCERN: {
        OWN_SEND:           "senco dsl deputy",
        OWN_PLAIN:          "senco dsl deputy",
        OTHER_SEND:         "senco dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # Who is told when it is logged: never the SENCO of a safeguarding concern.
    Action.HEAR_OF_CONCERN: {
        OWN_SEND:           "senco",
        OWN_PLAIN:          "senco",
        OTHER_SEND:         "senco",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # The file follows the child: the leads record its transfer, whoever the pupil is.
    Action.RECORD_CP_FILE_TRANSFER: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    Action.RECORD_REFERRAL_STEP: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # The staff web page of a concern: exactly who may read it, once signed in.
    Action.OPEN_CONCERN_PAGE: {
        OWN_SEND:           "senco dsl deputy head",
        OWN_PLAIN:          "teacher senco dsl deputy head",  # the teacher logged it
        OTHER_SEND:         "senco dsl deputy head",
        OWN_SAFEGUARDING:   "senco dsl deputy",  # the SENCO: Amelia has SEND
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # Signing a concern off as closed, or reopening it.
    Action.CLOSE_CONCERN: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # An addendum or a photo: whoever logged the concern, and the leads. Never an edit.
    Action.ADD_TO_CONCERN: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "teacher dsl deputy",  # the teacher logged it
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # That a safeguarding report was started and not saved: the leads, as for their list.
    Action.SEE_UNFINISHED_REPORT: {
        OWN_SEND:           "dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "dsl deputy",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # What it says so far: as a safeguarding concern's details (the SENCO: a pupil with SEND).
    Action.READ_UNFINISHED_REPORT: {
        OWN_SEND:           "senco dsl deputy",
        OWN_PLAIN:          "dsl deputy",
        OTHER_SEND:         "senco dsl deputy",
        OWN_SAFEGUARDING:   "senco dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # A safeguarding deadline names a child referred to social care: the leads alone.
    Action.READ_DEADLINE: {
        OWN_SEND:           "teacher ta senco deputy head",
        OWN_PLAIN:          "teacher ta senco deputy head",  # the SENCO owns it
        OTHER_SEND:         "senco head",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    Action.MARK_DEADLINE_DONE: {
        OWN_SEND:           "senco head",
        OWN_PLAIN:          "senco head",
        OTHER_SEND:         "senco head",
        OWN_SAFEGUARDING:   "dsl deputy",
        OTHER_SAFEGUARDING: "dsl deputy",
    },
    # Not the contact without parental responsibility (no decision to share recorded).
    Action.INVITE_GUARDIAN: {
        OWN_SEND:           "senco head",
        OWN_PLAIN:          "",
        OTHER_SEND:         "senco head",
        OWN_SAFEGUARDING:   "senco head",
        OTHER_SAFEGUARDING: "senco head",
    },
    Action.RECORD_SESSION: {
        OWN_SEND:           "ta senco head",
        OWN_PLAIN:          "senco head",
        OTHER_SEND:         "senco head",
        OWN_SAFEGUARDING:   "ta senco head",
        OTHER_SAFEGUARDING: "senco head",
    },
    Action.REPLY_TO_PARENT: {
        OWN_SEND:           "teacher ta senco deputy head",
        OWN_PLAIN:          "teacher ta senco deputy head",
        OTHER_SEND:         "senco head",
        OWN_SAFEGUARDING:   "teacher ta senco deputy head",
        OTHER_SAFEGUARDING: "senco head",
    },
    Action.ANSWER_INVITATION: {
        OWN_SEND:           "parent",
        OWN_PLAIN:          "",
        OTHER_SEND:         "parent_shared",
        OWN_SAFEGUARDING:   "parent",
        OTHER_SAFEGUARDING: "",
    },
    # Adults as subjects (tests/permission_world.py): an allegation about the teacher, a
    # low-level concern about the TA, an allegation about the head, one about the DSL, a
    # low-level concern about the head. Any member of staff may report about any other.
    Action.REPORT_ABOUT_ADULT: {
        OWN_SEND:           "teacher ta senco dsl deputy head admin other_staff chair",
        OWN_PLAIN:          "teacher ta senco dsl deputy head admin other_staff chair",
        OTHER_SEND:         "teacher ta senco dsl deputy head admin other_staff chair",
        OWN_SAFEGUARDING:   "teacher ta senco dsl deputy head admin other_staff chair",
        OTHER_SAFEGUARDING: "teacher ta senco dsl deputy head admin other_staff chair",
    },
    # The case manager (the chair when it is about the head); the DSL for a low-level
    # concern; never the adult named, the DSL included.
    Action.READ_ADULT_CONCERN: {
        OWN_SEND:           "head",
        OWN_PLAIN:          "dsl head",
        OTHER_SEND:         "chair",
        OWN_SAFEGUARDING:   "head",
        OTHER_SAFEGUARDING: "dsl chair",
    },
    Action.RECORD_LADO_CONSULTATION: {
        OWN_SEND:           "head",
        OWN_PLAIN:          "head",
        OTHER_SEND:         "chair",
        OWN_SAFEGUARDING:   "head",
        OTHER_SAFEGUARDING: "chair",
    },
}  # fmt: skip

# The actions that show someone a record (or that one exists): a yes the table does not
# give is an unauthorised read.
READS = frozenset(
    {
        Action.FIND_PUPIL,
        Action.READ_SAFEGUARDING,
        Action.READ_SEND_RECORD,
        Action.REVIEW_CONCERNS,
        Action.EXPORT_RECORD,
        Action.READ_OWN_CHILD,
        Action.READ_CONCERN,
        Action.OPEN_CONCERN_PAGE,
        Action.HEAR_OF_CONCERN,
        Action.SEE_UNFINISHED_REPORT,
        Action.READ_UNFINISHED_REPORT,
        Action.READ_DEADLINE,
        Action.READ_CHRONOLOGY,
        Action.READ_ADULT_CONCERN,
    }
)


def expected(action: Action, scope: str) -> frozenset[str]:
    if scope == FOREIGN:
        return frozenset()
    return frozenset(EXPECTED[action][scope].split())


def answers(session: Session, world: World, action: Action, scope: str) -> frozenset[str]:
    """Who the policy says may, of every role, on this scope's record for the action."""
    subject = world.subjects[scope][policy.SUBJECTS[action]]
    return frozenset(
        role for role in ROLES if policy.decide(session, world.actors[role], action, subject)
    )


@pytest.fixture
def world(engine, school: SmallSchool) -> World:  # type: ignore[no-untyped-def]
    return build_world(engine, school)


def test_every_action_the_policy_knows_has_a_row_and_a_kind_of_record() -> None:
    assert set(EXPECTED) == set(Action)
    assert set(policy.SUBJECTS) == set(Action)
    for action, row in EXPECTED.items():
        assert set(row) == set(SCOPES), action
        assert set(" ".join(row.values()).split()) <= set(ROLES), action


def test_the_matrix_over_every_action_role_and_scope_has_no_unauthorised_read(
    sessions: sessionmaker[Session], world: World
) -> None:
    got: dict[tuple[Action, str], frozenset[str]] = {}
    with sessions() as session:
        for action in Action:
            for scope in (*SCOPES, FOREIGN):
                got[action, scope] = answers(session, world, action, scope)
    unauthorised = [
        (action, scope, role)
        for (action, scope), allowed in got.items()
        if action in READS
        for role in allowed - expected(action, scope)
    ]
    assert unauthorised == []
    assert len(got) == len(Action) * (len(SCOPES) + 1)
    assert {key: sorted(v) for key, v in got.items()} == {
        key: sorted(expected(*key)) for key in got
    }


def test_a_parent_never_reaches_another_familys_child_in_the_same_school(
    sessions: sessionmaker[Session], world: World
) -> None:
    with sessions() as session, session.begin():
        pupil = session.get(Pupil, world.subjects[OWN_SEND]["pupil"])
        assert pupil is not None
        same_class = Pupil(
            school_id=pupil.school_id,
            external_id="own-other-family",
            first_name="Sam",
            last_name="Other",
            date_of_birth=date(2018, 1, 1),
            year_group=3,
            group_id=pupil.group_id,
        )
        session.add(same_class)
        session.flush()
        parent = world.actors["parent"]
        assert not policy.decide(session, parent, Action.READ_OWN_CHILD, same_class.id)
        pupil.active = False  # a child who has left is no longer reachable either
        session.flush()
        assert not policy.decide(session, parent, Action.READ_OWN_CHILD, pupil.id)


def test_the_reply_to_a_parent_is_refused_before_typing_exactly_where_the_matrix_says_no(
    sessions: sessionmaker[Session], world: World
) -> None:
    """`reply_refusal` is the decision the Reply button asks before the form opens: the same
    answer as REPLY_TO_PARENT's row, with the reason to show."""
    reply = Action.REPLY_TO_PARENT
    with sessions() as session:
        got = {
            scope: {
                role: policy.reply_refusal(
                    session, world.actors[role], world.subjects[scope]["message"]
                )
                for role in ROLES
            }
            for scope in (*SCOPES, FOREIGN)
        }
        gone = {policy.reply_refusal(session, world.actors[role], None) for role in ROLES}
    assert {
        scope: frozenset(role for role, refusal in by_role.items() if refusal is None)
        for scope, by_role in got.items()
    } == {scope: expected(reply, scope) for scope in got}
    refused = {r for by_role in got.values() for r in by_role.values() if r is not None}
    assert refused == {policy.NOT_YOURS_TO_ANSWER}
    assert gone == {policy.OUT_OF_DATE}
