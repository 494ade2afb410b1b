"""The engine: model families, the shared sampling loop and the operations built on it."""

from soundloom.engine.engine import Engine, build_request

__all__ = ["Engine", "build_request"]
