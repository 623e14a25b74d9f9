"""The few words an email to a parent carries around the message: a link's label and a footer.

The message itself is the registry's, already in the parent's language (one message, many
channels); email only lays it out (`handlers/email`) and adds these, in the same language
and from the same catalogs, so they are translated and checked like every parent message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sendbot.i18n.writer import Writer


@dataclass(frozen=True)
class EmailFrame:
    link_label: str  # the button to the parent's web page for this message
    sent_by: str  # who sent the email
    how_to_stop: str  # how to stop getting emails


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
    )
