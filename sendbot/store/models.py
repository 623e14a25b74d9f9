"""The whole domain model of DESIGN.md section 4, so later work adds behaviour, not schema.

Times are UTC (`UTCDateTime`); calendar dates are plain `Date`. Free text that can carry a
child's story (narratives, notes, parent messages and views) sits in `*_text` columns that the
privacy work encrypts at rest.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NO_VALUE

from sendbot.store.crypto import EncryptedBytes, EncryptedJSON, EncryptedText
from sendbot.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


# --- schools and people -------------------------------------------------------------------


class Trust(Base):
    __tablename__ = "trust"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class School(Base):
    __tablename__ = "school"
    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int | None] = mapped_column(ForeignKey("trust.id"))
    name: Mapped[str] = mapped_column(String(200))
    urn: Mapped[str] = mapped_column(String(20), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    nation: Mapped[str] = mapped_column(String(32), default="england")
    slack_team_id: Mapped[str | None] = mapped_column(String(32))
    quiet_start: Mapped[time] = mapped_column(Time, default=time(20, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(7, 0))
    digest_time: Mapped[time] = mapped_column(Time, default=time(7, 30))
    # Policy choices the seeds show vary between schools: level names, review frequency,
    # escalation minutes, cumulative-concern window, retention.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TermDate(Base):
    __tablename__ = "term_date"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # "2026-autumn"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    half_term_starts_on: Mapped[date | None] = mapped_column(Date)
    half_term_ends_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("school_id", "name"),)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )
    __table_args__ = (
        UniqueConstraint("school_id", "external_id"),
        UniqueConstraint("school_id", "email"),
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class StaffRole(Base):
    __tablename__ = "staff_role"
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    staff: Mapped[Staff] = relationship(back_populates="roles")


class TeachingGroup(Base):
    """A class or teaching group as the MIS names it (e.g. '3B', 'Oak')."""

    __tablename__ = "teaching_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    year_group: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("school_id", "code"),)


class GroupStaff(Base):
    __tablename__ = "group_staff"
    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_group.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default="teacher")  # teacher | ta


class Pupil(Base):
    __tablename__ = "pupil"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    upn: Mapped[str | None] = mapped_column(String(13))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    year_group: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("teaching_group.id"), index=True)
    eal: Mapped[bool] = mapped_column(Boolean, default=False)
    first_language: Mapped[str | None] = mapped_column(String(40))
    looked_after: Mapped[bool] = mapped_column(Boolean, default=False)
    sen_status: Mapped[str] = mapped_column(String(20), default="none", index=True)
    primary_need: Mapped[str | None] = mapped_column(String(8))
    secondary_need: Mapped[str | None] = mapped_column(String(8))
    phase_transfer_year: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Leaving (roster import or `sendbot pupil leaving`): the last day on roll and where to.
    leaving_on: Mapped[date | None] = mapped_column(Date)
    destination_school: Mapped[str | None] = mapped_column(EncryptedText)
    # The DSL says the pupil has a child protection file even with no concern in sendbot
    # (a file that came from a previous school, say). Any safeguarding concern makes one.
    cp_file_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The file's transfer to the new school (KCSIE Annex C): sent, then receipt confirmed.
    cp_file_sent_on: Mapped[date | None] = mapped_column(Date)
    cp_file_received_on: Mapped[date | None] = mapped_column(Date)
    cp_file_received_by: Mapped[str | None] = mapped_column(String(200))
    group: Mapped[TeachingGroup | None] = relationship(lazy="joined")
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"


class SenStatusChange(Base):
    """The graduated approach history: who moved a pupil between levels, when and why."""

    __tablename__ = "sen_status_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime]


class Guardian(Base):
    __tablename__ = "guardian"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    preferred_language: Mapped[str] = mapped_column(String(20), default="en")
    script: Mapped[str | None] = mapped_column(String(10))
    needs_interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The channel the parent chose ("telegram", "email" or "sms"); None: the school's order
    # (services/guardian_channels.py). Their accounts on each are Identity rows.
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class GuardianPupil(Base):
    __tablename__ = "guardian_pupil"
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True, index=True)
    relationship_to_pupil: Mapped[str] = mapped_column(String(40), default="parent")
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_priority: Mapped[int] = mapped_column(Integer, default=1)
    # The school's recorded decision to share a child's record with a contact who has no
    # parental responsibility (`sendbot guardian share`): when, and which member of staff
    # decided. The roster import leaves both alone.
    shared_at: Mapped[datetime | None]
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Identity(Base):
    """A person's account on a platform; exactly one of staff_id / guardian_id is set."""

    __tablename__ = "identity"
    id: Mapped[int] = mapped_column(primary_key=True)
    # slack | telegram | teams | console; a guardian's email | sms (the address, E.164)
    platform: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str] = mapped_column(String(64), default="")
    external_id: Mapped[str] = mapped_column(String(254))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Why an inactive account stopped: "blocked" (the platform said so; the person may
    # come back with /start), "stopped", "replaced" or "school" (only a new invite
    # links it again). None while active, and for accounts stopped before this was kept.
    inactive_reason: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    # A guardian's email address from the roster: when they confirmed, by its link, that it
    # is theirs (services/parent_links.py). None: not confirmed.
    confirmed_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("platform", "team_id", "external_id"),)


class TeamsConversation(Base):
    """Where the bot can write to a person on Teams unprompted: the personal chat's
    conversation reference, kept from their latest activity (Teams gives no other way)."""

    __tablename__ = "teams_conversation"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    aad_object_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(256))  # the bot-scoped id, "29:..."
    service_url: Mapped[str] = mapped_column(String(512))
    conversation_id: Mapped[str] = mapped_column(String(512))
    bot_id: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("tenant_id", "aad_object_id"),)


class Invite(Base):
    __tablename__ = "invite"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSignIn(Base):
    """A one-time sign-in link to the staff web pages: only its SHA-256 is kept; bound to
    one member of staff, single use, short-lived, and it may name the page to open."""

    __tablename__ = "web_sign_in"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    page: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser: the cookie holds a random id, the row only its SHA-256. Ends
    after 15 idle minutes, on signing out, or when the staff member leaves."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    via: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ParentLink(Base):
    """A parent's one-tap web page link (services/parent_links.py): only the token's
    SHA-256 is kept; bound to one guardian, one purpose and one object (an invitation, or
    the outbox row it came with), and it expires. The token is made again from the outbox
    row under a key derived from the encryption keys, so a retried send carries the same
    link; `outbox_id` is unique for that reason."""

    __tablename__ = "parent_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # A newer link was sent in its place ("Send me a new link"): this one no longer opens.
    replaced_at: Mapped[datetime | None]
    # When its "Send me a new link" button last queued one (at most one an hour).
    resent_at: Mapped[datetime | None]


# --- concerns and safeguarding -------------------------------------------------------------


class Concern(Base):
    __tablename__ = "concern"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    raised_at: Mapped[datetime] = mapped_column(index=True)
    area: Mapped[str] = mapped_column(String(40))
    narrative_text: Mapped[str] = mapped_column(EncryptedText)
    source: Mapped[str] = mapped_column(String(20), default="staff")  # staff|parent|pupil
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    immediate_danger: Mapped[bool] = mapped_column(Boolean, default=False)
    triage: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    acknowledged_at: Mapped[datetime | None]
    # What a record a court would accept holds besides the narrative: when and where it
    # happened, the child's own words, what the reporter did and who else they told, and
    # KCSIE's category (safeguarding only). Written once: corrections are addenda
    # (ConcernAction kind "addendum"), never edits.
    occurred_at: Mapped[datetime | None]
    occurred_time_known: Mapped[bool | None] = mapped_column(Boolean)
    location_text: Mapped[str | None] = mapped_column(EncryptedText)
    child_words_text: Mapped[str | None] = mapped_column(EncryptedText)
    action_taken_text: Mapped[str | None] = mapped_column(EncryptedText)
    told_text: Mapped[str | None] = mapped_column(EncryptedText)
    category: Mapped[str | None] = mapped_column(String(30))


# What the reporter wrote and when: written once, never changed (corrections are addenda).
WRITTEN_ONCE = (
    "pupil_id",
    "raised_by_id",
    "raised_at",
    "narrative_text",
    "source",
    "occurred_at",
    "occurred_time_known",
    "location_text",
    "child_words_text",
    "action_taken_text",
    "told_text",
)


class RecordWrittenOnce(AttributeError):
    """A saved concern's account was about to be changed: add an addendum instead."""


def _refuse_a_change(target: Concern, value: Any, old: Any, initiator: Any) -> Any:
    if inspect(target).has_identity and old is not NO_VALUE and value != old:
        raise RecordWrittenOnce(
            f"A saved concern's {initiator.key} is never changed: add an addendum instead."
        )
    return value


for _name in WRITTEN_ONCE:
    event.listen(getattr(Concern, _name), "set", _refuse_a_change, active_history=True)


class ConcernAction(Base):
    """The chronology of a concern: acknowledged, decision, referral, follow-up, closed."""

    __tablename__ = "concern_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concern.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    note_text: Mapped[str | None] = mapped_column(EncryptedText)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ConcernDraft(Base):
    """A safeguarding concern being logged and not yet saved: an unfinished report.

    Written from the moment the reporter says it is about a child who may be at risk, and
    kept after the chat's own state expires, so the DSL and deputies always see it. The
    urgent alert sent when the reporter says the child is in immediate danger is marked
    here (`danger_alert_at`), once per draft. Saving links the concern (`concern_id`)."""

    __tablename__ = "concern_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    platform: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Encrypted: the answers so far, the narrative among them.
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    danger_alert_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("concern.id"))
    ended_at: Mapped[datetime | None]


class AdultConcern(Base):
    """A concern or allegation about an adult working in the school (KCSIE Part four).

    Its own table, never a pupil's `Concern`: it is not a pupil concern and goes to the
    case manager (the headteacher; the chair of governors when it is about the headteacher),
    never into the pupil safeguarding alerts. `kind` is "allegation" (may meet the harm
    threshold, or the reporter was not sure) or "low_level". The adult is a member of staff
    on the roster (`subject_staff_id`) or someone typed by name (`subject_name_text`).
    """

    __tablename__ = "adult_concern"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    raised_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))  # allegation | low_level
    threshold: Mapped[str] = mapped_column(String(20))  # the reporter's answer
    subject_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    subject_name_text: Mapped[str | None] = mapped_column(EncryptedText)
    subject_role: Mapped[str] = mapped_column(String(20))  # staff|supply|volunteer|contractor|other
    narrative_text: Mapped[str] = mapped_column(EncryptedText)
    happened_on: Mapped[date | None] = mapped_column(Date)
    case_manager_role: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="open")
    lado_consulted_on: Mapped[date | None] = mapped_column(Date)
    lado_outcome_text: Mapped[str | None] = mapped_column(EncryptedText)
    lado_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    lado_recorded_at: Mapped[datetime | None]


class ConcernAttachment(Base):
    """A photo kept with a concern (a written note, a body map), encrypted like the
    narrative. `concern_id` is empty while it is held for a report still being written in
    `held_for` (a chat); saving the report claims it. Never changed once attached."""

    __tablename__ = "concern_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("concern.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    uploaded_at: Mapped[datetime]
    held_for: Mapped[str | None] = mapped_column(String(240), index=True)
    source: Mapped[str] = mapped_column(String(20))  # slack|telegram|console
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(EncryptedBytes)


# --- provision: interventions, plans, targets ----------------------------------------------


class Intervention(Base):
    __tablename__ = "intervention"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(40))
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    sessions_per_week: Mapped[int] = mapped_column(Integer, default=1)
    minutes: Mapped[int] = mapped_column(Integer, default=30)
    starts_on: Mapped[date] = mapped_column(Date)
    planned_weeks: Mapped[int] = mapped_column(Integer, default=6)
    review_after_weeks: Mapped[int | None] = mapped_column(Integer)
    review_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class InterventionPupil(Base):
    __tablename__ = "intervention_pupil"
    intervention_id: Mapped[int] = mapped_column(ForeignKey("intervention.id"), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True, index=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class InterventionSession(Base):
    __tablename__ = "intervention_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("intervention.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note_text: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_at: Mapped[datetime]


class SessionAttendance(Base):
    __tablename__ = "session_attendance"
    session_id: Mapped[int] = mapped_column(ForeignKey("intervention_session.id"), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True, index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    absence_reason: Mapped[str | None] = mapped_column(String(20))  # ill|off_site|refused|other


class SupportPlan(Base):
    __tablename__ = "support_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # monitoring | sen_support | ehc_plan
    started_on: Mapped[date] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Target(Base):
    __tablename__ = "target"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("support_plan.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    staff_wording: Mapped[str] = mapped_column(Text)
    parent_wording: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(40))
    success_criteria: Mapped[str | None] = mapped_column(Text)
    baseline: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")  # met|partly|not_met
    closed_note_text: Mapped[str | None] = mapped_column(EncryptedText)
    closed_at: Mapped[datetime | None]


class TargetIntervention(Base):
    __tablename__ = "target_intervention"
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("intervention.id"), primary_key=True)


class TargetProgress(Base):
    __tablename__ = "target_progress"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("intervention_session.id"))
    rating: Mapped[str] = mapped_column(String(20))  # not_yet|emerging|developing|secure|achieved
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class PlanReview(Base):
    __tablename__ = "plan_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("support_plan.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    held_on: Mapped[date] = mapped_column(Date)
    outcomes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # target id -> outcome
    next_steps_text: Mapped[str | None] = mapped_column(EncryptedText)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime]


# --- statutory process ---------------------------------------------------------------------


class EhcCase(Base):
    __tablename__ = "ehc_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    local_authority: Mapped[str | None] = mapped_column(String(100))
    request_received_on: Mapped[date | None] = mapped_column(Date)
    requested_by: Mapped[str | None] = mapped_column(String(20))  # parent | school | other
    decision_on: Mapped[date | None] = mapped_column(Date)
    decision_outcome: Mapped[str | None] = mapped_column(String(20))  # assess | not_assess
    advice_requested_on: Mapped[date | None] = mapped_column(Date)
    advice_received_on: Mapped[date | None] = mapped_column(Date)
    draft_served_on: Mapped[date | None] = mapped_column(Date)
    final_issued_on: Mapped[date | None] = mapped_column(Date)
    last_annual_review_on: Mapped[date | None] = mapped_column(Date)
    amendments_sent_on: Mapped[date | None] = mapped_column(Date)
    # The LA's decision after an annual review (reg 20(10)): maintain | amend | cease.
    review_decided_on: Mapped[date | None] = mapped_column(Date)
    review_decision: Mapped[str | None] = mapped_column(String(20))
    phase_transfer_year: Mapped[int | None] = mapped_column(Integer)
    phase_transfer_kind: Mapped[str | None] = mapped_column(String(30))
    reassessment_requested_on: Mapped[date | None] = mapped_column(Date)
    reassessment_decided_on: Mapped[date | None] = mapped_column(Date)
    decision_letter_sent_on: Mapped[date | None] = mapped_column(Date)
    mediation_certificate_issued_on: Mapped[date | None] = mapped_column(Date)
    appeal_registered_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")


class Exemption(Base):
    """An exemption the regulations list (e.g. reg 10(4)), recorded with its reason."""

    __tablename__ = "exemption"
    id: Mapped[int] = mapped_column(primary_key=True)
    ehc_case_id: Mapped[int] = mapped_column(ForeignKey("ehc_case.id"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime]


class Meeting(Base):
    __tablename__ = "meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    place: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    attendees: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Raised each time the meeting moves or is cancelled: the calendar file's SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Held or not held (status), why not, and when staff said so.
    outcome_reason: Mapped[str | None] = mapped_column(EncryptedText)
    outcome_at: Mapped[datetime | None]


class Invitation(Base):
    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    sent_at: Mapped[datetime | None]
    rsvp: Mapped[str | None] = mapped_column(String(20))  # yes|no|other_time
    rsvp_at: Mapped[datetime | None]
    interpreter_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_sent: Mapped[list[Any]] = mapped_column(default=list)
    parent_views_text: Mapped[str | None] = mapped_column(EncryptedText)
    __table_args__ = (UniqueConstraint("meeting_id", "guardian_id"),)


class Deadline(Base):
    """A deadline materialised from the rules in domain/, so a sweep is one indexed query."""

    __tablename__ = "deadline"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    owner_role: Mapped[str] = mapped_column(String(20))
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    source: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "kind"),
        Index("ix_deadline_sweep", "status", "due_on", "school_id"),
    )


# --- messages -------------------------------------------------------------------------------


class Outbox(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    recipient_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    recipient_guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    template: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=5)  # 0 = urgent
    not_before: Mapped[datetime]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    platform: Mapped[str | None] = mapped_column(String(20))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    # The parts of a message with attachments that have arrived, and where: {"to": the
    # account, "parts": {part name: platform id}}, so a retry sends only what is missing.
    delivered_parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_outbox_due", "status", "not_before", "priority"),)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    at: Mapped[datetime]
    worker: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20))  # sent|retry|failed|blocked
    detail: Mapped[str | None] = mapped_column(Text)


class ParentMessage(Base):
    __tablename__ = "parent_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    direction: Mapped[str] = mapped_column(String(10))  # in | out
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body_text: Mapped[str] = mapped_column(EncryptedText)
    language: Mapped[str | None] = mapped_column(String(20))
    at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class ChatReply(Base):
    """A reply to a person's own message, saved with the update it answers and sent from here.

    Written in the update's transaction, so a reply exists iff its cause does; deleted once
    the platform accepted it. The body is the rendered message, encrypted (it can name a child).
    """

    __tablename__ = "chat_reply"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_key: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    __table_args__ = (
        Index("ix_chat_reply_chat", "platform", "chat_key", "status"),
        Index("ix_chat_reply_due", "status", "not_before"),
    )


# --- plumbing --------------------------------------------------------------------------------


class ConversationState(Base):
    """One half-finished flow per chat, kept in the database so restarts lose nothing."""

    __tablename__ = "conversation_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_key: Mapped[str] = mapped_column(String(200))
    flow: Mapped[str] = mapped_column(String(60))
    step: Mapped[str | None] = mapped_column(String(60))
    # Encrypted: half-typed answers (a concern's narrative before it is saved) are as
    # sensitive as the saved record.
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    history: Mapped[list[Any]] = mapped_column(EncryptedJSON, default=list)
    scratch: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    __table_args__ = (UniqueConstraint("platform", "chat_key"),)
    # A second worker answering the same chat at the same moment gets StaleDataError.
    __mapper_args__ = {"version_id_col": version}


class ProcessedEvent(Base):
    __tablename__ = "processed_event"
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    at: Mapped[datetime]


class InboundRate(Base):
    """Messages one sender sent in the current window, shared by every worker (rate limit)."""

    __tablename__ = "inbound_rate"
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)  # platform and entry
    sender_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)


class EncryptionKey(Base):
    """A key that has written to this database, by fingerprint (never the key itself), so a
    process given a key the database has never seen refuses to start (`store.key_check`)."""

    __tablename__ = "encryption_key"
    fingerprint: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_used_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only; each row carries the hash of the one before it."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    actor_kind: Mapped[str] = mapped_column(String(20))  # staff|guardian|system|cli
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"), index=True)
    at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """A signed note of the audit chain's head (event id and hash).

    The signing key is derived from the encryption keys, which are never in the database,
    so whoever can only write to the database cannot rewrite the chain below a checkpoint,
    cut it short, or make a checkpoint of their own. No foreign key: the checkpoint must
    outlive the deletion of the event it names, since that deletion is what it proves.
    """

    __tablename__ = "audit_checkpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    event_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_fingerprint: Mapped[str] = mapped_column(String(12))
    signature: Mapped[str] = mapped_column(String(64))
