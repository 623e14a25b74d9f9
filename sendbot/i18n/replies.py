"""A parent's message as staff see it: the language named, and an English translation when
a translator is configured. Staff always see the parent's own words too, because a machine
translation can be wrong in ways that matter.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from sendbot.i18n.languages import resolve
from sendbot.i18n.translate import TranslationUnavailable, Translator

# Below this LibreTranslate confidence the guardian's chosen language is trusted instead.
MIN_DETECT_CONFIDENCE = 50.0


@dataclass(frozen=True)
class ReplyForStaff:
    original: str
    language_code: str  # what we believe the message is written in, e.g. "pl", "en"
    language_name: str  # in English, for staff: "Polish"
    english: str | None  # machine translation, None when English or none available
    note: str | None  # what staff should know: translated automatically, or not at all

    def as_text(self) -> str:
        if self.language_code == "en":
            return self.original
        lines = [f"Written in {self.language_name}:", self.original]
        if self.english:
            lines += ["", "English (translated automatically, may have mistakes):", self.english]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines)


def language_name(code: str) -> str:
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name("en_GB") or code
    except (ValueError, UnknownLocaleError):
        return code


_ALIASES = {"punjabi": "pa", "panjabi": "pa"}


def _base(code: str) -> str:
    return code.replace("-", "_").split("_")[0].lower()


def for_staff(
    text: str,
    guardian_language: str | None,
    guardian_script: str | None = None,
    translator: Translator | None = None,
) -> ReplyForStaff:
    """Name the language of a parent's message and, if possible, translate it to English.

    The language is the translator's detection when it is confident, else the guardian's
    chosen language (a parent who chose Polish may still write in English, and vice versa).
    """
    chosen = resolve(guardian_language, guardian_script)
    code = chosen.translator_code
    if code == "en" and guardian_language and _base(guardian_language) not in ("en", "english"):
        # A language we have no catalog for (Panjabi in Shahmukhi, say) is still named.
        code = _ALIASES.get(_base(guardian_language), _base(guardian_language))
    if translator is not None:
        detected = translator.detect(text)
        if detected is not None and detected.confidence >= MIN_DETECT_CONFIDENCE:
            code = _base(detected.language)
    if code == "en":
        return ReplyForStaff(text, "en", "English", None, None)
    name = language_name(code)
    if translator is None:
        note = f"No translator is set up. Ask someone who reads {name}, or book an interpreter."
        return ReplyForStaff(text, code, name, None, note)
    try:
        english = translator.translate(text, source=code, target="en").text
    except TranslationUnavailable as exc:
        note = f"Could not translate it automatically ({exc}). Ask someone who reads {name}."
        return ReplyForStaff(text, code, name, None, note)
    return ReplyForStaff(text, code, name, english, None)
