"""Check a pupil's targets: plan, each active target in parent-friendly words with its
latest ratings, the next review and the interventions this term. Answers at once.

State diagram: docs/flows/check_targets.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import days_away, has_send_work, long_date, may_teach, short_date
from sendbot.conversations.fields import Answers, PupilField
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.services import plans, provision
from sendbot.services.policy import Action


def render(record: plans.PupilRecord, today: date) -> str:
    lines = [f"{record.pupil.label}: {record.level_name}."]
    if record.plan is None:
        lines.append("No support plan.")
    else:
        review = record.plan.next_review_on
        when = f"{long_date(review)} ({days_away(review, today)})" if review else "not set"
        lines.append(f"{record.plan.name}. Next review: {when}.")
    if record.targets:
        lines.append("")
        lines.append("Targets:")
        for number, target in enumerate(record.targets, start=1):
            lines.append(
                f"{number}. {target.parent_wording} ({plans.STATUS_LABELS[target.status]})"
            )
            if target.ratings:
                ratings = ", ".join(
                    f"{provision.RATINGS[r]} ({short_date(d)})" for d, r in target.ratings
                )
                lines.append(f"   Last ratings: {ratings}.")
            else:
                lines.append("   No ratings yet.")
            if target.last_session_on:
                lines.append(f"   Last session: {short_date(target.last_session_on)}.")
    elif record.plan is not None:
        lines.append("No active targets.")
    lines.append("")
    if record.interventions:
        lines.append("Interventions this term: " + ", ".join(record.interventions) + ".")
    else:
        lines.append("No interventions this term.")
    return "\n".join(lines)


def _submit(turn: Turn, answers: Answers) -> str:
    record = plans.pupil_record(
        turn.session, turn.actor, int(answers["pupil"]), turn.now, turn.today
    )
    return render(record, turn.today)


CHECK_TARGETS = Flow(
    name="check_targets",
    title="Check targets",
    triggers=("targets", "check targets", "check a pupil's targets"),
    describe="a pupil's plan, targets, latest ratings and next review",
    may_start=may_teach,
    offered=has_send_work,
    read_only=True,
    submit=_submit,
    outcome="level and plan, next review, each active target in parents' words with its last ratings, interventions this term",
    fields=(
        PupilField(
            name="pupil",
            label="Pupil",
            question="Whose targets? Type part of their first name or surname.",
            help="You can find the pupils you teach or support.",
            action=Action.READ_SEND_RECORD.value,
        ),
    ),
)
