"""What a safeguarding record holds: KCSIE's categories of abuse, and the images a concern
may carry (a photo of a written note, a body map). Pure rules, no I/O.

The categories are those schools record against (KCSIE Part one and Annex B): the four
kinds of abuse, then the specific issues a DSL tracks. The reporter may not know which
applies; "not sure" leaves it for the DSL.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    PHYSICAL = "physical_abuse"
    EMOTIONAL = "emotional_abuse"
    SEXUAL = "sexual_abuse"
    NEGLECT = "neglect"
    CHILD_ON_CHILD = "child_on_child"
    ONLINE = "online_safety"
    EXPLOITATION = "exploitation"
    DOMESTIC = "domestic_abuse"
    FGM = "fgm"
    RADICALISATION = "radicalisation"
    MENTAL_HEALTH = "mental_health"
    OTHER = "other"
    NOT_SURE = "not_sure"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[Category, str] = {
    Category.PHYSICAL: "Physical abuse",
    Category.EMOTIONAL: "Emotional abuse",
    Category.SEXUAL: "Sexual abuse",
    Category.NEGLECT: "Neglect",
    Category.CHILD_ON_CHILD: "Child-on-child abuse",
    Category.ONLINE: "Online safety",
    Category.EXPLOITATION: "Exploitation (CSE or CCE)",
    Category.DOMESTIC: "Domestic abuse",
    Category.FGM: "Female genital mutilation (FGM)",
    Category.RADICALISATION: "Radicalisation",
    Category.MENTAL_HEALTH: "Mental health",
    Category.OTHER: "Other",
    Category.NOT_SURE: "Not sure: the DSL will decide",
}


def category_label(value: str | None) -> str:
    """The category's name for a reader; an unknown or missing one reads as not given."""
    if value is None:
        return "Not given"
    try:
        return Category(value).label
    except ValueError:
        return value


# --- images ---------------------------------------------------------------------------------

MAX_IMAGE_BYTES = 10 * 1024 * 1024


class NotAnImage(ValueError):
    """The bytes are not a photo in a format sendbot keeps; the message says so kindly."""


def _is_heic(head: bytes) -> bool:
    # ISO base media file: bytes 4-8 'ftyp', then a brand naming HEIF/HEIC.
    return head[4:8] == b"ftyp" and head[8:12] in (
        b"heic",
        b"heix",
        b"hevc",
        b"hevx",
        b"mif1",
        b"msf1",
    )


def image_type(data: bytes) -> str:
    """The image's content type from its first bytes (never its name); NotAnImage else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _is_heic(data[:16]):
        return "image/heic"
    raise NotAnImage(
        "That file is not a photo I can keep. Please send a photo (JPEG, PNG, HEIC or "
        "WebP), for example a picture of the note or the body map. Nothing else has changed."
    )


def check_image(data: bytes, limit: int = MAX_IMAGE_BYTES) -> str:
    """The content type of an image small enough to keep; NotAnImage with a kind message."""
    if not data:
        raise NotAnImage("That file was empty. Please send the photo again.")
    if len(data) > limit:
        raise NotAnImage(too_big(len(data), limit))
    return image_type(data)


def too_big(size: int, limit: int = MAX_IMAGE_BYTES) -> str:
    return (
        f"That file is {size_words(size)}; the limit is {size_words(limit)}. "
        "Please send a smaller photo (most phones can share a smaller size). "
        "Nothing else has changed."
    )


def size_words(size: int) -> str:
    """'850 KB', '12.4 MB'."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
