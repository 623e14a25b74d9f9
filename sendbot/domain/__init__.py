"""Pure rules of the field: no database, no I/O, no clock."""
