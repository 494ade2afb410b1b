"""A stand-in for the `soundloom` command, for the scenarios that test the ReaScripts' own logic.

It answers like `soundloom regen` / `soundloom generate` with `--progress-file`: it rewrites the
progress file atomically (starting → running → done or failed) and writes a result file, without
an engine, so those scenarios stay fast. The end-to-end test runs the real command instead.

Environment:
  FAKE_BRIDGE_RECORD  path: the argument list it was given is written there as JSON
  FAKE_BRIDGE_MODE    done (default) | fail (reports a one-line error, exit 2; the error is
                      FAKE_BRIDGE_MESSAGE if set, written with JSON's \\u escapes)
                      | crash (prints a traceback and exits 1 without a progress report)
  FAKE_BRIDGE_RELEASE path: stay at "running" (step 1 of 2) until this file exists
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path


def report(path: Path, **state) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps({"progress": 0.0, "message": "", "takes": [], **state}))
    os.replace(temp, path)


def value_after(args: list[str], option: str) -> str:
    return args[args.index(option) + 1]


def main() -> int:
    args = sys.argv[1:]
    Path(os.environ["FAKE_BRIDGE_RECORD"]).write_text(json.dumps(args))
    mode = os.environ.get("FAKE_BRIDGE_MODE", "done")
    if mode == "crash":
        print("Traceback (most recent call last):", file=sys.stderr)
        print("ModuleNotFoundError: No module named 'soundloom'", file=sys.stderr)
        return 1
    progress = Path(value_after(args, "--progress-file"))
    report(progress, state="starting", message="connecting to the engine")
    if mode == "fail":
        message = os.environ.get("FAKE_BRIDGE_MESSAGE", "region: 9.5:12 ends after the clip (0 to 4.0 s)")
        report(progress, state="failed", message=message)
        return 2
    report(progress, state="running", progress=0.5, message="step 1 of 2")
    release = os.environ.get("FAKE_BRIDGE_RELEASE")
    if release:  # hold "running" until the script's window has shown it (the fake REAPER makes the file)
        deadline = time.monotonic() + 120
        while not Path(release).exists():
            if time.monotonic() > deadline:
                report(progress, state="failed", message="the progress was never shown")
                return 1
            time.sleep(0.02)
    positionals = args[args.index("--") + 1:]
    results = []
    if args[0] == "regen":
        source = Path(positionals[0])
        for k in range(1, 1 + (int(value_after(args, "-n")) if "-n" in args else 1)):
            results.append(source.with_name(f"{source.stem}.take-{k}{source.suffix}"))
            shutil.copyfile(source, results[-1])
    else:
        results.append(Path(value_after(args, "-o")))
        results[-1].write_bytes(b"RIFF")
    report(progress, state="done", progress=1.0, message="done", takes=[str(r.resolve()) for r in results])
    return 0


if __name__ == "__main__":
    sys.exit(main())
