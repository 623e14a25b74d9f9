"""The machine-translation notice every translated parent message carries until it is checked.

The catalogs were translated by a machine. Until a fluent speaker marks a message reviewed
(`python -m sendbot.i18n review`, or a `# reviewed-by:` comment by hand), a parent who reads
it is told so in their own language, and how to get help. The `Writer` notes whether it
used such a message; `with_notice` is called where every parent message is rendered (the
registry's parent renderers, and the parents' chat router for its own replies), so Telegram,
email, text messages and the web pages all carry the same words. English needs no notice; a guardian who asked for a language with no catalog
is told in English why the message is in English (`with_english_note`, from the registry).
"""

from __future__ import annotations

from dataclasses import replace

from sendbot.delivery.contract import OutgoingMessage
from sendbot.i18n.languages import lacks_catalog
from sendbot.i18n.writer import Writer


def _(message: str) -> str:
    """Marks a msgid for extraction; the Writer translates it when the message is written."""
    return message


# TRANSLATORS: shown under every message until a fluent speaker has checked your
# translation. When you review the catalog, this notice stops being shown.
MACHINE_NOTICE = _(
    "A computer translated this message. Nobody who speaks your language well has "
    "checked it yet. If anything is unclear, please ask the school for an interpreter. "
    "It is free."
)


# TRANSLATORS: the same notice, shorter, for a text message too long to carry the whole
# notice (a text message is charged by its length). Keep it as short as you can.
SMS_NOTICE = _("Translated by computer, not checked yet. Ask the school for a free interpreter.")

# For a guardian whose language has no catalog: they read English, so this is in English.
NO_CATALOG_NOTE = (
    "This message is in English because we cannot write in your language yet. "
    "We can give you an interpreter for free. Just ask us."
)


def machine_notice(w: Writer) -> str | None:
    """The notice in the reader's language, or None when everything used was checked."""
    if not w.used_unreviewed:
        return None
    return w._(MACHINE_NOTICE)


def with_notice(w: Writer, message: OutgoingMessage) -> OutgoingMessage:
    """The message with the notice as its last paragraph, when `w` used unchecked words; the
    notice (and its short form for a text message) named so a layout that cuts keeps it."""
    notice = machine_notice(w)
    if notice is None:
        return message
    text = f"{message.text}\n\n{notice}"
    return replace(message, text=text, notice=notice, short_notice=w._(SMS_NOTICE))


def with_english_note(
    message: OutgoingMessage, stored_language: str | None, script: str | None
) -> OutgoingMessage:
    """The message with a last paragraph saying why it is in English, when the guardian asked
    for a language sendbot cannot write yet (say French, or Panjabi in Shahmukhi)."""
    if not lacks_catalog(stored_language, script):
        return message
    text = f"{message.text}\n\n{NO_CATALOG_NOTE}"
    return replace(message, text=text, notice=NO_CATALOG_NOTE, short_notice="")
