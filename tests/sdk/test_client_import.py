"""`import soundloom.sdk` stays light: no torch, no engine, no audio device library."""

import subprocess
import sys

CHECK = """
import sys, time
started = time.perf_counter()
import soundloom.sdk
elapsed = time.perf_counter() - started
heavy = [m for m in ("torch", "soundloom.engine", "sounddevice", "diffusers", "transformers") if m in sys.modules]
print(heavy, elapsed)
"""


def test_importing_the_sdk_pulls_no_heavy_modules():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=True).stdout
    heavy, elapsed = out.rsplit(" ", 1)
    assert heavy == "[]"
    assert float(elapsed) < 2.0  # generous: the 0.3 s budget is measured with -X importtime, not on a loaded CI box
