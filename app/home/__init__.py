"""The per-role home page."""
