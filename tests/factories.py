"""A small school built directly in the store, for tests that need people and pupils."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from sendbot.store.models import GroupStaff, Pupil, School, Staff, StaffRole, TeachingGroup

NOW = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)


@dataclass
class SmallSchool:
    school_id: int
    other_school_id: int
    staff: dict[str, int]
    pupils: dict[str, int]


def _staff(
    session: Session, school: School, key: str, first: str, last: str, roles: list[str]
) -> Staff:
    person = Staff(
        school_id=school.id,
        external_id=f"S-{key}",
        first_name=first,
        last_name=last,
        email=f"{key}@oakfield.example",
        roles=[StaffRole(role=r) for r in roles],
    )
    session.add(person)
    session.flush()
    return person


def _pupil(
    session: Session, school: School, group: TeachingGroup, first: str, last: str, **extra
) -> Pupil:
    pupil = Pupil(
        school_id=school.id,
        external_id=f"P-{first}-{last}",
        first_name=first,
        last_name=last,
        date_of_birth=date(2018, 3, 14),
        year_group=group.year_group or 0,
        group_id=group.id,
        **extra,
    )
    session.add(pupil)
    session.flush()
    return pupil


def build_small_school(sessions: sessionmaker[Session]) -> SmallSchool:
    """Two classes; a teacher and a TA in 3B; the SENCO, DSL, deputy, head and admin.

    3B: Amelia Khan, Amir Khan, Zoë Nowak.  4R: Kacper Wiśniewski, Ruby Khan.
    Another school has a pupil called Amelia Stone, whom nobody here may ever find.
    """
    with sessions() as session, session.begin():
        school = School(name="Oakfield Primary School", urn="900001")
        other = School(name="Elm Grove Primary School", urn="900002")
        session.add_all([school, other])
        session.flush()
        b3 = TeachingGroup(school_id=school.id, code="3B", name="3B", year_group=3)
        r4 = TeachingGroup(school_id=school.id, code="4R", name="4R", year_group=4)
        elsewhere = TeachingGroup(school_id=other.id, code="3S", name="3S", year_group=3)
        session.add_all([b3, r4, elsewhere])
        session.flush()
        staff = {
            "teacher": _staff(session, school, "teacher", "Hannah", "Price", ["teacher"]),
            "ta": _staff(session, school, "ta", "Bilal", "Ahmed", ["ta"]),
            "teacher4": _staff(session, school, "teacher4", "Owen", "Hughes", ["teacher"]),
            "senco": _staff(session, school, "senco", "Grace", "Okafor", ["teacher", "senco"]),
            "dsl": _staff(session, school, "dsl", "Martin", "Shaw", ["dsl"]),
            "deputy": _staff(
                session, school, "deputy", "Priya", "Patel", ["deputy_dsl", "teacher"]
            ),
            "head": _staff(session, school, "head", "Joanne", "Fletcher", ["headteacher"]),
            "admin": _staff(session, school, "admin", "Carol", "Dean", ["admin"]),
            "other_senco": _staff(session, other, "othersenco", "Lena", "Berg", ["senco"]),
        }
        session.add_all(
            [
                GroupStaff(group_id=b3.id, staff_id=staff["teacher"].id, role="teacher"),
                GroupStaff(group_id=b3.id, staff_id=staff["ta"].id, role="ta"),
                GroupStaff(group_id=r4.id, staff_id=staff["teacher4"].id, role="teacher"),
            ]
        )
        pupils = {
            "amelia": _pupil(session, school, b3, "Amelia", "Khan", sen_status="sen_support"),
            "amir": _pupil(session, school, b3, "Amir", "Khan"),
            "zoe": _pupil(session, school, b3, "Zoë", "Nowak"),
            "kacper": _pupil(
                session, school, r4, "Kacper", "Wiśniewski", eal=True, first_language="pl"
            ),
            "ruby": _pupil(session, school, r4, "Ruby", "Khan"),
            "stone": _pupil(session, other, elsewhere, "Amelia", "Stone"),
        }
        return SmallSchool(
            school_id=school.id,
            other_school_id=other.id,
            staff={k: v.id for k, v in staff.items()},
            pupils={k: v.id for k, v in pupils.items()},
        )
