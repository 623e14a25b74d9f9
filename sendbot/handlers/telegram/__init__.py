"""Telegram, through python-telegram-bot: the only package that imports `telegram`.

Handlers are thin: an update becomes an `Incoming` for the platform-neutral chat router (or
the staff conversation engine), run in a worker thread, and the replies are laid out here.
No conversation state is kept in this process; PTB's ConversationHandler is not used.
"""
