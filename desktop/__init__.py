"""soundloom desktop: the sound browser (PyQt6) over the library index."""
