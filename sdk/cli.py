"""The `soundloom` command: generate, inpaint, transfer and extend sounds from the shell.

Each sound command talks to the running engine (`soundloom serve`), starting one for the command
when none runs; `--local` runs the engine inside this process instead. Errors are one line on
stderr (`soundloom: error: FIELD: message [code]`) with exit code 2, and nothing is written when a
command fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.audio import Audio
from soundloom.sdk.audio_file import OUTPUT_RATES, check_output_path, read_audio

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _region(text: str) -> tuple[float, float]:
    try:
        start, end = (float(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not START:END in seconds (e.g. 1.0:2.5)") from None
    return start, end


def _sampling_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-o", "--output", required=True, type=Path, help="output .wav or .flac")
    common.add_argument("--model", help="model folder (diffusers format); default: the installed default model")
    common.add_argument("--steps", type=int, default=25, help="sampling steps, 1–1000 (default 25)")
    common.add_argument("--guidance", type=float, default=3.0, help="classifier-free guidance, 0–30; ≤1 turns it off")
    common.add_argument("--seed", type=int, help="0–4294967295; the same seed gives the same file (default: random)")
    common.add_argument("--negative", default="", help="what the sound should not be")
    common.add_argument("--scheduler", default="dpmpp", help="ddim, dpmpp or euler (default dpmpp)")
    common.add_argument("-n", "--variations", type=int, default=1, help="number of variations, 1–16")
    common.add_argument("--sample-rate", type=int, choices=OUTPUT_RATES, help="resample the output to this rate (Hz)")
    common.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    common.add_argument("--local", action="store_true", help="run the engine in this process instead of the daemon")
    common.add_argument("--connection-file", type=Path, help="the engine to talk to (default: the user's engine)")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="soundloom", description="Local generative sound: text to audio, inpainting, style transfer.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _sampling_options()

    p = commands.add_parser("generate", parents=[common], help="make a sound from a text prompt")
    p.add_argument("prompt")
    p.add_argument("--seconds", type=float, default=5.0, help="length, 0.5–60 s (default 5)")

    p = commands.add_parser("inpaint", parents=[common], help="regenerate regions of a clip")
    p.add_argument("input", type=Path)
    p.add_argument("prompt")
    p.add_argument("--region", type=_region, action="append", required=True, help="START:END in seconds; repeatable")

    p = commands.add_parser("transfer", parents=[common], help="re-imagine a clip after a prompt")
    p.add_argument("input", type=Path)
    p.add_argument("prompt")
    p.add_argument("--strength", type=float, default=0.5, help="0 keeps the clip, 1 ignores it (default 0.5)")

    p = commands.add_parser("extend", parents=[common], help="continue a clip past its end")
    p.add_argument("input", type=Path)
    p.add_argument("prompt")
    p.add_argument("--seconds", type=float, required=True, help="how much to append, in seconds")

    p = commands.add_parser("serve", help="run the engine as a local service (all options: soundloom serve --help)",
                            add_help=False)
    p.add_argument("engine_args", nargs=argparse.REMAINDER)
    for name, text in (("train", "train the starter model (soundloom train starter --help)"),
                       ("eval", "score a model on the corpus's held-out split (soundloom eval --help)")):
        commands.add_parser(name, help=text, add_help=False).add_argument("rest", nargs=argparse.REMAINDER)
    p = commands.add_parser("status", help="show the running engine, its models and its queue")
    p.add_argument("--connection-file", type=Path)
    p = commands.add_parser("stop", help="shut the running engine down")
    p.add_argument("--connection-file", type=Path)
    return parser


def request_fields(args: argparse.Namespace) -> dict:
    """The operation's request fields from the parsed command line (reads the input clip)."""
    fields = {
        "prompt": args.prompt,
        "negative_prompt": args.negative,
        "steps": args.steps,
        "guidance": args.guidance,
        "seed": args.seed,
        "variations": args.variations,
        "scheduler": args.scheduler,
    }
    if args.command in ("generate", "extend"):
        fields["seconds"] = args.seconds
    if args.command != "generate":
        fields["audio"], fields["sample_rate"] = read_audio(args.input, "input")
    if args.command == "inpaint":
        fields["regions"] = args.region
    if args.command == "transfer":
        fields["strength"] = args.strength
    return fields


def output_paths(output: Path, count: int) -> list[Path]:
    """`out.wav` for one result; `out_1.wav` … `out_N.wav` for several."""
    if count == 1:
        return [output]
    return [output.with_name(f"{output.stem}_{i}{output.suffix}") for i in range(1, count + 1)]


class _ProgressBar:
    """A tqdm bar on stderr that appears with the first step, so a rejected request prints only its error."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, step: int, total: int, *_eta) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.label, unit="step", file=sys.stderr, leave=False)
        self.bar.total = total
        self.bar.update(step - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_local(args: argparse.Namespace, fields: dict) -> list:
    """Run the operation in this process (imports the engine, so torch, only now)."""
    try:
        from soundloom.engine import Engine, build_request
    except ImportError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"--local needs the engine: pip install 'soundloom[engine]' ({exc})", "local") from exc

    request = build_request(args.command, fields)
    request.validate()  # fail on bad input before spending seconds loading a model
    engine = Engine(device=args.device)
    engine.load(args.model)
    bar = _ProgressBar(args.command)
    try:
        result = engine.run(args.command, request, model=args.model, on_step=bar)
    finally:
        bar.close()
    for warning in result.warnings:
        print(f"soundloom: warning: {warning}", file=sys.stderr)
    return [Audio(samples, result.sample_rate, meta) for samples, meta in zip(result.audio, result.metadata)]


def _engine_args(args: argparse.Namespace) -> list[str]:
    """Options for an engine this command starts itself."""
    extra = ["--model", str(Path(args.model).resolve())] if args.model else []
    return extra + (["--device", args.device] if args.device else [])


def run_on_engine(args: argparse.Namespace, fields: dict) -> list:
    """Run the operation on the engine daemon, starting one for this command if none runs."""
    from soundloom.sdk.client import Client

    with Client.connect(args.connection_file, engine_args=_engine_args(args)) as client:
        if args.model and not client.started_engine:
            fields["model"] = str(Path(args.model).resolve())  # the running engine must know this folder
        audio = fields.pop("audio", None), fields.pop("sample_rate", None)
        bar = _ProgressBar(args.command)
        submit = getattr(client, f"submit_{args.command}")
        extra = {"on_progress": bar}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                prompt = fields.pop("prompt")
                job = submit(audio, prompt, **fields, **extra) if audio[0] is not None else submit(prompt, **fields, **extra)
                result = job.result()
            finally:
                bar.close()
        for warning in caught:
            print(f"soundloom: warning: {warning.message}", file=sys.stderr)
    return result if isinstance(result, list) else [result]


def _status(args: argparse.Namespace) -> int:
    from soundloom.sdk.client import Client

    with Client.connect(args.connection_file, start=False) as client:
        info = client.info()
        models = client.models.list()
    print(f"engine {info['engine_version']} (pid {info['pid']}) on {info['device']}, protocol {info['protocol_version']}")
    print(f"queue: {info['queue_length']} job(s) queued or running")
    for model in models:
        marks = [m for m, on in (("default", model["name"] == info["default_model"]), ("loaded", model["loaded"])) if on]
        print(f"  {model['name']:24s} {model['family']:10s} {model['sample_rate']} Hz  {' '.join(marks)}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from soundloom.sdk.client import Client

    with Client.connect(args.connection_file, start=False) as client:
        client.shutdown()
    print("engine stopped")
    return 0


def _exec_engine(module: str, argv: list[str]) -> int:
    # Engine programs have their own options and need torch; hand this process over to them.
    os.execv(sys.executable, [sys.executable, "-m", module, *argv])
    return 0  # not reached


def _serve(engine_args: list[str]) -> int:
    return _exec_engine("soundloom.engine", ["serve", *engine_args])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return _serve(argv[1:])
    if argv[:1] in (["train"], ["eval"]):
        return _exec_engine("soundloom.engine.training.cli", argv)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # usage errors and --help: report the code instead of exiting
        return int(exit_.code or 0)
    try:
        if args.command == "status":
            return _status(args)
        if args.command == "stop":
            return _stop(args)
        check_output_path(args.output, "output")
        fields = request_fields(args)
        clips = run_local(args, fields) if args.local else run_on_engine(args, fields)
        for path, clip in zip(output_paths(args.output, len(clips)), clips):
            clip.save(path, sample_rate=args.sample_rate)
            print(path)
    except SoundloomError as exc:
        print(f"soundloom: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("soundloom: cancelled", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
