"""Set up an intervention: name, area of need, who delivers it, pupils, sessions a week,
minutes, start date, planned weeks, review after N weeks.

State diagram: docs/flows/setup_intervention.md.
"""

from __future__ import annotations

from datetime import date, timedelta

from sendbot.conversations.common import AREA_OPTIONS, long_date, may_manage, plural, summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    LookupField,
    NumberField,
    Option,
    PupilsField,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import MANAGE
from sendbot.conversations.turn import Turn
from sendbot.services import provision


def _staff(turn: Turn, query: str) -> list[Option]:
    return [
        Option(str(i), name)
        for i, name in provision.staff_who_may_deliver(turn.session, turn.actor, query)
    ]


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(SETUP_INTERVENTION, turn, answers, "Please check the intervention:")


def _submit(turn: Turn, answers: Answers) -> str:
    starts_on = date.fromisoformat(answers["starts_on"])
    review_after = answers.get("review_after")
    provision.create_intervention(
        turn.session,
        turn.actor,
        provision.NewIntervention(
            name=answers["name"],
            area=answers["area"],
            delivered_by_id=int(answers["delivered_by"]),
            pupil_ids=[int(p) for p in answers["pupils"]],
            sessions_per_week=int(answers["per_week"]),
            minutes=int(answers["minutes"]),
            starts_on=starts_on,
            planned_weeks=int(answers["weeks"]),
            review_after_weeks=int(review_after) if review_after else None,
        ),
        turn.now,
    )
    text = f"Set up {answers['name']} with {plural(len(answers['pupils']), 'pupil')}."
    if review_after:
        text += f" Review due {long_date(starts_on + timedelta(weeks=int(review_after)))}."
    return text


SETUP_INTERVENTION = Flow(
    name="setup_intervention",
    title="Set up an intervention",
    triggers=("new intervention", "set up intervention", "set up an intervention"),
    intro="Let's set up an intervention. Type 'back' to change an answer or 'cancel' to stop.",
    describe="name it, say who delivers it and who takes part",
    may_start=may_manage,
    submit=_submit,
    outcome="intervention + enrolments + audit events",
    fields=(
        TextField(
            name="name",
            label="Name",
            question="What is the intervention called? Up to 200 characters.",
            max_length=provision.NAME_LIMIT,
        ),
        ChoiceField(
            name="area", label="Area of need", question="Which area of need?", choices=AREA_OPTIONS
        ),
        LookupField(
            name="delivered_by",
            label="Delivered by",
            question="Who delivers it? Type part of their name.",
            search=_staff,
            label_of=lambda turn, staff_id: provision.staff_name(
                turn.session, turn.actor, staff_id
            ),
            not_found="No teacher, TA or SENCO here is called '{query}'. Try part of their name.",
        ),
        PupilsField(
            name="pupils",
            label="Pupils",
            question="Which pupils take part? Type their names separated by commas.",
            action=MANAGE,
        ),
        NumberField(
            name="per_week",
            label="Sessions a week",
            question="How many sessions a week? Type 'ok' for 1, or a number.",
            default=lambda turn, answers: "1",
            minimum=1,
            maximum=10,
        ),
        NumberField(
            name="minutes",
            label="Minutes",
            question="How many minutes is each session? Type 'ok' for 30, or a number.",
            default=lambda turn, answers: "30",
            minimum=1,
            maximum=provision.MAX_MINUTES,
            unit="minutes",
        ),
        DateField(
            name="starts_on",
            label="Starts",
            question="When does it start? Type 'ok' for today, or a date like '30/11'.",
            default=lambda turn, answers: "today",
            direction="future",
            max_days_back=60,
            max_days_ahead=366,
        ),
        NumberField(
            name="weeks",
            label="Planned weeks",
            question="How many weeks will it run? Type 'ok' for 6, or a number.",
            default=lambda turn, answers: "6",
            minimum=1,
            maximum=52,
            unit="weeks",
        ),
        NumberField(
            name="review_after",
            label="Review after",
            question=(
                "Review it after how many weeks? Type 'ok' for the end of the planned weeks, "
                "a number, or 'skip' for no review."
            ),
            default=lambda turn, answers: str(answers["weeks"]),
            optional=True,
            minimum=1,
            maximum=52,
            unit="weeks",
            needs=("weeks",),
        ),
        ConfirmField(
            name="confirm", label="Confirm", question="Set up this intervention?", summary=_summary
        ),
    ),
)
