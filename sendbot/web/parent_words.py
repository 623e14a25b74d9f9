"""The words of the parents' web pages, in the parent's language (the parent catalogs).

Every string is written through the page's `Writer`, so `python -m sendbot.i18n extract`
finds it here (pyproject's `[tool.babel]` lists this module). The chat's own words are used
where the page says the same thing (the invitation's four answers, the views questions, the
thank-yous), so a parent reads the same sentence in the chat, the email and the page.
"""

from __future__ import annotations

from sendbot.i18n.writer import Writer

CHANNEL_NAMES = ("telegram", "email", "sms")


def words(w: Writer) -> dict[str, str]:
    """The labels every page may use."""
    return {
        "yes": w._("I will come"),
        "no": w._("I cannot come"),
        "other_time": w._("Please offer another time"),
        "interpreter": w._("I need an interpreter"),
        "can_you_come": w._("Can you come?"),
        "calendar": w._("Add to my calendar"),
        "views": w._("Share my views"),
        "send": w._("Send to the school"),
        "message": w._("Send a message to school"),
        "which_child": w._("Which child is this message about?"),
        "your_message": w._("Your message"),
        "language": w._("Choose your language"),
        "save": w._("Save"),
        "channel": w._("How should the school contact you?"),
        "settings": w._("Change my language or how the school contacts me"),
        "from_school": w._("A message from the school"),
        "private": w._("This link is only for you. Please do not share it."),
        "new_link": w._("Send me a new link"),
        "back": w._("Back"),
        "going_well": w._("Going well"),
        "worries": w._("Worries"),
        "hopes": w._("Hopes"),
        "replace_views": w._("Your new answers will replace the ones you sent before."),
        "telegram": "Telegram",
        "email": w._("Email"),
        "sms": w._("Text message"),
    }


def connect(w: Writer) -> dict[str, str]:
    """The words of the pages `sendbot invite guardians`' message opens."""
    return {
        "telegram_title": w._("Connect Telegram"),
        "get_link": w._("Get my Telegram link"),
        "open": w._("Open Telegram"),
        "how": w._(
            "Tap the button, then press Start in Telegram. This link works once, for 14 days."
        ),
        "scan": w._("Reading this on a computer? Scan the code with your phone's camera."),
        "no_telegram": w._(
            "The school does not use Telegram yet. It will keep writing to you here."
        ),
        "email_title": w._("Please confirm your email address"),
        "confirm": w._("Yes, this email address is mine"),
        "confirmed": w._("Thank you. Your email address is confirmed."),
    }


def questions(w: Writer, child: str) -> dict[str, str]:
    """The views questions, as the chat asks them."""
    return {
        "going_well": w._("What is going well for {child}?", child=child),
        "worries": w._("Is there anything that worries you about {child}?", child=child),
        "hopes": w._("What do you hope for {child} in the next year?", child=child),
    }


def answered(w: Writer, choice: str | None) -> str:
    """What the parent told us, on the invitation's page."""
    labels = words(w)
    if choice not in ("yes", "no", "other_time"):
        return ""
    return w._("You told us: {answer}", answer=labels[choice or ""])


def done(w: Writer, key: str, changed: bool = False) -> str:
    """The thank-you after an answer (the chat's sentences)."""
    said = {
        "yes": w._("Thank you. We have told the school you will come."),
        "no": w._("Thank you for telling us. We have told the school you cannot come."),
        "other_time": w._("Thank you. The school will contact you to offer another time."),
        "interpreter": w._(
            "Thank you. We have asked the school to book an interpreter for you. It is free."
        ),
        "interpreter_again": w._(
            "We already know you would like an interpreter. The school will arrange it."
        ),
        "unchanged": w._("You already told us this. Thank you."),
        "channel": w._("Thank you. We will contact you this way from now on."),
        "channel_same": w._("The school already contacts you this way."),
        "channel_none": w._(
            "The school has no working address for you there. Please ask the school to add it."
        ),
        "form": w._("Please press the button again. Nothing was saved yet."),
        "empty": w._("Please write your message first."),
        "cancelled": w._("This meeting was cancelled. You do not need to do anything."),
        "past": w._("This meeting has already happened."),
    }.get(key, "")
    if changed and key in ("yes", "no", "other_time"):
        said = w._("We have changed your answer.") + " " + said
    return said


def views_saved(w: Writer, child: str) -> str:
    return w._("Thank you. Your views are saved for the meeting about {child}.", child=child)


def message_sent(w: Writer, child: str) -> str:
    return w._("Thank you. Your message about {child} has gone to the school.", child=child)


def language_saved(w: Writer, language: str) -> str:
    return w._("Thank you. I will write to you in {language}.", language=language)


def too_long(w: Writer, limit: int) -> str:
    return w._(
        "That message is too long. Please send it in parts of up to {limit} characters.",
        limit=w.number(limit),
    )


def link_problem(w: Writer, status: str) -> tuple[str, list[str]]:
    """A link that opens nothing: its title and lines (kind, plain, no details)."""
    if status == "replaced":
        return w._("This link does not work any more"), [
            w._("A newer link was sent to you. Please use that one."),
        ]
    if status == "expired":
        return w._("This link does not work any more"), [
            w._("Links stop working after a while, to keep your information safe."),
        ]
    return w._("I do not recognise that link."), [
        w._("Please check that you copied the whole link."),
    ]


def new_link_sent(w: Writer) -> str:
    return w._("A new link is on its way to you.")
