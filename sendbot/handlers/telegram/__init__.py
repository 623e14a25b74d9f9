"""Telegram, through python-telegram-bot: the only package that imports `telegram`.

Handlers are thin: an update becomes an `Incoming` for the platform-neutral chat router (or
the staff conversation engine), run in a worker thread, and the replies are laid out here.
No conversation state is kept in this process; PTB's ConversationHandler is not used.
"""

import os

# python-telegram-bot 22 reports time periods (a 429's `retry_after`) as `timedelta` once this
# is set, and warns on every 429 that the int it gives otherwise is deprecated. Opting in is
# the library's documented way forward; `pacing.seconds` reads either.
os.environ.setdefault("PTB_TIMEDELTA", "true")
