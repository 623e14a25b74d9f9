"""What may reach python-telegram-bot from the webhook: an update shaped as the Bot API
documents it.

`Update.de_json` takes the fields' types on trust: a message that was a string, a date too
large for a datetime or a chat id that was text failed inside the library (HTTP 500) or in
a handler. The webhook holds the kinds of update sendbot handles to their documented shape
and answers 400 to anything else, so Telegram stops sending what can never be handled.
"""

from __future__ import annotations

from typing import Any

from sendbot.handlers.shapes import LARGEST_ID, Obj, flag, list_of, obj, text, whole

ID = whole(-LARGEST_ID, LARGEST_ID)
COUNT = whole(0, 2**31 - 1)
DATE = whole(0, 2**34)  # Unix time, well past any date a datetime can hold
USER = obj(
    ("id", "is_bot", "first_name"),
    id=ID,
    is_bot=flag,
    first_name=text,
    last_name=text,
    username=text,
    language_code=text,
)
CHAT = obj(
    ("id", "type"),
    id=ID,
    type=text,
    title=text,
    username=text,
    first_name=text,
    last_name=text,
)
ENTITY = obj(
    ("type", "offset", "length"),
    type=text,
    offset=COUNT,
    length=COUNT,
    url=text,
    user=USER,
    language=text,
    custom_emoji_id=text,
)
MESSAGE = obj(
    ("message_id", "date", "chat"),
    message_id=ID,
    date=DATE,
    edit_date=DATE,
    chat=CHAT,
    sender_chat=CHAT,
    text=text,
    caption=text,
    entities=list_of(ENTITY),
    caption_entities=list_of(ENTITY),
    reply_to_message=obj(("message_id", "date", "chat"), message_id=ID, date=DATE, chat=CHAT),
    **{"from": USER},
)
CALLBACK_QUERY = obj(
    ("id", "from", "chat_instance"),
    id=text,
    chat_instance=text,
    data=text,
    inline_message_id=text,
    message=MESSAGE,
    **{"from": USER},
)
CHAT_MEMBER = obj(("status", "user"), status=text, user=USER, until_date=DATE)
MEMBER_UPDATED = obj(
    ("chat", "from", "date", "old_chat_member", "new_chat_member"),
    chat=CHAT,
    date=DATE,
    old_chat_member=CHAT_MEMBER,
    new_chat_member=CHAT_MEMBER,
    **{"from": USER},
)
UPDATE = Obj(
    {
        "update_id": whole(0, LARGEST_ID),
        "message": MESSAGE,
        "edited_message": MESSAGE,
        "channel_post": MESSAGE,
        "edited_channel_post": MESSAGE,
        "callback_query": CALLBACK_QUERY,
        "my_chat_member": MEMBER_UPDATED,
        "chat_member": MEMBER_UPDATED,
    },
    frozenset({"update_id"}),
)


def problem(data: Any) -> str | None:
    """What makes a parsed body unlike an update the Bot API documents, or None."""
    return UPDATE(data, "update")
