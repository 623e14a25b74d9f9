"""The few words an email to a parent carries around the message: a link's label and a footer.

The message itself is the registry's, already in the parent's language (one message, many
channels); email only lays it out (`handlers/email`) and adds these, in the same language
and from the same catalogs, so they are translated and checked like every parent message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sendbot.i18n.writer import Writer, raw

_NAME = "\x00"


@dataclass(frozen=True)
class EmailFrame:
    link_label: str  # the button to the parent's web page for this message
    sent_by: str  # who sent the email
    how_to_stop: str  # how to stop getting emails
    # The greeting messages open with ("Hello", ","): an email's subject is the line after it.
    greeting: tuple[str, str]


def email_frame(w: Writer, sender: str) -> EmailFrame:
    """`sender` is the school's name (or, without one, the address the email comes from)."""
    return EmailFrame(
        # TRANSLATORS: a button in an email; it opens a web page where the parent answers.
        link_label=w._("Reply or read more"),
        # TRANSLATORS: {school} is the school's name, inserted unchanged.
        sent_by=w._("This email was sent by {school}.", school=sender),
        how_to_stop=w._(
            "To stop these emails, reply to this email and tell us, or contact the school."
        ),
        greeting=_greeting(w),
    )


def _greeting(w: Writer) -> tuple[str, str]:
    """The words before and after the name in the greeting, as the parent's language has it."""
    # The same message the invitation opens with (invitation.py), from the same catalog.
    hello = w._("Hello {name},", name=raw(_NAME))
    before, _, after = hello.partition(_NAME)
    return before.strip(), after.strip()
