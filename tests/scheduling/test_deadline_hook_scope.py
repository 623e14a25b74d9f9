"""The deadline recompute listens on the project's own session factory, never on SQLAlchemy's
global `Session` class: a session made anywhere else is left alone."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

import sendbot.services  # noqa: F401  (importing the services registers nothing)
from sendbot.services import SESSION_HOOKS, deadlines
from sendbot.store.db import session_factory
from sendbot.store.models import Deadline, EhcCase
from tests.factories import build_small_school


def _deadline_kinds(sessions: sessionmaker[Session], pupil_id: int) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(Deadline.kind).where(Deadline.pupil_id == pupil_id)))


def test_a_plain_sqlalchemy_session_is_not_touched(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    assert not event.contains(Session, "before_commit", deadlines._apply)
    assert not event.contains(Session, "after_flush", deadlines._collect)
    school = build_small_school(sessions)
    pupil = school.pupils["amir"]

    with Session(engine) as plain, plain.begin():
        plain.add(EhcCase(pupil_id=pupil, request_received_on=date(2025, 9, 1)))
    assert _deadline_kinds(sessions, pupil) == set()

    with sessions() as session, session.begin():
        case = session.scalars(select(EhcCase).where(EhcCase.pupil_id == pupil)).one()
        case.request_received_on = date(2025, 9, 2)
    assert "ehc.assessment_decision" in _deadline_kinds(sessions, pupil)


def test_a_factory_made_without_the_hooks_is_not_touched_either(engine: Engine) -> None:
    hooked = session_factory(engine, *SESSION_HOOKS)
    bare = session_factory(engine)
    school = build_small_school(hooked)
    pupil = school.pupils["amir"]
    with bare() as session, session.begin():
        session.add(EhcCase(pupil_id=pupil, request_received_on=date(2025, 9, 1)))
    assert _deadline_kinds(hooked, pupil) == set()
