"""Operations on a loaded model, all sharing one sampling loop."""

from soundloom.engine.pipelines.extend import extend
from soundloom.engine.pipelines.generate import generate
from soundloom.engine.pipelines.inpaint import inpaint
from soundloom.engine.pipelines.requests import (
    ExtendRequest,
    GenerateRequest,
    InpaintRequest,
    TransferRequest,
)
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.transfer import transfer

__all__ = [
    "generate", "inpaint", "transfer", "extend",
    "GenerateRequest", "InpaintRequest", "TransferRequest", "ExtendRequest", "Result",
]
