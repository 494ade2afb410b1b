"""Build the starter corpus: plan, render in a process pool, mix, index.

    python -m soundloom.engine.training.corpus OUT_DIR [--seed 0] [--jobs 2] ...

The build is resumable: a clip whose record exists is not made again, so an interrupted build
picks up where it stopped and produces the same files as an uninterrupted one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from . import midi_render, recordings, speech
from .classes import CLASSES
from .clip import ClipSpec
from .errors import MissingDependency
from .ground_truth import is_done, read_record
from .manifest import clip_entry, mix_entry, write_index
from .mix_clips import plan_mixes, render_mix
from .render import render_batch
from .specs import SOURCES, make_specs
from .split import assign_splits

BATCH = {"midi": 40, "drums": 40, "procedural": 16, "speech": 16, "recordings": 32}  # clips per work unit
DEFAULT_MIXES = 300


def _check_tools(sources: tuple[str, ...]) -> None:
    """Fail early, naming the Debian package, rather than after minutes of rendering."""
    if "midi" in sources or "drums" in sources:
        midi_render.check_available()
    if "speech" in sources:
        speech.check_available()
    if "recordings" in sources:
        recordings.check_available()


def _batches(specs: list[ClipSpec]) -> list[list[ClipSpec]]:
    """Fixed work units: consecutive specs of one (source, class), in plan order.

    FluidSynth's reverb and chorus carry a little state from one clip of a batch to the next,
    so a clip's samples depend (inaudibly) on its batch neighbours. Cutting batches per class
    keeps them the same whatever else is planned or excluded, and a resumed build re-renders
    whole batches, so it writes the samples an uninterrupted build would have written."""
    out: list[list[ClipSpec]] = []
    by_key: dict[tuple[str, str], list[ClipSpec]] = {}
    for spec in specs:
        by_key.setdefault((spec.source, spec.cls), []).append(spec)
    for source in SOURCES:
        for (src, _cls), mine in by_key.items():
            if src == source:
                size = BATCH[source]
                out += [mine[i : i + size] for i in range(0, len(mine), size)]
    return out


def _render_sources(pool: ProcessPoolExecutor, root: Path, work: list[list[ClipSpec]], audio_format: str, progress: bool) -> dict:
    """Render the missing work units, one source after the other; returns timings per source
    (wall-clock seconds, and seconds spent in workers)."""
    timing: dict[str, dict] = {}
    for source in SOURCES:
        units = [b for b in work if b[0].source == source]
        if not units:
            continue
        t0 = time.perf_counter()
        clips, worker_s = 0, 0.0
        bar = tqdm(total=sum(len(b) for b in units), desc=f"{source:<10}", unit="clip", disable=not progress)
        for future in as_completed([pool.submit(render_batch, str(root), b, audio_format) for b in units]):
            written = future.result()
            clips += len(written)
            worker_s += sum(w[2] for w in written)
            bar.update(len(written))
        bar.close()
        timing[source] = {"clips_written": clips, "wall_s": round(time.perf_counter() - t0, 2), "worker_s": round(worker_s, 2)}
    return timing


def _render_mixes(pool: ProcessPoolExecutor, root: Path, mix_specs: list[ClipSpec], audio_format: str, progress: bool) -> dict:
    t0 = time.perf_counter()
    futures = [pool.submit(render_mix, str(root), m, audio_format) for m in mix_specs]
    bar = tqdm(as_completed(futures), total=len(futures), desc="mix       ", unit="clip", disable=not progress)
    written = sum(1 for f in bar if f.result())
    return {"clips_written": written, "wall_s": round(time.perf_counter() - t0, 2)}


def _entries(root: Path, specs: list[ClipSpec], mix_specs: list[ClipSpec], splits: dict[str, str], seed: int) -> list[dict]:
    """Manifest entries in plan order, mixes last (a mix's captions join its parts' captions)."""
    entries = {s.id: clip_entry(read_record(root, s.id), splits[s.id], seed) for s in specs}
    for m in mix_specs:
        parts = (entries[m.params["a"]], entries[m.params["b"]])
        entries[m.id] = mix_entry(read_record(root, m.id), splits[m.params["a"]], parts)
    return list(entries.values())


def build_corpus(
    out: str | Path,
    seed: int = 0,
    sources: tuple[str, ...] = SOURCES,
    per_class: int | None = None,
    scale: float = 1.0,
    max_recordings_per_class: int | None = None,
    mixes: int = DEFAULT_MIXES,
    exclude_class: tuple[str, ...] = (),
    jobs: int = 2,
    audio_format: str = "flac",
    progress: bool = True,
    include_copyleft: bool = False,
) -> dict:
    """Build (or finish) a corpus in `out`; returns the summary (see `manifest.summary`)."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    _check_tools(sources)
    started = time.perf_counter()
    specs = make_specs(seed, sources, per_class, scale, max_recordings_per_class, tuple(exclude_class), include_copyleft)
    splits = assign_splits(specs, seed)
    mix_specs = plan_mixes(specs, splits, seed, mixes) if mixes else []
    work = [b for b in _batches(specs) if any(not is_done(root, s) for s in b)]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        timing = _render_sources(pool, root, work, audio_format, progress)
        if mix_specs:
            timing["mix"] = _render_mixes(pool, root, mix_specs, audio_format, progress)
    options = {
        "seed": seed,
        "sources": list(sources),
        "per_class": per_class,
        "scale": scale,
        "max_recordings_per_class": max_recordings_per_class,
        "mixes": mixes,
        "exclude_class": sorted(exclude_class),
        "audio_format": audio_format,
        "include_copyleft": include_copyleft,
    }
    unmapped = recordings.count_unmapped() if "recordings" in sources else None
    unlicensed = recordings.unlicensed() if "recordings" in sources else None
    result = write_index(root, _entries(root, specs, mix_specs, splits, seed), options, unmapped, unlicensed)
    timing["total_wall_s"] = round(time.perf_counter() - started, 2)
    timing["jobs"] = jobs
    # Timings vary from run to run, so they live apart from the reproducible summary.
    (root / "build_log.json").write_text(json.dumps(timing, indent=2) + "\n", encoding="utf-8")
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m soundloom.engine.training.corpus",
        description="Build the soundloom starter corpus: 16 kHz mono clips with captions and ground truth.",
    )
    p.add_argument("out", help="output folder (created; an existing partial build is resumed)")
    p.add_argument("--seed", type=int, default=0, help="corpus seed: the same seed and options give the same files (default 0)")
    p.add_argument(
        "--sources", default=",".join(SOURCES), help=f"comma-separated sources to include (default: {','.join(SOURCES)})"
    )
    p.add_argument("--per-class", type=int, default=None, help="synthesise exactly N clips per class (for quick builds)")
    p.add_argument(
        "--scale", type=float, default=1.0, help="multiply the default per-class counts (default 1.0, about 9,000 clips)"
    )
    p.add_argument(
        "--max-recordings-per-class", type=int, default=None, help="use at most N recorded clips per class (default: all)"
    )
    p.add_argument(
        "--mixes", type=int, default=DEFAULT_MIXES, help=f"mixed clips to write into the corpus (default {DEFAULT_MIXES})"
    )
    p.add_argument(
        "--exclude-class",
        action="append",
        default=[],
        metavar="CLASS",
        choices=CLASSES,
        help="leave a class out entirely (repeatable), e.g. for a fine-tuning test on an unheard sound family",
    )
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default 2)")
    p.add_argument(
        "--format",
        dest="audio_format",
        choices=("flac", "wav"),
        default="flac",
        help="flac (16-bit, compact) or wav (32-bit float) (default flac)",
    )
    p.add_argument(
        "--include-copyleft",
        action="store_true",
        help="also use recordings under GPL, GFDL and share-alike licences (as the v1 starter did); by default only "
        "public-domain, CC0 and CC-BY recordings are used, so weights and generated audio carry no copyleft terms",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    args.sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    bad = sorted(set(args.sources) - set(SOURCES))
    if bad:
        p.error(f"--sources: unknown source(s) {bad}; allowed: {', '.join(SOURCES)}")
    if args.per_class is not None and args.per_class < 1:
        p.error(f"--per-class: {args.per_class} is out of range; allowed: 1 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = build_corpus(
            args.out,
            seed=args.seed,
            sources=args.sources,
            per_class=args.per_class,
            scale=args.scale,
            max_recordings_per_class=args.max_recordings_per_class,
            mixes=args.mixes,
            exclude_class=tuple(args.exclude_class),
            jobs=args.jobs,
            audio_format=args.audio_format,
            progress=not args.quiet,
            include_copyleft=args.include_copyleft,
        )
    except MissingDependency as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{result['clips']} clips, {result['hours']} h, splits {result['by_split']} -> {args.out}")
    return 0
