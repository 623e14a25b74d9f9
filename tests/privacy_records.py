"""A pupil with something in every kind of record, each free text distinctive enough to find.

Shared by the encryption, export and retention tests: if a record kind is missing here, it
is missing from what those tests prove.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import sessionmaker

from sendbot.domain.needs import Area
from sendbot.services import adult_concerns, concern_record
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.concerns import NewConcern, log_concern
from sendbot.store.models import (
    ConcernAction,
    EhcCase,
    Guardian,
    GuardianPupil,
    Intervention,
    InterventionPupil,
    InterventionSession,
    Invitation,
    Meeting,
    ParentMessage,
    PlanReview,
    Pupil,
    SenStatusChange,
    SessionAttendance,
    SupportPlan,
    Target,
    TargetProgress,
)
from tests.factories import NOW, SmallSchool

# One distinctive phrase per encrypted column (table, column) -> text.
PLANTED: dict[tuple[str, str], str] = {
    ("concern", "narrative_text"): "Plumtree-narrative: she said the lollipop man shouted",
    ("concern_action", "note_text"): "Quillfeather-action: rang grandmother about bruising",
    ("intervention_session", "note_text"): "Rosewater-session: counted to twenty unaided",
    ("target", "closed_note_text"): "Saltmarsh-target: reads CVC words reliably now",
    ("plan_review", "next_steps_text"): "Thistledown-review: try a visual timetable at home",
    ("invitation", "parent_views_text"): "Umberfield-views: mornings are hardest for us",
    ("parent_message", "body_text"): "Vetchling-message: Zoë slept badly, please be gentle",
    ("meeting", "outcome_reason"): "Yarrowby-outcome: mum was in hospital that week",
    ("pupil", "destination_school"): "Zinnia-destination: Harbourside Academy",
    # About an adult working in the school, not about the pupil (KCSIE Part four).
    ("adult_concern", "subject_name_text"): "Zedcombe-adult: a visiting coach",
    ("adult_concern", "narrative_text"): "Ashgrove-allegation: he kept a child back alone",
    ("adult_concern", "lado_outcome_text"): "Brackenby-lado: strategy meeting on Friday",
    ("concern", "location_text"): "Amberleigh-where: behind the mobile classroom",
    ("concern", "child_words_text"): "Birchanger-words: he said nobody feeds me at home",
    ("concern", "action_taken_text"): "Coldharbour-done: gave her breakfast from the club",
    ("concern", "told_text"): "Dunsmore-told: told the class TA at lunch",
    # A photo's bytes: a real PNG whose text chunk carries the phrase (see `photo_bytes`).
    ("concern_attachment", "data"): "Eskdale-photo: body map marks on the left arm",
}
PHOTO = ("concern_attachment", "data")


def photo_bytes(phrase: str) -> bytes:
    """A 1x1 PNG with the phrase in a text chunk: an image the service keeps."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + phrase.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


# Not a pupil's record: never in a pupil's export or subject access reply.
ABOUT_ADULTS = frozenset(key for key in PLANTED if key[0] == "adult_concern")
SAFEGUARDING_NARRATIVE = "Wortleberry-safeguarding: said an uncle hurts her at weekends"


@dataclass
class PupilRecords:
    pupil_id: int
    concern_id: int
    safeguarding_concern_id: int
    guardian_id: int
    plan_id: int
    target_id: int
    session_id: int
    meeting_id: int


def plant_records(sessions: sessionmaker, school: SmallSchool, who: str = "zoe") -> PupilRecords:
    """Everything a school might hold about one pupil, written the way the bot writes it."""
    pupil_id = school.pupils[who]
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        concern = log_concern(
            session,
            teacher,
            NewConcern(
                pupil_id,
                Area.SEMH,
                PLANTED[("concern", "narrative_text")],
                False,
                occurred_at=NOW - timedelta(hours=1),
                location=PLANTED[("concern", "location_text")],
                child_words=PLANTED[("concern", "child_words_text")],
                action_taken=PLANTED[("concern", "action_taken_text")],
                told=PLANTED[("concern", "told_text")],
            ),
            NOW,
        )
        kept = concern_record.attach(
            session,
            teacher,
            concern.concern_id,
            photo_bytes(PLANTED[PHOTO]),
            "console",
            NOW + timedelta(minutes=1),
        )
        assert kept.attachment_id is not None, kept.message
        flagged = log_concern(
            session,
            teacher,
            NewConcern(pupil_id, Area.SEMH, SAFEGUARDING_NARRATIVE, True, source="pupil"),
            NOW + timedelta(minutes=5),
        )
    with sessions() as session, session.begin():
        session.add(
            ConcernAction(
                concern_id=concern.concern_id,
                actor_id=school.staff["senco"],
                at=NOW + timedelta(hours=1),
                kind="follow_up",
                note_text=PLANTED[("concern_action", "note_text")],
            )
        )
        guardian = Guardian(
            school_id=school.school_id,
            external_id=f"G-{who}",
            first_name="Ewa",
            last_name="Nowak",
            preferred_language="pl",
        )
        session.add(guardian)
        session.flush()
        session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=pupil_id))
        session.add(
            SenStatusChange(
                pupil_id=pupil_id,
                from_status="monitoring",
                to_status="sen_support",
                reason="Assessed need in early reading",
                changed_by_id=school.staff["senco"],
                changed_at=NOW,
            )
        )
        plan = SupportPlan(
            pupil_id=pupil_id,
            kind="sen_support",
            started_on=date(2026, 9, 7),
            next_review_on=date(2026, 12, 10),
            created_by_id=school.staff["senco"],
        )
        session.add(plan)
        session.flush()
        target = Target(
            plan_id=plan.id,
            pupil_id=pupil_id,
            staff_wording="Blend CVC words with 80% accuracy",
            parent_wording="Read short words by sounding them out",
            area="cognition_learning",
            due_on=date(2026, 12, 10),
            status="met",
            closed_note_text=PLANTED[("target", "closed_note_text")],
            closed_at=NOW,
        )
        intervention = Intervention(
            school_id=school.school_id,
            name="Phonics catch-up",
            area="cognition_learning",
            delivered_by_id=school.staff["ta"],
            starts_on=date(2026, 9, 14),
        )
        session.add_all([target, intervention])
        session.flush()
        session.add(
            InterventionPupil(
                intervention_id=intervention.id, pupil_id=pupil_id, joined_on=date(2026, 9, 14)
            )
        )
        sitting = InterventionSession(
            intervention_id=intervention.id,
            held_on=date(2026, 11, 23),
            minutes=20,
            delivered_by_id=school.staff["ta"],
            note_text=PLANTED[("intervention_session", "note_text")],
            recorded_at=NOW,
        )
        session.add(sitting)
        session.flush()
        session.add(SessionAttendance(session_id=sitting.id, pupil_id=pupil_id, present=True))
        session.add(
            TargetProgress(
                target_id=target.id,
                session_id=sitting.id,
                rating="secure",
                recorded_at=NOW,
                recorded_by_id=school.staff["ta"],
            )
        )
        meeting = Meeting(
            school_id=school.school_id,
            pupil_id=pupil_id,
            kind="sen_support_review",
            starts_at=NOW + timedelta(days=10),
            place="SENCO office",
            created_by_id=school.staff["senco"],
            outcome_reason=PLANTED[("meeting", "outcome_reason")],
        )
        session.add(meeting)
        session.flush()
        session.add(
            Invitation(
                meeting_id=meeting.id,
                guardian_id=guardian.id,
                sent_at=NOW,
                rsvp="yes",
                interpreter_requested=True,
                parent_views_text=PLANTED[("invitation", "parent_views_text")],
            )
        )
        session.add(
            PlanReview(
                plan_id=plan.id,
                meeting_id=meeting.id,
                held_on=date(2026, 11, 20),
                outcomes={str(target.id): "met"},
                next_steps_text=PLANTED[("plan_review", "next_steps_text")],
                recorded_by_id=school.staff["senco"],
                recorded_at=NOW,
            )
        )
        session.add(
            ParentMessage(
                school_id=school.school_id,
                guardian_id=guardian.id,
                pupil_id=pupil_id,
                direction="in",
                body_text=PLANTED[("parent_message", "body_text")],
                language="en",
                at=NOW,
            )
        )
        session.add(EhcCase(pupil_id=pupil_id, local_authority="Exampleshire", status="open"))
        leaving = session.get(Pupil, pupil_id)
        assert leaving is not None
        leaving.destination_school = PLANTED[("pupil", "destination_school")]
        ta = staff_actor_by_id(session, school.staff["ta"])
        head = staff_actor_by_id(session, school.staff["head"])
        assert ta is not None and head is not None
        about_adult = adult_concerns.report(
            session,
            ta,
            adult_concerns.NewAdultConcern(
                narrative=PLANTED[("adult_concern", "narrative_text")],
                threshold="harm",
                subject_name=PLANTED[("adult_concern", "subject_name_text")],
                subject_role="volunteer",
            ),
            NOW,
        )
        adult_concerns.record_lado_consultation(
            session,
            head,
            about_adult.concern_id,
            NOW.date(),
            PLANTED[("adult_concern", "lado_outcome_text")],
            NOW,
        )
        return PupilRecords(
            pupil_id=pupil_id,
            concern_id=concern.concern_id,
            safeguarding_concern_id=flagged.concern_id,
            guardian_id=guardian.id,
            plan_id=plan.id,
            target_id=target.id,
            session_id=sitting.id,
            meeting_id=meeting.id,
        )
