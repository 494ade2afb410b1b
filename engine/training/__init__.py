"""soundloom engine.training."""
