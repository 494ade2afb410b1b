"""`import soundloom.sdk` stays light: no torch, no engine, no audio device library."""

import subprocess
import sys

HEAVY = ("torch", "soundloom.engine", "sounddevice", "diffusers", "transformers", "scipy", "PyQt6")
CHECK = f"""
import sys
import soundloom.sdk
from soundloom.sdk import Client, AsyncClient, Audio
print([m for m in {HEAVY!r} if m in sys.modules])
"""


def test_importing_the_sdk_pulls_no_heavy_modules():
    # What is imported decides how fast the import is; the time itself depends on the machine.
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.strip() == "[]"
