"""The engine: model families, the shared sampling loop and the operations built on it."""

__all__ = ["Engine", "build_request"]


def __getattr__(name: str):
    # Lazy, so tools that only need part of the engine (corpus building) do not pay for torch.
    if name in __all__:
        from soundloom.engine import engine

        return getattr(engine, name)
    raise AttributeError(name)
