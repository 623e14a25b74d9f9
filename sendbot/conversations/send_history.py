"""A pupil's SEND history in order: levels, plans, targets and reviews (assess, plan, do,
review, cycle after cycle). Answers at once. State diagram: docs/flows/move_level.md.
"""

from __future__ import annotations

from sendbot.conversations.common import may_manage
from sendbot.conversations.fields import Answers, PupilField
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.domain.people import SenStatus
from sendbot.services import plans, pupils, school_policy
from sendbot.services.policy import Action


def _submit(turn: Turn, answers: Answers) -> str:
    pupil_id = int(answers["pupil"])
    lines = plans.history(turn.session, turn.actor, pupil_id, turn.now)
    pupil = pupils.get_visible(turn.session, turn.actor, pupil_id, Action.READ_SEND_RECORD)
    name = pupil.name
    if not lines and pupil.sen_status != SenStatus.NONE:
        # Imported at a level, with nothing recorded since: the level is still history.
        level = school_policy.load(turn.session, turn.actor.school_id).level_name(pupil.sen_status)
        return (
            f"{name} is on {level}, as the school's records say. "
            "Nothing else has been recorded in sendbot yet."
        )
    if not lines:
        return f"{name} has no SEND history yet."
    out = [f"{name}'s SEND history:"]
    out += [f"- {line.on.strftime('%-d %b %Y')}: {line.text}" for line in lines]
    return "\n".join(out)


SEND_HISTORY = Flow(
    name="send_history",
    title="SEND history",
    triggers=("history", "send history", "pupil history"),
    describe="a pupil's levels, plans, targets and reviews in order",
    may_start=may_manage,
    read_only=True,
    submit=_submit,
    outcome="one line per step, oldest first, with who recorded it",
    fields=(
        PupilField(
            name="pupil",
            label="Pupil",
            question="Whose history? Type part of their first name or surname.",
            action=Action.READ_SEND_RECORD.value,
        ),
    ),
)
