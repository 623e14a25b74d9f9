"""The console transport: the engine in a terminal, or fed from a pipe."""
