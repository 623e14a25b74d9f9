"""Use cases: each takes an actor and a session, checks permission, audits, returns plain data."""

from sendbot.services import deadlines
from sendbot.store.db import SessionHook

# What start-up wires onto the project's session factory:
# `store.db.session_factory(engine, *SESSION_HOOKS)`. Importing this registers nothing.
SESSION_HOOKS: tuple[SessionHook, ...] = (deadlines.keep_fresh,)
