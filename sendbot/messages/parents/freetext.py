"""Staff free text inside a parent message: jargon expanded, translated honestly or not at all.

Target wording and notes cannot come from a catalog. With a translator configured the text
is translated and the message says so, with the English one tap away; without one, or when
the translator fails, the English is shown and the message says so in the parent's
language and offers an interpreter. Text is never passed off as translated when it is not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sendbot.i18n.languages import ENGLISH
from sendbot.i18n.plain import expand_jargon
from sendbot.i18n.translate import TranslationUnavailable, Translator
from sendbot.i18n.writer import Writer

log = logging.getLogger(__name__)


@dataclass
class FreeText:
    writer: Writer
    translator: Translator | None = None
    translated: list[tuple[str, str]] = field(default_factory=list)  # (english, shown)
    left_in_english: list[str] = field(default_factory=list)
    _translator_failed: bool = False

    def __call__(self, english: str) -> str:
        """The text as the parent should see it inside a sentence or list line."""
        text = expand_jargon(english.strip())
        if self.writer.language is ENGLISH or not text:
            return text
        if self.translator is not None and not self._translator_failed:
            try:
                result = self.translator.translate(
                    text, source="en", target=self.writer.language.translator_code
                )
            except TranslationUnavailable as exc:
                # One failure (say a time-out) is enough: do not keep the parent waiting.
                log.warning("free text left in English: %s", exc)
                self._translator_failed = True
            else:
                self.translated.append((text, result.text))
                return self.writer.isolate(result.text)
        self.left_in_english.append(text)
        return self.writer.isolate(text, ltr=True)

    def notes(self) -> list[str]:
        """What the parent must be told about the free text in this message."""
        w = self.writer
        notes = []
        if self.translated:
            notes.append(
                w._(
                    "Some parts of this message were written in English by school staff. "
                    "A computer translated them automatically, so they may have mistakes."
                )
            )
        if self.left_in_english:
            notes.append(
                w._(
                    "Some parts of this message are in English, because school staff wrote "
                    "them. We could not translate them. We can give you an interpreter for "
                    "free. Just ask us."
                )
            )
        return notes

    def closing(self) -> list[str]:
        """The notes, then the English behind any machine translation, to end a message with.

        The English goes in the message itself, so it reaches the parent on every channel
        (a text message or an email has no "Show the English" button)."""
        return self.notes() + ([self.english_originals()] if self.translated else [])

    def english_originals(self) -> str:
        """The English behind each machine translation, for a reader who wants to check."""
        w = self.writer
        lines = [w._("The English that school staff wrote:")]
        lines += [f"• {w.isolate(english, ltr=True)}" for english, _ in self.translated]
        return "\n".join(lines)
