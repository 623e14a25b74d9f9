"""Messages to staff, in plain English (DESIGN.md 7 translates what parents read)."""
