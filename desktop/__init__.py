"""soundloom desktop."""
