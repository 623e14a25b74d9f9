"""The provision map and the SEN register: the evidence a school keeps for its governors,
the local authority and inspection.

Per intervention: its pupils, sessions planned and delivered in the term, attendance,
minutes and target progress; per pupil: the provision they received. Planned sessions are
the intervention's sessions a week for each of its planned weeks that starts in the term
(weeks starting in the half-term break are not counted). Terms come from `term_date`;
without them, a term is read as 1 Sep-31 Dec (autumn), 1 Jan-14 Apr (spring) or
15 Apr-31 Aug (summer) of the year given, and the export says so.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.domain.calendar import Term
from sendbot.domain.needs import CENSUS_NEEDS, Area
from sendbot.services import school_policy, terms
from sendbot.services.provision import RATINGS
from sendbot.store.models import (
    Intervention,
    InterventionPupil,
    InterventionSession,
    Pupil,
    School,
    SessionAttendance,
    Staff,
    SupportPlan,
    Target,
    TargetIntervention,
    TargetProgress,
)


class ExportInvalid(ValueError):
    """A bad option on the command line; the message says how to fix it."""


@dataclass(frozen=True)
class TermRange:
    name: str
    first: date
    last: date
    from_term_dates: bool
    term: Term | None = None


@dataclass
class PupilProvision:
    pupil_id: int
    name: str
    year_group: int
    level: str
    attended: int = 0
    missed: int = 0
    minutes: int = 0
    targets: list[str] = field(default_factory=list)

    @property
    def attendance(self) -> str:
        total = self.attended + self.missed
        return f"{round(100 * self.attended / total)}%" if total else ""


@dataclass
class InterventionProvision:
    id: int
    name: str
    area: str
    delivered_by: str
    sessions_per_week: int
    minutes_per_session: int
    planned: int
    delivered: int
    minutes_delivered: int
    pupils: list[PupilProvision]


@dataclass(frozen=True)
class ProvisionMap:
    school: str
    term: TermRange
    interventions: list[InterventionProvision]

    def by_pupil(self) -> list[tuple[PupilProvision, list[tuple[str, PupilProvision]]]]:
        found: dict[int, list[tuple[str, PupilProvision]]] = {}
        first: dict[int, PupilProvision] = {}
        for intervention in self.interventions:
            for pupil in intervention.pupils:
                found.setdefault(pupil.pupil_id, []).append((intervention.name, pupil))
                first.setdefault(pupil.pupil_id, pupil)
        order = sorted(first.values(), key=lambda p: (p.name.split()[-1], p.name))
        return [(p, found[p.pupil_id]) for p in order]


def term_range(session: Session, school_id: int, name: str) -> TermRange:
    match = re.fullmatch(r"(\d{4})-(autumn|spring|summer)", name.strip().lower())
    if not match:
        raise ExportInvalid(
            f"--term must look like 2026-autumn, 2027-spring or 2027-summer, not '{name}'."
        )
    year, season = int(match[1]), match[2]
    term = terms.term_named(session, school_id, f"{year}-{season}")
    if term is not None:
        return TermRange(term.name, term.starts_on, term.ends_on, True, term)
    first, last = {
        "autumn": (date(year, 9, 1), date(year, 12, 31)),
        "spring": (date(year, 1, 1), date(year, 4, 14)),
        "summer": (date(year, 4, 15), date(year, 8, 31)),
    }[season]
    return TermRange(f"{year}-{season}", first, last, False)


def _planned(intervention: Intervention, term: TermRange) -> int:
    weeks = 0
    for week in range(intervention.planned_weeks):
        starts = intervention.starts_on + timedelta(weeks=week)
        if term.first <= starts <= term.last and not (term.term and term.term.in_half_term(starts)):
            weeks += 1
    return weeks * intervention.sessions_per_week


def _progress(session: Session, pupil_id: int, intervention_id: int, term: TermRange) -> list[str]:
    out = []
    targets = session.scalars(
        select(Target)
        .join(TargetIntervention, TargetIntervention.target_id == Target.id)
        .where(TargetIntervention.intervention_id == intervention_id, Target.pupil_id == pupil_id)
        .order_by(Target.id)
    )
    for target in targets:
        ratings = list(
            session.scalars(
                select(TargetProgress.rating)
                .join(InterventionSession, InterventionSession.id == TargetProgress.session_id)
                .where(
                    TargetProgress.target_id == target.id,
                    InterventionSession.intervention_id == intervention_id,
                    InterventionSession.held_on.between(term.first, term.last),
                )
                .order_by(InterventionSession.held_on, TargetProgress.id)
            )
        )
        if not ratings:
            trend = "no ratings"
        elif len(ratings) == 1:
            trend = f"{RATINGS[ratings[0]]} (1 rating)"
        else:
            trend = f"{RATINGS[ratings[0]]} -> {RATINGS[ratings[-1]]} ({len(ratings)} ratings)"
        status = "" if target.status == "active" else f", closed {target.status}"
        out.append(f"{target.staff_wording}: {trend}{status}")
    return out


def build(session: Session, school_id: int, term_name: str) -> ProvisionMap:
    school = session.get(School, school_id)
    if school is None:
        raise ExportInvalid(f"There is no school with id {school_id}.")
    names = school_policy.load(session, school_id)
    term = term_range(session, school_id, term_name)
    rows: list[InterventionProvision] = []
    for intervention in session.scalars(
        select(Intervention)
        .where(Intervention.school_id == school_id, Intervention.starts_on <= term.last)
        .order_by(Intervention.name, Intervention.id)
    ):
        held = list(
            session.scalars(
                select(InterventionSession).where(
                    InterventionSession.intervention_id == intervention.id,
                    InterventionSession.held_on.between(term.first, term.last),
                )
            )
        )
        planned = _planned(intervention, term)
        if not held and not planned:
            continue
        minutes = {s.id: s.minutes for s in held}
        pupils: dict[int, PupilProvision] = {}
        members = session.scalars(
            select(Pupil)
            .join(InterventionPupil, InterventionPupil.pupil_id == Pupil.id)
            .where(
                InterventionPupil.intervention_id == intervention.id,
                InterventionPupil.joined_on <= term.last,
                (InterventionPupil.left_on.is_(None)) | (InterventionPupil.left_on >= term.first),
            )
        )
        attendance = session.scalars(
            select(SessionAttendance).where(SessionAttendance.session_id.in_(list(minutes)))
        )
        for pupil in members:
            pupils[pupil.id] = PupilProvision(
                pupil.id, pupil.display_name, pupil.year_group, names.level_name(pupil.sen_status)
            )
        for mark in attendance:
            if mark.pupil_id not in pupils:
                former = session.get(Pupil, mark.pupil_id)
                assert former is not None
                pupils[former.id] = PupilProvision(
                    former.id,
                    former.display_name,
                    former.year_group,
                    names.level_name(former.sen_status),
                )
            entry = pupils[mark.pupil_id]
            if mark.present:
                entry.attended += 1
                entry.minutes += minutes[mark.session_id]
            else:
                entry.missed += 1
        for entry in pupils.values():
            entry.targets = _progress(session, entry.pupil_id, intervention.id, term)
        staff = (
            session.get(Staff, intervention.delivered_by_id)
            if intervention.delivered_by_id
            else None
        )
        rows.append(
            InterventionProvision(
                id=intervention.id,
                name=intervention.name,
                area=Area(intervention.area).label,
                delivered_by=staff.display_name if staff else "",
                sessions_per_week=intervention.sessions_per_week,
                minutes_per_session=intervention.minutes,
                planned=planned,
                delivered=len(held),
                minutes_delivered=sum(minutes.values()),
                pupils=sorted(pupils.values(), key=lambda p: (p.name.split()[-1], p.name)),
            )
        )
    return ProvisionMap(school.name, term, rows)


CSV_COLUMNS = (
    "term",
    "intervention",
    "area_of_need",
    "delivered_by",
    "sessions_per_week",
    "minutes_per_session",
    "sessions_planned",
    "sessions_delivered",
    "minutes_delivered",
    "pupil",
    "year_group",
    "sen_level",
    "sessions_attended",
    "sessions_missed",
    "attendance",
    "minutes_received",
    "target_progress",
)


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula is written as plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def provision_csv(pmap: ProvisionMap) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i in pmap.interventions:
        head = [
            pmap.term.name, i.name, i.area, i.delivered_by, i.sessions_per_week,
            i.minutes_per_session, i.planned, i.delivered, i.minutes_delivered,
        ]  # fmt: skip
        if not i.pupils:
            writer.writerow([_cell(c) for c in head + [""] * 8])
        for p in i.pupils:
            row = head + [p.name, p.year_group, p.level, p.attended, p.missed, p.attendance]
            writer.writerow([_cell(c) for c in row + [p.minutes, "; ".join(p.targets)]])
    return out.getvalue()


def _table(headings: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def provision_html(pmap: ProvisionMap) -> str:
    e = html.escape
    title = f"Provision map: {pmap.school}, {pmap.term.name}"
    parts = [
        "<!doctype html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin-bottom:1.5em}th,td{border:1px solid #999;padding:4px 8px;text-align:left;"
        "vertical-align:top}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p>{pmap.term.first:%-d %B %Y} to {pmap.term.last:%-d %B %Y}"
        + ("" if pmap.term.from_term_dates else " (no term dates set up: approximate term)")
        + "</p>",
        "<h2>By intervention</h2>",
    ]
    if not pmap.interventions:
        parts.append("<p>No interventions ran in this term.</p>")
    for i in pmap.interventions:
        parts.append(f"<h3>{e(i.name)}</h3>")
        parts.append(
            f"<p>{e(i.area)}. Delivered by {e(i.delivered_by or 'nobody named')}. "
            f"{i.sessions_per_week} a week, {i.minutes_per_session} minutes. "
            f"Sessions planned {i.planned}, delivered {i.delivered}; "
            f"{i.minutes_delivered} minutes delivered.</p>"
        )
        parts.append(
            _table(
                (
                    "Pupil",
                    "Year",
                    "Level",
                    "Attended",
                    "Missed",
                    "Attendance",
                    "Minutes",
                    "Targets",
                ),
                [
                    (
                        p.name,
                        p.year_group,
                        p.level,
                        p.attended,
                        p.missed,
                        p.attendance,
                        p.minutes,
                        "; ".join(p.targets) or "none linked",
                    )
                    for p in i.pupils
                ],  # fmt: skip
            )
        )
    parts.append("<h2>By pupil</h2>")
    rows = []
    for pupil, provision in pmap.by_pupil():
        for name, entry in provision:
            rows.append((pupil.name, pupil.year_group, pupil.level, name, entry.attended,
                         entry.minutes))  # fmt: skip
    parts.append(
        _table(("Pupil", "Year", "Level", "Intervention", "Sessions attended", "Minutes"), rows)
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- the SEN register ---------------------------------------------------------------------

REGISTER_COLUMNS = (
    "pupil",
    "upn",
    "year_group",
    "class",
    "sen_status",
    "primary_need",
    "secondary_need",
    "plan",
    "plan_review_date",
)


def sen_register(session: Session, school_id: int) -> list[list[str]]:
    """Every pupil at a level above 'none', by year group and name."""
    if session.get(School, school_id) is None:
        raise ExportInvalid(f"There is no school with id {school_id}.")
    names = school_policy.load(session, school_id)
    rows = []
    for pupil in session.scalars(
        select(Pupil)
        .where(Pupil.school_id == school_id, Pupil.active, Pupil.sen_status != "none")
        .order_by(Pupil.year_group, Pupil.last_name, Pupil.first_name, Pupil.id)
    ):
        plan = session.scalar(
            select(SupportPlan)
            .where(SupportPlan.pupil_id == pupil.id, SupportPlan.status == "active")
            .order_by(SupportPlan.id.desc())
            .limit(1)
        )

        def need(code: str | None) -> str:
            return f"{code} ({CENSUS_NEEDS[code][0]})" if code in CENSUS_NEEDS else (code or "")

        rows.append(
            [
                pupil.display_name,
                pupil.upn or "",
                str(pupil.year_group),
                pupil.group.name if pupil.group else "",
                names.level_name(pupil.sen_status),
                need(pupil.primary_need),
                need(pupil.secondary_need),
                names.plan_name(plan.kind) if plan else "",
                plan.next_review_on.isoformat() if plan and plan.next_review_on else "",
            ]
        )
    return rows


def register_csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REGISTER_COLUMNS)
    writer.writerows([[_cell(c) for c in row] for row in rows])
    return out.getvalue()
