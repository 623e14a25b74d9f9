"""Platform-neutral flows: user input in, service calls and replies out. No SQL, no platforms."""
