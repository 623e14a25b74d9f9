"""The four broad areas of need (SEND Code of Practice ch. 6) and census need types."""

from __future__ import annotations

from enum import StrEnum


class Area(StrEnum):
    COMMUNICATION = "communication_interaction"
    COGNITION = "cognition_learning"
    SEMH = "semh"
    SENSORY_PHYSICAL = "sensory_physical"
    WELLBEING = "wellbeing_other"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


AREA_LABELS: dict[Area, str] = {
    Area.COMMUNICATION: "Communication and interaction",
    Area.COGNITION: "Cognition and learning",
    Area.SEMH: "Social, emotional and mental health",
    Area.SENSORY_PHYSICAL: "Sensory and/or physical",
    Area.WELLBEING: "Wellbeing/other",
}

# The four broad areas are the Code's; "wellbeing/other" exists only for concerns.
BROAD_AREAS: tuple[Area, ...] = (
    Area.COMMUNICATION,
    Area.COGNITION,
    Area.SEMH,
    Area.SENSORY_PHYSICAL,
)

# School census primary/secondary need codes and the broad area each belongs to.
CENSUS_NEEDS: dict[str, tuple[str, Area]] = {
    "SPLD": ("Specific learning difficulty", Area.COGNITION),
    "MLD": ("Moderate learning difficulty", Area.COGNITION),
    "SLD": ("Severe learning difficulty", Area.COGNITION),
    "PMLD": ("Profound and multiple learning difficulty", Area.COGNITION),
    "SEMH": ("Social, emotional and mental health", Area.SEMH),
    "SLCN": ("Speech, language and communication needs", Area.COMMUNICATION),
    "ASD": ("Autistic spectrum disorder", Area.COMMUNICATION),
    "HI": ("Hearing impairment", Area.SENSORY_PHYSICAL),
    "VI": ("Visual impairment", Area.SENSORY_PHYSICAL),
    "MSI": ("Multi-sensory impairment", Area.SENSORY_PHYSICAL),
    "PD": ("Physical disability", Area.SENSORY_PHYSICAL),
    "OTH": ("Other difficulty or disability", Area.WELLBEING),
    "NSA": ("SEN support but no specialist assessment of type of need", Area.WELLBEING),
}


def parse_need(code: str) -> str | None:
    """A census need code, upper-cased, or None for an empty cell."""
    value = code.strip().upper()
    if not value:
        return None
    if value not in CENSUS_NEEDS:
        known = ", ".join(CENSUS_NEEDS)
        raise ValueError(f"need '{code.strip()}' is not a census need type ({known})")
    return value


def area_label(value: str) -> str:
    """An area's label, or the value as stored when it names no area (an older record)."""
    try:
        return Area(value).label
    except ValueError:
        return value


def area_of_need(code: str | None) -> Area | None:
    return CENSUS_NEEDS[code][1] if code else None
