"""Only a parent or carer with parental responsibility, or one the school has recorded a
decision to share with, is invited to sendbot or shown a child's record.

A grandparent on the roster as an emergency contact is not a parent in law: the school
must not hand them the child's plan and targets because their phone number was there.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings
from sendbot.services import guardian_contacts, invites, meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import (
    AuditEvent,
    GuardianPupil,
    Invitation,
    Invite,
    SupportPlan,
    Target,
)
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, text_update
from tests.telegram.harness import Harness, add_guardian

GRAN = person(7301, "Halina", language_code="pl")
PLAN_WORDS = "Read short words with 'ch' and 'sh' in them"
NOT_RESPONSIBLE = "does not have parental responsibility for a child at this school"


def kacper_with_a_plan(sessions) -> tuple:  # type: ignore[no-untyped-def]
    """The small school, Kacper's plan with one target, and his grandmother on the roster
    without parental responsibility."""
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        plan = SupportPlan(
            pupil_id=school.pupils["kacper"], kind="sen_support", started_on=NOW.date()
        )
        session.add(plan)
        session.flush()
        session.add(
            Target(
                plan_id=plan.id,
                pupil_id=school.pupils["kacper"],
                staff_wording="Decode CVC words with digraphs",
                parent_wording=PLAN_WORDS,
                area="cognition_learning",
            )
        )
    gran = add_guardian(sessions, school, "gran", "Halina", "Wiśniewska", ["kacper"])
    with sessions() as session, session.begin():
        link = session.get(GuardianPupil, (gran.guardian_id, school.pupils["kacper"]))
        assert link is not None
        link.relationship_to_pupil = "grandparent"
        link.parental_responsibility = False
    return school, gran


def test_the_senco_cannot_invite_a_contact_without_parental_responsibility_and_is_told_why(
    sessions,
) -> None:
    school, gran = kacper_with_a_plan(sessions)
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        with pytest.raises(invites.InviteRefused) as refused:
            invites.create_guardian_invite(session, gran.guardian_id, NOW, BOT_USERNAME, senco)
        # The command line (no actor) is held to the same rule.
        with pytest.raises(invites.InviteRefused) as refused_cli:
            invites.create_guardian_invite(session, gran.guardian_id, NOW, BOT_USERNAME)
        # The invite-a-parent flow offers only the contacts who can be invited.
        offered = guardian_contacts.contacts_of_pupil(
            session, school.school_id, school.pupils["kacper"]
        )
    assert str(refused.value) == str(refused_cli.value)
    assert str(refused.value).startswith(f"Halina Wiśniewska {NOT_RESPONSIBLE}")
    assert "sendbot guardian share" in str(refused.value)
    assert offered == []
    with sessions() as session:
        assert session.scalars(select(Invite)).all() == []


def test_sendbot_invite_guardian_refuses_kindly_on_the_command_line(
    sessions, db_url, monkeypatch
) -> None:
    _, gran = kacper_with_a_plan(sessions)
    monkeypatch.setenv("SENDBOT_TELEGRAM_BOT_USERNAME", BOT_USERNAME)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["invite", "guardian", str(gran.guardian_id), "--database", db_url]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert NOT_RESPONSIBLE in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_linked_contact_who_loses_parental_responsibility_no_longer_sees_the_child(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    """Linked while the roster said they had it; the next import says they do not."""
    school, gran = kacper_with_a_plan(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            link_row = (gran.guardian_id, school.pupils["kacper"])
            with h.core.sessions() as session, session.begin():
                session.get(GuardianPupil, link_row).parental_responsibility = True
                code = invites.create_guardian_invite(
                    session, gran.guardian_id, NOW, BOT_USERNAME
                ).code
            await h.send(text_update(GRAN, f"/start {code}"))
            await h.send(text_update(GRAN, "/mychild"))
            assert PLAN_WORDS in fake_api.texts(GRAN["id"])[-1]

            with h.core.sessions() as session, session.begin():
                session.get(GuardianPupil, link_row).parental_responsibility = False
            await h.send(text_update(GRAN, "/mychild"))
            page = fake_api.texts(GRAN["id"])[-1]
            assert page == "I cannot find a child linked to you. Please ask the school."
            assert "Kacper" not in page and PLAN_WORDS not in page

    asyncio.run(scenario())


def test_the_schools_recorded_decision_to_share_lets_the_contact_be_invited_and_read(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    """`sendbot guardian share` records who decided; only the SENCO, head or DSL may."""
    school, gran = kacper_with_a_plan(sessions)
    kacper = school.pupils["kacper"]

    def share(decided_by: str, verb: str = "share"):  # type: ignore[no-untyped-def]
        args = [verb, str(gran.guardian_id), str(kacper), "--decided-by", decided_by]
        return CliRunner().invoke(app, ["guardian", *args, "--database", db_url])

    refused = share("teacher@oakfield.example")
    assert refused.exit_code == 1
    assert "Hannah Price cannot make this decision" in " ".join(refused.output.split())
    done = share("senco@oakfield.example")
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert said == (
        "Recorded: Grace Okafor decided that Halina Wiśniewska may see Kacper Wiśniewski's "
        "record in sendbot."
    )
    with sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "guardian.share")
        ).one()
        assert (event.object_id, event.pupil_id, event.details["decided_by"]) == (
            gran.guardian_id,
            kacper,
            school.staff["senco"],
        )

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                code = invites.create_guardian_invite(
                    session, gran.guardian_id, NOW, BOT_USERNAME, senco
                ).code
            await h.send(text_update(GRAN, f"/start {code}"))
            await h.send(text_update(GRAN, "/mychild"))
            assert PLAN_WORDS in fake_api.texts(GRAN["id"])[-1]

            assert share("head@oakfield.example", "unshare").exit_code == 0
            await h.send(text_update(GRAN, "/mychild"))
            assert PLAN_WORDS not in fake_api.texts(GRAN["id"])[-1]

    asyncio.run(scenario())


def test_a_review_invites_the_contact_the_school_decided_to_share_with_and_no_other(
    sessions,
) -> None:
    """The grandmother without parental responsibility is invited to Kacper's review only
    once the school has recorded its decision to share with her."""
    school, gran = kacper_with_a_plan(sessions)
    kacper = school.pupils["kacper"]

    def invited_to_a_review() -> set[int]:
        with sessions() as session, session.begin():
            senco = staff_actor_by_id(session, school.staff["senco"])
            assert senco is not None
            booked = meetings.schedule(
                session,
                senco,
                pupil_id=kacper,
                kind="sen_support_review",
                starts_at=NOW + timedelta(days=21),
                now=NOW,
                place="SENCO's office",
            )
            return {
                invitation.guardian_id
                for invitation in session.scalars(
                    select(Invitation).where(Invitation.id.in_(booked.invitation_ids))
                )
            }

    assert gran.guardian_id not in invited_to_a_review()
    with sessions() as session, session.begin():
        link = session.get(GuardianPupil, (gran.guardian_id, kacper))
        assert link is not None
        link.shared_at, link.shared_by_id = NOW, school.staff["senco"]
    assert gran.guardian_id in invited_to_a_review()
