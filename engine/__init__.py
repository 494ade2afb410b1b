"""soundloom engine."""
