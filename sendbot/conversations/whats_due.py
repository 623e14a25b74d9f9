"""What is due for me: reviews, targets and deadlines in the next 14 days and anything
overdue, soonest first. No questions: it answers at once.

State diagram: docs/flows/whats_due.md.
"""

from __future__ import annotations

from sendbot.conversations.common import days_away, has_send_work, may_teach, short_date
from sendbot.conversations.fields import Answers
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.services import due


def _submit(turn: Turn, answers: Answers) -> str:
    items = due.due_for(turn.session, turn.actor, turn.today)
    if not items:
        return f"Nothing is due for you in the next {due.WINDOW_DAYS} days, and nothing is overdue."
    overdue = sum(1 for i in items if i.due_on < turn.today)
    head = f"Due in the next {due.WINDOW_DAYS} days"
    head += f" ({overdue} overdue):" if overdue else ":"
    lines = [head]
    for item in items:
        lines.append(
            f"- {short_date(item.due_on)} ({days_away(item.due_on, turn.today)}): {item.text}"
        )
    return "\n".join(lines)


WHATS_DUE = Flow(
    name="whats_due",
    title="What's due",
    triggers=("due", "what's due", "whats due", "what is due", "deadlines"),
    describe="your reviews, targets and deadlines in the next 14 days",
    may_start=may_teach,
    offered=has_send_work,
    read_only=True,
    submit=_submit,
    outcome="'Nothing is due...' or one line per item: date (days away or overdue) and what",
    fields=(),
)
