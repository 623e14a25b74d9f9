"""Use cases: each takes an actor and a session, checks permission, audits, returns plain data."""
