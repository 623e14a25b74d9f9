"""Log a concern: pupil, what happened (and the child's own words), when and where, who
raised it, area, safeguarding triage with KCSIE's category, what the reporter did and who
else they told, confirm. The optional questions take 'skip', so a report on a phone still
takes under a minute.

Nothing waits for Save. From the moment the reporter says the concern could mean a child
is at risk, every answer is written to an unfinished report the DSL and deputies can see
(`services.concern_drafts`); "yes" to immediate danger alerts them at that answer, once;
an unfinished report is kept past the chat's usual expiry and carried on when the
reporter comes back.

State diagram: docs/flows/log_concern.md.
"""

from __future__ import annotations

from datetime import datetime, time

from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    Option,
    PupilField,
    TextField,
    WhenField,
    YesNoField,
    when_answer,
)
from sendbot.conversations.flow import Flow, Progress
from sendbot.conversations.turn import Turn
from sendbot.domain.needs import Area
from sendbot.domain.safeguarding import Category
from sendbot.services import concern_drafts, concern_record, concerns
from sendbot.services.policy import Action

DANGER_FIRST = (
    "Call 999 now. A child in immediate danger comes first: do that before anything else."
)
CALL_999 = (
    f"{DANGER_FIRST} "
    "Then tell the designated safeguarding lead (DSL) in person, and finish this record "
    "as soon as the child is safe."
)

NOT_ON_ROLL = (
    "I couldn't find a pupil called '{query}' on roll at your school. Try part of their "
    "first name or surname. If the child is not a pupil here, tell the designated "
    "safeguarding lead (DSL) in person: they will pass your concern on."
)

SOURCES = (
    Option("staff", "I saw or heard it myself"),
    Option("pupil", "The child told me"),
    Option("parent", "A parent or carer told me"),
)


DSL_ALERTED = (
    "The designated safeguarding lead (DSL) and deputies have been alerted now: they see "
    "your name, the time and the year group, not what you wrote, and may phone you."
)
WHAT_NOW = (
    "Then tell the DSL in person, and finish this record as soon as the child is safe. "
    "Until you save it, the DSL sees it as an unfinished report."
)
DRAFT = "draft"


def _after_danger(value: object) -> str | None:
    return CALL_999 if value is True else None


def _at(turn: Turn, when: datetime) -> str:
    return when.astimezone(turn.tz).strftime("%H:%M on %a %-d %b")


def _progress(turn: Turn, answered: str, platform: str) -> Progress:
    """Every answer goes into the unfinished report once it is about safeguarding; 'yes' to
    immediate danger alerts the DSL and deputies then (once per report)."""
    kept = dict(turn.kept)
    progress = concern_drafts.keep(
        turn.session, turn.actor, kept.get(DRAFT), platform, dict(turn.answers), turn.now
    )
    if progress.draft_id is not None:
        kept[DRAFT] = progress.draft_id
    if answered != "immediate_danger" or progress.alerted_at is None:
        return Progress(None, kept)
    if progress.alerted_now:
        return Progress(f"{DANGER_FIRST}\n\n{DSL_ALERTED}\n\n{WHAT_NOW}", kept)
    already = (
        f"The DSL and deputies were alerted at {_at(turn, progress.alerted_at)}; "
        "they are not alerted twice."
    )
    return Progress(f"{DANGER_FIRST}\n\n{already}\n\n{WHAT_NOW}", kept)


def _form_kept(turn: Turn, where: str) -> dict[str, int]:
    """A form carries on with the reporter's open report started in a form there."""
    draft = concern_drafts.open_from(turn.session, turn.actor, where)
    return {DRAFT: draft} if draft is not None else {}


def _on_cancel(turn: Turn) -> str | None:
    if not concern_drafts.cancel(turn.session, turn.actor, turn.kept.get(DRAFT), turn.now):
        return None
    return (
        "The DSL and deputies were already alerted that a child may be in immediate danger, "
        "so they will see that you stopped this report. Please speak to the DSL in person."
    )


def _past_expiry(turn: Turn) -> str | None:
    draft = concern_drafts.still_open(turn.session, turn.actor, turn.kept.get(DRAFT))
    if draft is None:
        return None
    return (
        f"This is your unfinished safeguarding report, started at {_at(turn, draft.started_at)}. "
        "It was kept, not cleared: the DSL and deputies can see it as unfinished. Let's "
        "finish it now, or type 'cancel' to stop."
    )


def _summary(turn: Turn, answers: Answers) -> str:
    flow = LOG_CONCERN
    lines = ["Please check your concern:"]
    for field in flow.fields[:-1]:
        if field.name in answers:
            lines.append(f"- {field.label}: {field.show_answer(turn, answers[field.name])}")
    held = concern_record.held_count(turn.session, turn.actor, turn.chat) if turn.chat else 0
    if held:
        lines.append(f"- Photos: {held} to keep with it")
    if answers.get("safeguarding"):
        lines.append("This will be saved as a safeguarding concern and the DSL alerted at once.")
    return "\n".join(lines)


def _occurred(turn: Turn, answers: Answers) -> tuple[datetime | None, bool]:
    """When it happened, in the school's time zone; a day without a time is its start."""
    value = answers.get("when")
    if not value:
        return None, True
    day, at = when_answer(str(value))
    return datetime.combine(day, at or time(0, 0), tzinfo=turn.tz), at is not None


def _category(answers: Answers) -> Category | None:
    value = answers.get("category")
    return Category(value) if value else None


def _drop_photos(turn: Turn) -> None:
    """A report cancelled or left to expire: the photos sent for it are not kept."""
    if turn.chat:
        concern_record.drop_held(turn.session, turn.actor, turn.chat)


def _submit(turn: Turn, answers: Answers) -> str:
    safeguarding = bool(answers["safeguarding"])
    danger = bool(answers.get("immediate_danger", False))
    occurred_at, time_known = _occurred(turn, answers)
    receipt = concerns.log_concern(
        turn.session,
        turn.actor,
        concerns.NewConcern(
            pupil_id=int(answers["pupil"]),
            area=Area(answers["area"]),
            narrative=answers["narrative"],
            source=answers["source"],
            safeguarding=safeguarding,
            immediate_danger=danger,
            triage={
                "risk_indicators": safeguarding,
                "immediate_danger": danger if safeguarding else None,
                "told_to_call_999": danger,
            },
            draft_id=turn.kept.get(DRAFT),
            occurred_at=occurred_at,
            occurred_time_known=time_known,
            location=answers.get("location"),
            child_words=answers.get("child_words"),
            action_taken=answers.get("action_taken"),
            told=answers.get("told"),
            category=_category(answers) if safeguarding else None,
        ),
        turn.now,
    )
    kept = 0
    if turn.chat:
        kept = concern_record.claim_held(
            turn.session, turn.actor, turn.chat, receipt.concern_id, turn.now
        )
    photos = f" {kept} photo{'s' if kept != 1 else ''} kept with it, encrypted." if kept else ""
    return _saved(receipt, danger) + photos


def _saved(receipt: concerns.ConcernReceipt, danger: bool) -> str:
    if receipt.safeguarding:
        alerted = (
            "The designated safeguarding lead and deputies, alerted when you said the child "
            "was in danger, now have the full report."
            if receipt.early_alert
            else "The designated safeguarding lead and deputies have been alerted now."
        )
        text = (
            f"Saved as safeguarding concern #{receipt.concern_id}. {alerted} If you are still "
            "worried, find the DSL in person as well."
        )
        return (CALL_999 + "\n\n" + text) if danger else text
    return f"Saved as concern #{receipt.concern_id}. The SENCO has been told. Thank you."


LOG_CONCERN = Flow(
    name="log_concern",
    title="Log a concern",
    triggers=("concern", "log concern", "log a concern", "new concern"),
    intro="Let's log a concern. Type 'back' to change an answer or 'cancel' to stop at any time.",
    describe="tell the SENCO (and the DSL, if a child may be at risk) what you saw or heard",
    # Every member of staff, in every role: any adult may have a concern about any child.
    may_start=lambda actor: bool(actor.roles),
    submit=_submit,
    on_leave=_drop_photos,
    outcome="concern + audit event + outbox alerts in one transaction",
    on_answer=_progress,
    on_cancel=_on_cancel,
    form_kept=_form_kept,
    past_expiry=_past_expiry,
    fields=(
        PupilField(
            name="pupil",
            label="Pupil",
            question="Which pupil is this about? Type part of their first name or surname.",
            help=(
                "You can find any pupil on roll at your school, whichever class they are "
                "in. You will see only their name, year group and class."
            ),
            action=Action.LOG_CONCERN.value,
            not_found=NOT_ON_ROLL,
        ),
        TextField(
            name="narrative",
            label="What happened",
            question=(
                "What happened? Say what you saw or heard, as facts (up to 2,000 characters)."
            ),
            help="Facts first: what, when, where, who was there. Keep opinions separate.",
            max_length=concerns.NARRATIVE_LIMIT,
        ),
        TextField(
            name="child_words",
            label="The child's words",
            question=(
                "Did the child say anything? Write their exact words, as they said them, "
                "or type 'skip'."
            ),
            help="Their words, not a summary: 'he hit me with a belt', not 'disclosed abuse'.",
            max_length=concerns.DETAIL_LIMIT,
            optional=True,
            none_text="none given",
        ),
        WhenField(
            name="when",
            label="When",
            question=(
                "When did it happen? Type 'now', or a day and time like 'today 12:30' "
                "or 'yesterday'."
            ),
            help="If you don't know the time, the day is enough.",
            default=lambda turn, answers: "now",
        ),
        TextField(
            name="location",
            label="Where",
            question="Where did it happen? For example 'playground' or 'Year 4 classroom'. Or 'skip'.",
            max_length=concerns.LOCATION_LIMIT,
            optional=True,
            none_text="not given",
        ),
        ChoiceField(
            name="source",
            label="Raised by",
            question="How did this come to you?",
            choices=SOURCES,
        ),
        ChoiceField(
            name="area",
            label="Area",
            question="Which area is it mostly about?",
            choices=tuple(Option(a.value, a.label) for a in Area),
            help="Pick the closest. The SENCO can change it later.",
        ),
        YesNoField(
            name="safeguarding",
            label="Safeguarding",
            question=(
                "Does this involve an injury, something the child said about harm, or a "
                "change in behaviour or mood that could mean the child is at risk?"
            ),
            help=(
                "If in doubt, answer yes. Signs of harm in children with SEND are easily "
                "put down to their needs."
            ),
        ),
        YesNoField(
            name="immediate_danger",
            label="Immediate danger",
            question="Is the child in immediate danger right now?",
            when=lambda answers: answers.get("safeguarding") is True,
            after=_after_danger,
        ),
        ChoiceField(
            name="category",
            label="Category",
            question="Which kind of concern is it closest to?",
            choices=tuple(Option(c.value, c.label) for c in Category),
            help="Pick the closest, or 'Not sure': the DSL decides the category.",
            when=lambda answers: answers.get("safeguarding") is True,
            optional=True,
            none_text="not sure",
        ),
        TextField(
            name="action_taken",
            label="What you did",
            question=(
                "What have you done about it so far (for example 'comforted her, told the "
                "DSL in person')? Or 'skip'."
            ),
            max_length=concerns.DETAIL_LIMIT,
            optional=True,
            none_text="nothing yet",
        ),
        TextField(
            name="told",
            label="Who else was told",
            question="Who else have you told about this? Or 'skip'.",
            max_length=concerns.DETAIL_LIMIT,
            optional=True,
            none_text="nobody yet",
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Save this concern?",
            summary=_summary,
        ),
    ),
)
