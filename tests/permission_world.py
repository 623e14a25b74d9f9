"""The people and records the permission matrix asks about, on top of the small school.

One person a role, so no answer comes from a second role: the class teacher and TA of 3B,
the SENCO (not a safeguarding lead, no class), the DSL, a deputy DSL who also teaches 3B,
the headteacher, the admin and a lunchtime supervisor (other staff); three parents or carers: one with parental responsibility
for Amelia, one without it for Amir, and one without it for Ruby whom the school has
recorded a decision to share with. Every record scope holds one record of each kind a
policy action is asked about (`policy.SUBJECTS`): a pupil, a concern, a deadline, a
guardian, an intervention, a parent's message, an invitation and an unfinished report (a
safeguarding concern started about the pupil and not saved).

Scopes (from the teacher's and TA's point of view):
- own class, SEND: Amelia (3B, SEN support), a concern that is not safeguarding, a SEND
  deadline, her parent with parental responsibility, the TA's intervention;
- own class, no SEND: Amir (3B), a concern the class teacher logged, a reintegration review,
  his contact without parental responsibility;
- other class, SEND: Ruby (4R, EHC plan), her annual review, the contact the school decided
  to share with;
- own class, safeguarding: a safeguarding concern about Amelia, referred, and the local
  authority's reply due (a safeguarding deadline);
- other class, no SEND, safeguarding: the same about Kacper (4R, no SEND);
- another school: the same kinds about Amelia Stone; every answer there is no.

Adults as subjects (KCSIE Part four): each scope also holds one concern about an adult
working in the school (`adult_concern`) and names the member of staff a report would be
about (`staff`); the chair of governors ("chair", no pupil access) joins the staff:
- own class, SEND: an allegation about the class teacher, reported by the TA;
- own class, no SEND: a low-level concern about the TA, reported by the teacher;
- other class, SEND: an allegation about the headteacher (the chair is case manager);
- own class, safeguarding: an allegation about the DSL, reported by the teacher;
- other class, no SEND, safeguarding: a low-level concern about the headteacher;
- another school: an allegation about its SENCO.

The records are written without the deadline hooks, so the deadlines stay as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sendbot.domain.people import Role
from sendbot.services import policy
from sendbot.services.actors import actor_for_staff
from sendbot.store.db import session_factory
from sendbot.store.models import (
    AdultConcern,
    Concern,
    ConcernDraft,
    Deadline,
    GroupStaff,
    Guardian,
    GuardianPupil,
    Intervention,
    InterventionPupil,
    Invitation,
    Meeting,
    ParentMessage,
    Pupil,
    Staff,
    StaffRole,
)
from tests.factories import NOW, SmallSchool

STAFF_ROLES = ("teacher", "ta", "senco", "dsl", "deputy", "head", "admin", "other_staff", "chair")
PARENT_ROLES = ("parent", "parent_no_pr", "parent_shared")
ROLES = STAFF_ROLES + PARENT_ROLES

OWN_SEND = "own class, SEND"
OWN_PLAIN = "own class, no SEND"
OTHER_SEND = "other class, SEND"
OWN_SAFEGUARDING = "own class, safeguarding"
OTHER_SAFEGUARDING = "other class, no SEND, safeguarding"
FOREIGN = "another school"
SCOPES = (OWN_SEND, OWN_PLAIN, OTHER_SEND, OWN_SAFEGUARDING, OTHER_SAFEGUARDING)


@dataclass(frozen=True)
class World:
    actors: dict[str, policy.Actor]
    subjects: dict[str, dict[str, int]]  # scope -> subject kind -> record id
    narratives: dict[str, str]  # scope -> the words of its concern
    pupil_names: dict[str, str]  # scope -> the pupil's name
    staff_ids: dict[str, int]
    guardian_ids: dict[str, int]  # parent role -> guardian id


def _guardian(
    session: Session, school_id: int, pupil_id: int, key: str, *, pr: bool, shared_by: int | None
) -> Guardian:
    guardian = Guardian(school_id=school_id, external_id=f"G-{key}", first_name=key, last_name="M")
    session.add(guardian)
    session.flush()
    session.add(
        GuardianPupil(
            guardian_id=guardian.id,
            pupil_id=pupil_id,
            relationship_to_pupil="parent" if pr else "grandparent",
            parental_responsibility=pr,
            shared_at=NOW if shared_by else None,
            shared_by_id=shared_by,
        )
    )
    return guardian


def _intervention(session: Session, school_id: int, delivered_by: int, pupil_id: int) -> int:
    intervention = Intervention(
        school_id=school_id,
        name="Phonics",
        area="cognition_learning",
        delivered_by_id=delivered_by,
        starts_on=NOW.date(),
    )
    session.add(intervention)
    session.flush()
    session.add(
        InterventionPupil(intervention_id=intervention.id, pupil_id=pupil_id, joined_on=NOW.date())
    )
    return intervention.id


@dataclass(frozen=True)
class _Family:
    pupil: Pupil
    guardian: Guardian
    intervention_id: int
    message_id: int
    invitation_id: int


def _family(session: Session, pupil: Pupil, guardian: Guardian, intervention_id: int) -> _Family:
    message = ParentMessage(
        school_id=pupil.school_id,
        guardian_id=guardian.id,
        pupil_id=pupil.id,
        direction="in",
        body_text="Can we talk?",
        at=NOW,
    )
    meeting = Meeting(
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        kind="sen_support_review",
        starts_at=NOW + timedelta(days=7),
    )
    session.add_all([message, meeting])
    session.flush()
    invitation = Invitation(meeting_id=meeting.id, guardian_id=guardian.id)
    session.add(invitation)
    session.flush()
    return _Family(pupil, guardian, intervention_id, message.id, invitation.id)


def _scope(
    session: Session,
    family: _Family,
    *,
    raised_by: int,
    safeguarding: bool,
    deadline_kind: str,
    narrative: str,
) -> dict[str, int]:
    """One concern and one deadline about the family's child; the ids of every kind."""
    pupil = family.pupil
    concern = Concern(
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        raised_by_id=raised_by,
        raised_at=NOW - timedelta(days=1),
        area="semh",
        narrative_text=narrative,
        safeguarding=safeguarding,
    )
    session.add(concern)
    session.flush()
    about_concern = deadline_kind.startswith("safeguarding.")
    subject_type = "concern" if about_concern else "pupil"
    subject_id = concern.id if about_concern else pupil.id
    # A pupil on SEN support already has their review deadlines, worked out as they joined.
    deadline = session.scalar(
        select(Deadline).where(
            Deadline.subject_type == subject_type,
            Deadline.subject_id == subject_id,
            Deadline.kind == deadline_kind,
        )
    ) or Deadline(
        school_id=pupil.school_id,
        pupil_id=pupil.id,
        kind=deadline_kind,
        subject_type=subject_type,
        subject_id=subject_id,
        due_on=NOW.date() + timedelta(days=3),
        owner_role="la" if about_concern else "senco",
        source="matrix",
        computed_at=NOW,
    )
    session.add(deadline)
    draft = ConcernDraft(
        school_id=pupil.school_id,
        reporter_id=raised_by,
        pupil_id=pupil.id,
        platform="console",
        started_at=NOW - timedelta(hours=2),
        updated_at=NOW - timedelta(hours=2),
        answers={"pupil": pupil.id, "narrative": narrative, "safeguarding": True},
        status="open",
    )
    session.add(draft)
    session.flush()
    return {
        "pupil": pupil.id,
        "concern": concern.id,
        "deadline": deadline.id,
        "guardian": family.guardian.id,
        "intervention": family.intervention_id,
        "message": family.message_id,
        "invitation": family.invitation_id,
        "draft": draft.id,
    }


def _adult_concern(
    session: Session, school_id: int, *, about: int, by: int, kind: str
) -> dict[str, int]:
    """A concern about an adult, and the adult as a report's subject."""
    row = AdultConcern(
        school_id=school_id,
        raised_by_id=by,
        raised_at=NOW - timedelta(days=1),
        kind=kind,
        threshold="harm" if kind == "allegation" else "low_level",
        subject_staff_id=about,
        subject_role="staff",
        narrative_text="Matrix words about an adult",
    )
    session.add(row)
    session.flush()
    return {"adult_concern": row.id, "staff": about}


def build_world(engine: Engine, school: SmallSchool) -> World:
    """The matrix's records, written on the small school (see the module docstring)."""
    with session_factory(engine)() as session, session.begin():
        staff = {key: session.get(Staff, school.staff[key]) for key in school.staff}
        staff["other_staff"] = Staff(
            school_id=school.school_id,
            external_id="S-lunch",
            first_name="Denise",
            last_name="Varley",
            email="other_staff@oakfield.example",
            roles=[StaffRole(role=Role.OTHER_STAFF.value)],
        )
        session.add(staff["other_staff"])
        session.flush()
        pupils = {key: session.get(Pupil, school.pupils[key]) for key in school.pupils}
        assert all(staff.values()) and all(pupils.values())
        amelia, amir, ruby, kacper, stone = (
            pupils[k] for k in ("amelia", "amir", "ruby", "kacper", "stone")
        )
        ruby.sen_status = "ehc_plan"
        session.add(
            GroupStaff(group_id=amelia.group_id, staff_id=staff["deputy"].id, role="teacher")
        )
        sid, far = school.school_id, school.other_school_id
        head, teacher4 = staff["head"].id, staff["teacher4"].id
        g = {
            "amelia": _guardian(session, sid, amelia.id, "amelia", pr=True, shared_by=None),
            "amir": _guardian(session, sid, amir.id, "amir", pr=False, shared_by=None),
            "ruby": _guardian(session, sid, ruby.id, "ruby", pr=False, shared_by=head),
            "kacper": _guardian(session, sid, kacper.id, "kacper", pr=True, shared_by=None),
            "stone": _guardian(session, far, stone.id, "stone", pr=True, shared_by=None),
        }
        session.flush()
        by_ta = _intervention(session, sid, staff["ta"].id, amelia.id)
        by_other = _intervention(session, sid, teacher4, kacper.id)
        far_one = _intervention(session, far, staff["other_senco"].id, stone.id)
        fam = {
            "amelia": _family(session, amelia, g["amelia"], by_ta),
            "amir": _family(session, amir, g["amir"], by_other),
            "ruby": _family(session, ruby, g["ruby"], by_other),
            "kacper": _family(session, kacper, g["kacper"], by_other),
            "stone": _family(session, stone, g["stone"], far_one),
        }
        narratives = {scope: f"Matrix words {n}: seen at lunch" for n, scope in enumerate(SCOPES)}
        narratives[FOREIGN] = "Matrix words far: seen at lunch"
        plan = {
            OWN_SEND: ("amelia", teacher4, False, "sen_support.parent_meeting"),
            OWN_PLAIN: ("amir", staff["teacher"].id, False, "reintegration.review"),
            OTHER_SEND: ("ruby", teacher4, False, "ehc.annual_review"),
            OWN_SAFEGUARDING: ("amelia", teacher4, True, "safeguarding.la_referral_response"),
            OTHER_SAFEGUARDING: ("kacper", teacher4, True, "safeguarding.la_referral_response"),
            FOREIGN: ("stone", staff["other_senco"].id, True, "safeguarding.la_referral_response"),
        }
        subjects = {
            scope: _scope(
                session,
                fam[child],
                raised_by=raised_by,
                safeguarding=flagged,
                deadline_kind=kind,
                narrative=narratives[scope],
            )
            for scope, (child, raised_by, flagged, kind) in plan.items()
        }
        chair = Staff(
            school_id=sid,
            external_id="S-chair",
            first_name="Ruth",
            last_name="Adeyemi",
            email="chair@oakfield.example",
            roles=[StaffRole(role="chair_of_governors")],
        )
        session.add(chair)
        session.flush()
        staff["chair"] = chair
        ids = {key: person.id for key, person in staff.items()}
        adults = {
            OWN_SEND: (sid, ids["teacher"], ids["ta"], "allegation"),
            OWN_PLAIN: (sid, ids["ta"], ids["teacher"], "low_level"),
            OTHER_SEND: (sid, ids["head"], ids["deputy"], "allegation"),
            OWN_SAFEGUARDING: (sid, ids["dsl"], ids["teacher"], "allegation"),
            OTHER_SAFEGUARDING: (sid, ids["head"], ids["senco"], "low_level"),
            FOREIGN: (far, ids["other_senco"], ids["other_senco"], "allegation"),
        }
        for scope, (in_school, about, by, kind) in adults.items():
            subjects[scope] |= _adult_concern(session, in_school, about=about, by=by, kind=kind)
        actors: dict[str, policy.Actor] = {r: actor_for_staff(staff[r]) for r in STAFF_ROLES}
        guardians = {"parent": g["amelia"], "parent_no_pr": g["amir"], "parent_shared": g["ruby"]}
        for role, guardian in guardians.items():
            actors[role] = policy.GuardianActor(guardian.id, sid)
        return World(
            actors=actors,
            subjects=subjects,
            narratives=narratives,
            pupil_names={scope: fam[plan[scope][0]].pupil.display_name for scope in plan},
            staff_ids={key: person.id for key, person in staff.items()},
            guardian_ids={role: guardian.id for role, guardian in guardians.items()},
        )
