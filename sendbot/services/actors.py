"""Who is acting: resolved once per turn from a platform identity, then passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sendbot.domain.people import Role
from sendbot.store.models import School, Staff


@dataclass(frozen=True)
class StaffActor:
    staff_id: int
    school_id: int
    name: str
    roles: frozenset[Role]

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


def actor_for_staff(staff: Staff) -> StaffActor:
    return StaffActor(
        staff_id=staff.id,
        school_id=staff.school_id,
        name=staff.display_name,
        roles=frozenset(Role(r) for r in staff.role_names),
    )


def staff_actor_by_email(
    session: Session, email: str, school_urn: str | None = None
) -> StaffActor | None:
    """An active staff member by email (case-insensitive), optionally within one school."""
    query = select(Staff).where(func.lower(Staff.email) == email.strip().lower(), Staff.active)
    if school_urn is not None:
        query = query.join(School, School.id == Staff.school_id).where(School.urn == school_urn)
    found = session.scalars(query).all()
    if len(found) != 1:
        return None
    return actor_for_staff(found[0])


def staff_actor_by_id(session: Session, staff_id: int) -> StaffActor | None:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        return None
    return actor_for_staff(staff)
