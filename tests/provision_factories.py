"""A phonics group of six, plans and targets, and term dates, on top of the small school.

Phonics catch-up (delivered by the TA in 3B): Amelia, Amir, Zoë, Leo, Maya, Oscar.
Amelia has two targets linked to it, Zoë one; Leo has a target no intervention works on.
Lego club (delivered by the 4R teacher): Kacper and Ruby.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from sendbot.domain.calendar import Term
from sendbot.services import plans, provision, terms
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Pupil, TeachingGroup
from tests.factories import NOW, SmallSchool

TODAY = date(2026, 11, 24)  # a Tuesday
AUTUMN = Term(
    "2026-autumn", date(2026, 9, 3), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)
)
SPRING = Term(
    "2027-spring", date(2027, 1, 5), date(2027, 3, 26), date(2027, 2, 15), date(2027, 2, 19)
)


@dataclass
class Provision:
    phonics: int
    lego: int
    targets: dict[str, int]


def _pupil(session: Session, school: SmallSchool, first: str, last: str, status: str) -> int:
    group = session.query(TeachingGroup).filter_by(school_id=school.school_id, code="3B").one()
    pupil = Pupil(
        school_id=school.school_id,
        external_id=f"P-{first}-{last}",
        first_name=first,
        last_name=last,
        date_of_birth=date(2018, 5, 1),
        year_group=3,
        group_id=group.id,
        sen_status=status,
    )
    session.add(pupil)
    session.flush()
    return pupil.id


def build_provision(sessions: sessionmaker[Session], school: SmallSchool) -> Provision:
    with sessions() as session, session.begin():
        terms.save_terms(session, school.school_id, [AUTUMN, SPRING])
        school.pupils["leo"] = _pupil(session, school, "Leo", "Grant", "none")
        school.pupils["maya"] = _pupil(session, school, "Maya", "Singh", "none")
        school.pupils["oscar"] = _pupil(session, school, "Oscar", "Reid", "none")
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        p = school.pupils
        phonics = provision.create_intervention(
            session,
            senco,
            provision.NewIntervention(
                name="Phonics catch-up",
                area="cognition_learning",
                delivered_by_id=school.staff["ta"],
                pupil_ids=[p[k] for k in ("amelia", "amir", "zoe", "leo", "maya", "oscar")],
                sessions_per_week=3,
                minutes=30,
                starts_on=date(2026, 11, 2),
                planned_weeks=6,
                review_after_weeks=6,
            ),
            NOW,
        )
        lego = provision.create_intervention(
            session,
            senco,
            provision.NewIntervention(
                name="Lego club",
                area="communication_interaction",
                delivered_by_id=school.staff["teacher4"],
                pupil_ids=[p["kacper"], p["ruby"]],
                sessions_per_week=1,
                minutes=45,
                starts_on=date(2026, 11, 2),
                planned_weeks=10,
                review_after_weeks=None,
            ),
            NOW,
        )
        plans.save_plan(session, senco, p["amelia"], "sen_support", date(2026, 12, 4), NOW, TODAY)
        plans.save_plan(session, senco, p["zoe"], "monitoring", date(2026, 12, 18), NOW, TODAY)
        plans.save_plan(session, senco, p["leo"], "sen_support", date(2026, 12, 18), NOW, TODAY)

        def target(pupil: str, staff: str, parent: str, linked: list[int], due: date | None) -> int:
            return plans.add_target(
                session,
                senco,
                plans.NewTarget(
                    pupil_id=p[pupil],
                    staff_wording=staff,
                    parent_wording=parent,
                    area="cognition_learning",
                    due_on=due,
                    success_criteria="4 out of 5 times",
                    baseline="1 out of 5 times",
                    intervention_ids=linked,
                ),
                NOW,
                TODAY,
            )

        targets = {
            "blend": target(
                "amelia", "Blend CVC words", "Amelia will blend sounds to read short words.",
                [phonics], date(2026, 12, 4),
            ),
            "sight": target(
                "amelia", "Read 20 HFWs on sight", "Amelia will read 20 common words.",
                [phonics], None,
            ),
            "zoe": target(
                "zoe", "Segment CVC words", "Zoë will split short words into sounds.",
                [phonics], None,
            ),
            "leo": target(
                "leo", "Use a number line to 20", "Leo will count on using a number line.",
                [], date(2027, 1, 20),
            ),
        }  # fmt: skip
        return Provision(phonics, lego, targets)
