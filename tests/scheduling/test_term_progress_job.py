"""Each term, parents of pupils on SEN support hear how it went: queued by the daily job."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sendbot.domain.calendar import Term
from sendbot.messages.parents.render import TERM_PROGRESS
from sendbot.scheduling import jobs
from sendbot.services import terms
from sendbot.store.models import Outbox
from tests.i18n.test_parent_summaries import _setup
from tests.scheduling.helpers import utc

AUTUMN = Term(
    "2026-autumn", date(2026, 9, 3), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)
)


def _summaries(sessions) -> list[tuple[int | None, str]]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        rows = session.scalars(select(Outbox).where(Outbox.template == TERM_PROGRESS))
        return sorted((r.recipient_guardian_id, r.dedupe_key) for r in rows)


def test_the_term_summary_goes_in_the_last_week_of_term_once_to_each_parent(sessions) -> None:
    school, guardians, _, _ = _setup(sessions)
    with sessions() as session, session.begin():
        terms.save_terms(session, school.school_id, [AUTUMN])

    jobs.run_daily_jobs(sessions, utc(2026, 11, 24, 6, 0))  # mid-term: nothing yet
    assert _summaries(sessions) == []

    jobs.run_daily_jobs(sessions, utc(2026, 12, 14, 6, 0))  # the last week of term
    first = _summaries(sessions)
    assert sorted(g for g, _ in first) == sorted([guardians["nadia"].id, guardians["marek"].id])

    jobs.run_daily_jobs(sessions, utc(2026, 12, 15, 6, 0))  # and the next day: no repeats
    assert _summaries(sessions) == first
