"""The bridge is a client of the SDK: importing any of its modules, and running `soundloom regen` up
to its checks, loads neither torch nor Qt (a DAW script's command starts quickly and light)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import soundloom.bridge


def test_no_bridge_module_and_no_regen_check_imports_torch_or_qt(tmp_path):
    modules = [f"soundloom.bridge.{m.name}" for m in pkgutil.iter_modules(soundloom.bridge.__path__)]
    assert "soundloom.bridge.regen" in modules and "soundloom.bridge.listen" in modules
    clip = tmp_path / "a.wav"
    code = (
        "import importlib, sys\n"
        "import numpy as np, soundfile as sf\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"sf.write({str(clip)!r}, np.zeros((8000, 2)), 16000, subtype='PCM_24')\n"
        "from soundloom.sdk.cli import main\n"
        # a region past the end: the command reads the file and checks everything, then refuses
        f"assert main(['regen', {str(clip)!r}, '--region', '0.2:0.9', 'x']) == 2\n"
        "loaded = sorted(m for m in ('torch', 'PyQt6') if m in sys.modules)\n"
        "print('loaded:', *loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["loaded:"], done.stdout
    assert "region[0]: 0.2:0.9 ends past the clip" in done.stderr
