"""Who is told a concern exists, and who may look at a pupil's concerns together: the
policy decides, so a SENCO who is not a safeguarding lead hears of no safeguarding concern
and cannot list the concerns of a pupil without SEND, even with a forged button.

Amelia (3B) is on SEN support; Amir (3B) has no SEND. The SENCO of the small school is
not a DSL or deputy.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.delivery import keys
from sendbot.domain.needs import Area
from sendbot.services import action_ids, concerns, escalation, staff_buttons
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, Outbox
from tests.factories import NOW, SmallSchool

Sessions = sessionmaker[Session]


def log(sessions: Sessions, school: SmallSchool, pupil: str, safeguarding: bool, n: int = 0) -> int:
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        new = concerns.NewConcern(
            school.pupils[pupil], Area.SEMH, f"Seen upset at lunch ({n}).", safeguarding
        )
        return concerns.log_concern(session, teacher, new, NOW + timedelta(hours=n)).concern_id


def told(sessions: Sessions) -> set[tuple[int, str, int]]:
    """(recipient, template, concern) of every alert in the outbox."""
    with sessions() as session:
        return {
            (row.recipient_staff_id, row.template, int(row.params["concern_id"]))
            for row in session.scalars(select(Outbox))
            if row.recipient_staff_id is not None
        }


def test_a_senco_who_is_not_a_lead_is_told_of_no_safeguarding_concern(
    sessions: Sessions, school: SmallSchool
) -> None:
    staff = school.staff
    about_amelia = log(sessions, school, "amelia", safeguarding=True)
    about_amir = log(sessions, school, "amir", safeguarding=True, n=1)
    not_safeguarding = log(sessions, school, "amir", safeguarding=False, n=2)
    assert told(sessions) == {
        (staff["dsl"], keys.SAFEGUARDING_ALERT, about_amelia),
        (staff["deputy"], keys.SAFEGUARDING_ALERT, about_amelia),
        (staff["dsl"], keys.SAFEGUARDING_ALERT, about_amir),
        (staff["deputy"], keys.SAFEGUARDING_ALERT, about_amir),
        (staff["senco"], keys.CONCERN_NEW, not_safeguarding),
    }


def tap_together(sessions: Sessions, school: SmallSchool, who: str, pupil: str):  # type: ignore[no-untyped-def]
    """A "Look at them together" button for this pupil, as a forged tap would carry it."""
    with sessions() as session, session.begin():
        actor = staff_actor_by_id(session, school.staff[who])
        assert actor is not None
        button = action_ids.seal(session, action_ids.REVIEW_PUPIL, school.pupils[pupil])
        return staff_buttons.tap(session, actor, button, NOW)


def test_a_forged_look_at_them_together_button_lists_nothing_to_the_senco_for_a_pupil_without_send(
    sessions: Sessions, school: SmallSchool
) -> None:
    for n in range(3):
        log(sessions, school, "amir", safeguarding=n == 0, n=n)
        log(sessions, school, "amelia", safeguarding=n == 0, n=n)

    forged = tap_together(sessions, school, "senco", "amir")
    assert forged is not None and not forged.done
    assert forged.text == (
        "Only the DSL and the deputies (and the SENCO, for a pupil with SEND) can look at "
        "these together."
    )
    assert "Amir" not in forged.text and "#" not in forged.text
    with sessions() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "button.refused")
        ).one()
        assert (refused.actor_id, refused.pupil_id) == (
            school.staff["senco"],
            school.pupils["amir"],
        )

    # Amelia has SEND: the SENCO looks at hers with the DSL, as the prompt asks.
    hers = tap_together(sessions, school, "senco", "amelia")
    assert hers is not None and hers.done
    assert hers.text.startswith("Recent concerns about Amelia Khan (Year 3), newest first:")
    assert hers.text.count(", safeguarding") == 1
    # The DSL looks at anyone's.
    dsl = tap_together(sessions, school, "dsl", "amir")
    assert dsl is not None and dsl.done and "Amir Khan" in dsl.text


def test_the_cumulative_prompt_goes_to_the_senco_only_for_a_pupil_with_send(
    sessions: Sessions, school: SmallSchool
) -> None:
    for n in range(3):
        log(sessions, school, "amir", safeguarding=n == 0, n=n)
        log(sessions, school, "amelia", safeguarding=False, n=n)
    with sessions() as session, session.begin():
        assert escalation.check_cumulative(session, NOW + timedelta(hours=4)) == 3
    with sessions() as session:
        prompted = {
            (row.recipient_staff_id, int(row.params["pupil_id"]))
            for row in session.scalars(
                select(Outbox).where(Outbox.template == keys.SAFEGUARDING_CUMULATIVE)
            )
        }
    assert prompted == {
        (school.staff["dsl"], school.pupils["amir"]),
        (school.staff["dsl"], school.pupils["amelia"]),
        (school.staff["senco"], school.pupils["amelia"]),
    }
