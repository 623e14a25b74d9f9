"""A parent's message as a Notify email: the subject and body the school's template takes.

The school's email template in Notify is subject `((subject))`, message `((body))`. The
subject is the rendered message's first line (it says who writes and about what); the body
is the whole text, then the one-tap link on a line of its own (Notify makes it a link).
Buttons are left out: the link's page offers the same answers. Notify reads a line that
starts with `#`, `*`, `-`, `^`, `+` or `>` as formatting; such a line of the message is
moved off the line start with a no-break space, so it reads as written.
"""

from __future__ import annotations

from sendbot.delivery.contract import OutgoingMessage

SUBJECT_LIMIT = 120
_MARKDOWN_STARTS = ("#", "*", "-", "^", "+", ">")


def _defused(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith(_MARKDOWN_STARTS):
        return "\u00a0" + line
    return line


def email_parts(message: OutgoingMessage) -> tuple[str, str]:
    """(subject, body) for the template's ((subject)) and ((body))."""
    text = message.text.strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    subject = first.rstrip(":").strip()
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[: SUBJECT_LIMIT - 3].rsplit(" ", 1)[0] + "..."
    body = "\n".join(_defused(line) for line in text.splitlines())
    if message.link:
        body = f"{body}\n\n{message.link}"
    return subject or "A message from school", body
