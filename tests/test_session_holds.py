"""A transaction keeps the rows it loaded until it ends, so a service asking again for a row
another service already read gets it without a second query."""

from __future__ import annotations

import gc
from datetime import date

from sqlalchemy import event

from sendbot.store.db import HOLD_LIMIT
from sendbot.store.models import Pupil, School


def test_a_row_let_go_of_is_not_read_again_in_the_same_transaction(
    engine, sessions, school
) -> None:
    selects: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with sessions() as session, session.begin():
            session.get(School, school.school_id)  # loaded, and the reference dropped
            gc.collect()
            assert session.get(School, school.school_id) is not None
        assert len(selects) == 1
        assert "sendbot.held" not in session.info  # let go when the transaction ended
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_a_big_read_holds_no_more_than_the_limit(sessions, school) -> None:
    with sessions() as session, session.begin():
        for n in range(HOLD_LIMIT + 50):
            session.add(
                Pupil(
                    school_id=school.school_id,
                    external_id=f"P-hold-{n}",
                    first_name="Pupil",
                    last_name=str(n),
                    year_group=3,
                    date_of_birth=date(2018, 5, 1),
                )
            )
    with sessions() as session, session.begin():
        pupils = session.query(Pupil).all()
        assert len(pupils) > HOLD_LIMIT
        assert len(session.info["sendbot.held"]) == HOLD_LIMIT
