"""The summary after a plan review and the termly progress summary, built the same way.

Both say what the targets were and how the child did in warm, plain words, what is next,
when the next review is, and how to reply. Outcome words never blame: "not yet" is said as
"still working on this".
"""

from __future__ import annotations

from sendbot.delivery.contract import Button, OutgoingMessage
from sendbot.delivery.parent_params import (
    ReviewSummaryData,
    TermProgressData,
    normalise_outcome,
)
from sendbot.i18n.translate import Translator
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.freetext import FreeText


def outcome_words(w: Writer, outcome: str, child: str) -> str:
    outcome = normalise_outcome(outcome)
    if outcome == "met":
        return w._("{child} has met this target. Well done!", child=child)
    if outcome == "partly":
        return w._("{child} is part of the way there. This is good progress.", child=child)
    return w._("{child} is still working on this. We will keep helping.", child=child)


def rating_words(w: Writer, rating: str | None, child: str) -> str:
    if rating == "achieved":
        return w._("{child} has met this target. Well done!", child=child)
    if rating == "secure":
        return w._("Nearly there. {child} can do this most of the time.", child=child)
    if rating == "developing":
        return w._("{child} is making good progress with this.", child=child)
    if rating == "emerging":
        return w._("{child} is starting to make progress with this.", child=child)
    if rating == "not_yet":
        return w._("{child} is still working on this. We will keep helping.", child=child)
    return w._("We have not checked this one yet this term.")


def term_name(w: Writer, term: str) -> str:
    """'2026-autumn' as 'autumn term 2026' in the reader's language."""
    year, _, season = term.partition("-")
    # TRANSLATORS: school terms in England: autumn (Sep-Dec), spring (Jan-Mar), summer.
    if season == "autumn":
        return w._("autumn term {year}", year=year)
    if season == "spring":
        return w._("spring term {year}", year=year)
    if season == "summer":
        return w._("summer term {year}", year=year)
    return w.isolate(term)


def _new_targets(w: Writer, free: FreeText, child: str, targets: tuple[str, ...]) -> str:
    if not targets:
        return w._("There are no new targets for now.")
    # TRANSLATORS: a list of the targets (goals) follows, one per line.
    head = w.n_(
        "{child} has {count} new target:",
        "{child} has {count} new targets:",
        len(targets),
        child=child,
    )
    return "\n".join([head, *(f"• {free(t)}" for t in targets)])


def _next_review(w: Writer, when: object) -> str:
    if when is None:
        return w._("We will tell you the date of the next review soon.")
    return w._("We will meet again to check progress on {date}.", date=w.date(when))  # type: ignore[arg-type]


def _how_to_reply(w: Writer, has_reply_button: bool) -> str:
    if has_reply_button:
        # TRANSLATORS: quote your translation of the button "Send a message to school".
        return w._(
            "Do you have a question, or want to tell us what you think? "
            "Tap \u201cSend a message to school\u201d."
        )
    return w._(
        "Do you have a question, or want to tell us what you think? Just reply to this message."
    )


def _buttons(
    w: Writer,
    free: FreeText,
    reply: str | None,
    interpreter: str | None,
    show_english: str | None,
) -> tuple[Button, ...]:
    buttons = []
    if reply:
        buttons.append(Button(reply, w._("Send a message to school"), "primary"))
    if show_english and free.translated:
        buttons.append(Button(show_english, w._("Show the English")))
    if interpreter:
        buttons.append(Button(interpreter, w._("I need an interpreter")))
    return tuple(buttons)


def _finish(
    w: Writer,
    free: FreeText,
    parts: list[str],
    *,
    school: str,
    reply: str | None,
    interpreter: str | None,
    show_english: str | None,
) -> OutgoingMessage:
    parts += free.notes()
    parts.append(_how_to_reply(w, reply is not None))
    parts.append(w._("From {school}", school=school))
    if free.translated and not show_english:
        # No button to fetch it, so the English comes with the message.
        parts.append(free.english_originals())
    return OutgoingMessage(
        text="\n\n".join(parts),
        buttons=_buttons(w, free, reply, interpreter, show_english),
        language=w.language.code,
    )


def build_review_summary(
    w: Writer, data: ReviewSummaryData, translator: Translator | None = None
) -> OutgoingMessage:
    free = FreeText(w, translator)
    child = data.child_name
    parts = []
    if data.parent_name:
        parts.append(w._("Hello {name},", name=data.parent_name))
    parts.append(
        w._(
            "We met on {date} to check how {child} is doing. Here is a short summary.",
            date=w.date(data.held_on),
            child=child,
        )
    )
    if data.reviewed:
        lines = [w._("How {child} did with the last targets:", child=child)]
        for target in data.reviewed:
            lines.append(f"• {free(target.wording)}\n  {outcome_words(w, target.outcome, child)}")
        parts.append("\n".join(lines))
    parts.append(_new_targets(w, free, child, data.new_targets))
    if data.next_steps and data.next_steps.strip():
        parts.append(w._("What school will do next:") + "\n" + free(data.next_steps))
    parts.append(_next_review(w, data.next_review_on))
    return _finish(
        w,
        free,
        parts,
        school=data.school_name,
        reply=data.reply_action_id,
        interpreter=data.interpreter_action_id,
        show_english=data.show_english_action_id,
    )


def build_term_progress(
    w: Writer, data: TermProgressData, translator: Translator | None = None
) -> OutgoingMessage:
    free = FreeText(w, translator)
    child = data.child_name
    parts = []
    if data.parent_name:
        parts.append(w._("Hello {name},", name=data.parent_name))
    parts.append(
        w._(
            "Here is how {child} is getting on with the extra help at school this term.",
            child=child,
        )
        + "\n"
        + w._("Term: {term}", term=term_name(w, data.term))
    )
    if data.targets:
        lines = [w._("{child}'s targets:", child=child)]
        for line in data.targets:
            lines.append(f"• {free(line.wording)}\n  {rating_words(w, line.rating, child)}")
        parts.append("\n".join(lines))
    else:
        parts.append(w._("{child} has no targets set just now.", child=child))
    if data.next_steps and data.next_steps.strip():
        parts.append(w._("What school will do next:") + "\n" + free(data.next_steps))
    parts.append(_next_review(w, data.next_review_on))
    return _finish(
        w,
        free,
        parts,
        school=data.school_name,
        reply=data.reply_action_id,
        interpreter=data.interpreter_action_id,
        show_english=data.show_english_action_id,
    )
