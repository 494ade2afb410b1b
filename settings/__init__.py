"""What a user sets once: the settings file, and the folders soundloom keeps its data in."""
