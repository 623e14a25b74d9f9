"""Record that the LADO (local authority designated officer) was consulted about a concern
or allegation about an adult: which one, on what day, and what was agreed. The case manager
only (the headteacher; the chair of governors for one about the headteacher); it meets the
one-working-day deadline and stops its prompts.

State diagram: docs/flows/lado_consultation.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import ref, ref_id, summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    Option,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.read_adult_concerns import label
from sendbot.conversations.turn import Turn
from sendbot.domain.people import Role
from sendbot.services import adult_concerns

NOTHING_OPEN = "There is no concern about an adult waiting for you to record a LADO consultation."


def _choices(turn: Turn, answers: Answers) -> list[Option]:
    if "lado_open" not in turn.memo:
        turn.memo["lado_open"] = adult_concerns.listing(
            turn.session, turn.actor, turn.now, lado_open_only=True
        )
    return [Option(ref("adult", i.concern_id), label(turn, i)) for i in turn.memo["lado_open"]]


def _question(turn: Turn, answers: Answers) -> str:
    if not _choices(turn, answers):
        return NOTHING_OPEN + " Type 'cancel' to stop."
    return "Which one? Type its number in this list."


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(LADO_CONSULTATION, turn, answers, "Please check:")


def _submit(turn: Turn, answers: Answers) -> str:
    row = adult_concerns.record_lado_consultation(
        turn.session,
        turn.actor,
        ref_id(answers["concern"]),
        date.fromisoformat(answers["consulted_on"]),
        answers["outcome"],
        turn.now,
    )
    return (
        f"Recorded: the LADO was consulted on {row.lado_consulted_on:%a %-d %b} about "
        f"#{row.id}. The reminders have stopped."
    )


LADO_CONSULTATION = Flow(
    name="lado_consultation",
    title="Record LADO consultation",
    triggers=("lado", "lado consulted", "record lado", "lado consultation"),
    intro="Let's record your consultation with the LADO. Type 'back' or 'cancel' at any time.",
    describe=(
        "record that you consulted the LADO about a concern about an adult (the headteacher "
        "or the chair of governors)"
    ),
    may_start=lambda actor: actor.has(Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS),
    submit=_submit,
    outcome="LADO consultation on the record (outcome encrypted), deadline met, prompts stop, audited",
    fields=(
        ChoiceField(
            name="concern",
            label="Concern",
            question="Which one? Type its number in this list.",
            question_for=_question,
            source=_choices,
            not_an_option="Please choose one of those listed: type its number.",
        ),
        DateField(
            name="consulted_on",
            label="Consulted on",
            question="When did you consult the LADO? Type 'today', 'yesterday' or a date.",
            quick=(Option("today", "Today"), Option("yesterday", "Yesterday")),
            not_future=True,
        ),
        TextField(
            name="outcome",
            label="Outcome",
            question=(
                "What was agreed with the LADO? For example: no further action, the school "
                "to look into it, a strategy discussion, referral to the police "
                "(up to 1,000 characters)."
            ),
            max_length=adult_concerns.OUTCOME_LIMIT,
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Save this?",
            summary=_summary,
        ),
    ),
)
