"""Plain Go types through the typed module: one function per row of the table."""
