"""The sound library index: every sound a user has, searchable by text, meaning and likeness (no torch, no Qt)."""
