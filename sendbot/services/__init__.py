"""Use cases: each takes an actor and a session, checks permission, audits, returns plain data."""

# Deadlines are recomputed in every transaction that changes a fact, whichever service made
# the change; importing the module installs that hook (see services/deadlines.py).
from sendbot.services import deadlines as _deadlines  # noqa: E402,F401
