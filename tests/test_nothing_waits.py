"""Nothing waits for Save: 'yes' to immediate danger alerts the DSL and deputies at that
answer, once per report, and a safeguarding report never saved stays in front of them as
an unfinished report, past the chat's own expiry."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.conversations.forms import Forms
from sendbot.conversations.log_concern import DANGER_FIRST, DSL_ALERTED, LOG_CONCERN
from sendbot.conversations.registry import REGISTRY
from sendbot.delivery import keys
from sendbot.scheduling.jobs import run_minute_jobs
from sendbot.scheduling.senders import ConsoleSender
from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.services import concern_drafts, digests, retention
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.records import CliActor
from sendbot.store import crypto
from sendbot.store.db import make_engine, session_factory
from sendbot.store.models import AuditEvent, Concern, ConcernDraft, Outbox, Pupil, Staff
from tests.dialog import Dialog
from tests.factories import SmallSchool
from tests.staff_dialogs import count, dialog_for, restarted

NARRATIVE = "He says a man is waiting at the gate to hurt him and he is shaking."
# The child's words, when and where, skipped or 'now': what a hurried report answers.
QUICK = ("skip", "now", "skip")
UP_TO_DANGER = ["concern", "Amir", NARRATIVE, *QUICK, "2", "3", "yes"]
# After immediate danger: the category, what the reporter did, who else was told.
CATEGORY_Q = "Which kind of concern is it closest to?"
AFTER_DANGER = ("skip", "skip", "skip")


def deliver_once(sessions: sessionmaker[Session], clock: FrozenClock) -> ConsoleSender:
    """One delivery cycle of the outbox worker, everyone reached on the console."""
    console = ConsoleSender()
    worker = OutboxWorker(
        sessions, clock, {"console": console}, config=WorkerConfig(fallback_platform="console")
    )
    asyncio.run(worker.run_once())
    return console


def danger_alerts(sessions: sessionmaker[Session]) -> list[Outbox]:
    with sessions() as session:
        return list(
            session.scalars(select(Outbox).where(Outbox.template == keys.SAFEGUARDING_DANGER))
        )


def name_of(sessions: sessionmaker[Session], staff_id: int) -> str:
    with sessions() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        return staff.display_name


def answer_danger_and_close_the_app(d: Dialog) -> str:
    for line in UP_TO_DANGER:
        d.says(line)
    return d.says("yes").text


def test_a_teacher_who_says_yes_to_danger_and_closes_the_app_has_alerted_the_dsl_who_sees_it(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    told = answer_danger_and_close_the_app(teacher)
    assert told.startswith(f"{DANGER_FIRST}\n\n{DSL_ALERTED}\n\n")
    assert "tell the DSL in person" in told and told.endswith(CATEGORY_Q)

    console = deliver_once(sessions, clock)
    urgent = [(r, m) for r, m in console.sent if m.urgent]
    assert len(urgent) == 2  # the DSL and the deputy, in the first delivery cycle
    reporter = name_of(sessions, school.staff["teacher"])
    for _, message in urgent:
        assert message.text.startswith("URGENT safeguarding: a child may be in immediate danger")
        assert f"Reported by: {reporter}" in message.text
        assert "Year group: Year 3" in message.text
        assert "waiting at the gate" not in message.text and "Amir" not in message.text
    assert {row.recipient_staff_id for row in danger_alerts(sessions)} == {
        school.staff["dsl"],
        school.staff["deputy"],
    }
    with sessions() as session:
        assert session.scalars(select(Concern)).all() == []  # nothing saved: it waits on nobody

    clock.advance(timedelta(minutes=20))
    dsl = dialog_for(sessions, clock, school, "dsl")
    listed = dsl.says("unfinished").text
    assert listed.startswith("Unfinished safeguarding reports (1)")
    assert f"started by {reporter} at 10:15 on Tue 24 Nov (console), about Amir" in listed
    assert "Immediate danger: the urgent alert went at 10:15 on Tue 24 Nov." in listed
    assert f"What happened: {NARRATIVE}" in listed
    assert "Raised by: The child told me" in listed
    assert "Immediate danger: Yes" in listed
    with sessions() as session:
        viewed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "concern_draft.view")
        ).one()
        assert viewed.actor_id == school.staff["dsl"]


def test_the_menu_offers_unfinished_reports_to_the_leads_only_while_there_is_one(
    sessions, clock, school: SmallSchool
) -> None:
    dsl = dialog_for(sessions, clock, school, "dsl")
    assert "Unfinished reports" not in dsl.says("menu").text + str(dsl.says("menu").options)
    assert dsl.says("unfinished").text == "There are no unfinished safeguarding reports."
    answer_danger_and_close_the_app(dialog_for(sessions, clock, school, "teacher"))
    assert "Unfinished reports" in {o.label for o in dsl.says("menu").options}
    for who in ("ta", "senco", "head"):
        other = dialog_for(sessions, clock, school, who)
        assert other.says("unfinished").text.startswith("Sorry, I didn't understand")


def test_going_back_a_restart_and_a_second_worker_never_alert_twice(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    answer_danger_and_close_the_app(teacher)
    assert len(danger_alerts(sessions)) == 2
    deliver_once(sessions, clock)

    clock.advance(timedelta(minutes=3))
    again = restarted(sessions, clock, teacher)  # a restart, or another worker, same chat
    again.says("back")  # to immediate danger
    told = again.says("yes").text
    assert (
        "The DSL and deputies were alerted at 10:15 on Tue 24 Nov; they are not alerted twice."
        in told
    )
    third = restarted(sessions, clock, teacher)
    third.says("back")
    third.says("no")
    third.says("back")
    third.says("yes")
    assert len(danger_alerts(sessions)) == 2
    assert deliver_once(sessions, clock).sent == []
    with sessions() as session:
        assert len(session.scalars(select(ConcernDraft)).all()) == 1


def test_the_draft_is_still_there_for_the_dsl_and_the_reporter_past_24_hours(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    answer_danger_and_close_the_app(teacher)
    clock.advance(timedelta(hours=30))

    dsl = dialog_for(sessions, clock, school, "dsl")
    listed = dsl.says("unfinished").text
    assert "Last answer at 10:15 on Tue 24 Nov (30 hours ago), not saved yet." in listed

    back = restarted(sessions, clock, teacher).says("hello")
    assert back.text.startswith(
        "This is your unfinished safeguarding report, started at 10:15 on Tue 24 Nov. "
        "It was kept, not cleared: the DSL and deputies can see it as unfinished."
    )
    assert back.text.endswith(CATEGORY_Q)  # the question they stopped at, asked again


def test_saving_afterwards_links_the_concern_to_the_early_alert_and_says_so(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    answer_danger_and_close_the_app(teacher)
    deliver_once(sessions, clock)
    clock.advance(timedelta(hours=26))
    again = restarted(sessions, clock, teacher)
    again.says("hello")  # the question again, after the note that the report was kept
    for line in AFTER_DANGER:
        again.says(line)
    saved = again.says("1").text
    assert "alerted when you said the child was in danger, now have the full report" in saved

    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        draft = session.scalars(select(ConcernDraft)).one()
        assert (draft.status, draft.concern_id) == ("saved", concern.id)
        assert concern.immediate_danger and concern.narrative_text == NARRATIVE
        linked = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "concern_draft.saved")
        ).one()
        assert linked.details == {"concern_id": concern.id}
        created = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "concern.create")
        ).one()
        assert created.details["draft"] == draft.id
    follow_up = [m for _, m in deliver_once(sessions, clock).sent if m.urgent]
    assert len(follow_up) == 2
    for message in follow_up:
        assert message.text.startswith(
            "Safeguarding report now saved: the immediate danger you were alerted to at "
            "Tue 24 Nov 2026, 10:15"
        )
        assert {b.label for b in message.buttons} == {"Acknowledge", "View details"}
    assert len(danger_alerts(sessions)) == 2  # no second early alert
    assert dialog_for(sessions, clock, school, "dsl").says("unfinished").text == (
        "There are no unfinished safeguarding reports."
    )


def test_cancelling_after_the_alert_tells_the_reporter_to_see_the_dsl_and_stays_listed(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    answer_danger_and_close_the_app(teacher)
    cancelled = teacher.says("cancel").text
    assert cancelled.startswith(
        "The DSL and deputies were already alerted that a child may be in immediate danger"
    )
    clock.advance(timedelta(hours=1))
    listed = dialog_for(sessions, clock, school, "dsl").says("unfinished").text
    reporter = name_of(sessions, school.staff["teacher"])
    assert f"Stopped by {reporter} at 10:15 on Tue 24 Nov, not saved." in listed
    clock.advance(timedelta(days=7))
    assert dialog_for(sessions, clock, school, "dsl").says("unfinished").text == (
        "There are no unfinished safeguarding reports."
    )


def test_a_concern_that_is_not_safeguarding_writes_no_draft_and_expires_as_before(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    for line in ("concern", "Amelia", "Upset at lunch.", *QUICK, "1", "3", "no"):
        teacher.says(line)
    clock.advance(timedelta(hours=25))
    assert (
        restarted(sessions, clock, teacher)
        .says("hello")
        .text.startswith(
            "Your unfinished log a concern was more than 24 hours old, so I cleared it."
        )
    )
    with sessions() as session:
        assert session.scalars(select(ConcernDraft)).all() == []


def test_in_a_slack_modal_yes_to_danger_alerts_at_that_choice_once_and_saving_links_it(
    sessions, clock, school: SmallSchool
) -> None:
    forms = Forms(sessions, REGISTRY, clock, "slack")
    with sessions() as session:
        teacher = staff_actor_by_id(session, school.staff["teacher"])
    assert teacher is not None
    raw = {
        "pupil": str(school.pupils["amir"]),
        "narrative": NARRATIVE,
        "source": "pupil",
        "area": "semh",
        "safeguarding": "yes",
    }
    assert forms.preview(teacher, LOG_CONCERN, raw).notes == {}
    assert danger_alerts(sessions) == []
    chosen = forms.preview(teacher, LOG_CONCERN, {**raw, "immediate_danger": "yes"})
    assert DSL_ALERTED in chosen.notes["immediate_danger"]
    forms.preview(teacher, LOG_CONCERN, {**raw, "immediate_danger": "yes"})  # redrawn
    assert len(danger_alerts(sessions)) == 2
    listed = dialog_for(sessions, clock, school, "dsl").says("unfinished").text
    assert "(slack form), about Amir" in listed  # the modal closed unsaved: still listed

    result = forms.submit(teacher, LOG_CONCERN, {**raw, "immediate_danger": "yes"})
    assert result.done and "now have the full report" in result.confirmation
    with sessions() as session:
        draft = session.scalars(select(ConcernDraft)).one()
        concern = session.scalars(select(Concern)).one()
        assert (draft.status, draft.concern_id, draft.platform) == (
            "saved",
            concern.id,
            "slack form",
        )
    assert len(danger_alerts(sessions)) == 2


def test_the_narrative_of_an_unfinished_report_is_not_readable_in_the_database(
    sessions, engine, clock, school: SmallSchool
) -> None:
    answer_danger_and_close_the_app(dialog_for(sessions, clock, school, "teacher"))
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT answers FROM concern_draft")).scalar_one()
    assert "waiting at the gate" not in stored and crypto.looks_like_token(stored)
    with sessions() as session:
        assert session.scalars(select(ConcernDraft)).one().answers["narrative"] == NARRATIVE


def test_the_dsl_digest_names_each_unfinished_report_without_the_pupil_or_the_story(
    sessions, clock, school: SmallSchool
) -> None:
    answer_danger_and_close_the_app(dialog_for(sessions, clock, school, "teacher"))
    clock.advance(timedelta(hours=30))
    with sessions() as session:
        draft = session.scalars(select(ConcernDraft)).one()
        text_of = digests.dsl_digest(session, school.school_id, clock.now().date(), clock.now())
        written = text_of.text()
    reporter = name_of(sessions, school.staff["teacher"])
    assert (
        f"Unfinished reports (1)\n- Report {draft.id}, Year 3, started by {reporter} "
        "Tue 24 Nov 10:15, immediate danger alert sent, not saved for 30 h. "
        "Type 'unfinished' to read it."
    ) in written
    assert "Amir" not in written and "gate" not in written


def test_the_reporter_is_reminded_once_after_half_an_hour_without_an_answer(
    sessions, clock, school: SmallSchool
) -> None:
    answer_danger_and_close_the_app(dialog_for(sessions, clock, school, "teacher"))
    clock.advance(timedelta(minutes=29))
    run_minute_jobs(sessions, clock.now())
    with sessions() as session:
        assert concern_drafts.next_reminder_at(session) == clock.now() + timedelta(minutes=1)
    deliver_once(sessions, clock)
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        run_minute_jobs(sessions, clock.now())
    sent = deliver_once(sessions, clock).sent
    assert [m.text for _, m in sent] == [
        "You started a safeguarding report at 10:15 on Tue 24 Nov and it is not saved yet. "
        "The DSL and deputies can see it as unfinished. Please finish it now: send any "
        "message to sendbot to carry on where you stopped, or speak to the DSL in person."
    ]
    with sessions() as session:
        reminder = session.scalars(select(Outbox).where(Outbox.template == keys.STAFF_NOTICE)).one()
        assert reminder.recipient_staff_id == school.staff["teacher"]
        assert concern_drafts.next_reminder_at(session) is None


def test_a_report_saved_as_not_safeguarding_after_the_alert_still_reaches_the_leads(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    answer_danger_and_close_the_app(teacher)
    deliver_once(sessions, clock)
    teacher.says("back")  # to immediate danger
    teacher.says("back")  # to safeguarding
    teacher.says("no")
    teacher.says("skip")  # what you did
    teacher.says("skip")  # who else was told
    assert teacher.says("1").text.startswith("Saved as concern #")
    sent = deliver_once(sessions, clock).sent
    urgent = [m.text for _, m in sent if m.urgent]
    assert len(urgent) == 2  # the DSL and the deputy: the alert they had is followed up
    for text_ in urgent:
        assert "The reporter changed their answers and saved it as not safeguarding." in text_
    with sessions() as session:
        told = {
            (row.recipient_staff_id, row.template)
            for row in session.scalars(select(Outbox).where(Outbox.dedupe_key.like("concern:%")))
        }
    assert told == {
        (school.staff["dsl"], keys.SAFEGUARDING_ALERT),
        (school.staff["deputy"], keys.SAFEGUARDING_ALERT),
        (school.staff["senco"], keys.CONCERN_NEW),
    }


def test_unfinished_reports_go_with_the_pupils_safeguarding_records_at_retention(
    sessions, clock, school: SmallSchool
) -> None:
    teacher = dialog_for(sessions, clock, school, "teacher")
    for line in ["concern", "Zoe", NARRATIVE, *QUICK, "2", "3", "yes", "yes", *AFTER_DANGER]:
        teacher.says(line)
    teacher.says("1")  # saved: the report is linked to its concern
    for line in ["concern", "Zoe", "Another worry.", *QUICK, "1", "3", "yes"]:
        teacher.says(line)  # and one left unfinished
    with sessions() as session, session.begin():
        pupil = session.get(Pupil, school.pupils["zoe"])
        assert pupil is not None
        pupil.active = False
    assert count(sessions, ConcernDraft) == 2

    result = retention.apply(sessions, CliActor("dpo"), datetime(2043, 3, 14, 9, tzinfo=UTC))
    assert [p.anonymise for p in result.pupils if p.pupil_id == school.pupils["zoe"]] == [True]
    assert count(sessions, ConcernDraft) == 0
    assert count(sessions, Concern) == 0


def test_two_workers_answering_yes_at_the_same_moment_send_one_alert(
    db_url, sessions, clock, school: SmallSchool
) -> None:
    """The same draft, the same answer, two processes at once: they wait for each other on
    the alert's lock, and the second finds the first's alert."""
    teacher = dialog_for(sessions, clock, school, "teacher")
    for line in UP_TO_DANGER:
        teacher.says(line)
    with sessions() as session:
        draft = session.scalars(select(ConcernDraft)).one()
        actor = staff_actor_by_id(session, school.staff["teacher"])
        answers = {**draft.answers, "immediate_danger": True}
    assert actor is not None
    engines = [make_engine(db_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    sent: list[bool] = []
    errors: list[BaseException] = []

    def answer(engine) -> None:  # type: ignore[no-untyped-def]
        try:
            with session_factory(engine)() as session, session.begin():
                barrier.wait(10)
                progress = concern_drafts.keep(
                    session, actor, draft.id, "console", answers, clock.now()
                )
                sent.append(progress.alerted_now)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        e.dispose()
    assert errors == []
    assert sorted(sent) == [False, False, False, True]
    assert len(danger_alerts(sessions)) == 2
