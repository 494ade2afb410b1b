"""soundloom engine.models."""
