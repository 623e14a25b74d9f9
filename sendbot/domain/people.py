"""Roles, SEN statuses and year groups: the words the rest of sendbot agrees on."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    TEACHER = "teacher"
    TA = "ta"
    SENCO = "senco"
    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    HEADTEACHER = "headteacher"
    ADMIN = "admin"
    OTHER_STAFF = "other_staff"  # lunchtime, office, site and supply staff; volunteers
    # The case manager for a concern or allegation about the headteacher (KCSIE Part four).
    CHAIR_OF_GOVERNORS = "chair_of_governors"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.TEACHER: "teacher",
    Role.TA: "teaching assistant",
    Role.SENCO: "SENCO",
    Role.DSL: "designated safeguarding lead",
    Role.DEPUTY_DSL: "deputy safeguarding lead",
    Role.HEADTEACHER: "headteacher",
    Role.ADMIN: "school admin",
    Role.OTHER_STAFF: "other staff member (lunchtime, office, site, supply or volunteer)",
    Role.CHAIR_OF_GOVERNORS: "chair of governors",
}

SAFEGUARDING_LEADS = frozenset({Role.DSL, Role.DEPUTY_DSL})


def parse_roles(text: str) -> list[Role]:
    """Roles as an MIS export writes them: 'teacher;senco', 'TA', 'Deputy DSL'."""
    aliases = {
        "teaching assistant": Role.TA,
        "teaching_assistant": Role.TA,
        "ta": Role.TA,
        "hlta": Role.TA,
        "deputy dsl": Role.DEPUTY_DSL,
        "deputy-dsl": Role.DEPUTY_DSL,
        "ddsl": Role.DEPUTY_DSL,
        "head": Role.HEADTEACHER,
        "head teacher": Role.HEADTEACHER,
        "headteacher": Role.HEADTEACHER,
        "sendco": Role.SENCO,
        "senco": Role.SENCO,
        "other": Role.OTHER_STAFF,
        "other staff": Role.OTHER_STAFF,
        "other_staff": Role.OTHER_STAFF,
        "lunchtime": Role.OTHER_STAFF,
        "lunchtime supervisor": Role.OTHER_STAFF,
        "midday supervisor": Role.OTHER_STAFF,
        "midday assistant": Role.OTHER_STAFF,
        "mta": Role.OTHER_STAFF,
        "office": Role.OTHER_STAFF,
        "office staff": Role.OTHER_STAFF,
        "receptionist": Role.OTHER_STAFF,
        "site": Role.OTHER_STAFF,
        "site staff": Role.OTHER_STAFF,
        "site manager": Role.OTHER_STAFF,
        "caretaker": Role.OTHER_STAFF,
        "supply": Role.OTHER_STAFF,
        "supply teacher": Role.OTHER_STAFF,
        "volunteer": Role.OTHER_STAFF,
        "chair": Role.CHAIR_OF_GOVERNORS,
        "chair of governors": Role.CHAIR_OF_GOVERNORS,
        "chair-of-governors": Role.CHAIR_OF_GOVERNORS,
        "cog": Role.CHAIR_OF_GOVERNORS,
    }
    roles: list[Role] = []
    for raw in text.replace(",", ";").replace("|", ";").split(";"):
        word = raw.strip().lower()
        if not word:
            continue
        role = aliases.get(word)
        if role is None:
            try:
                role = Role(word)
            except ValueError as exc:
                raise ValueError(f"'{raw.strip()}' is not a role sendbot knows") from exc
        if role not in roles:
            roles.append(role)
    return roles


class SenStatus(StrEnum):
    """The graduated approach, in the census's terms (K = SEN support, E = EHC plan)."""

    NONE = "none"
    MONITORING = "monitoring"
    SEN_SUPPORT = "sen_support"
    EHC_PLAN = "ehc_plan"

    @property
    def has_send(self) -> bool:
        return self in (SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN, SenStatus.MONITORING)


SEN_STATUS_ALIASES: dict[str, SenStatus] = {
    "": SenStatus.NONE,
    "n": SenStatus.NONE,
    "none": SenStatus.NONE,
    "monitoring": SenStatus.MONITORING,
    "m": SenStatus.MONITORING,
    "k": SenStatus.SEN_SUPPORT,
    "sen support": SenStatus.SEN_SUPPORT,
    "sen_support": SenStatus.SEN_SUPPORT,
    "e": SenStatus.EHC_PLAN,
    "ehc plan": SenStatus.EHC_PLAN,
    "ehc_plan": SenStatus.EHC_PLAN,
    "ehcp": SenStatus.EHC_PLAN,
}


def parse_sen_status(text: str) -> SenStatus:
    try:
        return SEN_STATUS_ALIASES[text.strip().lower()]
    except KeyError as exc:
        raise ValueError(
            f"SEN status '{text}' is not one of N, K, E, monitoring, SEN support, EHC plan"
        ) from exc


def year_label(year_group: int) -> str:
    return "Reception" if year_group == 0 else f"Year {year_group}"
