"""A synthetic trust, written in bulk: schools, staff, pupils, plans, deadlines, a year of work.

Rows go in with SQLAlchemy Core `insert` and lists of dicts (executemany), never the ORM
one object at a time, so 50,000 pupils and 200,000 deadlines take seconds, not minutes.
Ids are chosen here, so nothing has to be read back. Everything is invented; emails use
the reserved `.example` domain.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, Table, insert

from sendbot.domain.timescales import RULES_BY_KIND
from sendbot.store.models import Base

FIRST = ("Amelia", "Oliver", "Zainab", "Kacper", "Ruby", "Isaac", "Maya", "Arjun", "Ella", "Yusuf")
LAST = ("Hartley", "Khan", "Nowak", "Walsh", "Patel", "Okafor", "Begum", "Smith", "Ali", "Evans")
AREAS = ("cl", "ci", "semh", "sp")
# Every rule's kind; safeguarding deadlines hang on a concern, the others on the pupil.
KINDS = tuple(RULES_BY_KIND)
BATCH = 5_000


@dataclass(frozen=True)
class Size:
    schools: int = 50
    pupils_per_school: int = 1_000
    send_per_school: int = 160
    deadlines_per_send_pupil: int = 25
    concerns_per_school: int = 400
    interventions_per_school: int = 8
    weeks: int = 39

    @property
    def label(self) -> str:
        return (
            f"{self.schools} schools, {self.schools * self.pupils_per_school:,} pupils, "
            f"{self.schools * self.send_per_school:,} with SEND, "
            f"{self.schools * self.send_per_school * self.deadlines_per_send_pupil:,} deadlines, "
            f"{self.schools * self.concerns_per_school:,} concerns, "
            f"{self.weeks} weeks of intervention sessions"
        )


FULL = Size()
QUICK = Size(schools=5, pupils_per_school=200, send_per_school=30, concerns_per_school=40, weeks=8)
TINY = Size(
    schools=2,
    pupils_per_school=40,
    send_per_school=6,
    deadlines_per_send_pupil=5,
    concerns_per_school=5,
    interventions_per_school=2,
    weeks=2,
)


@dataclass
class Trust:
    size: Size
    school_ids: list[int] = field(default_factory=list)
    senco_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _put(conn: Any, name: str, rows: Iterable[dict[str, Any]], counts: dict[str, int]) -> None:
    batch: list[dict[str, Any]] = []
    table = _table(name)
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            counts[name] = counts.get(name, 0) + len(batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)
        counts[name] = counts.get(name, 0) + len(batch)


def build_trust(engine: Engine, size: Size, now: datetime, seed: int = 50) -> Trust:
    """Fill an empty, migrated database with a trust of `size.schools` schools."""
    import time as clock

    started = clock.perf_counter()
    rng = random.Random(seed)
    trust = Trust(size)
    counts = trust.counts
    today = now.date()
    staff_per_school = 44  # 30 teachers, 10 TAs, SENCO, DSL, deputy DSL, headteacher
    groups_per_school = 30
    ids = {"staff": 0, "group": 0, "pupil": 0, "plan": 0, "deadline": 0, "concern": 0}
    ids |= {"intervention": 0, "session": 0}

    schools, staff, roles, groups, group_staff = [], [], [], [], []
    pupils, plans, deadlines, concerns = [], [], [], []
    interventions, int_pupils, sessions, attendance = [], [], [], []
    for s in range(1, size.schools + 1):
        trust.school_ids.append(s)
        schools.append(
            {
                "id": s,
                "trust_id": 1,
                "name": f"Benchmark School {s}",
                "urn": f"99{s:04d}",
                "digest_time": time(7, 30),
                "settings": {},
            }
        )
        school_staff: dict[str, list[int]] = {"teacher": [], "ta": []}
        for n in range(staff_per_school):
            ids["staff"] += 1
            sid = ids["staff"]
            role = (
                "teacher"
                if n < 30
                else "ta"
                if n < 40
                else ("senco", "dsl", "deputy_dsl", "headteacher")[n - 40]
            )
            staff.append(
                {
                    "id": sid,
                    "school_id": s,
                    "external_id": f"S{s}-{n}",
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "email": f"staff{n}@school{s}.example",
                    "active": True,
                }
            )
            roles.append({"staff_id": sid, "role": role})
            school_staff.setdefault(role, []).append(sid)
            if role == "senco":
                trust.senco_ids.append(sid)
        first_group = ids["group"] + 1
        for g in range(groups_per_school):
            ids["group"] += 1
            year = g % 7
            groups.append(
                {
                    "id": ids["group"],
                    "school_id": s,
                    "code": f"{year}{chr(65 + g // 7)}",
                    "name": f"Year {year} class {g}",
                    "year_group": year,
                }
            )
            group_staff.append(
                {
                    "group_id": ids["group"],
                    "staff_id": school_staff["teacher"][g],
                    "role": "teacher",
                }
            )
            group_staff.append(
                {
                    "group_id": ids["group"],
                    "staff_id": school_staff["ta"][g % 10],
                    "role": "ta",
                }
            )
        send_pupils: list[int] = []
        for n in range(size.pupils_per_school):
            ids["pupil"] += 1
            pid = ids["pupil"]
            group = first_group + n % groups_per_school
            send = n < size.send_per_school
            status = ("sen_support", "ehc_plan")[n % 5 == 0] if send else "none"
            pupils.append(
                {
                    "id": pid,
                    "school_id": s,
                    "external_id": f"P{s}-{n}",
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "date_of_birth": date(2015 + n % 7, 1 + n % 12, 1 + n % 28),
                    "year_group": (group - first_group) % 7,
                    "group_id": group,
                    "sen_status": status,
                    "primary_need": rng.choice(("SLCN", "ASD", "SEMH", "SPLD")) if send else None,
                    "active": True,
                }
            )
            if not send:
                continue
            send_pupils.append(pid)
            ids["plan"] += 1
            plans.append(
                {
                    "id": ids["plan"],
                    "pupil_id": pid,
                    "kind": status if status == "ehc_plan" else "sen_support",
                    "started_on": today - timedelta(days=rng.randint(30, 700)),
                    "next_review_on": today + timedelta(days=rng.randint(-20, 120)),
                    "status": "active",
                }
            )
            for kind in rng.sample(KINDS, min(size.deadlines_per_send_pupil, len(KINDS))):
                ids["deadline"] += 1
                on_concern = kind.startswith("safeguarding.")
                due = today + timedelta(days=rng.randint(-365, 365))
                open_ = due >= today or rng.random() < 0.1
                deadlines.append(
                    {
                        "id": ids["deadline"],
                        "school_id": s,
                        "pupil_id": pid,
                        "kind": kind,
                        "subject_type": "concern" if on_concern else "pupil",
                        "subject_id": ids["deadline"] if on_concern else pid,
                        "due_on": due,
                        "owner_role": RULES_BY_KIND[kind].owner.value,
                        "owner_staff_id": None,
                        "status": "open" if open_ else "done",
                        "source": RULES_BY_KIND[kind].law[:200],
                        "computed_at": now,
                        "done_at": None if open_ else now,
                    }
                )
        school_pupils = range(ids["pupil"] - size.pupils_per_school + 1, ids["pupil"] + 1)
        for _ in range(size.concerns_per_school):
            ids["concern"] += 1
            # a year of concerns, a few of them in the last day for the digest
            age = timedelta(minutes=rng.randint(1, 365 * 24 * 60))
            if ids["concern"] % 50 == 0:
                age = timedelta(hours=rng.randint(1, 20))
            safeguarding = rng.random() < 0.1
            concerns.append(
                {
                    "id": ids["concern"],
                    "school_id": s,
                    "pupil_id": rng.choice(school_pupils),
                    "raised_by_id": rng.choice(school_staff["teacher"]),
                    "raised_at": now - age,
                    "area": rng.choice(("semh", "cl", "ci", "sp", "other")),
                    "narrative_text": "Seemed withdrawn at lunch and did not eat.",
                    "source": "staff",
                    "safeguarding": safeguarding,
                    "immediate_danger": False,
                    "triage": {},
                    "status": "closed" if age > timedelta(days=30) else "open",
                    "acknowledged_at": now - age + timedelta(minutes=20) if safeguarding else None,
                }
            )
        for _ in range(size.interventions_per_school):
            ids["intervention"] += 1
            iid = ids["intervention"]
            starts = today - timedelta(weeks=size.weeks)
            interventions.append(
                {
                    "id": iid,
                    "school_id": s,
                    "name": f"Group {iid}",
                    "area": rng.choice(AREAS),
                    "delivered_by_id": rng.choice(school_staff["ta"]),
                    "sessions_per_week": 2,
                    "minutes": 30,
                    "starts_on": starts,
                    "planned_weeks": size.weeks + 6,
                    "active": True,
                }
            )
            members = rng.sample(send_pupils, min(4, len(send_pupils)))
            int_pupils += [
                {"intervention_id": iid, "pupil_id": p, "joined_on": starts} for p in members
            ]
            for week in range(size.weeks):
                for day in (1, 3):
                    held = starts + timedelta(weeks=week, days=day)
                    if held > today:
                        continue
                    ids["session"] += 1
                    sessions.append(
                        {
                            "id": ids["session"],
                            "intervention_id": iid,
                            "held_on": held,
                            "minutes": 30,
                            "delivered_by_id": interventions[-1]["delivered_by_id"],
                            "note_text": None,
                            "recorded_at": datetime.combine(held, time(15), now.tzinfo),
                        }
                    )
                    attendance += [
                        {"session_id": ids["session"], "pupil_id": p, "present": True}
                        for p in members
                    ]

    with engine.begin() as conn:
        _put(conn, "trust", [{"id": 1, "name": "Benchmark Trust"}], counts)
        for name, rows in (
            ("school", schools),
            ("staff", staff),
            ("staff_role", roles),
            ("teaching_group", groups),
            ("group_staff", group_staff),
            ("pupil", pupils),
            ("support_plan", plans),
            ("deadline", deadlines),
            ("concern", concerns),
            ("intervention", interventions),
            ("intervention_pupil", int_pupils),
            ("intervention_session", sessions),
            ("session_attendance", attendance),
        ):
            _put(conn, name, rows, counts)
    if engine.dialect.name == "postgresql":
        _fix_sequences(engine, counts)
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    trust.seconds = clock.perf_counter() - started
    return trust


def _fix_sequences(engine: Engine, counts: dict[str, int]) -> None:
    """Ids were chosen here, so move PostgreSQL's sequences past them."""
    with engine.begin() as conn:
        for name in counts:
            table = _table(name)
            if "id" not in table.c or not table.c.id.primary_key:
                continue
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
            )
