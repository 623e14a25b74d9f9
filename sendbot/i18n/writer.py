"""One message's worth of language: catalog look-ups, placeholders, dates and bidi isolates.

A `Writer` is made per message at send time (DESIGN.md 7: no cached lazy strings), for the
recipient's language and the school's timezone. Placeholders are `{name}` fields; in a
right-to-left language every value put into a sentence (names, numbers, dates, English free
text) is wrapped in Unicode isolates so it keeps its own direction and does not scramble
the sentence around it.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from gettext import NullTranslations
from typing import Any

from babel.dates import format_date, format_time, get_timezone
from babel.numbers import format_decimal

from sendbot.i18n.catalogs import translations, unreviewed
from sendbot.i18n.languages import ENGLISH, Language

log = logging.getLogger(__name__)

FSI = "\u2068"  # FIRST STRONG ISOLATE
LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message, as `str.format` sees them."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(field)
    return names


class _Raw(str):
    """A value already isolated or formatted (a date from `Writer.date`): not wrapped again."""


def raw(value: str) -> _Raw:
    return _Raw(value)


class Writer:
    def __init__(
        self,
        language: Language = ENGLISH,
        timezone: str | tzinfo = "Europe/London",
        *,
        isolates: bool = True,
    ) -> None:
        self.language = language
        # Off for text a calendar app or another program lays out itself.
        self._isolates = isolates
        self.tz = get_timezone(timezone) if isinstance(timezone, str) else timezone
        self._catalog: NullTranslations = (
            NullTranslations() if language is ENGLISH else translations(language.code)
        )
        self._unreviewed: frozenset[str] = (
            frozenset() if language is ENGLISH else unreviewed(language.code)
        )
        # True once this writer has put a catalog translation that no fluent speaker has
        # checked into the message: the parent must then be told (messages/parents/honest.py).
        self.used_unreviewed = False

    @property
    def rtl(self) -> bool:
        return self.language.rtl

    @property
    def locale(self) -> str:
        return self.language.code

    # --- values -------------------------------------------------------------------------

    def isolate(self, value: object, *, ltr: bool = False) -> str:
        """Wrap a value in isolates in right-to-left text; unchanged in left-to-right text."""
        text = str(value)
        if isinstance(value, _Raw) or not (self.rtl and self._isolates) or not text:
            return _Raw(text)
        return _Raw(f"{LRI if ltr else FSI}{text}{PDI}")

    def date(self, value: date) -> str:
        """A date as the reader writes it, e.g. 'wtorek, 9 marca 2027'."""
        return self.isolate(format_date(value, format="full", locale=self.locale))

    def time(self, value: datetime) -> str:
        """A time of day in the school's timezone, whatever zone the value is stored in."""
        return self.isolate(format_time(value, format="short", tzinfo=self.tz, locale=self.locale))

    def local_date(self, value: datetime) -> str:
        return self.date(value.astimezone(self.tz).date())

    def number(self, value: int) -> str:
        return self.isolate(format_decimal(value, locale=self.locale))

    # --- catalog ------------------------------------------------------------------------

    def _format(self, translated: str, source: str, params: Mapping[str, Any]) -> str:
        values = {k: self.isolate(v) for k, v in params.items()}
        # The result is a finished phrase in the reader's language: never isolated again.
        try:
            return _Raw(translated.format_map(values))
        except (KeyError, IndexError, ValueError):
            # A catalog with a broken placeholder must not stop the message: say it in English.
            log.warning("broken placeholder in %s catalog for %r", self.locale, source)
            return _Raw(source.format_map(values))

    def _(self, message: str, **params: Any) -> str:
        self.used_unreviewed |= message in self._unreviewed
        return self._format(self._catalog.gettext(message), message, params)

    def n_(self, singular: str, plural: str, count: int, **params: Any) -> str:
        """A plural message; `{count}` is available to it, formatted for the locale."""
        params.setdefault("count", self.number(count))
        self.used_unreviewed |= singular in self._unreviewed
        translated = self._catalog.ngettext(singular, plural, count)
        source = singular if count == 1 else plural
        return self._format(translated, source, params)
