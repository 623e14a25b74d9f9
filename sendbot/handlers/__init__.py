"""Transport adapters. Only handlers/<platform>/ may import a platform's library."""
