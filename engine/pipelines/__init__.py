"""soundloom engine.pipelines."""
