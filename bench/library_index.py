"""The sound library index at 10,000 files: indexing speed, rescan time, size, and query latency.

  * first index of N short WAV files (0.2–1 s, synthesised here): files/s, and the time to embed
    their captions through a running engine, apart;
  * an unchanged rescan (size + mtime only, nothing opened) next to the first index;
  * the database's size on disk, per file;
  * query latency p50/p99, side by side: text (FTS5, with and without facets), semantic (the query
    embedded by the engine, then cosine over every caption) and similarity (features of every file).

    python bench/library_index.py [--files 10000] [--queries 200] [--no-engine] [--keep DIR]

With no --no-engine, an engine is started for the run (only its text encoder is used).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

WORDS = ["door", "slam", "wood", "metal", "creak", "glass", "break", "footstep", "gravel", "rain", "wind", "thunder",
         "whoosh", "impact", "hit", "punch", "swish", "click", "beep", "alarm", "engine", "car", "pass", "water",
         "splash", "drip", "fire", "crackle", "bird", "dog", "bark", "crowd", "cheer", "laser", "zap", "anvil",
         "chain", "rattle", "paper", "rip", "cloth", "bell", "ring", "gun", "shot", "bubble", "pour", "riser"]
UCS = ["DOORWood", "DOORMetl", "GLASBrk", "FEETHuman", "RAINGen", "WINDGust", "WTHRThun", "SWSHWhsh", "METLImpt",
       "FIGHTPnch", "UIClick", "BEEPMisc", "ALRMSirn", "VEHCar", "WATRSplsh", "FIRECrkl", "BIRDSong", "ANMLDog",
       "CRWDCheer", "LASRGun", "CHAINMvmt", "PAPRRip", "CLOTHMvmt", "BELLChch", "GUNHand", "LIQBubl", "DSGNRise"]
TEXT_QUERIES = ["door", "door slam", "slam -metal", '"glass break"', "foot*", "rain wind -thunder", "impact hit",
                "bell", "zz*", "water splash drip"]
MEANING_QUERIES = ["something heavy hitting metal", "a dog barking in the distance", "gentle rain on a roof",
                   "an explosion far away", "a door closing hard", "electronic beep of a machine"]


def synthesise(root: Path, count: int, seed: int = 0) -> float:
    """Write `count` short WAV files below `root`; returns the seconds it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    for i in range(count):
        rate = rng.choice((44100, 48000))
        seconds = rng.uniform(0.2, 1.0)
        t = np.arange(int(seconds * rate)) / rate
        if rng.random() < 0.5:
            signal = np.sin(2 * np.pi * rng.uniform(60, 2000) * t) * np.exp(-rng.uniform(1, 12) * t)
        else:
            signal = np.random.default_rng(i).normal(0, 0.3, t.size) * np.exp(-rng.uniform(0.5, 8) * t)
        words = rng.sample(WORDS, 3)
        if rng.random() < 0.3:
            name = f"{rng.choice(UCS)}_{words[0].title()} {words[1].title()}_SL_Bench_{i:05d}.wav"
        else:
            name = f"{words[0].title()}_{words[1].title()}_{words[2]}_{i:05d}.wav"
        folder = root / f"{rng.choice(WORDS).title()}s" / f"Take{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        sf.write(folder / name, (0.5 * signal).astype(np.float32), rate, subtype="PCM_16")
    return time.perf_counter() - started


def start_engine(folder: Path) -> tuple[subprocess.Popen, Path] | None:
    connection = folder / "run" / "engine.json"
    connection.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    connection.unlink(missing_ok=True)  # left by an earlier run with --keep
    env = dict(os.environ, SOUNDLOOM_RUNTIME_DIR=str(connection.parent))
    log = open(folder / "engine.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "soundloom.daemon", "serve", "--connection-file", str(connection),
                                "--data-dir", str(folder / "engine-data")], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 180
    while not connection.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            print(f"engine did not start: {(folder / 'engine.log').read_text()[-500:]}")
            process.kill()
            return None
        time.sleep(0.1)
    return process, connection


def latencies(call, queries: list, rounds: int) -> list[float]:
    out = []
    for i in range(rounds):
        started = time.perf_counter()
        call(queries[i % len(queries)])
        out.append((time.perf_counter() - started) * 1000)
    return out


def line(label: str, values: list[float] | None, note: str = "") -> str:
    if not values:
        return f"  {label:34} {'skipped':>9}  {note}"
    p50, p99 = np.percentile(values, 50), np.percentile(values, 99)
    return f"  {label:34} {p50:8.2f}  {p99:8.2f}  {note}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-engine", action="store_true", help="skip semantic search (no engine started)")
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it (default: a temporary one)")
    args = parser.parse_args()

    from soundloom.library import LibraryIndex

    work = args.keep or Path(tempfile.mkdtemp(prefix="soundloom-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    library = work / "library"
    engine = None
    try:
        if not library.exists():
            print(f"writing {args.files} WAV files … ", end="", flush=True)
            print(f"{synthesise(library, args.files):.1f} s")
        engine = None if args.no_engine else start_engine(work / "engine")
        connection = engine[1] if engine else work / "no-engine.json"
        db = work / "data" / "library.sqlite3"
        for stale in db.parent.glob("library.sqlite3*") if db.parent.exists() else []:
            stale.unlink()
        index = LibraryIndex.open(db, connection_file=connection)
        index.add_root(library)

        started = time.perf_counter()
        report = index.scan(embed=False)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        embedded = 0
        if engine:
            embedded = index.embed_missing()
        embed_s = time.perf_counter() - started
        started = time.perf_counter()
        rescan = index.scan()
        rescan_s = time.perf_counter() - started
        size = sum(p.stat().st_size for p in db.parent.glob("library.sqlite3*"))

        files = report.added
        print(f"\nindexing {files} files ({len(report.skipped)} skipped) on {os.cpu_count()} cores")
        print(f"  first index                        {first_s:8.1f} s   {files / first_s:7.0f} files/s")
        if engine:
            print(f"  embedding captions (engine)        {embed_s:8.1f} s   {embedded / max(embed_s, 1e-9):7.0f} captions/s")
        else:
            print("  embedding captions (engine)         skipped (--no-engine)")
        print(f"  unchanged rescan                   {rescan_s:8.2f} s   {rescan.unchanged / rescan_s:7.0f} files/s   "
              f"{first_s / rescan_s:5.0f}x faster than the first index")
        print(f"  database size                      {size / 1e6:8.1f} MB  {size / max(files, 1) / 1024:7.2f} KB/file")

        rng = random.Random(1)
        sample_paths = [r.path for r in index.search(limit=args.files)]
        similar_queries = rng.sample(sample_paths, min(50, len(sample_paths)))
        index.search("warm up")
        started = time.perf_counter()
        index.similar(similar_queries[0])
        cold_similar_ms = (time.perf_counter() - started) * 1000

        text = latencies(lambda q: index.search(q, semantic=False), TEXT_QUERIES, args.queries)
        faceted = latencies(lambda q: index.search(q, semantic=False, min_seconds=0.3, max_seconds=0.8,
                                                  sample_rate=48000), TEXT_QUERIES, args.queries)
        browse = latencies(lambda q: index.search("", folder=library / "Doors"), [None], min(args.queries, 50))
        meaning = None
        if engine:
            check = index.search(MEANING_QUERIES[0])
            meaning = latencies(lambda q: index.search(q), MEANING_QUERIES, args.queries) if check.semantic else None
        similar = latencies(lambda p: index.similar(p), similar_queries, args.queries)
        region = latencies(lambda p: index.similar(p, region=(0.05, 0.2)), similar_queries, min(args.queries, 50))

        print(f"\nquery latency over {files} files, ms     p50       p99")
        print(line("text (FTS5, 500 results max)", text, "target p50 ≤ 50 ms"))
        print(line("text + duration/rate facets", faceted))
        print(line("browse a folder (no text)", browse))
        print(line("semantic (text + meaning, engine)", meaning, "" if meaning else "no engine (--no-engine or not reachable)"))
        print(line("similarity (stored features)", similar, f"first call {cold_similar_ms:.0f} ms builds the matrix"))
        print(line("similarity of a region (on the fly)", region))
        if meaning:
            print(f"\n  semantic / text p50: {np.median(meaning) / np.median(text):.1f}x   "
                  f"similarity / text p50: {np.median(similar) / np.median(text):.1f}x")
        else:
            print(f"\n  similarity / text p50: {np.median(similar) / np.median(text):.1f}x")
        index.close()
    finally:
        if engine:
            engine[0].terminate()
            engine[0].wait(30)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
