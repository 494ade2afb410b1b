"""`soundloom regen` on a region of a 48 kHz 24-bit stereo WAV against the bare inpaint it asks the engine for.

    python bench/bridge_regen.py [--model engine/weights/starter] [--runs 5] [--steps 25]

A warm engine serves the model. Three ways to regenerate the same 1 s of a 4 s clip, one take each:

- command: `soundloom regen FILE --region 1.5:2.5 PROMPT --connection-file …` as a DAW script starts
  it: a new Python process (imports, connecting, checking the file and regions), the clip sent over
  the engine's sockets and inpainted, the reply decoded, the take written in the file's own format
  and verified bit for bit outside the region, the record of takes updated; timed from the process
  start to its exit.
- API: `soundloom.bridge.regen.regen(...)` in this process on an already connected client: the same
  work less the process start. Both include the 0.5 s the bridge watches the file for changes
  before reading it (a DAW may still be writing it).
- bare: the engine's inpaint called in-process on the same model, no sockets, no file written, timed
  inside a worker process of its own (so torch there does not slow this process's client).

Also timed: the command refused after its checks (a region past the file's end), which is its
start-up alone (Python, imports, reading the file's format), no engine involved.

Runs alternate between the three, so all see the same load; medians are printed with their ratio
to bare. Takes are written into a throw-away folder. A mono model's sound is put on both channels
(the engine's warning about it is silenced here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CLIP_SECONDS, REGION = 4.0, (1.5, 2.5)
PROMPT = "glass shatter, small shards"


def write_clip(path: Path) -> Path:
    """A 4 s 48 kHz 24-bit stereo WAV: a tone per channel and a little noise."""
    import numpy as np
    import soundfile as sf

    rate = 48000
    t = np.arange(int(CLIP_SECONDS * rate)) / rate
    noise = np.random.default_rng(0).uniform(-0.02, 0.02, size=(len(t), 2))
    samples = np.stack([0.4 * np.sin(2 * np.pi * 330.0 * t), 0.4 * np.sin(2 * np.pi * 440.0 * t)], axis=1) + noise
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), samples, rate, subtype="PCM_24")
    return path


def summary(name: str, times: list[float], bare: float | None) -> str:
    median = statistics.median(times)
    ratio = f", {median / bare:.2f} × bare" if bare else ""
    return f"  {name:<40} median {median:.2f} s (range {min(times):.2f}–{max(times):.2f}){ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=HERE.parent / "engine" / "weights" / "starter")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=25)
    args = parser.parse_args()

    import multiprocessing
    import warnings

    warnings.filterwarnings("ignore", message="the model makes mono audio")
    from bare_inpaint import bare_inpaint_worker
    from engine_process import start_engine
    from soundloom.bridge.regen import regen
    from soundloom.bridge.takes import verify_untouched
    from soundloom.sdk import Client

    soundloom = Path(sys.executable).with_name("soundloom")
    command = [str(soundloom)] if soundloom.exists() else [sys.executable, "-m", "soundloom.sdk.cli"]
    with tempfile.TemporaryDirectory(prefix="soundloom-bridge-bench-") as scratch:
        root = Path(scratch)
        os.environ["SOUNDLOOM_DATA_DIR"] = str(root / "app-data")
        os.environ["SOUNDLOOM_CACHE_DIR"] = str(root / "cache")
        clip = write_clip(root / "session" / "clip.wav")
        process, connection = start_engine(args.model, root / "engine")
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        worker = multiprocessing.get_context("spawn").Process(
            target=bare_inpaint_worker, args=(theirs, str(args.model), str(clip), args.steps, PROMPT, REGION),
            daemon=True)
        worker.start()
        client = Client.connect(connection, start=False, timeout=600)
        try:
            def bare(seed: int) -> float:
                ours.send(seed)
                return ours.recv()

            def api(seed: int) -> float:
                start = time.perf_counter()
                [take] = regen(clip, [REGION], PROMPT, seed=seed, steps=args.steps, client=client)
                elapsed = time.perf_counter() - start
                verify_untouched(clip, take.path, take.regions)  # outside the timing: regen already checked it
                return elapsed

            def cli(seed: int) -> float:
                start = time.perf_counter()
                done = subprocess.run([*command, "regen", str(clip), "--region", f"{REGION[0]}:{REGION[1]}", PROMPT,
                                       "--seed", str(seed), "--steps", str(args.steps), "--connection-file",
                                       str(connection)], capture_output=True, text=True)
                elapsed = time.perf_counter() - start
                if done.returncode != 0:
                    raise SystemExit(f"soundloom regen failed ({done.returncode}): {done.stderr.strip()}")
                return elapsed

            def start_up() -> float:
                start = time.perf_counter()
                done = subprocess.run([*command, "regen", str(clip), "--region", f"{CLIP_SECONDS - 0.5}:"
                                       f"{CLIP_SECONDS + 0.5}", PROMPT], capture_output=True, text=True)
                elapsed = time.perf_counter() - start
                if done.returncode != 2:
                    raise SystemExit(f"expected a refusal (exit 2), got {done.returncode}: {done.stderr.strip()}")
                return elapsed

            api(0), cli(0), bare(0)  # warm all three: model loaded, first-call costs paid
            cli_times, api_times, bare_times, start_times = [], [], [], []
            for run in range(1, args.runs + 1):
                start_times.append(start_up())
                cli_times.append(cli(run))
                api_times.append(api(1000 + run))
                bare_times.append(bare(run))
            takes = len(list(clip.parent.glob("clip.take-*.wav")))
            bare_median = statistics.median(bare_times)
            print(f"soundloom regen, {REGION[1] - REGION[0]:g} s of a {CLIP_SECONDS:g} s 48 kHz 24-bit stereo WAV, "
                  f"model {args.model.name}, {args.steps} steps, {args.runs} runs, warm engine ({takes} takes "
                  "written, each checked bit for bit outside the region):")
            print(summary("command (process start to exit):", cli_times, bare_median))
            print(summary("API regen() on a connected client:", api_times, bare_median))
            print(summary("bare in-process inpaint:", bare_times, None))
            print(summary("command start-up (refused, no engine):", start_times, None))
        finally:
            client.close()
            ours.send(None)
            worker.join(60)
            if process.poll() is None:
                process.terminate()
                process.wait(60)


if __name__ == "__main__":
    main()
