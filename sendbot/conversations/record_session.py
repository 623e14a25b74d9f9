"""Record an intervention session: which, when, how long, who was absent and why, how each
present pupil did on their targets, a note, confirm. Built for a minute between lessons:
'ok' takes today and the usual minutes, 'none' means everyone was there.

State diagram: docs/flows/record_session.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import (
    DATE_EXAMPLES,
    delivers_intervention,
    long_date,
    may_teach,
    ref,
    ref_id,
    summary,
)
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    Each,
    Item,
    LookupField,
    MultiChoiceField,
    NumberField,
    Option,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.services import provision

SKIP = "skip"
REASONS = tuple(Option(k, v) for k, v in provision.ABSENCE_REASONS.items())
RATINGS = tuple(Option(k, v) for k, v in provision.RATINGS.items()) + (Option(SKIP, "Skip"),)


def _suggest(turn: Turn, answers: Answers) -> list[Option]:
    return [Option(str(i.id), i.name) for i in provision.my_interventions(turn.session, turn.actor)]


def _search(turn: Turn, query: str) -> list[Option]:
    return [Option(str(i.id), i.label) for i in provision.search(turn.session, turn.actor, query)]


def _name(turn: Turn, intervention_id: int) -> str:
    return provision.get(turn.session, turn.actor, intervention_id).name


def _which_question(turn: Turn, answers: Answers) -> str:
    if provision.my_interventions(turn.session, turn.actor):
        return "Which intervention? Choose one of yours, or type part of its name."
    return "Which intervention? Type part of its name."


def _usual_minutes(turn: Turn, answers: Answers) -> str:
    return str(provision.get(turn.session, turn.actor, int(answers["intervention"])).minutes)


def _minutes_question(turn: Turn, answers: Answers) -> str:
    return f"How many minutes did it last? Type 'ok' for the usual {_usual_minutes(turn, answers)}, or a number."


def _group(turn: Turn, answers: Answers) -> list[Option]:
    held_on = date.fromisoformat(answers["held_on"])
    found = provision.enrolled(turn.session, turn.actor, int(answers["intervention"]), held_on)
    return [Option(ref("pupil", p.id), p.name) for p in found]


def _someone_enrolled(turn: Turn, value: object) -> str | None:
    if _group(turn, {**turn.answers, "held_on": str(value)}):
        return None
    name = _name(turn, int(turn.answers["intervention"]))
    return f"Nobody was in {name} on that day. Please check the date."


def _absent_items(turn: Turn, answers: Answers) -> list[Item]:
    names = {o.value: o.label for o in _group(turn, answers)}
    return [Item(v, names[v]) for v in answers["absent"] if v in names]


def _rating_items(turn: Turn, answers: Answers) -> list[Item]:
    present = [ref_id(o.value) for o in _group(turn, answers) if o.value not in answers["absent"]]
    targets = provision.linked_targets(
        turn.session, turn.actor, int(answers["intervention"]), present
    )
    return [Item(str(t.id), f"{t.pupil_name}: {t.wording}") for t in targets]


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(RECORD_SESSION, turn, answers, "Please check the session:")


def _submit(turn: Turn, answers: Answers) -> str:
    absences = {ref_id(k): v for k, v in ABSENCE.values(answers).items()}
    ratings = {int(k): v for k, v in RATING.values(answers).items() if v != SKIP}
    held_on = date.fromisoformat(answers["held_on"])
    receipt = provision.record_session(
        turn.session,
        turn.actor,
        provision.NewSession(
            intervention_id=int(answers["intervention"]),
            held_on=held_on,
            minutes=int(answers["minutes"]),
            absences=absences,
            ratings=ratings,
            note=answers.get("note"),
        ),
        turn.now,
        turn.today,
    )
    name = _name(turn, int(answers["intervention"]))
    rated = "1 target rating" if receipt.ratings == 1 else f"{receipt.ratings} target ratings"
    return (
        f"Saved: {name} on {long_date(held_on)}, {receipt.present} present, "
        f"{receipt.absent} absent, {rated}. Thank you."
    )


ABSENCE = Each(
    name="reason",
    needs=("absent",),
    items=_absent_items,
    template=ChoiceField(
        name="reason",
        label="{item} absent",
        question="Why was {item} absent?",
        choices=REASONS,
    ),
)

RATING = Each(
    name="rating",
    needs=("absent",),
    items=_rating_items,
    template=ChoiceField(
        name="rating",
        label="{item}",
        question="{item}\nHow did it go today?",
        choices=RATINGS,
        help="Rate today's session only. 'Skip' leaves this target without a rating.",
    ),
)

RECORD_SESSION = Flow(
    name="record_session",
    title="Record a session",
    triggers=("session", "record session", "record a session", "log session", "intervention"),
    intro="Let's record an intervention session. Type 'back' to change an answer or 'cancel' to stop.",
    describe="who came to an intervention and how they did on their targets",
    may_start=may_teach,
    offered=delivers_intervention,
    submit=_submit,
    outcome="session + attendance for every enrolled pupil + ratings + one audit event per pupil",
    fields=(
        LookupField(
            name="intervention",
            label="Intervention",
            question="Which intervention? Choose one of yours, or type part of its name.",
            question_for=_which_question,
            suggest=_suggest,
            search=_search,
            label_of=_name,
            not_found=(
                "I couldn't find an intervention called '{query}' among those you can record. "
                "Try another part of its name."
            ),
        ),
        DateField(
            name="held_on",
            label="Date",
            question=f"Which day was the session? Type 'today', or {DATE_EXAMPLES}.",
            default=lambda turn, answers: "today",
            quick=(Option("today", "Today"), Option("yesterday", "Yesterday")),
            not_future=True,
            max_days_back=provision.MAX_DAYS_BACK,
            check=_someone_enrolled,
            too_far_back=(
                f"Sessions can be recorded up to {provision.MAX_DAYS_BACK} days back. "
                "For an older session, please ask the SENCO."
            ),
        ),
        NumberField(
            name="minutes",
            label="Minutes",
            question="How many minutes did it last?",
            question_for=_minutes_question,
            default=_usual_minutes,
            minimum=1,
            maximum=provision.MAX_MINUTES,
            unit="minutes",
            needs=("intervention",),
        ),
        MultiChoiceField(
            name="absent",
            label="Absent",
            question=(
                "Who was absent? Type their numbers, like 2, 5. Type 'none' if everyone was there."
            ),
            source=_group,
            none_label="Everyone was here",
            default=lambda turn, answers: "none",
            needs=("intervention", "held_on"),
        ),
        ABSENCE,
        RATING,
        TextField(
            name="note",
            label="Note",
            question="Anything to note about the session? Up to 1,000 characters, or 'skip'.",
            max_length=provision.NOTE_LIMIT,
            optional=True,
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Save this session?",
            summary=_summary,
        ),
    ),
)
