"""Who can read a safeguarding concern: the answer docs/data-protection.md gives, proved.

If the rule changes in sendbot/services/safeguarding.py or policy.py, this test and the
paragraph in docs/data-protection.md change together.
"""

from __future__ import annotations

from sqlalchemy import select

from sendbot.domain.needs import Area
from sendbot.services import records
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.concerns import NewConcern, log_concern
from sendbot.services.safeguarding import view_details
from sendbot.store.models import AuditEvent, Outbox
from tests.factories import NOW, build_small_school

STORY = "Said someone at home hurts her when she is late back"


def test_who_can_read_a_safeguarding_concern(sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        ta = staff_actor_by_id(session, school.staff["ta"])
        assert ta is not None
        with_send = log_concern(  # Amelia is on SEN support
            session, ta, NewConcern(school.pupils["amelia"], Area.SEMH, STORY, True), NOW
        ).concern_id
        without_send = log_concern(  # Amir has no SEND
            session, ta, NewConcern(school.pupils["amir"], Area.SEMH, STORY, True), NOW
        ).concern_id

    readers: dict[str, set[int]] = {}
    for who, staff_id in school.staff.items():
        with sessions() as session, session.begin():
            actor = staff_actor_by_id(session, staff_id)
            assert actor is not None
            readers[who] = {
                concern_id
                for concern_id in (with_send, without_send)
                if view_details(session, actor, concern_id, NOW).allowed
            }

    assert readers == {
        "dsl": {with_send, without_send},  # the designated safeguarding lead
        "deputy": {with_send, without_send},  # and every deputy
        "senco": {with_send},  # the SENCO, only where the pupil has SEND
        "teacher": set(),
        "ta": set(),  # not even the person who logged it
        "teacher4": set(),
        "head": set(),  # the headteacher only if they also hold a DSL role
        "admin": set(),
        "other_senco": set(),  # nobody from another school, ever
    }

    with sessions() as session:
        views = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("concern.view%"))
        ).all()
        assert len(views) == 2 * len(school.staff)  # every look and every refusal recorded
        assert {(e.actor_id, e.action) for e in views if e.object_id == with_send} >= {
            (school.staff["dsl"], "concern.view"),
            (school.staff["head"], "concern.view_refused"),
        }
        alerts = session.scalars(select(Outbox)).all()
        assert alerts and all(STORY not in str(a.params) for a in alerts)

        head = staff_actor_by_id(session, school.staff["head"])
        assert head is not None
        exported = records.gather(session, head, school.pupils["amelia"], purpose="other")
        assert exported["concerns"] == [] and exported["safeguarding_concerns_left_out"] == 1
