"""When a concern happened, as typed; KCSIE's categories; which files are photos."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from sendbot.domain.dates import DateNotUnderstood, parse_when
from sendbot.domain.safeguarding import (
    MAX_IMAGE_BYTES,
    Category,
    NotAnImage,
    category_label,
    check_image,
)

NOW = datetime(2026, 12, 7, 14, 5)  # a Monday, school time


@pytest.mark.parametrize(
    ("typed", "day", "at"),
    [
        ("now", date(2026, 12, 7), time(14, 5)),
        ("today 12:30", date(2026, 12, 7), time(12, 30)),
        ("yesterday", date(2026, 12, 6), None),
        ("yesterday at 3.30pm", date(2026, 12, 6), time(15, 30)),
        ("3pm", date(2026, 12, 7), time(15, 0)),
        ("fri 9am", date(2026, 12, 4), time(9, 0)),
        ("3/12 14:00", date(2026, 12, 3), time(14, 0)),
        ("3 Feb", date(2026, 2, 3), None),  # a day number is a day, not a time
        ("30/11/2026 08:45", date(2026, 11, 30), time(8, 45)),
    ],
)
def test_when_it_happened_reads_as_people_type_it(typed: str, day: date, at: time | None) -> None:
    assert parse_when(typed, NOW) == (day, at)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Please say when it happened"),
        ("after lunch", "I didn't understand 'after lunch' as a day and time."),
        ("today 25:00", "'25:00' is not a time of day."),
        ("31/2 10am", "is not a real date"),
    ],
)
def test_what_is_not_a_time_is_said_kindly(typed: str, says: str) -> None:
    with pytest.raises(DateNotUnderstood, match=says):
        parse_when(typed, NOW)


def test_the_categories_are_kcsies_with_not_sure_last() -> None:
    labels = [c.label for c in Category]
    assert labels[:4] == ["Physical abuse", "Emotional abuse", "Sexual abuse", "Neglect"]
    assert "Child-on-child abuse" in labels and "Radicalisation" in labels
    assert labels[-1] == "Not sure: the DSL will decide"
    assert category_label(None) == "Not given" and category_label("fgm").startswith("Female")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
    ],
)
def test_an_image_is_known_by_its_bytes(head: bytes, kind: str) -> None:
    assert check_image(head + b"\x00" * 64) == kind


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7", b"GIF89a......", b"<svg xmlns=...>", b"MZ\x90\x00 an exe called photo.jpg"],
)
def test_anything_else_is_not_kept_whatever_its_name(data: bytes) -> None:
    with pytest.raises(NotAnImage, match="That file is not a photo I can keep."):
        check_image(data)


def test_the_size_limit_is_ten_megabytes_exactly() -> None:
    assert check_image(b"\xff\xd8\xff" + b"\x00" * (MAX_IMAGE_BYTES - 3)) == "image/jpeg"
    with pytest.raises(NotAnImage, match="the limit is 10.0 MB"):
        check_image(b"\xff\xd8\xff" + b"\x00" * (MAX_IMAGE_BYTES - 2))
    with pytest.raises(NotAnImage, match="empty"):
        check_image(b"")
