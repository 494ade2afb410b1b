"""The library commands of `soundloom`: `library add|remove|list|scan` and `search`.

The argument parsers live with the other commands in sdk/cli.py; this module is imported only
when one of these commands runs. Results go to stdout, progress to stderr (only on a terminal).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading

from soundloom.library.index import LibraryIndex
from soundloom.library.paths import display
from soundloom.library.records import ScanReport, SoundRecord


def print_json(data) -> None:
    """JSON on stdout; a path whose name is not UTF-8 goes out as \\udcXX escapes, which json.loads
    and os.fsencode turn back into the file's real name."""
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        text.encode(sys.stdout.encoding or "utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, indent=2, ensure_ascii=True, default=str)
    print(text)


def open_index(args: argparse.Namespace) -> LibraryIndex:
    return LibraryIndex.open(getattr(args, "index", None), connection_file=getattr(args, "connection_file", None))


class _Progress:
    """"scanning 1234/10000 …/Doors/slam.wav" rewritten in place on a terminal; silent otherwise."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self._shown = 0.0

    def __call__(self, done: int, total: int, path: str) -> None:
        import time

        now = time.monotonic()
        if not self.live or (now - self._shown < 0.1 and done != total):
            return
        self._shown = now
        name = display(path)[-50:] if path else ""
        sys.stderr.write(f"\r\x1b[Kscanning {done}/{total} {name}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.live:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _scan(index: LibraryIndex) -> ScanReport:
    progress = _Progress()
    cancel = threading.Event()
    task = index.start_scan(progress, cancel)
    try:
        while (report := task.wait(0.2)) is None:
            pass
    except KeyboardInterrupt:
        cancel.set()
        report = task.wait()  # stops after the current file; what was indexed stays
    finally:
        progress.close()
    return report


def report_text(report: ScanReport) -> str:
    lines = [f"  {path}: {reason}" for path, reason in report.skipped]
    lines = (["skipped:"] + lines) if lines else []
    lines += [f"note: {notice}" for notice in report.notices]
    state = "scan cancelled: " if report.cancelled else ""
    lines.append(f"{state}{report.added} added, {report.changed} changed, {report.moved} moved, {report.removed} removed, "
                 f"{report.unchanged} unchanged, {len(report.skipped)} skipped")
    return "\n".join(lines)


def library_command(args: argparse.Namespace) -> int:
    with open_index(args) as index:
        if index.notice:
            print(f"soundloom: {index.notice}", file=sys.stderr)
        command = args.library_command
        if command == "add":
            root = index.add_root(args.folder)
            print(f"added {root.path}")
        elif command == "remove":
            index.remove_root(args.folder)
            print(f"removed {args.folder} from the library (its files are untouched)")
            return 0
        elif command == "list":
            roots = index.roots()
            if args.json:
                print_json([vars(r) for r in roots])
            else:
                for root in roots:
                    missing = "" if root.present else "  (missing)"
                    print(f"{root.files:7d} sounds  {root.seconds / 60:8.1f} min  {root.name:12}  {display(root.path)}{missing}")
            return 0
        if command == "add" and getattr(args, "no_scan", False):
            return 0
        report = _scan(index)
        if getattr(args, "json", False):
            print_json(report.to_dict())
        else:
            print(report_text(report))
        return 130 if report.cancelled else 0


def result_line(record: SoundRecord) -> str:
    score = f"{record.score:6.3f}" if record.score is not None else "      "
    category = (record.category or "")[:14]
    return f"{score}  {record.seconds:7.2f}s  {category:14}  {display(record.path)}  — {record.caption}"


def search_command(args: argparse.Namespace) -> int:
    with open_index(args) as index:
        facets = dict(category=args.category, min_seconds=args.min_seconds, max_seconds=args.max_seconds,
                      sample_rate=args.sample_rate, channels=args.channels, folder=args.folder,
                      favourites=args.favourites, collection=args.collection)
        notice, semantic = None, False
        if args.similar is not None:
            results = index.similar(args.similar, region=args.region, limit=max(args.limit * 4, args.limit))
            if args.text or any(v for v in facets.values()):
                allowed = {r.path for r in index.search(args.text, **facets, limit=1_000_000, semantic=False)}
                results = [r for r in results if r.path in allowed]
            results = results[: args.limit]
        else:
            if args.region is not None:
                print("soundloom: error: region: needs --similar FILE [invalid_argument]", file=sys.stderr)
                return 2
            results = index.search(args.text, **facets, limit=args.limit)
            notice, semantic = results.notice, results.semantic
        if args.json:
            print_json({"results": [r.to_dict() for r in results], "semantic": semantic, "notice": notice})
            return 0
        for record in results:
            print(result_line(record))
        if notice:
            print(f"note: {notice}", file=sys.stderr)
        if not results:
            print("no sounds found", file=sys.stderr)
        return 0
