"""The corpus index files: `manifest.jsonl`, `classes.json` and `summary.json`.

`manifest.jsonl` has one JSON object per clip: its path relative to the corpus root, split,
class, training captions, held-out paraphrases (held-out clips only) and ground truth.
Captions are made here, from each clip's attributes and the corpus seed, so changing a
template needs no re-rendering. Nothing here depends on timing, so two builds with the same
options write byte-identical files.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

from . import captions as cap
from . import licences
from .classes import CLASSES, classes_document
from .clip import rng_for
from .recordings import PACKAGES as RECORDING_PACKAGES

CAPTIONS_PER_CLIP = 4
PARAPHRASES_PER_CLIP = 2
GENERATOR_PACKAGES = ("fluidsynth", "fluid-soundfont-gm", "espeak-ng")


def clip_entry(record: dict, split: str, seed: int) -> dict:
    """The manifest object of a rendered (non-mix) clip."""
    truth = record["ground_truth"]
    cls, attrs = record["class"], truth["attrs"]
    rng = rng_for(seed, "captions", record["id"])
    texts = cap.captions(cls, attrs, rng, CAPTIONS_PER_CLIP)
    name = truth["params"].get("name_caption") if record["source"] == "recordings" else None
    if name and name not in texts:
        texts.append(name)  # the caption a file name gives, as for a user's own library
    entry = {
        "id": record["id"],
        "path": record["path"],
        "split": split,
        "source": record["source"],
        "class": cls,
        "captions": texts,
    }
    if split == "heldout":
        entry["paraphrases"] = cap.paraphrases(cls, attrs, rng, PARAPHRASES_PER_CLIP)
    if record["source"] == "recordings":
        params = truth["params"]
        entry["licence"] = licences.licence_for(params["package"], params["licence_paths"])
    entry["duration_s"] = truth["duration_s"]
    entry["ground_truth"] = truth
    return entry


def mix_entry(record: dict, split: str, parts: tuple[dict, dict]) -> dict:
    """The manifest object of a materialised mix: captions are the parts' captions joined."""
    a, b = parts
    entry = {
        "id": record["id"],
        "path": record["path"],
        "split": split,
        "source": "mix",
        "class": record["class"],
        "captions": [cap.join(x, y) for x, y in zip(a["captions"], b["captions"])],
    }
    if split == "heldout":
        entry["paraphrases"] = [cap.join(x, y) for x, y in zip(a.get("paraphrases", []), b.get("paraphrases", []))]
    entry["duration_s"] = record["ground_truth"]["duration_s"]
    entry["ground_truth"] = record["ground_truth"]
    return entry


def write_jsonl(path: Path, entries: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n")


def read_manifest(root: Path | str) -> list[dict]:
    """All entries of a corpus's manifest.jsonl."""
    with open(Path(root) / "manifest.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _package_version(package: str) -> str | None:
    done = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def summary(entries: list[dict], options: dict, unmapped_recordings: int | None, unlicensed: list[str] | None = None) -> dict:
    """Counts per class, source and split; licences of the recordings; tool versions."""
    by_class_split: dict[str, Counter] = defaultdict(Counter)
    by_source_split: dict[str, Counter] = defaultdict(Counter)
    for e in entries:
        by_class_split[e["class"]][e["split"]] += 1
        by_source_split[e["source"]][e["split"]] += 1
    used: dict[tuple, int] = Counter()
    for e in entries:
        if e["source"] == "recordings":
            lic = e["licence"]
            used[(e["ground_truth"]["params"]["package"], lic["licence"], lic["copyright"], lic["files"])] += 1
    packages_used = sorted({k[0] for k in used})
    credits = sorted({(p, lic, holder) for (p, lic, holder, _files) in used if licences.needs_attribution(lic)})
    return {
        "clips": len(entries),
        "hours": round(sum(e["duration_s"] for e in entries) / 3600.0, 3),
        "by_split": dict(sorted(Counter(e["split"] for e in entries).items())),
        "by_source": {s: dict(sorted(c.items())) for s, c in sorted(by_source_split.items())},
        "by_class": {c: dict(sorted(by_class_split[c].items())) for c in CLASSES if c in by_class_split},
        "classes_without_clips": [c for c in CLASSES if c not in by_class_split and c not in options.get("exclude_class", [])],
        "options": options,
        "unmapped_recordings": unmapped_recordings,
        "recordings_left_out_without_licence": unlicensed or [],
        "licences": {
            "recordings": [
                {"package": p, "licence": lic, "copyright": holder, "files": files, "clips": n}
                for (p, lic, holder, files), n in sorted(used.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
            ],
            # CC-BY asks that whoever shares the model credit these authors; the model card repeats them.
            "attributions": [{"package": p, "licence": lic, "copyright": holder} for p, lic, holder in credits],
            "packages": [
                licences.package_summary(p) for p in sorted(set(packages_used) | set(GENERATOR_PACKAGES) - {"fluidsynth"})
            ],
        },
        "tools": {p: _package_version(p) for p in GENERATOR_PACKAGES + RECORDING_PACKAGES},
    }


def write_index(
    root: Path, entries: list[dict], options: dict, unmapped_recordings: int | None, unlicensed: list[str] | None = None
) -> dict:
    """Write manifest.jsonl, classes.json and summary.json; returns the summary."""
    write_jsonl(root / "manifest.jsonl", entries)
    (root / "classes.json").write_text(
        json.dumps(classes_document(tuple(options.get("exclude_class", []))), indent=2) + "\n", encoding="utf-8"
    )
    result = summary(entries, options, unmapped_recordings, unlicensed)
    (root / "summary.json").write_text(json.dumps(result, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
    return result
