"""The database goes away while a member of staff presses Save on a Slack form.

The form stays open with everything they typed, says to try again, and nothing is
half-written; once the database is back, the same form is saved as it stands.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from sendbot.store.models import AuditEvent, Concern, Outbox
from tests.slack import payloads
from tests.slack.harness import USERS, filled, open_modal, running, submit
from tests.slack.test_slack_modals import answers_for, run
from tests.test_faults import database_gone

NARRATIVE = (
    "At lunch Amelia said she had not eaten since yesterday and that nobody was home "
    "last night. She asked me not to tell anyone."
)


def count(sessions: Any, model: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def element_of(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element: dict[str, Any] = block["element"]
    return element


def test_a_form_saved_while_the_database_is_away_keeps_every_answer(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            answers = answers_for(h, narrative=NARRATIVE)
            view = filled(await open_modal(h, "teacher"), answers)
            audited = count(sessions, AuditEvent)

            with database_gone(h.core.db, db_url):
                response = await h.interact(payloads.view_submission(USERS["teacher"], view))
                assert response.status == 200
                reply = await response.json()

            assert reply["response_action"] == "update"
            kept = reply["view"]
            assert kept["callback_id"] == view["callback_id"] == "flow:log_concern"
            assert kept["private_metadata"] == view["private_metadata"]
            notice = kept["blocks"][0]["text"]["text"]
            assert "Everything you typed is still here" in notice and "try again" in notice
            assert element_of(kept, "narrative")["initial_value"] == NARRATIVE
            assert element_of(kept, "pupil")["initial_option"]["value"] == str(answers["pupil"])
            assert element_of(kept, "area")["initial_option"]["value"] == "semh"
            assert "id" not in kept and "hash" not in kept and "state" not in kept
            # Nothing half-written: no concern, no alert queued, no audit event.
            assert count(sessions, Concern) == 0
            assert count(sessions, Outbox) == 0
            assert count(sessions, AuditEvent) == audited

            # The database is back; Slack sends the kept form (a new version of it) again.
            shown = payloads.opened_view(kept, {}, view_id=view["id"])
            done = await submit(h, "teacher", shown, answers)
            assert done["view"]["callback_id"] == "sendbot.done"
            with sessions() as session:
                (saved,) = session.scalars(select(Concern)).all()
                assert saved.narrative_text == NARRATIVE

    run(scenario())
