"""soundloom sdk."""
