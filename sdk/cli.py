"""The `soundloom` command: generate, inpaint, transfer and extend sounds from the shell.

Errors are one line on stderr (`soundloom: error: FIELD: message [code]`) with exit code 2, and
nothing is written when a command fails.
"""

from __future__ import annotations

import argparse
import sys
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


def run_local(args: argparse.Namespace, fields: dict):
    """Run the operation in this process (imports the engine, so torch, only now)."""
    from tqdm import tqdm

    from soundloom.engine import Engine, build_request

    request = build_request(args.command, fields)
    request.validate()  # fail on bad input before spending seconds loading a model
    engine = Engine(device=args.device)
    engine.load(args.model)
    bar = tqdm(total=args.steps, desc=args.command, unit="step", file=sys.stderr, leave=False)

    def on_step(step: int, total: int) -> None:
        bar.total = total
        bar.update(step - bar.n)

    try:
        return engine.run(args.command, request, model=args.model, on_step=on_step)
    finally:
        bar.close()


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # usage errors and --help: report the code instead of exiting
        return int(exit_.code or 0)
    try:
        check_output_path(args.output, "output")
        fields = request_fields(args)
        result = run_local(args, fields)
        for warning in result.warnings:
            print(f"soundloom: warning: {warning}", file=sys.stderr)
        paths = output_paths(args.output, len(result.audio))
        for path, samples, meta in zip(paths, result.audio, result.metadata):
            Audio(samples, result.sample_rate, meta).save(path, sample_rate=args.sample_rate)
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
