"""What each page shows, composed from cached WebWork reads (no I/O beyond the selectors)."""
