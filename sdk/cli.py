"""The `soundloom` command: generate, inpaint, transfer and extend sounds, and fine-tune models on a
sample library, from the shell.

Each sound command talks to the running engine (`soundloom serve`), starting one for the command
when none runs; `--local` runs the engine inside this process instead. `finetune`, `library
preview` and `adapters` always go through the engine. `library add|remove|list|scan` and `search`
work on the sound library index on this machine (soundloom.library), which asks a running engine
only to embed text for semantic search. `regen` (new takes of regions of a file, for DAWs),
`bridge install|listen` and generate's `--bars/--bpm/--loop/--progress-file/--json` live in
soundloom.bridge.cli. Errors are one line on stderr (`soundloom: error: FIELD: message [code]`)
with exit code 2 (`regen` and bridge-handled `generate`: 2 for bad input, 1 for other failures),
and nothing is written when a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import Normalize
from soundloom.sdk.audio import Audio
from soundloom.sdk.audio_file import OUTPUT_RATES, check_output_path, read_audio

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# How long Ctrl-C waits for the engine to confirm a cancelled fine-tune (it stops after the current
# step, with a checkpoint). Past that the engine finishes on its own; the terminal is the user's.
CANCEL_WAIT_S = 8.0


class _Parser(argparse.ArgumentParser):
    last_error: str | None = None  # the latest usage error, for a progress file to report

    def error(self, message: str) -> None:  # one line, not argparse's usage block
        _Parser.last_error = f"{self.prog}: {message}"
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
    common.add_argument("--steps", type=int, default=None,
                        help="sampling steps, 1–1000 (default: the model's own, e.g. 10 for the starter)")
    common.add_argument("--guidance", type=float, default=3.0, help="classifier-free guidance, 0–30; ≤1 turns it off")
    common.add_argument("--seed", type=int, help="0–4294967295; the same seed gives the same file (default: random)")
    common.add_argument("--negative", default="", help="what the sound should not be")
    common.add_argument("--scheduler", default="dpmpp", help="ddim, dpmpp or euler (default dpmpp)")
    common.add_argument("-n", "--variations", type=int, default=1, help="number of variations, 1–16")
    common.add_argument("--sample-rate", type=int, choices=OUTPUT_RATES, help="resample the output to this rate (Hz)")
    common.add_argument("--adapter-scale", type=float,
                        help="strength of a fine-tuned variant's adapter (--model BASE+ADAPTER), 0–2 (default 1)")
    common.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    common.add_argument("--local", action="store_true", help="run the engine in this process instead of the daemon")
    common.add_argument("--connection-file", type=Path, help="the engine to talk to (default: the user's engine)")
    return common


def _clip_options() -> argparse.ArgumentParser:
    """Arguments of the commands that start from a clip."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("input", type=Path, help="the clip: any format libsndfile reads (wav, flac, aiff, ogg, mp3…)")
    options.add_argument("prompt")
    options.add_argument("--overwrite", action="store_true", help="let -o replace the input file")
    return options


def _engine_options() -> argparse.ArgumentParser:
    """Options of every command that talks to the engine daemon."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--device", help="cpu or cuda, for an engine this command starts (default: cuda when available)")
    options.add_argument("--connection-file", type=Path, help="the engine to talk to (default: the user's engine)")
    return options


def _add_finetune_parser(commands) -> None:
    p = commands.add_parser("finetune", parents=[_engine_options()],
                            help="train a fine-tuned variant of a model on a sample library")
    p.add_argument("folder", type=Path, help="the sample library (a folder inside the engine's library roots)")
    p.add_argument("--name", required=True, help="the adapter's name: letters, digits, _ . - (up to 64)")
    p.add_argument("--model", help="the base model: a name or a model folder (default: the engine's default)")
    p.add_argument("--steps", type=int, help="optimiser steps in all, 1–100000 (default: scaled by the library's size, 1000–5000)")
    p.add_argument("--rank", type=int, help="LoRA rank, 1–128 (default 8)")
    p.add_argument("--lr", type=float, dest="learning_rate", help="learning rate, 1e-6–1e-2 (default 1e-3)")
    p.add_argument("--batch-size", type=int, help="clips per step, 1–64 (default 8)")
    p.add_argument("--seed", type=int, help="0–4294967295 (default 0)")
    p.add_argument("--mix", action="store_true", default=None, help="mix pairs of clips as augmentation")
    p.add_argument("--convolutions", action="store_true", default=None, help="also adapt the UNet's convolutions")
    p.add_argument("--validation-prompt", action="append", dest="validation_prompts", metavar="TEXT",
                   help="render this prompt every --validate-every steps; repeatable, up to 8 "
                        "(default: up to two library captions)")
    p.add_argument("--validate-every", type=int, help="steps between validation renders (default 200)")
    p.add_argument("--validation-dir", type=Path, help="save each validation render here as WAV")
    p.add_argument("--checkpoint-every", type=int, help="steps between checkpoints (default 100)")
    p.add_argument("--resume", action="store_true", help="continue adapter NAME from its last checkpoint")


LIBRARY_COMMANDS = ("add", "remove", "list", "scan", "preview")


def _index_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--index", type=Path, help="the library index file (default: library.sqlite3 in the data folder)")
    options.add_argument("--connection-file", type=Path,
                         help="the engine that embeds captions for semantic search (default: the user's engine; never started)")
    return options


def _add_library_parsers(commands) -> None:
    index = _index_options()
    p = commands.add_parser("library", help="the sound library: add, remove, list and scan folders; preview for fine-tuning")
    actions = p.add_subparsers(dest="library_command", required=True, parser_class=_Parser)
    adding = actions.add_parser("add", parents=[index], help="add a folder of sounds to the library, then scan")
    adding.add_argument("folder", type=Path)
    adding.add_argument("--no-scan", action="store_true", help="add it without scanning now")
    adding.add_argument("--json", action="store_true", help="print the scan report as JSON")
    removing = actions.add_parser("remove", parents=[index], help="forget a library folder (its files are untouched)")
    removing.add_argument("folder", type=Path)
    listing = actions.add_parser("list", parents=[index], help="the library's folders with their sound counts")
    listing.add_argument("--json", action="store_true")
    scanning = actions.add_parser("scan", parents=[index], help="index new, changed, moved and removed sounds")
    scanning.add_argument("--json", action="store_true", help="print the scan report as JSON")
    p = actions.add_parser("preview", parents=[_engine_options()],
                           help="show what fine-tuning on a folder would use (`soundloom library FOLDER` for short)")
    p.add_argument("folder", type=Path)
    p.add_argument("--json", action="store_true", help="print the engine's answer as JSON")

    p = commands.add_parser("search", parents=[index], help="search the sound library by text, meaning or likeness")
    p.add_argument("text", nargs="?", default="",
                   help='words (all must match), -word excludes, "a phrase", slam* for prefixes')
    p.add_argument("--similar", type=Path, metavar="FILE", help="rank by how much each sound is like FILE")
    p.add_argument("--region", type=_region, help="with --similar: only START:END (seconds) of FILE")
    p.add_argument("--category", help="a UCS category (DOORS), CatID (DOORWood) or CATEGORY-SUBCATEGORY")
    p.add_argument("--min-seconds", type=float)
    p.add_argument("--max-seconds", type=float)
    p.add_argument("--sample-rate", type=int, help="Hz")
    p.add_argument("--channels", type=int)
    p.add_argument("--folder", type=Path, help="only sounds below this folder")
    p.add_argument("--favourites", action="store_true")
    p.add_argument("--collection")
    p.add_argument("--limit", type=int, default=50, help="most results to show (default 50)")
    p.add_argument("--json", action="store_true", help="results as JSON")

    p = commands.add_parser("adapters", help="list or remove fine-tuned adapters")
    actions = p.add_subparsers(dest="adapters_command", required=True, parser_class=_Parser)
    listing = actions.add_parser("list", parents=[_engine_options()], help="list the engine's adapters")
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    removing = actions.add_parser("remove", parents=[_engine_options()], help="delete an adapter")
    removing.add_argument("name")


def library_alias(argv: list[str]) -> list[str]:
    """`soundloom library FOLDER …` means `soundloom library preview FOLDER …`."""
    if argv[:1] != ["library"]:
        return argv
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in ("--connection-file", "--device") else 1
    if i < len(argv) and argv[i] not in LIBRARY_COMMANDS:
        return ["library", "preview", *argv[1:]]
    return argv


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The `soundloom` parser; `argv`, when given, lets `bridge …` build only what it needs."""
    from soundloom.bridge.cli import add_generate_options, add_parsers as add_bridge_parsers

    parser = _Parser(prog="soundloom", description="Local generative sound: text to audio, inpainting, style transfer.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _sampling_options()

    p = commands.add_parser("generate", parents=[common], help="make a sound from a text prompt")
    p.add_argument("prompt")
    p.add_argument("--seconds", type=float, help="length, 0.5–60 s (default 5; or --bars with --bpm)")
    p.add_argument("--no-tune", dest="tune", action="store_const", const=False,
                   help="keep the model's own pitch when the prompt names a note (default: tune to it)")
    p.add_argument("--normalize", choices=[m.value for m in Normalize],
                   help="deliver each clip with its peak at -1 dBFS (peak, the default), at -23 LUFS with its peak "
                        "at most -1 dBFS (loudness), or at the model's own level (off)")
    add_generate_options(p)

    clip = _clip_options()
    p = commands.add_parser("inpaint", parents=[common, clip], help="regenerate regions of a clip")
    p.add_argument("--region", type=_region, action="append", required=True, help="START:END in seconds; repeatable")

    p = commands.add_parser("transfer", parents=[common, clip], help="re-imagine a clip after a prompt")
    p.add_argument("--strength", type=float, default=0.5, help="0 keeps the clip, 1 ignores it (default 0.5)")

    p = commands.add_parser("extend", parents=[common, clip], help="continue a clip past its end")
    p.add_argument("--seconds", type=float, required=True, help="how much to append, in seconds")

    _add_finetune_parser(commands)
    _add_library_parsers(commands)
    add_bridge_parsers(commands, argv)

    p = commands.add_parser("serve", help="run the engine as a local service (all options: soundloom serve --help)",
                            add_help=False)
    p.add_argument("engine_args", nargs=argparse.REMAINDER)
    for name, text in (("train", "train the starter model (soundloom train starter --help)"),
                       ("eval", "score a model on the corpus's held-out split (soundloom eval --help)"),
                       ("models", "list model folders and convert Tango releases (soundloom models --help)"),
                       ("desktop", "open the sound browser (soundloom desktop --help)")):
        commands.add_parser(name, help=text, add_help=False).add_argument("rest", nargs=argparse.REMAINDER)
    p = commands.add_parser("status", help="show the running engine, its models and its queue")
    p.add_argument("--connection-file", type=Path)
    p = commands.add_parser("stop", help="shut the running engine down now (also one a command started)")
    p.add_argument("--connection-file", type=Path)
    from soundloom.settings.command import add_parser as add_config_parser

    add_config_parser(commands)
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
    if getattr(args, "tune", None) is False:
        fields["tune"] = False
    if getattr(args, "normalize", None):
        fields["normalize"] = args.normalize
    if args.command != "generate":
        fields["audio"], fields["sample_rate"] = read_audio(args.input, "input")
    if args.command == "inpaint":
        fields["regions"] = args.region
    if args.command == "transfer":
        fields["strength"] = args.strength
    if args.adapter_scale is not None:
        fields["adapter_scale"] = args.adapter_scale
    return fields


def output_paths(output: Path, count: int) -> list[Path]:
    """`out.wav` for one result; `out_1.wav` … `out_N.wav` for several."""
    if count == 1:
        return [output]
    return [output.with_name(f"{output.stem}_{i}{output.suffix}") for i in range(1, count + 1)]


def checked_output_paths(args: argparse.Namespace) -> list[Path]:
    """Every file the command will write, each checked before any work starts (a generation can
    take minutes, and its result should not be lost to a path that could never be written)."""
    if Path(args.output).is_dir():
        check_output_path(args.output, "output")  # says "a folder" rather than naming out_1 … out_N inside it
    inputs = (args.input,) if getattr(args, "input", None) is not None else ()
    paths = output_paths(args.output, args.variations)
    for path in paths:
        check_output_path(path, "output", inputs=inputs, overwrite=getattr(args, "overwrite", False))
    return paths


class _ProgressBar:
    """A tqdm bar on stderr that appears with the first step, so a rejected request prints only its error."""

    def __init__(self, label: str, listener=None):
        self.label, self.bar, self.listener = label, None, listener

    def __call__(self, step: int, total: int, *_eta, loss: float | None = None) -> None:
        if self.listener is not None:  # e.g. a progress file a DAW polls
            self.listener(step, total)
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.label, unit="step", file=sys.stderr, leave=False)
        self.bar.total = total
        if loss is not None:
            self.bar.set_postfix_str(f"loss {loss:.4g}", refresh=False)  # drawn by the update below
        self.bar.update(step - self.bar.n)

    def write(self, line: str) -> None:
        """Print a line on stderr above the bar (plain print would tear it)."""
        if self.bar is None:
            print(line, file=sys.stderr)
        else:
            self.bar.write(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_local(args: argparse.Namespace, fields: dict, listener=None) -> list:
    """Run the operation in this process (imports the engine, so torch, only now)."""
    if args.adapter_scale is not None:
        raise SoundloomError(
            ErrorCode.INVALID_ARGUMENT,
            "fine-tuned variants need the engine daemon (it keeps the adapters); drop --local",
            "adapter_scale",
        )
    try:
        from soundloom.engine import Engine, build_request
    except ImportError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"--local needs the engine: pip install 'soundloom[engine]' ({exc})", "local") from exc

    request = build_request(args.command, fields)
    request.validate()  # fail on bad input before spending seconds loading a model
    engine = Engine(device=args.device)
    engine.load(args.model)
    bar = _ProgressBar(args.command, listener)
    try:
        result = engine.run(args.command, request, model=args.model, on_step=bar)
    finally:
        bar.close()
    for warning in result.warnings:
        print(f"soundloom: warning: {warning}", file=sys.stderr)
    return [Audio(samples, result.sample_rate, meta) for samples, meta in zip(result.audio, result.metadata)]


def _model_folder(model: str | None) -> Path | None:
    """The folder `--model` names, or None when it names a model by name (e.g. a variant "base+adapter")."""
    if not model:
        return None
    path = Path(model).expanduser()
    return path.resolve() if path.is_dir() else None


def _engine_args(args: argparse.Namespace) -> list[str]:
    """Options for an engine this command starts itself.

    An engine that stays warm for later commands (the idle_timeout setting) keeps the usual default
    model first, so a later command without --model does not get this command's folder; the folder
    is listed after it, and requests name it.
    """
    from soundloom.sdk.launcher import launch_idle_timeout

    device = ["--device", args.device] if args.device else []
    folder = _model_folder(getattr(args, "model", None))
    if folder is None:
        return device
    models = [folder]
    if launch_idle_timeout(device) > 0:
        from soundloom.settings.models import default_model_folder
        from soundloom.settings.store import load

        default = default_model_folder(load()["default_model"])
        if default is not None and default.expanduser().resolve() != folder:
            models.insert(0, default)
    preload = ["--preload", str(folder)] if len(models) > 1 else []  # the model this command needs, not the default
    return [arg for model in models for arg in ("--model", str(model))] + preload + device


def _model_field(args: argparse.Namespace, client) -> str | None:
    """The request's `model` for `--model`: a folder is always named (an engine kept warm from an
    earlier command has its own default model); a name goes as it is. `client` is the engine's."""
    if not args.model:
        return None
    folder = _model_folder(args.model)
    if folder is None:
        return args.model
    return str(folder)  # a warm engine may have another default; a started one knows the folder either way


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C while a job is submitted and raise it once the command holds the job: pressed in
    between, it would leave the engine running a job nobody can cancel. Submitting only sends the
    request, so it is held for moments."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield  # Ctrl-C does not reach this thread, or is ignored or handled elsewhere: leave it so
        return
    pressed: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        raise KeyboardInterrupt


def _cancel_quietly(job) -> None:
    """Ask the engine to cancel `job` after Ctrl-C; the command ends either way."""
    try:
        job.cancel()
    except (SoundloomError, KeyboardInterrupt):  # gone already, or a second Ctrl-C: stop asking
        return


def _with_restart_hint(exc: SoundloomError, model: str | None, client) -> SoundloomError:
    """A model folder a warm engine cannot reach (it lists only the models it started with): say
    how to get an engine that can."""
    if exc.code is not ErrorCode.MODEL_NOT_FOUND or not model or client.started_engine or _model_folder(model) is None:
        return exc
    return SoundloomError(exc.code, f"{exc.message}; the running engine (pid {client.engine_file.info.pid}) was "
                          "started for other models: run `soundloom stop`, then this command again", exc.field)


def run_on_engine(args: argparse.Namespace, fields: dict, listener=None) -> list:
    """Run the operation on the engine daemon, starting one for this command if none runs."""
    from soundloom.sdk.client import Client

    with Client.connect(args.connection_file, engine_args=_engine_args(args)) as client:
        fields["model"] = _model_field(args, client)
        audio = fields.pop("audio", None), fields.pop("sample_rate", None)
        bar = _ProgressBar(args.command, listener)
        submit = getattr(client, f"submit_{args.command}")
        extra = {"on_progress": bar}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            job = None
            try:
                prompt = fields.pop("prompt")
                with _ctrl_c_held():
                    job = submit(audio, prompt, **fields, **extra) if audio[0] is not None else submit(prompt, **fields, **extra)
                result = job.result()
            except SoundloomError as exc:
                raise _with_restart_hint(exc, fields.get("model"), client) from None
            except KeyboardInterrupt:
                if job is not None:  # else the engine would go on rendering a result nobody will receive
                    _cancel_quietly(job)
                raise
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
    dtype = f" ({info['dtype']})" if info.get("dtype") else ""
    print(f"engine {info['engine_version']} (pid {info['pid']}) on {info['device']}{dtype}, "
          f"protocol {info['protocol_version']}")
    print(f"queue: {info['queue_length']} job(s) queued or running")
    worker = info.get("worker") or {}
    if worker.get("restarts"):
        state = "running" if worker.get("alive") else "stopped: restart the engine"
        print(f"worker: {state}; replaced {worker['restarts']} time(s) after a failure, last {worker.get('last_failure')}")
    cluster = info.get("cluster")
    if cluster:
        print(f"cluster {cluster.get('address') or 'local'}: {cluster.get('status')}, "
              f"{cluster.get('replicas_running', 0)} replica(s) running, {cluster.get('jobs_queued', 0)} job(s) queued")
        for replica in cluster.get("replicas") or []:
            warm = ", ".join(replica.get("models_warm") or []) or "no model warm"
            print(f"  replica {replica.get('replica')} on {replica.get('host')} ({replica.get('device')}): "
                  f"{warm}; {replica.get('jobs_running', 0)} job(s) running")
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


# ---------------------------------------------------------------------- fine-tuning


def finetune_options(args: argparse.Namespace) -> dict:
    """`Client.finetune` keyword options from the command line; options not given stay out, so the
    engine's defaults apply."""
    names = ("steps", "rank", "learning_rate", "batch_size", "seed", "mix", "convolutions", "validation_prompts",
             "validate_every", "checkpoint_every")
    options = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    return dict(options, name=args.name, resume=args.resume)


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "prompt"


class _Validations:
    """Reports a fine-tuning job's validation renders as they arrive, saving each as WAV when asked."""

    def __init__(self, folder: Path | None, bar: _ProgressBar):
        self.folder, self.bar, self.shown = folder, bar, 0

    def show_new(self, renders: list) -> None:
        for index, (step, prompt, audio) in enumerate(renders[self.shown:], start=self.shown + 1):
            line = f"validation at step {step}: {prompt}"
            if self.folder is not None:
                line += self._save(audio, f"step{step:06d}-{index:03d}-{_slug(prompt)}.wav")
            self.bar.write(line)
        self.shown = max(self.shown, len(renders))

    def _save(self, audio, name: str) -> str:
        # The running number in `name` keeps two renders of one prompt at one step apart. A render
        # that cannot be written is reported, not fatal: hours of training matter more than one file.
        try:
            return f" -> {audio.save(self.folder / name)}"
        except (OSError, SoundloomError) as exc:
            return f" (not saved: {exc})"


def _follow_finetune(job, validations: _Validations, bar: _ProgressBar) -> dict:
    """Show progress (with the loss) and validation renders until the job ends; returns its result."""
    for step, total, _eta in job.progress:
        bar(step, total, loss=job.loss)
        validations.show_new(job.validations)
    result = job.result()
    validations.show_new(job.validations)  # renders that arrived together with the end
    return result


def _cancel_finetune(job) -> dict | None:
    """Cancel after Ctrl-C and wait a little for the engine to stop it (after the current step, with
    a checkpoint); the result when the job had finished anyway, else None."""
    from soundloom.sdk.errors import JobCancelledError

    print("soundloom: cancelling (the adapter keeps its last checkpoint)…", file=sys.stderr)
    try:
        job.cancel()
        return job.result(timeout=CANCEL_WAIT_S)
    except JobCancelledError:
        return None
    except TimeoutError:
        print("soundloom: the engine is still stopping it; see `soundloom adapters list`", file=sys.stderr)
    except SoundloomError as exc:
        print(f"soundloom: warning: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("soundloom: stopped waiting; the engine finishes the cancel on its own", file=sys.stderr)
    return None


def _resume_command(argv: list[str]) -> str:
    return shlex.join(["soundloom", *argv, *([] if "--resume" in argv else ["--resume"])])


def _restart_command(argv: list[str]) -> str:
    return shlex.join(["soundloom", *(arg for arg in argv if arg != "--resume")])


def _after_cancel(client, name: str, argv: list[str]) -> str:
    """The command that carries on: resume when the engine kept the adapter (it keeps one only with
    a checkpoint), else the same command again."""
    try:
        kept = any(adapter.get("name") == name for adapter in client.adapters.list())
    except SoundloomError:  # cannot ask: resuming is what works whenever anything was kept
        kept = True
    if kept:
        return f"continue with: {_resume_command(argv)}"
    return f"nothing was kept; start again with: {_restart_command(argv)}"


def _output_folder(folder: Path, field: str) -> Path:
    """Create `folder` if needed; an error saying why when results cannot be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{folder} exists and is not a folder", field) from None
    except OSError as exc:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"cannot create folder {folder} ({exc.strerror})", field) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"no permission to write in folder {folder}", field)
    return folder


def _finetune(args: argparse.Namespace, argv: list[str]) -> int:
    from soundloom.sdk.client import Client

    if args.validation_dir is not None:
        _output_folder(args.validation_dir, "validation_dir")  # fail now rather than at the first render
    with Client.connect(args.connection_file, engine_args=_engine_args(args)) as client:
        bar, job = _ProgressBar("finetune"), None
        try:
            with _ctrl_c_held():
                job = client.finetune(args.folder, model=_model_field(args, client), **finetune_options(args))
            result = _follow_finetune(job, _Validations(args.validation_dir, bar), bar)
        except KeyboardInterrupt:
            if job is None:  # pressed before the request left: there is nothing to cancel
                raise
            bar.close()
            result = _cancel_finetune(job)
            if result is None:
                print(f"soundloom: cancelled; {_after_cancel(client, args.name, argv)}", file=sys.stderr)
                return EXIT_INTERRUPTED
        finally:
            bar.close()
    print(f"soundloom: adapter {result.get('adapter')}: {result.get('steps')} steps, loss {result.get('loss')}, "
          f"{result.get('elapsed_s')} s; use it with --model {result['model']}", file=sys.stderr)
    print(result["model"])  # alone on stdout, so scripts can capture the variant's name
    return 0


def _library(args: argparse.Namespace) -> int:
    if args.library_command != "preview":
        from soundloom.library.cli import library_command  # the index's dependencies load only now

        return library_command(args)
    from soundloom.sdk.client import Client

    with Client.connect(args.connection_file, engine_args=_engine_args(args)) as client:
        preview = client.library_preview(args.folder)
    if args.json:
        print(json.dumps(preview, indent=2, ensure_ascii=False))
    else:
        print(library_table(preview))
    return 0


def library_table(preview: dict) -> str:
    """A library preview as text: one line per clip (seconds, caption source, path, caption), then
    the skipped files with their reasons, then the totals."""
    clips, skipped = preview.get("clips", []), preview.get("skipped", [])
    lines = [f"library {preview.get('root', '')}"]
    if clips:
        width = min(max(len(clip["path"]) for clip in clips), 60)
        lines.append(f"  {'seconds':>8}  {'source':7}  {'path':{width}}  caption")
        for clip in clips:
            lines.append(f"  {clip['seconds']:8.2f}  {clip['caption_source']:7}  {clip['path']:{width}}  {clip['caption']}")
    if skipped:
        lines.append("skipped:")
        lines.extend(f"  {item['path']}: {' '.join(str(item['reason']).split())}" for item in skipped)
    lines.append(f"{len(clips)} clip(s), {preview.get('total_seconds', 0.0):.1f} s in all; {len(skipped)} skipped")
    return "\n".join(lines)


def _adapters(args: argparse.Namespace) -> int:
    from soundloom.sdk.client import Client

    with Client.connect(args.connection_file, engine_args=_engine_args(args)) as client:
        if args.adapters_command == "remove":
            client.adapters.remove(args.name)
            print(f"removed {args.name}")
            return 0
        adapters = client.adapters.list()
    print(json.dumps(adapters, indent=2, ensure_ascii=False) if args.json else adapters_table(adapters))
    return 0


def adapters_table(adapters: list[dict]) -> str:
    """One line per adapter: the variant name requests use, its state, steps, rank, clips, creation time."""
    if not adapters:
        return "no adapters"
    width = max(len(str(adapter.get("model"))) for adapter in adapters)
    return "\n".join(
        f"{adapter.get('model')!s:{width}}  {adapter.get('state')!s:8}  {adapter.get('steps')} steps  "
        f"rank {adapter.get('rank')}  {adapter.get('clips')} clip(s)  {adapter.get('created')}"
        for adapter in adapters
    )


def _exec_engine(module: str, argv: list[str]) -> int:
    # Engine programs have their own options and need torch; hand this process over to them.
    os.execv(sys.executable, [sys.executable, "-m", module, *argv])
    return 0  # not reached


def _serve(engine_args: list[str]) -> int:
    return _exec_engine("soundloom.daemon", ["serve", *engine_args])


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = build_parser(argv)
    if argv[:1] != ["regen"]:
        return parser.parse_args(library_alias(argv))
    # regen's PROMPT may follow its options, which argparse leaves over for an optional positional.
    from soundloom.bridge.cli import finish_regen_args

    args, extras = parser.parse_known_args(argv)
    problem = finish_regen_args(args, extras)
    if problem:
        parser.error(f"regen: {problem}")
    return args


def _usage_error_to_progress_file(argv: list[str], message: str | None = None) -> None:
    """A command line that did not parse still ends its progress file, if one was named."""
    from soundloom.bridge.progress_file import ProgressFile

    path = None
    for i, word in enumerate(argv):
        if word == "--progress-file" and i + 1 < len(argv):
            path = argv[i + 1]
        elif word.startswith("--progress-file="):
            path = word.split("=", 1)[1]
    if not path:
        return
    try:
        ProgressFile(path).failed(message or _Parser.last_error or "bad command line", EXIT_USAGE,
                                  {"code": ErrorCode.INVALID_ARGUMENT.value, "field": None})
    except (SoundloomError, OSError):
        pass  # the progress file's folder itself is unusable: stderr has the error


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return _serve(argv[1:])
    if argv[:1] in (["train"], ["eval"]):
        return _exec_engine("soundloom.engine.training.cli", argv)
    if argv[:1] == ["models"]:  # reads model folders on disk: the engine's side of the install
        return _exec_engine("soundloom.engine.models.cli", argv[1:])
    if argv[:1] == ["desktop"]:  # a Qt program with its own options
        return _exec_engine("soundloom.desktop.app", argv[1:])
    try:
        args = _parse(argv)
    except SystemExit as exit_:  # usage errors and --help: report the code instead of exiting
        if exit_.code:
            _usage_error_to_progress_file(argv)
        return int(exit_.code or 0)
    if args.command in ("regen", "bridge"):
        from soundloom.bridge.cli import run as run_bridge_command

        return run_bridge_command(args)
    if args.command == "generate":
        from soundloom.bridge.cli import run_generate, uses_bridge_options

        if args.bars is not None and args.seconds is not None:
            print("soundloom: error: bars: give --seconds or --bars, not both", file=sys.stderr)
            _usage_error_to_progress_file(argv, "bars: give --seconds or --bars, not both")
            return EXIT_USAGE
        if uses_bridge_options(args):
            return run_generate(args)
        if args.seconds is None:
            args.seconds = 5.0
    try:
        if args.command == "status":
            return _status(args)
        if args.command == "stop":
            return _stop(args)
        if args.command == "config":
            from soundloom.settings.command import config_command

            return config_command(args)
        if args.command == "finetune":
            return _finetune(args, argv)
        if args.command == "library":
            return _library(args)
        if args.command == "adapters":
            return _adapters(args)
        if args.command == "search":
            from soundloom.library.cli import search_command

            return search_command(args)
        checked_output_paths(args)
        fields = request_fields(args)
        clips = run_local(args, fields) if args.local else run_on_engine(args, fields)
        for path, clip in zip(output_paths(args.output, len(clips)), clips):
            clip.save(path, sample_rate=args.sample_rate)
            print(path)
    except SoundloomError as exc:
        print(f"soundloom: error: {' '.join(str(exc).split())}", file=sys.stderr)  # one line, whatever the message holds
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("soundloom: cancelled", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
