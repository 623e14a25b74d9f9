"""Every shipped language: the invitation, its calendar file and the summaries are in that
language, checked against the catalog file itself, with the reader's dates and plurals."""

from __future__ import annotations

import gettext
from datetime import date, datetime

import pytest
from babel.dates import format_date, format_time, get_timezone
from icalendar import Calendar

from sendbot.i18n.catalogs import po_path, read_catalog
from sendbot.i18n.languages import BY_CODE, ENGLISH, PARENT_LANGUAGES, resolve, shipped_codes
from sendbot.messages.parents import render
from sendbot.messages.parents.render import MEETING_INVITATION, REVIEW_SUMMARY, TERM_PROGRESS
from tests.i18n import samples

LONDON = get_timezone("Europe/London")
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"
CODES = shipped_codes()


class Done(str):
    """Already formatted and isolated: not wrapped again."""


class FromCatalog:
    """Expected text built straight from a .po file, independent of the Writer under test."""

    def __init__(self, code: str, isolates: bool = True) -> None:
        self.code = code
        self.catalog = read_catalog(po_path(code), locale=code)
        self.rtl = BY_CODE[code].rtl and isolates
        self.plural_index = gettext.c2py(self.catalog.plural_expr)

    def wrap(self, value: object) -> str:
        if isinstance(value, Done):
            return value
        return Done(f"{FSI}{value}{PDI}" if self.rtl else str(value))

    def _fill(self, text: str, values: dict[str, object]) -> str:
        return Done(text.format(**{k: self.wrap(v) for k, v in values.items()}))

    def __call__(self, msgid: str, **values: object) -> str:
        message = self.catalog.get(msgid)
        assert message is not None and message.string, f"{self.code}: no {msgid!r}"
        return self._fill(str(message.string), values)

    def plural(self, singular: str, count: int, **values: object) -> str:
        message = self.catalog.get(singular)
        assert message is not None
        form = message.string[self.plural_index(count)]  # type: ignore[index]
        return self._fill(form, {"count": count, **values})

    def date(self, value: date) -> str:
        return self.wrap(format_date(value, format="full", locale=self.code))

    def time(self, value: datetime) -> str:
        return self.wrap(format_time(value, format="short", tzinfo=LONDON, locale=self.code))


def test_twelve_languages_with_script_and_direction() -> None:
    assert CODES == ["pl", "ro", "ur", "pa_Guru", "bn", "ar", "so", "pt_PT", "es", "uk", "gu", "ta"]
    assert {c for c in CODES if BY_CODE[c].rtl} == {"ur", "ar"}
    assert BY_CODE["pa_Guru"].locale.script == "Guru"


@pytest.mark.parametrize(
    ("stored", "script", "expected"),
    [
        ("pl", None, "pl"),
        ("pl-PL", None, "pl"),
        ("Polish", None, "pl"),
        ("pa", None, "pa_Guru"),
        ("pa", "Guru", "pa_Guru"),
        ("pa", "Arab", "en_GB"),  # Shahmukhi readers are not sent Gurmukhi
        ("pa_Arab", None, "en_GB"),
        ("Punjabi", "Shahmukhi", "en_GB"),
        ("pt", None, "pt_PT"),
        ("pt-BR", None, "pt_PT"),
        ("syl", None, "bn"),
        ("ur", "Arab", "ur"),
        ("en", None, "en_GB"),
        ("fr", None, "en_GB"),  # no catalog yet: plain English
        (None, None, "en_GB"),
        ("", None, "en_GB"),
    ],
)
def test_resolve(stored: str | None, script: str | None, expected: str) -> None:
    assert resolve(stored, script).code == expected


@pytest.mark.parametrize("code", CODES)
def test_invitation_in_each_language(code: str) -> None:
    data = samples.invitation()
    message = render(
        MEETING_INVITATION, data.to_params(), code, timezone="Europe/London", now=samples.NOW
    )
    c = FromCatalog(code)
    title = c(
        "Yearly meeting to check {child}'s Education, Health and Care plan (EHC plan)",
        child="Amelia",
    )
    assert message.language == code
    assert message.text.startswith(c("Hello {name},", name="Sara"))
    for expected in (
        title,
        c("Date: {date}", date=c.date(date(2027, 6, 15))),
        # 13:00 UTC is 14:00 in London in June.
        c("Time: {start} to {end}", start=c.time(samples.STARTS), end=c.time(samples.ENDS)),
        # The place is typed by staff: English, kept left to right inside right-to-left text.
        c("Place: {place}", place=Done(f"{LRI}Room 4{PDI}") if c.rtl else "Room 4"),
        c("Please tap a button below to tell us if you can come."),
        c("From {school}", school="Oakfield Primary School"),
    ):
        assert expected in message.text, (code, expected)
    assert "We would like you to come" not in message.text
    assert [(b.action_id, b.label) for b in message.buttons] == [
        ("opaque-yes", c("I will come")),
        ("opaque-no", c("I cannot come")),
        ("opaque-other", c("Please offer another time")),
        ("opaque-interpreter", c("I need an interpreter")),
    ]

    (ics,) = message.attachments
    assert ics.mime_type == "text/calendar" and ics.filename.endswith(".ics")
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    plain = FromCatalog(code, isolates=False)
    assert str(event["SUMMARY"]) == plain(
        "Yearly meeting to check {child}'s Education, Health and Care plan (EHC plan)",
        child="Amelia",
    )
    assert event["SUMMARY"].params["LANGUAGE"] == code.replace("_", "-")
    description = str(event["DESCRIPTION"])
    assert (
        plain(
            "A meeting at {school} about {child}.", school="Oakfield Primary School", child="Amelia"
        )
        in description
    )
    assert event["DESCRIPTION"].params["LANGUAGE"] == code.replace("_", "-")
    assert event.decoded("DTSTART") == samples.STARTS
    assert event.decoded("DTEND") == samples.ENDS
    assert str(event["UID"]) == "invitation-41@oakfield.example"
    assert str(event["LOCATION"]) == "Room 4"
    assert FSI not in str(ics.content.decode())  # isolates are for chat text only


@pytest.mark.parametrize("code", CODES)
def test_review_summary_in_each_language(code: str) -> None:
    message = render(REVIEW_SUMMARY, samples.review().to_params(), code)
    c = FromCatalog(code)
    for expected in (
        c(
            "We met on {date} to check how {child} is doing. Here is a short summary.",
            date=c.date(date(2027, 6, 15)),
            child="Amelia",
        ),
        c("How {child} did with the last targets:", child="Amelia"),
        c("{child} has met this target. Well done!", child="Amelia"),
        c("{child} is part of the way there. This is good progress.", child="Amelia"),
        c("{child} is still working on this. We will keep helping.", child="Amelia"),
        c.plural("{child} has {count} new target:", 2, child="Amelia"),
        c("What school will do next:"),
        c("We will meet again to check progress on {date}.", date=c.date(date(2027, 10, 20))),
        c("Do you have a question, or want to tell us what you think? Just reply to this message."),
        # No translator: the staff's words stay English and the parent is told so.
        c(
            "Some parts of this message are in English, because school staff wrote them. "
            "We could not translate them. We can give you an interpreter for free. Just ask us."
        ),
    ):
        assert expected in message.text, (code, expected)
    assert "Read 40 common words by sight" in message.text
    assert "educational psychologist (EP)" in message.text


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("count", [1, 2, 3, 5, 11, 21, 100])
def test_plural_forms_follow_the_language(code: str, count: int) -> None:
    targets = tuple(f"Target {n}" for n in range(count))
    message = render(REVIEW_SUMMARY, samples.review(new_targets=targets).to_params(), code)
    c = FromCatalog(code)
    assert c.plural("{child} has {count} new target:", count, child="Amelia") in message.text


@pytest.mark.parametrize("code", CODES)
def test_term_progress_in_each_language(code: str) -> None:
    message = render(TERM_PROGRESS, samples.term_progress().to_params(), code)
    c = FromCatalog(code)
    for expected in (
        c(
            "Here is how {child} is getting on with the extra help at school this term.",
            child="Amelia",
        ),
        c("Term: {term}", term=c("summer term {year}", year="2027")),
        c("{child} is starting to make progress with this.", child="Amelia"),
        c("{child} is making good progress with this.", child="Amelia"),
        c("Nearly there. {child} can do this most of the time.", child="Amelia"),
        c("We have not checked this one yet this term."),
        c("We will meet again to check progress on {date}.", date=c.date(date(2027, 10, 20))),
    ):
        assert expected in message.text, (code, expected)


@pytest.mark.parametrize("code", ["ur", "ar"])
def test_right_to_left_values_are_isolated(code: str) -> None:
    message = render(MEETING_INVITATION, samples.invitation().to_params(), code)
    assert f"{FSI}Amelia{PDI}" in message.text
    assert f"{FSI}Oakfield Primary School{PDI}" in message.text
    assert f"{LRI}Room 4{PDI}" in message.text  # typed by staff, in English
    summary = render(REVIEW_SUMMARY, samples.review().to_params(), code).text
    # Staff's English inside right-to-left text keeps its own direction.
    assert f"{LRI}Read 40 common words by sight{PDI}" in summary
    # Counts are isolated too, in the forms that show them.
    many = render(
        REVIEW_SUMMARY, samples.review(new_targets=("a", "b", "c")).to_params(), code
    ).text
    assert f"{FSI}3{PDI}" in many


@pytest.mark.parametrize("code", [c for c in CODES if not BY_CODE[c].rtl])
def test_left_to_right_text_has_no_isolates(code: str) -> None:
    text = render(MEETING_INVITATION, samples.invitation().to_params(), code).text
    assert not {FSI, LRI, PDI} & set(text)


def test_english_dates_in_school_time() -> None:
    text = render(MEETING_INVITATION, samples.invitation().to_params(), "en").text
    assert "Date: Tuesday, 15 June 2027" in text
    assert "Time: 14:00 to 15:00" in text


def test_other_timezone_is_honoured() -> None:
    text = render(
        MEETING_INVITATION, samples.invitation().to_params(), "en", timezone="Europe/Dublin"
    ).text
    assert "Time: 14:00 to 15:00" in text
    text = render(MEETING_INVITATION, samples.invitation().to_params(), "en", timezone="UTC").text
    assert "Time: 13:00 to 14:00" in text


def test_unknown_language_gets_plain_english() -> None:
    message = render(MEETING_INVITATION, samples.invitation().to_params(), "tr")
    assert message.language == ENGLISH.code
    assert "We would like you to come." in message.text


def test_every_shipped_language_is_a_babel_locale() -> None:
    for lang in PARENT_LANGUAGES:
        assert lang.locale.character_order == ("right-to-left" if lang.rtl else "left-to-right")
