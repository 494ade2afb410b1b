"""What a user waits for at the shell: `soundloom generate` cold and warm, against the engine alone.

Measured in one run, on the starter model (engine/weights/starter), 1 s of audio, default steps:

  * in-process: `Engine.run("generate", …)` with the model already loaded (the floor);
  * cold command: `soundloom generate` with no engine running (it starts one, which stays warm);
  * warm command: the same command again, reusing that engine;
  * time to ready: `soundloom serve` from launch until its connection file is written.

Each command is a fresh process, as at the shell. The warm command's overhead over in-process
generation is what a second command costs beyond the sound itself (goal: at most 1 s).

    nice -n 10 python bench/cli_latency.py [--rounds N]

Settings, runtime and data folders are temporary, so the user's engine and settings are untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROMPT = "rain on a tin roof"


def _env(root: Path) -> dict:
    config = root / "config"
    config.mkdir()
    (config / "settings.toml").write_text("idle_timeout = 600\n", encoding="utf-8")
    (root / "run").mkdir(mode=0o700)
    return dict(os.environ, SOUNDLOOM_CONFIG_DIR=str(config), SOUNDLOOM_RUNTIME_DIR=str(root / "run"),
                SOUNDLOOM_DATA_DIR=str(root / "data"))


def _timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def _generate_command(out: Path) -> list[str]:
    return [sys.executable, "-m", "soundloom.sdk.cli", "generate", PROMPT, "--seconds", "1", "--seed", "1", "-o", str(out)]


def _stop(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "soundloom.sdk.cli", "stop"], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    connection = Path(env["SOUNDLOOM_RUNTIME_DIR"]) / "engine.json"
    deadline = time.monotonic() + 120
    while connection.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


class InProcess:
    """The engine in this process with the starter loaded: the floor a command is compared with."""

    def __init__(self):
        started = time.perf_counter()
        from soundloom.engine.engine import Engine

        self.engine = Engine()
        self.engine.load()
        self.setup_s = time.perf_counter() - started
        self.generate()  # the first run warms caches, as a warm engine's first request already did

    def generate(self) -> float:
        started = time.perf_counter()
        self.engine.run("generate", {"prompt": PROMPT, "seconds": 1.0, "seed": 1})
        return time.perf_counter() - started


def time_to_ready(env: dict) -> tuple[float, dict[str, float]]:
    """Seconds from launching `soundloom serve` until its connection file exists, and the engine's own breakdown."""
    connection = Path(env["SOUNDLOOM_RUNTIME_DIR"]) / "engine.json"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "soundloom.daemon", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not connection.exists():
        if process.poll() is not None:
            raise RuntimeError(f"the engine exited with {process.returncode}")
        time.sleep(0.01)
    ready = time.perf_counter() - started
    _stop(env)
    process.wait(60)
    log = Path(env["SOUNDLOOM_DATA_DIR"]) / "logs" / "engine.log"
    stages = {}
    for line in log.read_text().splitlines():
        if "ready in" in line and "{" in line:
            stages = json.loads(line[line.index("{"):])
    return ready, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="warm commands and in-process runs to take the median of")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soundloom-cli-latency-") as scratch:
        root = Path(scratch)
        env = _env(root)
        local = InProcess()
        cold = _timed(_generate_command(root / "cold.wav"), env)
        # Warm commands and in-process runs alternate, so load on the machine hits both alike.
        pairs = []
        for i in range(args.rounds):
            pairs.append((local.generate(), _timed(_generate_command(root / f"warm{i}.wav"), env)))
        _stop(env)
        ready, stages = time_to_ready(env)
    in_process = statistics.median(p[0] for p in pairs)
    warm = statistics.median(p[1] for p in pairs)
    overhead = statistics.median(w - i for i, w in pairs)
    setup = local.setup_s

    print(f"starter model, 1 s, default steps; medians of {args.rounds}")
    print(f"  in-process generate (model loaded)     {in_process:7.2f} s")
    print(f"  in-process import + load (once)        {setup:7.2f} s")
    print(f"  cold `soundloom generate` (no engine)  {cold:7.2f} s   {cold / in_process:5.1f}x in-process")
    print(f"  warm `soundloom generate`              {warm:7.2f} s   {warm / in_process:5.1f}x in-process, "
          f"overhead {overhead:+.2f} s (median of pairs; goal <= 1 s)")
    print(f"  `soundloom serve` time to ready        {ready:7.2f} s   {ready / cold:5.2f} of the cold command")
    if stages:
        print("  engine's own breakdown: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items()))


if __name__ == "__main__":
    main()
