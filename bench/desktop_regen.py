"""Regenerate Selection in the desktop app against the bare inpaint it asks the engine for.

    python bench/desktop_regen.py [--model engine/weights/starter] [--runs 5] [--steps 10]

App: the external editor window (offscreen) on a 4 s 48 kHz 24-bit stereo WAV, a 1 s selection,
one take; timed from "Regenerate Selection" to the first take listed: request built, clip read and
sent over the engine's sockets, inpainted by a warm engine, the reply decoded, the take written in
the file's own format and verified bit for bit outside the selection. Bare: the same inpaint called
in-process on the same model, no sockets, no file written, timed inside a worker process of its
own (torch computing in the app's process would keep its client from answering the engine's
heartbeat on a loaded machine). Runs alternate between the two, so both see the same load; the
medians are printed side by side with their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "desktop"))  # the fake output and the test sounds
sys.path.insert(0, str(HERE))

CLIP_SECONDS, REGION = 4.0, (1.5, 2.5)
PROMPT = "glass shatter, small shards"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=HERE.parent / "engine" / "weights" / "starter")
    parser.add_argument("--runs", type=int, default=5)
    # 10: the starter's own default, which the app's steps "auto" uses.
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()

    import multiprocessing

    from PyQt6.QtWidgets import QApplication

    from bare_inpaint import bare_inpaint_worker
    from engine_process import start_engine
    from fake_output import FakeOutput
    from sounds import write_tone
    from soundloom.desktop import theme
    from soundloom.desktop.app import wait_until
    from soundloom.desktop.editor_window import EditorWindow
    from soundloom.desktop.engine_link import EngineLink

    with tempfile.TemporaryDirectory(prefix="soundloom-regen-bench-") as scratch:
        root = Path(scratch)
        os.environ["SOUNDLOOM_DATA_DIR"] = str(root / "app-data")  # takes land here, not in the user's data
        os.environ["SOUNDLOOM_CACHE_DIR"] = str(root / "cache")
        clip = write_tone(root / "session" / "clip.wav", CLIP_SECONDS, rate=48000, channels=2, hz=330.0,
                          subtype="PCM_24", amplitude=0.4)
        process, connection = start_engine(args.model, root / "engine")
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        worker = multiprocessing.get_context("spawn").Process(
            target=bare_inpaint_worker, args=(theirs, str(args.model), str(clip), args.steps, PROMPT, REGION),
            daemon=True)
        worker.start()
        app = QApplication.instance() or QApplication(sys.argv[:1])
        theme.apply(app)
        link = EngineLink(connection, start_engine=False)
        link.start()
        window = EditorWindow(clip, FakeOutput(), link)
        try:
            window.resize(1200, 700)
            window.show()
            if not wait_until(app, lambda: link.status.connected and window.settled(), 600):
                raise SystemExit(f"no engine: {link.status.message}")
            panel = window.panel
            panel.count.setValue(1)
            panel.steps.setValue(args.steps)
            panel.prompt.setText(PROMPT)
            window.timeline.select(*REGION)

            def bare(seed: int) -> float:
                ours.send(seed)
                return ours.recv()

            def in_app(seed: int) -> float:
                panel.seed.setText(str(seed))
                before = len(panel.takes.takes)
                start = time.perf_counter()
                if panel.regenerate() is None:
                    raise SystemExit(panel.last_error)
                if not wait_until(app, lambda: len(panel.takes.takes) > before or bool(panel.last_error), 600):
                    raise SystemExit("no take within 600 s")
                if panel.last_error:
                    raise SystemExit(panel.last_error)
                return time.perf_counter() - start

            in_app(0), bare(0)  # warm both: model loaded, first-call costs paid
            app_times, bare_times = [], []
            for run in range(1, args.runs + 1):
                app_times.append(in_app(run))
                bare_times.append(bare(run))
            app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
            print(f"Regenerate Selection, {REGION[1] - REGION[0]:g} s of a {CLIP_SECONDS:g} s 48 kHz 24-bit stereo "
                  f"WAV, model {args.model.name}, {args.steps} steps, {args.runs} runs, warm engine:")
            print(f"  app, button to first take: median {app_median:.2f} s "
                  f"(range {min(app_times):.2f}–{max(app_times):.2f})")
            print(f"  bare in-process inpaint:   median {bare_median:.2f} s "
                  f"(range {min(bare_times):.2f}–{max(bare_times):.2f})")
            print(f"  ratio app / bare: {app_median / bare_median:.2f}")
        finally:
            ours.send(None)
            worker.join(60)
            window.close()
            link.stop()
            if process.poll() is None:
                process.terminate()
                process.wait(60)


if __name__ == "__main__":
    main()
