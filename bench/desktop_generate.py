"""How long from Enter in the desktop's prompt bar to hearing the first take, against the bare
generation time of the same request.

    python bench/desktop_generate.py [--runs 5] [--steps 25 10] [--seconds 2] [--takes 1]

A warm engine daemon runs the starter model (engine/weights/starter). The window runs offscreen with
an output that records when playback starts (there is no sound card here); each run types a prompt
and presses Enter, and the time to the output's start is taken. Between app runs the same request
(prompt, length, steps, seed) runs in this process straight through the engine's pipeline, with no
daemon, socket, file or window, so the app's overhead shows as a ratio. Goal: ≤ 1.5 s to the first
take of a 2 s sound.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "desktop"))  # the fake output

from engine_process import start_engine  # noqa: E402  bench/ is the script folder, so first on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, nargs="+", default=[25, 10])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--takes", type=int, default=1, help="variations per request (the first is timed)")
    args = parser.parse_args()

    from PyQt6.QtCore import QSettings, Qt
    from PyQt6.QtTest import QTest
    from PyQt6.QtWidgets import QApplication

    from fake_output import FakeOutput
    from soundloom.desktop.engine_link import EngineLink
    from soundloom.desktop.tasks import LibraryService
    from soundloom.desktop.window import MainWindow
    from soundloom.engine.engine import STARTER_PATH
    from soundloom.engine.models.loading import load_model
    from soundloom.engine.pipelines import GenerateRequest, generate

    class TimedOutput(FakeOutput):
        started_at = 0.0

        def _start(self, transport, rate: int) -> bool:
            self.started_at = time.perf_counter()
            return super()._start(transport, rate)

    # One compute thread in the engine and in this process's bare runs: the same work on each side,
    # and on a busy machine two thread pools spinning against each other would swamp the difference
    # being measured.
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="soundloom-bench-") as scratch:
        root = Path(scratch)
        os.environ["SOUNDLOOM_DATA_DIR"] = str(root / "app-data")
        os.environ["SOUNDLOOM_RUNTIME_DIR"] = str(root / "run")
        (root / "run").mkdir(mode=0o700)
        process, connection = start_engine(STARTER_PATH, root)
        app = QApplication.instance() or QApplication([])
        link = EngineLink(connection, start_engine=False)
        link.start()
        output = TimedOutput()
        library = LibraryService(root / "app-data" / "library.sqlite3")
        window = MainWindow(library, output, QSettings(str(root / "settings.ini"), QSettings.Format.IniFormat),
                            link=link)
        window.resize(1440, 900)
        window.show()

        def wait(condition, timeout=300.0) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                if time.monotonic() > deadline:
                    raise SystemExit("timed out")
                app.processEvents()
                time.sleep(0.001)

        wait(lambda: link.status.connected and window.last_scan is not None and window.settled())
        model = load_model(STARTER_PATH)
        bar = window.prompt_bar
        bar.length.setValue(args.seconds)
        bar.variations.setValue(args.takes)
        bar.seed_lock.setChecked(True)
        prompt = "a wooden door creaks open slowly"
        replied = [0.0]  # when the engine's reply reached the GUI thread
        link.job_result.connect(lambda *_: replied.__setitem__(0, time.perf_counter()))
        after_reply: dict[int, list[float]] = {s: [] for s in args.steps}

        def app_run(steps: int, seed: int) -> float:
            bar.steps.setValue(steps)
            bar.seed.setText(str(seed))
            bar.prompt.setText(prompt)
            bar.prompt.setFocus()
            output.started_at = 0.0
            pressed = time.perf_counter()
            QTest.keyClick(bar.prompt, Qt.Key.Key_Return)
            wait(lambda: output.started_at > pressed)
            heard = output.started_at - pressed
            after_reply[steps].append(output.started_at - replied[0])  # saving the take, then starting it
            wait(lambda: not window.jobs_model.active() and window.settled())
            return heard

        def bare_run(steps: int, seed: int) -> float:
            started = time.perf_counter()
            generate(model, GenerateRequest(prompt=prompt, seconds=args.seconds, steps=steps, seed=seed))
            return time.perf_counter() - started

        for steps in args.steps:  # warm both paths (first calls load kernels and caches)
            app_run(steps, 0)
            bare_run(steps, 0)
        heard: dict[int, list[float]] = {s: [] for s in args.steps}
        bare: dict[int, list[float]] = {s: [] for s in args.steps}
        for run in range(args.runs):  # interleaved, so machine load hits both alike
            for steps in args.steps:
                heard[steps].append(app_run(steps, 1 + run))
                bare[steps].append(bare_run(steps, 1 + run))
                print(f"  run {run + 1}, {steps} steps: heard after {heard[steps][-1]:.2f} s, "
                      f"bare {bare[steps][-1]:.2f} s", flush=True)

        load = os.getloadavg()[0]
        print(f"starter model, a {args.seconds:g} s sound, {args.takes} take(s), median of {args.runs} runs "
              f"(load average {load:.1f} on {os.cpu_count()} cores):")
        for steps in args.steps:
            app_median, bare_median = statistics.median(heard[steps]), statistics.median(bare[steps])
            print(f"  {steps:3d} steps: Enter → first take playing {app_median:5.2f} s "
                  f"(range {min(heard[steps]):.2f}–{max(heard[steps]):.2f}); bare generation {bare_median:5.2f} s; "
                  f"ratio {app_median / bare_median:.2f}; goal <= 1.5 s: {'met' if app_median <= 1.5 else 'missed'}; "
                  f"reply → playing {statistics.median(after_reply[steps]) * 1000:.0f} ms")
        window.close()
        link.stop()
        library.close()
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
