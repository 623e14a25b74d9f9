"""The demo school goes through the real importer and has what the demo and walkthrough need."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.demo import school as demo
from sendbot.demo.school import write_demo_roster
from sendbot.domain.needs import BROAD_AREAS, area_of_need
from sendbot.domain.people import Role
from sendbot.services.roster import RosterReport, import_roster
from sendbot.store.db import transaction
from sendbot.store.models import (
    GroupStaff,
    Guardian,
    GuardianPupil,
    Identity,
    Pupil,
    School,
    Staff,
    TeachingGroup,
)

Sessions = sessionmaker[Session]
CLOCK = FrozenClock(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))


def load_demo(sessions: Sessions, folder: Path, seed: int = demo.DEMO_SEED) -> RosterReport:
    write_demo_roster(folder, seed)
    with transaction(sessions) as session:
        return import_roster(session, [folder], clock=CLOCK, actor_kind="system")


@pytest.fixture
def loaded(sessions: Sessions, tmp_path: Path) -> Iterator[Session]:
    load_demo(sessions, tmp_path / "demo")
    with sessions() as session:
        yield session


def staff_by_email(session: Session, email: str) -> Staff:
    return session.scalars(select(Staff).where(Staff.email == email)).one()


def classes_of(session: Session, staff: Staff) -> set[str]:
    query = select(TeachingGroup.code).join(GroupStaff).where(GroupStaff.staff_id == staff.id)
    return set(session.scalars(query))


def test_the_demo_roster_imports_cleanly(sessions: Sessions, tmp_path: Path) -> None:
    report = load_demo(sessions, tmp_path / "demo")

    assert report.school_name == demo.DEMO_SCHOOL_NAME == "Brookfield Primary School"
    assert report.urn == demo.DEMO_URN
    assert report.ignored_files == []
    assert report.counts["classes"].created == 7
    assert 190 <= report.counts["pupils"].created <= 215
    assert report.counts["staff"].created == 18
    again = load_demo(sessions, tmp_path / "demo")
    assert all(c.created == c.updated == 0 for c in again.counts.values())


def test_about_200_pupils_in_7_classes_reception_to_year_6(loaded: Session) -> None:
    school = loaded.scalars(select(School)).one()
    assert (school.timezone, school.nation) == ("Europe/London", "england")
    groups = loaded.scalars(select(TeachingGroup).order_by(TeachingGroup.year_group)).all()
    assert [g.year_group for g in groups] == [0, 1, 2, 3, 4, 5, 6]
    assert groups[0].name == "Reception - Acorns"
    pupils = loaded.scalars(select(Pupil)).all()
    assert 190 <= len(pupils) <= 215
    sizes = Counter(p.group_id for p in pupils)
    assert all(26 <= size <= 31 for size in sizes.values()) and len(sizes) == 7
    for p in pupils:  # every child is the right age for their year group in 2025/26
        assert p.group is not None and p.group.year_group == p.year_group
        start = date(demo.DEMO_SCHOOL_YEAR - 5 - p.year_group, 9, 1)
        assert start <= p.date_of_birth < date(start.year + 1, 9, 1)


def test_sen_proportions_and_all_four_broad_areas(loaded: Session) -> None:
    pupils = loaded.scalars(select(Pupil)).all()
    status = Counter(p.sen_status for p in pupils)
    assert 0.12 <= status["sen_support"] / len(pupils) <= 0.18
    assert 0.01 <= status["ehc_plan"] / len(pupils) <= 0.03
    assert status["monitoring"] > 0
    with_send = [p for p in pupils if p.sen_status in ("sen_support", "ehc_plan")]
    assert all(p.primary_need for p in with_send)
    assert not any(p.primary_need for p in pupils if p.sen_status == "none")
    areas = {area_of_need(p.primary_need) for p in with_send}
    assert set(BROAD_AREAS) <= areas
    assert any(p.secondary_need for p in with_send)
    assert 1 <= sum(p.looked_after for p in pupils) <= 4


def test_eal_and_first_languages_agree(loaded: Session) -> None:
    pupils = loaded.scalars(select(Pupil)).all()
    eal = [p for p in pupils if p.eal]
    assert 0.15 <= len(eal) / len(pupils) <= 0.5
    assert all(p.first_language and p.first_language != "English" for p in eal)
    assert all(p.first_language == "English" for p in pupils if not p.eal)
    assert {"Polish", "Urdu", "Panjabi", "Bengali", "Romanian"} <= {p.first_language for p in eal}
    polish = [p for p in eal if p.first_language == "Polish"]
    assert all(p.last_name in _surnames("polish") for p in polish if p.last_name != "Wiśniewski")


def _surnames(heritage: str) -> set[str]:
    h = demo.HERITAGES[heritage]
    return set(h.surnames) | {demo._feminine(heritage, s) for s in h.surnames}


def test_every_role_and_the_fixed_logins(loaded: Session) -> None:
    staff = loaded.scalars(select(Staff)).all()
    holders = Counter(role for s in staff for role in s.role_names)
    assert set(holders) == {role.value for role in Role}
    assert holders["teacher"] >= 7 and holders["ta"] >= 4 and holders["deputy_dsl"] == 2
    assert all(s.email.endswith("@brookfield.example") for s in staff)

    for role, email in demo.DEMO_LOGINS.items():
        assert role in staff_by_email(loaded, email).role_names, email
    senco = staff_by_email(loaded, demo.DEMO_SENCO_EMAIL)
    assert senco.role_names == {"senco", "deputy_dsl"}
    assert {s.email for s in staff if "deputy_dsl" in s.role_names} == set(
        demo.DEMO_DEPUTY_DSL_EMAILS
    )
    teacher = staff_by_email(loaded, demo.DEMO_TEACHER_EMAIL)
    ta = staff_by_email(loaded, demo.DEMO_TA_EMAIL)
    assert classes_of(loaded, teacher) == {demo.DEMO_CLASS_CODE}
    assert demo.DEMO_CLASS_CODE in classes_of(loaded, ta)
    class_teachers = loaded.scalars(select(GroupStaff).where(GroupStaff.role == "teacher")).all()
    assert len({link.group_id for link in class_teachers}) == 7


def test_the_demo_class_and_its_known_pupils(loaded: Session) -> None:
    pupils = loaded.scalars(select(Pupil)).all()
    in_class = [p for p in pupils if p.group and p.group.code == demo.DEMO_CLASS_CODE]
    full_names = {f"{p.first_name} {p.last_name}" for p in in_class}
    for name in (demo.DEMO_PUPIL_AMELIA, demo.DEMO_PUPIL_KACPER, demo.DEMO_PUPIL_ZAINAB):
        assert name in full_names
    for first in demo.DEMO_UNIQUE_FIRST_NAMES:
        same = [p for p in pupils if first in (p.first_name, p.preferred_name)]
        assert len(same) == 1, first
    shared = [p for p in pupils if p.last_name == demo.DEMO_SHARED_SURNAME]
    assert {f"{p.first_name} {p.last_name}" for p in shared} == set(demo.DEMO_SHARED_SURNAME_PUPILS)
    assert all(p in in_class for p in shared)
    send = [p for p in in_class if p.sen_status != "none"]
    assert len(send) >= 4

    by_name = {f"{p.first_name} {p.last_name}": p for p in in_class}
    zainab = by_name[demo.DEMO_PUPIL_ZAINAB]
    assert (zainab.sen_status, zainab.primary_need, zainab.first_language) == (
        "ehc_plan",
        "ASD",
        "Urdu",
    )
    kacper = by_name[demo.DEMO_PUPIL_KACPER]
    assert (kacper.sen_status, kacper.eal, kacper.first_language) == (
        "sen_support",
        True,
        "Polish",
    )


def test_a_known_pupil_outside_the_demo_staff_classes(loaded: Session) -> None:
    xavier = next(p for p in loaded.scalars(select(Pupil)) if p.first_name == "Xavier")
    assert f"{xavier.first_name} {xavier.last_name}" == demo.DEMO_PUPIL_XAVIER
    assert xavier.group is not None and xavier.group.code == demo.DEMO_OTHER_CLASS_CODE
    for email in (demo.DEMO_TEACHER_EMAIL, demo.DEMO_TA_EMAIL):
        assert demo.DEMO_OTHER_CLASS_CODE not in classes_of(loaded, staff_by_email(loaded, email))


def test_guardians_languages_and_siblings(loaded: Session) -> None:
    links = loaded.scalars(select(GuardianPupil)).all()
    guardians = {g.id: g for g in loaded.scalars(select(Guardian))}
    per_pupil = Counter(link.pupil_id for link in links)
    pupils = loaded.scalars(select(Pupil)).all()
    assert all(1 <= per_pupil[p.id] <= 2 for p in pupils)
    per_guardian = Counter(link.guardian_id for link in links)
    assert sum(1 for n in per_guardian.values() if n >= 2) >= 10  # siblings share guardians

    languages = Counter(g.preferred_language for g in guardians.values())
    assert languages.most_common(1)[0][0] == "en"
    expected = {"pl", "ro", "ur", "pa", "bn", "so", "ar", "pt", "es", "uk", "gu", "ta"}
    assert expected <= set(languages)
    assert any(g.script == "Guru" for g in guardians.values())
    interpreters = [g for g in guardians.values() if g.needs_interpreter]
    assert interpreters and all(g.preferred_language != "en" for g in interpreters)
    assert all(g.email is None or g.email.endswith(".example") for g in guardians.values())
    assert all(g.phone is None or g.phone.startswith("07700 900") for g in guardians.values())

    by_email = {g.email: g for g in guardians.values() if g.email}
    assert by_email[demo.DEMO_PARENT_PL_EMAIL].preferred_language == "pl"
    assert by_email[demo.DEMO_PARENT_PL_EMAIL].needs_interpreter
    assert by_email[demo.DEMO_PARENT_UR_EMAIL].preferred_language == "ur"
    assert by_email[demo.DEMO_PARENT_EMAIL].preferred_language == "en"
    carers = [link for link in links if link.relationship_to_pupil == "foster carer"]
    assert carers and not any(link.parental_responsibility for link in carers)


def test_the_demo_guardians_show_every_channel(loaded: Session) -> None:
    """Some parents gave the school only an email address, some only a mobile number, most
    both; each is an account messages can go to. Kacper's mother has only email and his
    father only a mobile (Telegram is linked in the walkthroughs)."""
    accounts: dict[int, set[str]] = {}
    for identity in loaded.scalars(select(Identity).where(Identity.guardian_id.is_not(None))):
        assert identity.active
        accounts.setdefault(identity.guardian_id or 0, set()).add(identity.platform)
    guardians = list(loaded.scalars(select(Guardian)))
    kinds = Counter(frozenset(accounts.get(g.id, set())) for g in guardians)
    assert kinds[frozenset({"email"})] >= 10
    assert kinds[frozenset({"sms"})] >= 10
    assert kinds[frozenset({"email", "sms"})] > kinds[frozenset({"email"})]
    by_name = {g.display_name: g for g in guardians}
    mother, father = by_name["Magdalena Wiśniewska"], by_name["Tomasz Wiśniewski"]
    assert accounts[mother.id] == {"email"} and mother.phone is None
    assert accounts[father.id] == {"sms"} and father.email is None


def test_no_generated_name_is_on_the_list_of_famous_names(loaded: Session) -> None:
    people = [*loaded.scalars(select(Pupil)), *loaded.scalars(select(Guardian))]
    names = {f"{p.first_name} {p.last_name}" for p in people}
    assert not names & demo.FAMOUS_NAMES


def test_the_same_seed_writes_the_same_files(tmp_path: Path) -> None:
    write_demo_roster(tmp_path / "a", seed=11)
    write_demo_roster(tmp_path / "b", seed=11)
    write_demo_roster(tmp_path / "c", seed=12)
    for name in demo.ROSTER_FILE_NAMES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "pupils.csv").read_bytes() != (
        tmp_path / "c" / "pupils.csv"
    ).read_bytes()
    assert (tmp_path / "a" / "staff.csv").read_bytes() == (
        tmp_path / "c" / "staff.csv"
    ).read_bytes()


@pytest.mark.parametrize("seed", [1, 7, 99])
def test_other_seeds_keep_the_fixed_parts(sessions: Sessions, tmp_path: Path, seed: int) -> None:
    report = load_demo(sessions, tmp_path / "demo", seed)
    assert 190 <= report.counts["pupils"].created <= 215
    with sessions() as session:
        pupils = session.scalars(select(Pupil)).all()
        for first in demo.DEMO_UNIQUE_FIRST_NAMES:
            assert sum(first in (p.first_name, p.preferred_name) for p in pupils) == 1
        assert sum(p.last_name == demo.DEMO_SHARED_SURNAME for p in pupils) == 2
        status = Counter(p.sen_status for p in pupils)
        assert 0.12 <= status["sen_support"] / len(pupils) <= 0.18
        assert 0.01 <= status["ehc_plan"] / len(pupils) <= 0.03
        areas = {area_of_need(p.primary_need) for p in pupils if p.primary_need}
        assert set(BROAD_AREAS) <= areas
