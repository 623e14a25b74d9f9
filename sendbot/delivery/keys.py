"""Every outbox template key, by audience.

A service or job writes one of these into `Outbox.template`; `sendbot.messages.registry`
finds the message it names. Keeping them here, below services and messages, lets both sides
name the same constant, so a key cannot be written that nothing renders.
"""

from __future__ import annotations

# --- to staff ------------------------------------------------------------------------------

CONCERN_NEW = "concern.new"
SAFEGUARDING_ALERT = "safeguarding.alert"
# The urgent alert sent when a reporter answers that a child is in immediate danger, before
# the concern is saved (a draft has no concern yet).
SAFEGUARDING_DANGER = "safeguarding.danger"
SAFEGUARDING_ESCALATION = "safeguarding.escalation"
# An update, in place, of a copy of an alert someone has acknowledged.
SAFEGUARDING_ACKNOWLEDGED = "safeguarding.acknowledged"
SAFEGUARDING_REFERRAL_CHASE = "safeguarding.referral_chase"
SAFEGUARDING_CUMULATIVE = "safeguarding.cumulative"
# A leaving pupil's child protection file: send it to the new school, confirm receipt.
CP_FILE_TRANSFER = "safeguarding.cp_file_prompt"
DEADLINE_REMINDER = "deadline.reminder"
DEADLINE_WATCH = "deadline.watch"
PLAN_REVIEW_REMINDER = "plan.review_reminder"
# One person's reminders about one pupil on one day, together: items of the three above.
PUPIL_REMINDERS = "reminders.pupil"
DIGEST_SENCO = "digest.senco"
DIGEST_DSL = "digest.dsl"
DIGEST_HEADTEACHER = "digest.headteacher"
DELIVERY_FAILED = "delivery.failed"
IDENTITY_BLOCKED = "identity.blocked"
STAFF_NOTICE = "staff.notice"
MEETING_RSVP_NOTICE = "meeting.rsvp_notice"
MEETING_VIEWS_NOTICE = "meeting.views_notice"
MEETING_OUTCOME_PROMPT = "meeting.outcome_prompt"
PARENT_MESSAGE_NOTICE = "parent.message_notice"
PARENT_STOPPED_NOTICE = "parent.stopped_notice"
PARENT_BLOCKED_NOTICE = "parent.blocked_notice"
PARENT_RESUMED_NOTICE = "parent.resumed_notice"
PARENT_UNSUBSCRIBED_NOTICE = "parent.unsubscribed_notice"
INVITE_REUSED_NOTICE = "parent.invite_reused_notice"
# A one-time link to the staff web pages, asked for from the web page itself.
WEB_SIGN_IN_LINK = "web.sign_in_link"

# The daily digest of each role that gets one.
DIGESTS = {"senco": DIGEST_SENCO, "dsl": DIGEST_DSL, "headteacher": DIGEST_HEADTEACHER}

# --- to parents and carers -----------------------------------------------------------------

MEETING_INVITATION = "meeting.invitation"
MEETING_REMINDER = "meeting.reminder"
MEETING_VIEWS_REQUEST = "meeting.views_request"
MEETING_MOVED = "meeting.moved"
MEETING_CANCELLED = "meeting.cancelled"
PARENT_STAFF_REPLY = "parent.staff_reply"
PARENT_MEETING_INVITATION = "parent.meeting_invitation"
PARENT_REVIEW_SUMMARY = "parent.review_summary"
PARENT_TERM_PROGRESS = "parent.term_progress"
# Link Telegram, or confirm this email address (`sendbot invite guardians`).
PARENT_LINK_INVITATION = "parent.link_invitation"

STAFF_KEYS = frozenset(
    {
        CONCERN_NEW,
        SAFEGUARDING_ALERT,
        SAFEGUARDING_DANGER,
        SAFEGUARDING_ESCALATION,
        SAFEGUARDING_ACKNOWLEDGED,
        SAFEGUARDING_REFERRAL_CHASE,
        SAFEGUARDING_CUMULATIVE,
        CP_FILE_TRANSFER,
        DEADLINE_REMINDER,
        DEADLINE_WATCH,
        PLAN_REVIEW_REMINDER,
        PUPIL_REMINDERS,
        *DIGESTS.values(),
        DELIVERY_FAILED,
        IDENTITY_BLOCKED,
        STAFF_NOTICE,
        MEETING_RSVP_NOTICE,
        MEETING_VIEWS_NOTICE,
        MEETING_OUTCOME_PROMPT,
        PARENT_MESSAGE_NOTICE,
        PARENT_STOPPED_NOTICE,
        PARENT_BLOCKED_NOTICE,
        PARENT_RESUMED_NOTICE,
        PARENT_UNSUBSCRIBED_NOTICE,
        INVITE_REUSED_NOTICE,
        WEB_SIGN_IN_LINK,
    }
)
PARENT_KEYS = frozenset(
    {
        MEETING_INVITATION,
        MEETING_REMINDER,
        MEETING_VIEWS_REQUEST,
        MEETING_MOVED,
        MEETING_CANCELLED,
        PARENT_STAFF_REPLY,
        PARENT_MEETING_INVITATION,
        PARENT_REVIEW_SUMMARY,
        PARENT_TERM_PROGRESS,
        PARENT_LINK_INVITATION,
    }
)
