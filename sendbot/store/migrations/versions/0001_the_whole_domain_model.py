"""the whole domain model

Revision ID: 0001
Revises:
Create Date: 2026-11-24 12:32:56.458436
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sendbot.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each table after the tables its foreign keys point at.
    for create in (
        _create_conversation_state,
        _create_processed_event,
        _create_trust,
        _create_school,
        _create_guardian,
        _create_staff,
        _create_teaching_group,
        _create_term_date,
        _create_group_staff,
        _create_identity,
        _create_intervention,
        _create_invite,
        _create_outbox,
        _create_pupil,
        _create_staff_role,
        _create_audit_event,
        _create_concern,
        _create_deadline,
        _create_delivery_attempt,
        _create_ehc_case,
        _create_guardian_pupil,
        _create_intervention_pupil,
        _create_intervention_session,
        _create_meeting,
        _create_parent_message,
        _create_sen_status_change,
        _create_support_plan,
        _create_concern_action,
        _create_exemption,
        _create_invitation,
        _create_plan_review,
        _create_session_attendance,
        _create_target,
        _create_target_intervention,
        _create_target_progress,
    ):
        create()


def downgrade() -> None:
    for drop in (
        _drop_target_progress,
        _drop_target_intervention,
        _drop_target,
        _drop_session_attendance,
        _drop_plan_review,
        _drop_invitation,
        _drop_exemption,
        _drop_concern_action,
        _drop_support_plan,
        _drop_sen_status_change,
        _drop_parent_message,
        _drop_meeting,
        _drop_intervention_session,
        _drop_intervention_pupil,
        _drop_guardian_pupil,
        _drop_ehc_case,
        _drop_delivery_attempt,
        _drop_deadline,
        _drop_concern,
        _drop_audit_event,
        _drop_staff_role,
        _drop_pupil,
        _drop_outbox,
        _drop_invite,
        _drop_intervention,
        _drop_identity,
        _drop_group_staff,
        _drop_term_date,
        _drop_teaching_group,
        _drop_staff,
        _drop_guardian,
        _drop_school,
        _drop_trust,
        _drop_processed_event,
        _drop_conversation_state,
    ):
        drop()


def _create_conversation_state() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_key", sa.String(length=200), nullable=False),
        sa.Column("flow", sa.String(length=60), nullable=False),
        sa.Column("step", sa.String(length=60), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("scratch", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_state")),
        sa.UniqueConstraint(
            "platform", "chat_key", name=op.f("uq_conversation_state_platform_chat_key")
        ),
    )
    with op.batch_alter_table("conversation_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_state_expires_at"), ["expires_at"], unique=False
        )


def _drop_conversation_state() -> None:
    with op.batch_alter_table("conversation_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_state_expires_at"))
    op.drop_table("conversation_state")


def _create_processed_event() -> None:
    op.create_table(
        "processed_event",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "event_id", name=op.f("pk_processed_event")),
    )


def _drop_processed_event() -> None:
    op.drop_table("processed_event")


def _create_trust() -> None:
    op.create_table(
        "trust",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust")),
    )


def _drop_trust() -> None:
    op.drop_table("trust")


def _create_school() -> None:
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("urn", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("nation", sa.String(length=32), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=True),
        sa.Column("quiet_start", sa.Time(), nullable=False),
        sa.Column("quiet_end", sa.Time(), nullable=False),
        sa.Column("digest_time", sa.Time(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["trust_id"], ["trust.id"], name=op.f("fk_school_trust_id_trust")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("urn", name=op.f("uq_school_urn")),
    )


def _drop_school() -> None:
    op.drop_table("school")


def _create_guardian() -> None:
    op.create_table(
        "guardian",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("preferred_language", sa.String(length=20), nullable=False),
        sa.Column("script", sa.String(length=10), nullable=True),
        sa.Column("needs_interpreter", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_guardian_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian")),
        sa.UniqueConstraint(
            "school_id", "external_id", name=op.f("uq_guardian_school_id_external_id")
        ),
    )
    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardian_school_id"), ["school_id"], unique=False)


def _drop_guardian() -> None:
    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_school_id"))
    op.drop_table("guardian")


def _create_staff() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_staff_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("school_id", "email", name=op.f("uq_staff_school_id_email")),
        sa.UniqueConstraint(
            "school_id", "external_id", name=op.f("uq_staff_school_id_external_id")
        ),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_school_id"), ["school_id"], unique=False)


def _drop_staff() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_school_id"))
    op.drop_table("staff")


def _create_teaching_group() -> None:
    op.create_table(
        "teaching_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("year_group", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_teaching_group_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teaching_group")),
        sa.UniqueConstraint("school_id", "code", name=op.f("uq_teaching_group_school_id_code")),
    )
    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teaching_group_school_id"), ["school_id"], unique=False
        )


def _drop_teaching_group() -> None:
    with op.batch_alter_table("teaching_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teaching_group_school_id"))
    op.drop_table("teaching_group")


def _create_term_date() -> None:
    op.create_table(
        "term_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("half_term_starts_on", sa.Date(), nullable=True),
        sa.Column("half_term_ends_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_term_date_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_date")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_term_date_school_id_name")),
    )
    with op.batch_alter_table("term_date", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_term_date_school_id"), ["school_id"], unique=False)


def _drop_term_date() -> None:
    with op.batch_alter_table("term_date", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_term_date_school_id"))
    op.drop_table("term_date")


def _create_group_staff() -> None:
    op.create_table(
        "group_staff",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["teaching_group.id"], name=op.f("fk_group_staff_group_id_teaching_group")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_group_staff_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("group_id", "staff_id", name=op.f("pk_group_staff")),
    )
    with op.batch_alter_table("group_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_staff_staff_id"), ["staff_id"], unique=False)


def _drop_group_staff() -> None:
    with op.batch_alter_table("group_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_staff_staff_id"))
    op.drop_table("group_staff")


def _create_identity() -> None:
    op.create_table(
        "identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_identity_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_identity_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity")),
        sa.UniqueConstraint(
            "platform",
            "team_id",
            "external_id",
            name=op.f("uq_identity_platform_team_id_external_id"),
        ),
    )
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_guardian_id"), ["guardian_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_staff_id"), ["staff_id"], unique=False)


def _drop_identity() -> None:
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_staff_id"))
        batch_op.drop_index(batch_op.f("ix_identity_guardian_id"))
    op.drop_table("identity")


def _create_intervention() -> None:
    op.create_table(
        "intervention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("delivered_by_id", sa.Integer(), nullable=True),
        sa.Column("sessions_per_week", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("planned_weeks", sa.Integer(), nullable=False),
        sa.Column("review_after_weeks", sa.Integer(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivered_by_id"], ["staff.id"], name=op.f("fk_intervention_delivered_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_intervention_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention")),
    )
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intervention_delivered_by_id"), ["delivered_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_intervention_school_id"), ["school_id"], unique=False)


def _drop_intervention() -> None:
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_school_id"))
        batch_op.drop_index(batch_op.f("ix_intervention_delivered_by_id"))
    op.drop_table("intervention")


def _create_invite() -> None:
    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_invite_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_invite_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_invite_school_id_school")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_invite_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invite_code_hash")),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_school_id"), ["school_id"], unique=False)


def _drop_invite() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_school_id"))
    op.drop_table("invite")


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("recipient_staff_id", sa.Integer(), nullable=True),
        sa.Column("recipient_guardian_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("not_before", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=True),
        sa.Column("platform_message_id", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_guardian_id"],
            ["guardian.id"],
            name=op.f("fk_outbox_recipient_guardian_id_guardian"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_staff_id"], ["staff.id"], name=op.f("fk_outbox_recipient_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_outbox_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "not_before", "priority"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_recipient_staff_id"), ["recipient_staff_id"], unique=False
        )


def _drop_outbox() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_recipient_staff_id"))
        batch_op.drop_index("ix_outbox_due")
    op.drop_table("outbox")


def _create_pupil() -> None:
    op.create_table(
        "pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("upn", sa.String(length=13), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("preferred_name", sa.String(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("year_group", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("eal", sa.Boolean(), nullable=False),
        sa.Column("first_language", sa.String(length=40), nullable=True),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("sen_status", sa.String(length=20), nullable=False),
        sa.Column("primary_need", sa.String(length=8), nullable=True),
        sa.Column("secondary_need", sa.String(length=8), nullable=True),
        sa.Column("phase_transfer_year", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["teaching_group.id"], name=op.f("fk_pupil_group_id_teaching_group")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_pupil_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupil")),
        sa.UniqueConstraint(
            "school_id", "external_id", name=op.f("uq_pupil_school_id_external_id")
        ),
    )
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pupil_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_sen_status"), ["sen_status"], unique=False)


def _drop_pupil() -> None:
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pupil_sen_status"))
        batch_op.drop_index(batch_op.f("ix_pupil_school_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_group_id"))
    op.drop_table("pupil")


def _create_staff_role() -> None:
    op.create_table(
        "staff_role",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_role_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", "role", name=op.f("pk_staff_role")),
    )
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_role_role"), ["role"], unique=False)


def _drop_staff_role() -> None:
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_role_role"))
    op.drop_table("staff_role")


def _create_audit_event() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_audit_event_pupil_id_pupil")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_audit_event_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_pupil_id"), ["pupil_id"], unique=False)


def _drop_audit_event() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_pupil_id"))
    op.drop_table("audit_event")


def _create_concern() -> None:
    op.create_table(
        "concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("narrative_text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("safeguarding", sa.Boolean(), nullable=False),
        sa.Column("immediate_danger", sa.Boolean(), nullable=False),
        sa.Column("triage", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"], ["staff.id"], name=op.f("fk_concern_assigned_to_id_staff")
        ),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], name=op.f("fk_concern_pupil_id_pupil")),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["staff.id"], name=op.f("fk_concern_raised_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_concern_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern")),
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_concern_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_concern_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_concern_status"), ["status"], unique=False)


def _drop_concern() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_status"))
        batch_op.drop_index(batch_op.f("ix_concern_school_id"))
        batch_op.drop_index(batch_op.f("ix_concern_raised_at"))
        batch_op.drop_index(batch_op.f("ix_concern_pupil_id"))
    op.drop_table("concern")


def _create_deadline() -> None:
    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("subject_type", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("owner_role", sa.String(length=20), nullable=False),
        sa.Column("owner_staff_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("computed_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name=op.f("fk_deadline_owner_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_deadline_pupil_id_pupil")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_deadline_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "kind",
            name=op.f("uq_deadline_subject_type_subject_id_kind"),
        ),
    )
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index("ix_deadline_sweep", ["status", "due_on", "school_id"], unique=False)


def _drop_deadline() -> None:
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_sweep")
        batch_op.drop_index(batch_op.f("ix_deadline_pupil_id"))
    op.drop_table("deadline")


def _create_delivery_attempt() -> None:
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_delivery_attempt_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempt")),
    )
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempt_outbox_id"), ["outbox_id"], unique=False
        )


def _drop_delivery_attempt() -> None:
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_outbox_id"))
    op.drop_table("delivery_attempt")


def _create_ehc_case() -> None:
    op.create_table(
        "ehc_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("local_authority", sa.String(length=100), nullable=True),
        sa.Column("request_received_on", sa.Date(), nullable=True),
        sa.Column("decision_on", sa.Date(), nullable=True),
        sa.Column("advice_requested_on", sa.Date(), nullable=True),
        sa.Column("draft_served_on", sa.Date(), nullable=True),
        sa.Column("final_issued_on", sa.Date(), nullable=True),
        sa.Column("last_annual_review_on", sa.Date(), nullable=True),
        sa.Column("amendments_sent_on", sa.Date(), nullable=True),
        sa.Column("phase_transfer_year", sa.Integer(), nullable=True),
        sa.Column("phase_transfer_kind", sa.String(length=30), nullable=True),
        sa.Column("reassessment_requested_on", sa.Date(), nullable=True),
        sa.Column("reassessment_decided_on", sa.Date(), nullable=True),
        sa.Column("decision_letter_sent_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_ehc_case_pupil_id_pupil")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ehc_case")),
    )
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ehc_case_pupil_id"), ["pupil_id"], unique=False)


def _drop_ehc_case() -> None:
    with op.batch_alter_table("ehc_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ehc_case_pupil_id"))
    op.drop_table("ehc_case")


def _create_guardian_pupil() -> None:
    op.create_table(
        "guardian_pupil",
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("relationship_to_pupil", sa.String(length=40), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("contact_priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_guardian_pupil_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_guardian_pupil_pupil_id_pupil")
        ),
        sa.PrimaryKeyConstraint("guardian_id", "pupil_id", name=op.f("pk_guardian_pupil")),
    )
    with op.batch_alter_table("guardian_pupil", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardian_pupil_pupil_id"), ["pupil_id"], unique=False)


def _drop_guardian_pupil() -> None:
    with op.batch_alter_table("guardian_pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_pupil_pupil_id"))
    op.drop_table("guardian_pupil")


def _create_intervention_pupil() -> None:
    op.create_table(
        "intervention_pupil",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_pupil_intervention_id_intervention"),
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_intervention_pupil_pupil_id_pupil")
        ),
        sa.PrimaryKeyConstraint("intervention_id", "pupil_id", name=op.f("pk_intervention_pupil")),
    )
    with op.batch_alter_table("intervention_pupil", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intervention_pupil_pupil_id"), ["pupil_id"], unique=False
        )


def _drop_intervention_pupil() -> None:
    with op.batch_alter_table("intervention_pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_pupil_pupil_id"))
    op.drop_table("intervention_pupil")


def _create_intervention_session() -> None:
    op.create_table(
        "intervention_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("delivered_by_id", sa.Integer(), nullable=True),
        sa.Column("note_text", sa.Text(), nullable=True),
        sa.Column("recorded_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivered_by_id"],
            ["staff.id"],
            name=op.f("fk_intervention_session_delivered_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_intervention_session_intervention_id_intervention"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_session")),
    )
    with op.batch_alter_table("intervention_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intervention_session_held_on"), ["held_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_intervention_session_intervention_id"), ["intervention_id"], unique=False
        )


def _drop_intervention_session() -> None:
    with op.batch_alter_table("intervention_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_session_intervention_id"))
        batch_op.drop_index(batch_op.f("ix_intervention_session_held_on"))
    op.drop_table("intervention_session")


def _create_meeting() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("starts_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_meeting_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], name=op.f("fk_meeting_pupil_id_pupil")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_meeting_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_starts_at"), ["starts_at"], unique=False)


def _drop_meeting() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_starts_at"))
        batch_op.drop_index(batch_op.f("ix_meeting_school_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_pupil_id"))
    op.drop_table("meeting")


def _create_parent_message() -> None:
    op.create_table(
        "parent_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=True),
        sa.Column("at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_parent_message_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_parent_message_pupil_id_pupil")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_parent_message_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_parent_message_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_message")),
    )
    with op.batch_alter_table("parent_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_parent_message_guardian_id"), ["guardian_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_parent_message_school_id"), ["school_id"], unique=False
        )


def _drop_parent_message() -> None:
    with op.batch_alter_table("parent_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parent_message_school_id"))
        batch_op.drop_index(batch_op.f("ix_parent_message_guardian_id"))
    op.drop_table("parent_message")


def _create_sen_status_change() -> None:
    op.create_table(
        "sen_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["staff.id"], name=op.f("fk_sen_status_change_changed_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_sen_status_change_pupil_id_pupil")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sen_status_change")),
    )
    with op.batch_alter_table("sen_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sen_status_change_pupil_id"), ["pupil_id"], unique=False
        )


def _drop_sen_status_change() -> None:
    with op.batch_alter_table("sen_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sen_status_change_pupil_id"))
    op.drop_table("sen_status_change")


def _create_support_plan() -> None:
    op.create_table(
        "support_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_support_plan_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_support_plan_pupil_id_pupil")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_plan")),
    )
    with op.batch_alter_table("support_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_plan_next_review_on"), ["next_review_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_support_plan_pupil_id"), ["pupil_id"], unique=False)


def _drop_support_plan() -> None:
    with op.batch_alter_table("support_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_plan_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_support_plan_next_review_on"))
    op.drop_table("support_plan")


def _create_concern_action() -> None:
    op.create_table(
        "concern_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("note_text", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_concern_action_actor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concern.id"], name=op.f("fk_concern_action_concern_id_concern")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_action")),
    )
    with op.batch_alter_table("concern_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_concern_action_concern_id"), ["concern_id"], unique=False
        )


def _drop_concern_action() -> None:
    with op.batch_alter_table("concern_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_action_concern_id"))
    op.drop_table("concern_action")


def _create_exemption() -> None:
    op.create_table(
        "exemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ehc_case_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ehc_case_id"], ["ehc_case.id"], name=op.f("fk_exemption_ehc_case_id_ehc_case")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_exemption_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemption")),
    )
    with op.batch_alter_table("exemption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exemption_ehc_case_id"), ["ehc_case_id"], unique=False)


def _drop_exemption() -> None:
    with op.batch_alter_table("exemption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exemption_ehc_case_id"))
    op.drop_table("exemption")


def _create_invitation() -> None:
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rsvp", sa.String(length=20), nullable=True),
        sa.Column("rsvp_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("interpreter_requested", sa.Boolean(), nullable=False),
        sa.Column("reminders_sent", sa.JSON(), nullable=False),
        sa.Column("parent_views_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_invitation_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_invitation_meeting_id_meeting")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint(
            "meeting_id", "guardian_id", name=op.f("uq_invitation_meeting_id_guardian_id")
        ),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitation_guardian_id"), ["guardian_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invitation_meeting_id"), ["meeting_id"], unique=False)


def _drop_invitation() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_invitation_guardian_id"))
    op.drop_table("invitation")


def _create_plan_review() -> None:
    op.create_table(
        "plan_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("next_steps_text", sa.Text(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_plan_review_meeting_id_meeting")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["support_plan.id"], name=op.f("fk_plan_review_plan_id_support_plan")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_plan_review_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_review")),
    )
    with op.batch_alter_table("plan_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_review_plan_id"), ["plan_id"], unique=False)


def _drop_plan_review() -> None:
    with op.batch_alter_table("plan_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_review_plan_id"))
    op.drop_table("plan_review")


def _create_session_attendance() -> None:
    op.create_table(
        "session_attendance",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("absence_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupil.id"], name=op.f("fk_session_attendance_pupil_id_pupil")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["intervention_session.id"],
            name=op.f("fk_session_attendance_session_id_intervention_session"),
        ),
        sa.PrimaryKeyConstraint("session_id", "pupil_id", name=op.f("pk_session_attendance")),
    )
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_attendance_pupil_id"), ["pupil_id"], unique=False
        )


def _drop_session_attendance() -> None:
    with op.batch_alter_table("session_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_attendance_pupil_id"))
    op.drop_table("session_attendance")


def _create_target() -> None:
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("staff_wording", sa.Text(), nullable=False),
        sa.Column("parent_wording", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("success_criteria", sa.Text(), nullable=True),
        sa.Column("baseline", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_note_text", sa.Text(), nullable=True),
        sa.Column("closed_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["support_plan.id"], name=op.f("fk_target_plan_id_support_plan")
        ),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"], name=op.f("fk_target_pupil_id_pupil")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
    )
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_pupil_id"), ["pupil_id"], unique=False)


def _drop_target() -> None:
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_target_plan_id"))
    op.drop_table("target")


def _create_target_intervention() -> None:
    op.create_table(
        "target_intervention",
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_target_intervention_intervention_id_intervention"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["target.id"], name=op.f("fk_target_intervention_target_id_target")
        ),
        sa.PrimaryKeyConstraint(
            "target_id", "intervention_id", name=op.f("pk_target_intervention")
        ),
    )


def _drop_target_intervention() -> None:
    op.drop_table("target_intervention")


def _create_target_progress() -> None:
    op.create_table(
        "target_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sendbot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_target_progress_recorded_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["intervention_session.id"],
            name=op.f("fk_target_progress_session_id_intervention_session"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["target.id"], name=op.f("fk_target_progress_target_id_target")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_progress")),
    )
    with op.batch_alter_table("target_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_target_progress_target_id"), ["target_id"], unique=False
        )


def _drop_target_progress() -> None:
    with op.batch_alter_table("target_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_progress_target_id"))
    op.drop_table("target_progress")

    # ### end Alembic commands ###
