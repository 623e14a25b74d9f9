"""Text written through the real services is nowhere in the database as plain text.

The model-level test (test_store_encryption.py) proves the columns are encrypted; this one
proves no service copies the same words somewhere else on the way (an audit event's
details, an outbox message's parameters), by reading every row of every table raw.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from sendbot.domain.needs import Area
from sendbot.services import plans, provision
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.concerns import NewConcern, log_concern
from sendbot.store.models import Base, Guardian, GuardianPupil, InterventionSession, Target
from tests.factories import NOW

TODAY = NOW.date()
STAFF_TEXT = {
    "concern": "Xanthoria-concern: she hid under the table when the door banged",
    "session": "Yarrowby-session: blended four words without help",
    "review": "Zephyrine-review: share the word cards with home",
    "close": "Aldergrove-close: target met, moving on to digraphs",
}
PARENT_TEXT = {
    "message": "Bramblecote-message: she is worried about the school trip",
    "reply": "Cindervale-reply: we will sit with her on the coach",
}


def raw_dump(engine) -> str:
    """Every value of every row of every table, read without the encrypting column types."""
    parts: list[str] = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def assert_nowhere(engine, db_url: str, planted: dict[str, str]) -> None:
    dump = raw_dump(engine)
    files: list[bytes] = []
    if engine.dialect.name == "sqlite":
        path = Path(make_url(db_url).database or "")
        files = [p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    leaks = [
        key
        for key, words in planted.items()
        if words in dump or any(words.encode() in blob for blob in files)
    ]
    assert leaks == [], f"stored as plain text: {leaks}"


def test_staff_narratives_and_notes_written_by_the_services_are_never_plain(
    sessions, engine, db_url, school
) -> None:
    zoe = school.pupils["zoe"]
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert teacher and senco
        log_concern(session, teacher, NewConcern(zoe, Area.SEMH, STAFF_TEXT["concern"], False), NOW)
        plans.save_plan(session, senco, zoe, "sen_support", TODAY + timedelta(days=30), NOW, TODAY)
        first = plans.add_target(
            session,
            senco,
            plans.NewTarget(zoe, "Blend CVC words", "Read short words", "cognition_learning",
                            TODAY + timedelta(days=30)),
            NOW,
            TODAY,
        )  # fmt: skip
        second = plans.add_target(
            session,
            senco,
            plans.NewTarget(zoe, "Name 20 sounds", "Know 20 letter sounds", "cognition_learning",
                            TODAY + timedelta(days=30)),
            NOW,
            TODAY,
        )  # fmt: skip
        intervention = provision.create_intervention(
            session,
            senco,
            provision.NewIntervention(
                name="Phonics catch-up",
                area="cognition_learning",
                delivered_by_id=school.staff["ta"],
                pupil_ids=[zoe],
                sessions_per_week=2,
                minutes=20,
                starts_on=TODAY - timedelta(days=14),
                planned_weeks=6,
                review_after_weeks=None,
            ),
            NOW,
        )
    with sessions() as session, session.begin():
        ta = staff_actor_by_id(session, school.staff["ta"])
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert ta and senco
        provision.record_session(
            session,
            ta,
            provision.NewSession(intervention, TODAY, 20, note=STAFF_TEXT["session"]),
            NOW,
            TODAY,
        )
        plans.close_target(session, senco, second, "met", STAFF_TEXT["close"], NOW)
        plans.record_review(
            session,
            senco,
            plans.NewReview(
                zoe, TODAY, {first: "partly"}, STAFF_TEXT["review"], TODAY + timedelta(days=60)
            ),
            NOW,
            TODAY,
        )
    with sessions() as session:  # and it all reads back
        assert session.scalars(select(InterventionSession.note_text)).one() == STAFF_TEXT["session"]
        assert STAFF_TEXT["close"] in set(session.scalars(select(Target.closed_note_text)))
    assert_nowhere(engine, db_url, STAFF_TEXT)


def test_messages_between_parents_and_school_are_never_plain(
    sessions, engine, db_url, school
) -> None:
    from sendbot.services import parents

    zoe = school.pupils["zoe"]
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school.school_id, external_id="G-1", first_name="Ewa", last_name="Nowak"
        )
        session.add(guardian)
        session.flush()
        session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=zoe))
        session.flush()
        sent = parents.message_school(session, guardian.id, zoe, PARENT_TEXT["message"], "en", NOW)
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        parents.staff_reply(session, senco, sent.message_id, PARENT_TEXT["reply"], NOW)
    assert_nowhere(engine, db_url, PARENT_TEXT)


def test_the_raw_dump_would_see_plain_text_if_it_were_there(sessions, engine, school) -> None:
    """The check above is only worth something if it can fail."""
    with sessions() as session, session.begin():
        row = session.get(Guardian, 1) or Guardian(
            school_id=school.school_id, external_id="G-2", first_name="Wren", last_name="Doe"
        )
        row.last_name = "Quicksilver-canary"
        session.add(row)
    assert "Quicksilver-canary" in raw_dump(engine)


HALF_TYPED = "Quillamere-halfway: he said his uncle locks him in the shed"


def test_a_half_finished_concerns_narrative_is_not_plain_in_the_database(
    sessions, engine, db_url, school
) -> None:
    """The narrative is typed, the flow is not finished: the answers row is encrypted."""
    from sendbot.clock import FrozenClock
    from sendbot.conversations.engine import ChatRef, Engine
    from sendbot.conversations.registry import REGISTRY
    from sendbot.store.models import ConversationState

    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
    assert teacher is not None
    engine_ = Engine(sessions, REGISTRY, FrozenClock(NOW))
    chat = ChatRef("console", "staff:half")
    for said in ("log a concern", "Zoë", HALF_TYPED):
        engine_.handle(chat, teacher, said)
    with sessions() as session:
        row = session.scalar(select(ConversationState))
        assert row is not None and HALF_TYPED in str(row.answers)  # readable through the model
    assert_nowhere(engine, db_url, {"half-typed narrative": HALF_TYPED})
    # And the person carries on where they were, in a new process reading the same rows.
    reply = Engine(sessions, REGISTRY, FrozenClock(NOW)).resume(chat, teacher)
    assert "unfinished" in reply.text


ACCOUNT_TEXT = {
    "words": "Glenridding-words: mummy's friend hurts me when she's out",
    "where": "Hollowell-where: the cloakroom by the hall",
    "done": "Ingleby-done: stayed with him until the DSL came",
    "told": "Jervaulx-told: told the class teacher and the SENCO",
    "addendum": "Kettlewell-addendum: he said it again at home time",
    "photo": "Lindisfarne-photo: written note says help me",
}


def test_a_concerns_whole_account_its_addenda_and_photos_are_never_plain(
    sessions, engine, db_url, school
) -> None:
    from sendbot.services import concern_record
    from tests.privacy_records import photo_bytes

    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert teacher and dsl
        receipt = log_concern(
            session,
            teacher,
            NewConcern(
                school.pupils["amir"],
                Area.SEMH,
                "Said something worrying at lunch.",
                True,
                location=ACCOUNT_TEXT["where"],
                child_words=ACCOUNT_TEXT["words"],
                action_taken=ACCOUNT_TEXT["done"],
                told=ACCOUNT_TEXT["told"],
                occurred_at=NOW - timedelta(minutes=30),
            ),
            NOW,
        )
        concern_record.add_addendum(session, dsl, receipt.concern_id, ACCOUNT_TEXT["addendum"], NOW)
        kept = concern_record.attach(
            session, teacher, receipt.concern_id, photo_bytes(ACCOUNT_TEXT["photo"]), "slack", NOW
        )
        assert kept.attachment_id is not None
    assert_nowhere(engine, db_url, ACCOUNT_TEXT)
