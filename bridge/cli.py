"""The bridge's commands: `soundloom regen`, the musical-time options of `soundloom generate`, and
`soundloom bridge install|listen`.

    soundloom regen FILE --region START:END [--region …] PROMPT [-n N] [--seed K] [--negative TEXT]
                    [--model M] [--steps N] [--guidance G] [--scheduler S] [--adapter-scale X]
                    [--bpm B [--time-signature N/D]] [--in-place] [--output-dir DIR]
                    [--json] [--progress-file PATH] [--connection-file FILE] [--device D]
    soundloom regen FILE (--again | --next-variation) [--output-dir DIR] [--json] [--progress-file PATH] …
    soundloom generate PROMPT -o OUT (--seconds S | --bars N --bpm B [--time-signature N/D]) [--loop]
                    [--json] [--progress-file PATH] …

Exit codes: 0 done, 2 bad input (one line on stderr naming the field and the allowed range),
1 any other failure (the engine could not start, a take failed its check), 130 cancelled
(Ctrl-C or SIGTERM). With --progress-file the final state is always written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Iterator

from soundloom.bridge.errors import BridgeError, is_bad_input
from soundloom.bridge.progress_file import ProgressFile
from soundloom.protocol.errors import ErrorCode, SoundloomError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
BRIDGE_COMMANDS = {"install": "soundloom.bridge.install", "listen": "soundloom.bridge.listen"}
_BRIDGE_HELP = {"install": "install the REAPER or Ardour scripts", "listen": "map OSC and MIDI controls to regen"}

REGION_HELP = ("START:END in seconds (1.25:2.5), or with --bpm in bars and beats, 1-based as DAWs show "
               "them: BAR.BEAT[.FRACTION] (3.1:5.1 = bar 3 to bar 5; 2.3.50 = halfway through beat 3 of bar 2; "
               "seconds then need an s: 1.25s); counted from the file's first sample; repeatable")


def _musical_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bpm", type=float, help="tempo in quarter notes per minute, 20–999")
    p.add_argument("--time-signature", default="4/4", metavar="N/D",
                   help="beats per bar / note value of a beat, e.g. 4/4, 3/4, 6/8 (default 4/4)")


def _report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout (takes, seeds, …)")
    p.add_argument("--progress-file", type=Path, metavar="PATH",
                   help="keep a JSON progress file there (state starting|running|done|failed, progress 0–1, "
                        "message, takes), rewritten atomically; the final state is always written")


def add_generate_options(p: argparse.ArgumentParser) -> None:
    """The musical-time and reporting options of `soundloom generate`."""
    p.add_argument("--bars", type=float, help="length in bars at --bpm (instead of --seconds); exact to the sample")
    _musical_options(p)
    p.add_argument("--loop", action="store_true",
                   help="make the end flow into the start (crossfaded), so the clip repeats seamlessly")
    _report_options(p)


def add_parsers(commands, argv: list[str] | None = None) -> None:
    """Register `regen` and `bridge` on the `soundloom` command's subparsers. `bridge install|listen`
    import their modules only when `argv` is a `bridge` command line, so a broken optional
    dependency never stops `regen`."""
    from soundloom.sdk.cli import _engine_options

    p = commands.add_parser("regen", parents=[_engine_options()],
                            help="regenerate regions of an audio file as a new take beside it")
    p.add_argument("file", type=Path, help="the audio file (WAV, AIFF or FLAC; PCM 8–32 bit or float)")
    p.add_argument("prompt", nargs="?", help="what the regions should become")
    p.add_argument("--prompt", dest="prompt_option", metavar="TEXT", help="the prompt, when it starts with '-'")
    p.add_argument("--region", action="append", default=[], metavar="START:END", help=REGION_HELP)
    p.add_argument("-n", "--variations", type=int, default=1, help="number of takes, 1–16 (default 1)")
    p.add_argument("--seed", type=int, help="0–4294967295; take i uses seed + i (default: random)")
    p.add_argument("--negative", default="", help="what the regions should not be")
    p.add_argument("--model", help="a model name or folder (default: the engine's default)")
    p.add_argument("--steps", type=int, help="sampling steps, 1–1000 (default: the model's, usually 25)")
    p.add_argument("--guidance", type=float, help="classifier-free guidance, 0–30 (default: the engine's, 3)")
    p.add_argument("--scheduler", help="ddim, dpmpp or euler (default: the engine's, dpmpp)")
    p.add_argument("--adapter-scale", type=float, help="strength of a fine-tuned variant's adapter, 0–2")
    _musical_options(p)
    p.add_argument("--in-place", action="store_true",
                   help="also replace FILE by the take, after keeping a backup in .soundloom-backups/ beside it")
    repeat = p.add_mutually_exclusive_group()
    repeat.add_argument("--again", action="store_true",
                        help="regenerate FILE's last take again (same prompt, regions, seed): no other arguments")
    repeat.add_argument("--next-variation", action="store_true",
                        help="a new take like FILE's last one with the next seed: no other arguments")
    p.add_argument("--output-dir", type=Path, metavar="DIR", help="write takes there instead of beside FILE")
    _report_options(p)

    p = commands.add_parser("bridge", help="DAW integration: install scripts, listen for OSC/MIDI")
    actions = p.add_subparsers(dest="bridge_command", required=True, parser_class=type(p))
    full = argv is not None and argv[:1] == ["bridge"]
    for name, module in BRIDGE_COMMANDS.items():
        if not full:  # listed in --help; the real parser is built when the command is used
            actions.add_parser(name, help=_BRIDGE_HELP[name], add_help=False).add_argument(
                "rest", nargs=argparse.REMAINDER)
            continue
        sub = actions.add_parser(name, help=_BRIDGE_HELP[name])
        try:
            _import(module).configure_parser(sub)
        except Exception as exc:  # noqa: BLE001 — reported when the command runs, not on every command
            sub.set_defaults(bridge_unavailable=f"{type(exc).__name__}: {exc}")
            sub.add_argument("rest", nargs=argparse.REMAINDER)


def _import(module: str):
    import importlib

    return importlib.import_module(module)


def finish_regen_args(args: argparse.Namespace, extras: list[str]) -> str | None:
    """Complete `regen`'s arguments parsed with parse_known_args (argparse cannot take an optional
    positional PROMPT after options); returns a usage error message, or None."""
    words = [word for word in extras if not word.startswith("-") or word == "-"]
    unknown = [word for word in extras if word not in words]
    if unknown:
        return f"unrecognized arguments: {' '.join(unknown)}"
    if args.prompt_option is not None:
        words = ([args.prompt] if args.prompt is not None else []) + words
        args.prompt = args.prompt_option
    elif args.prompt is None and words:
        args.prompt = words.pop(0)
    if words:
        return f"unrecognized arguments: {' '.join(words)} (quote a prompt of several words)"
    return None


# ---------------------------------------------------------------------- running


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, like Ctrl-C, so a DAW that stops the command gets the job
    cancelled in the engine and a final progress state."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _one_line(exc: BaseException) -> str:
    """The error on one line; an engine's log excerpt shrinks to its last line (the reason)."""
    text = str(exc)
    head, marker, tail = text.partition(", ending:\n")
    if marker:
        lines = [line.strip() for line in tail.splitlines() if line.strip()]
        text = f"{head}; its last words: {lines[-1]}" if lines else head
    return " ".join(text.split())


def report_failure(exc: BaseException, progress: ProgressFile | None, as_json: bool) -> int:
    """Print the one-line error (and JSON when asked), write the failed state; the exit code."""
    if isinstance(exc, KeyboardInterrupt):
        code, message, error = EXIT_INTERRUPTED, "cancelled", {"code": ErrorCode.CANCELLED.value, "field": None}
    elif isinstance(exc, SoundloomError):
        code = EXIT_USAGE if is_bad_input(exc) else EXIT_FAILURE
        message, error = _one_line(exc), {"code": exc.code.value, "field": exc.field}
    else:
        code, message, error = EXIT_FAILURE, f"internal error: {_one_line(exc) or type(exc).__name__}", \
            {"code": ErrorCode.INTERNAL.value, "field": None}
    print(f"soundloom: {'error: ' if code != EXIT_INTERRUPTED else ''}{message}", file=sys.stderr)
    if as_json:
        print(json.dumps({"takes": [], "error": dict(error, message=message), "exit_code": code}))
    if progress is not None:
        try:
            progress.failed(message, code, error)
        except OSError as write_error:
            print(f"soundloom: error: could not write the progress file ({write_error})", file=sys.stderr)
    return code


def _progress_file(args: argparse.Namespace) -> ProgressFile:
    progress = ProgressFile(getattr(args, "progress_file", None))
    progress.write("starting", 0.0, "starting")
    return progress


class _Reporter:
    """Progress to the progress file, and as a bar on a terminal."""

    def __init__(self, progress: ProgressFile, label: str):
        self.progress = progress
        self.bar = None
        if sys.stderr.isatty():
            from soundloom.sdk.cli import _ProgressBar

            self.bar = _ProgressBar(label)

    def __call__(self, fraction: float, message: str) -> None:
        self.progress.running(fraction, message)
        if self.bar is not None:
            self.bar(int(round(fraction * 100)), 100)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _regen_takes(args: argparse.Namespace, reporter: _Reporter):
    from soundloom.bridge.regen import _last_entry, again, next_variation, regen
    from soundloom.sdk.cli import _engine_args, _model_field
    from soundloom.sdk.client import Client

    repeat = args.again or args.next_variation
    if repeat:  # before an engine is started for nothing
        _last_entry(args.file, args.output_dir, "again" if args.again else "next_variation")
    with Client.connect(args.connection_file, engine_args=_engine_args(args)) as client:
        if repeat:
            action = again if args.again else next_variation
            return action(args.file, client=client, on_progress=reporter, output_dir=args.output_dir)
        return regen(args.file, args.region, args.prompt, variations=args.variations, seed=args.seed,
                     negative_prompt=args.negative, model=_model_field(args, client), adapter_scale=args.adapter_scale,
                     steps=args.steps, guidance=args.guidance, scheduler=args.scheduler, in_place=args.in_place,
                     client=client, on_progress=reporter, output_dir=args.output_dir, bpm=args.bpm,
                     time_signature=args.time_signature)


def _check_regen_inputs(args: argparse.Namespace) -> None:
    """Fail on a bad command line before an engine is started for it."""
    from soundloom.bridge.clip import read_format
    from soundloom.bridge.regions import TimeSignature, check_bpm, check_regions, parse_region

    from soundloom.bridge.takes import _check_folder

    repeat = args.again or args.next_variation
    if repeat:
        given = [name for name, value in (("--region", args.region), ("PROMPT", args.prompt), ("--seed", args.seed),
                                          ("--bpm", args.bpm), ("--in-place", args.in_place),
                                          ("-n", args.variations != 1)) if value]
        if given:
            flag = "--again" if args.again else "--next-variation"
            raise BridgeError(f"{flag} repeats the last take's settings; drop {', '.join(given)}",
                              "again" if args.again else "next_variation")
    else:
        if not args.region:
            raise BridgeError("give at least one --region START:END (or --again / --next-variation)", "region")
        if not args.prompt or not args.prompt.strip():
            raise BridgeError("give a PROMPT: what the regions should become", "prompt")
    from soundloom.bridge.regen import _check_options, _check_ranges

    _check_options(args.variations, args.in_place, args.seed)
    _check_ranges(steps=args.steps, guidance=args.guidance, adapter_scale=args.adapter_scale)
    fmt = read_format(args.file)
    _check_folder(args.output_dir if args.output_dir is not None else args.file.parent)
    if repeat:
        return
    if args.bpm is not None:
        check_bpm(args.bpm)
    TimeSignature.parse(args.time_signature)
    check_regions([parse_region(text, bpm=args.bpm, time_signature=args.time_signature, field=f"region[{i}]")
                   for i, text in enumerate(args.region)], fmt)


def run_regen(args: argparse.Namespace) -> int:
    progress = None
    try:
        progress = _progress_file(args)
        reporter = _Reporter(progress, "regen")
        try:
            with interrupt_on_sigterm():  # until the final state is written, so SIGTERM never skips it
                _check_regen_inputs(args)
                takes = _regen_takes(args, reporter)
                paths = [str(take.path.resolve()) for take in takes]
                progress.done(paths, f"wrote {len(paths)} take(s)", seeds=[take.seed for take in takes])
        finally:
            reporter.close()
        backups = [str(take.backup) for take in takes if take.backup is not None]
        first = takes[0]
        _print_outputs(args.json, paths, {
            "takes": paths, "seed": first.seed, "seeds": [take.seed for take in takes], "prompt": first.prompt,
            "regions": [region.as_list() for region in first.regions], "source": str(first.parent.resolve()),
            "model": first.metadata.get("model"), "backup": backups[0] if backups else None,
        })
        return EXIT_OK
    except (SoundloomError, KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 — every outcome gets a final state
        return report_failure(exc, progress, args.json)
    finally:
        if progress is not None and not progress.final:  # SystemExit and the like
            progress.failed("stopped", EXIT_FAILURE)


def _print_outputs(as_json: bool, paths: list[str], summary: dict) -> None:
    """What a finished command prints: one JSON line for scripts, else one written file per line."""
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        for path in paths:
            print(path)


def run_bridge(args: argparse.Namespace) -> int:
    unavailable = getattr(args, "bridge_unavailable", None)
    if unavailable:
        print(f"soundloom: error: bridge {args.bridge_command} is not available ({unavailable})", file=sys.stderr)
        return EXIT_FAILURE
    return int(_import(BRIDGE_COMMANDS[args.bridge_command]).run(args) or 0)


def run(args: argparse.Namespace) -> int:
    """Run `regen` or `bridge …`; returns the exit code."""
    if args.command == "regen":
        return run_regen(args)
    return run_bridge(args)


# ---------------------------------------------------------------------- generate in musical time


def uses_bridge_options(args: argparse.Namespace) -> bool:
    """True when a `generate` command line uses any option handled here."""
    return bool(args.bars is not None or args.bpm is not None or args.loop or args.progress_file or args.json)


def _generate_seconds(args: argparse.Namespace) -> float:
    from soundloom.bridge.regen import loop_extra_seconds
    from soundloom.bridge.regions import bar_seconds, bars_to_seconds
    from soundloom.protocol.messages import MAX_CLIP_SECONDS, RANGES

    low = RANGES["seconds"][0]
    if args.bars is None:
        if args.bpm is not None:
            raise BridgeError("--bpm sets the length only with --bars N", "bars")
        seconds = args.seconds if args.seconds is not None else 5.0
        field = "seconds"
    else:
        if args.bpm is None:
            raise BridgeError("--bars needs the tempo: give --bpm B (20–999)", "bpm")
        seconds = bars_to_seconds(args.bars, args.bpm, args.time_signature)
        field = "bars"
    extra = loop_extra_seconds(seconds) if args.loop else 0.0
    high = MAX_CLIP_SECONDS - extra
    if not low <= seconds <= high:
        if field == "bars":
            bar = bar_seconds(args.bpm, args.time_signature)
            raise BridgeError(f"{args.bars:g} bars are {seconds:.2f} s; allowed: {low / bar:.3g} to {high / bar:.3g} "
                              f"bars at {args.bpm:g} BPM in {args.time_signature}", "bars", ErrorCode.OUT_OF_RANGE)
        raise BridgeError(f"{seconds!r} is out of range; allowed: {low:g} to {high:.2f} seconds", "seconds",
                          ErrorCode.OUT_OF_RANGE)
    return seconds


def run_generate(args: argparse.Namespace) -> int:
    """`soundloom generate` with --bars/--bpm/--loop/--progress-file/--json."""
    from soundloom.bridge.regen import exact_clip, loop_extra_seconds
    from soundloom.sdk import cli as sdk_cli
    from soundloom.sdk.audio_file import write_audio

    progress = None
    try:
        progress = _progress_file(args)
        with interrupt_on_sigterm():
            seconds = _generate_seconds(args)
            args.seconds = seconds + (loop_extra_seconds(seconds) if args.loop else 0.0)
            sdk_cli.checked_output_paths(args)
            fields = sdk_cli.request_fields(args)

            def listener(step: int, total: int) -> None:
                progress.running(0.05 + 0.85 * step / max(total, 1), f"step {step}/{total}")

            progress.running(0.05, "waiting for the engine")
            run = sdk_cli.run_local if args.local else sdk_cli.run_on_engine
            clips = run(args, fields, listener=listener)
            written = []
            for path, clip in zip(sdk_cli.output_paths(args.output, len(clips)), clips):
                samples, rate = exact_clip(clip.samples, clip.sample_rate, seconds, args.loop, args.sample_rate)
                metadata = dict(clip.metadata, seconds=seconds, loop=bool(args.loop), sample_rate=rate)
                if args.bars is not None:
                    metadata.update(bars=args.bars, bpm=args.bpm, time_signature=args.time_signature)
                written.append(write_audio(path, samples, rate, metadata))
            paths = [str(Path(p).resolve()) for p in written]
            seeds = [clip.metadata.get("seed") for clip in clips]
            progress.done(paths, f"wrote {len(paths)} file(s)", seeds=seeds)
        _print_outputs(args.json, paths, {
            "outputs": paths, "takes": paths, "seed": seeds[0] if seeds else None, "seeds": seeds,
            "seconds": seconds, "frames": round(seconds * rate), "sample_rate": rate, "loop": bool(args.loop),
        })
        return EXIT_OK
    except (SoundloomError, KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 — every outcome gets a final state
        return report_failure(exc, progress, args.json)
    finally:
        if progress is not None and not progress.final:
            progress.failed("stopped", EXIT_FAILURE)
