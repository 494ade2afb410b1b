"""soundloom: a local generative-sound engine for sound designers."""

__version__ = "0.1.0"
