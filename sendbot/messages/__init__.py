"""Every outgoing message, by audience (`staff/`, `parents/`), found by its outbox template
key in `registry`: the row's params in, a platform-neutral `OutgoingMessage` out, written at
send time in the reader's language."""
