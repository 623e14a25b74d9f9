"""Every flow sendbot offers, in menu order: what staff do daily, then the SENCO's tools."""

from __future__ import annotations

from sendbot.conversations.add_addendum import ADD_ADDENDUM
from sendbot.conversations.add_target import ADD_TARGET
from sendbot.conversations.adult_concern import ADULT_CONCERN
from sendbot.conversations.change_enrolment import CHANGE_ENROLMENT
from sendbot.conversations.check_targets import CHECK_TARGETS
from sendbot.conversations.close_target import CLOSE_TARGET
from sendbot.conversations.ehc_case import EHC_CASE
from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.lado_consultation import LADO_CONSULTATION
from sendbot.conversations.log_concern import LOG_CONCERN
from sendbot.conversations.meeting_flows import (
    CANCEL_MEETING,
    INVITE_PARENT,
    MEETING_PAPERS,
    MOVE_MEETING,
    SCHEDULE_MEETING,
)
from sendbot.conversations.move_level import MOVE_LEVEL
from sendbot.conversations.read_adult_concerns import ADULT_CONCERNS
from sendbot.conversations.record_decision import RECORD_DECISION
from sendbot.conversations.record_review import RECORD_REVIEW
from sendbot.conversations.record_session import RECORD_SESSION
from sendbot.conversations.review_held import REVIEW_HELD
from sendbot.conversations.send_history import SEND_HISTORY
from sendbot.conversations.setup_intervention import SETUP_INTERVENTION
from sendbot.conversations.staff_reply import STAFF_REPLY
from sendbot.conversations.support_plan import SUPPORT_PLAN
from sendbot.conversations.unfinished_reports import UNFINISHED_REPORTS
from sendbot.conversations.whats_due import WHATS_DUE

REGISTRY = FlowRegistry(
    flows=(
        LOG_CONCERN,
        RECORD_SESSION,
        CHECK_TARGETS,
        WHATS_DUE,
        SUPPORT_PLAN,
        ADD_TARGET,
        CLOSE_TARGET,
        RECORD_REVIEW,
        REVIEW_HELD,
        SCHEDULE_MEETING,
        MOVE_MEETING,
        CANCEL_MEETING,
        MEETING_PAPERS,
        INVITE_PARENT,
        MOVE_LEVEL,
        SEND_HISTORY,
        SETUP_INTERVENTION,
        CHANGE_ENROLMENT,
        RECORD_DECISION,
        EHC_CASE,
        UNFINISHED_REPORTS,
        ADULT_CONCERN,
        ADULT_CONCERNS,
        LADO_CONSULTATION,
        ADD_ADDENDUM,
    ),
    hidden=(STAFF_REPLY,),
)
