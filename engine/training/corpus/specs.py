"""The plan of a corpus: how many clips of each class from each source, and every clip's spec.

All decisions are drawn here, before rendering, from generators derived from (seed, clip id):
the same seed and counts give the same specs, and adding clips leaves existing ones unchanged.
"""

from __future__ import annotations

from collections import Counter

from . import drums, instruments, procedural, recordings, speech
from .classes import CLASSES
from .licences import free_for_outputs, licence_for
from .clip import ClipSpec, rng_for, stable_hash

SOURCES = ("midi", "drums", "procedural", "speech", "recordings")

# Clips per class in the default corpus (recordings: every installed file that maps to a class).
DEFAULT_COUNTS = {"midi": 170, "drums": 110, "drum_beat": 260, "procedural": 170, "speech": 420}


def planned_counts(per_class: int | None = None, scale: float = 1.0) -> dict[tuple[str, str], int]:
    """Clips to synthesise per (source, class). `per_class` sets every count to one number (for
    quick builds); otherwise the defaults are multiplied by `scale`."""
    plan: dict[tuple[str, str], int] = {}
    rows = [("midi", c, DEFAULT_COUNTS["midi"]) for c in instruments.BY_CLASS]
    rows += [("drums", c, DEFAULT_COUNTS["drums"]) for c in drums.HIT_CLASSES]
    rows += [("drums", "drum_beat", DEFAULT_COUNTS["drum_beat"])]
    rows += [("procedural", c, DEFAULT_COUNTS["procedural"]) for c in procedural.PROCEDURAL_CLASSES]
    rows += [("speech", "speech", DEFAULT_COUNTS["speech"])]
    for source, cls, n in rows:
        plan[(source, cls)] = per_class if per_class is not None else max(1, int(round(n * scale)))
    return plan


def _synthetic_spec(seed: int, source: str, cls: str, index: int) -> ClipSpec:
    clip_id = f"{source}-{cls.replace('_', '-')}-{index:05d}"
    rng = rng_for(seed, clip_id)
    if source == "midi":
        params, attrs = instruments.draw(cls, rng)
    elif source == "drums":
        params, attrs = drums.draw_beat(rng) if cls == "drum_beat" else drums.draw_hits(cls, rng)
    elif source == "procedural":
        params, attrs = procedural.draw(cls, rng)
    elif source == "speech":
        params, attrs = speech.draw(rng)
    else:
        raise ValueError(f"unknown synthetic source {source!r}")
    return ClipSpec(clip_id, source, cls, params, attrs, group=clip_id)


def recording_specs(seed: int, max_per_class: int | None = None, include_copyleft: bool = True) -> list[ClipSpec]:
    """One spec per installed recording that maps to a class; with `max_per_class`, a fixed
    seed-dependent choice of that many per class (whole groups are not kept together here:
    the split keeps groups together). Without `include_copyleft`, only recordings whose licence
    leaves weights and outputs free (`licences.free_for_outputs`) are planned."""
    specs = []
    for found in recordings.scan():
        if not include_copyleft and not free_for_outputs(licence_for(found.package, list(found.licence_paths))["licence"]):
            continue
        rel = str(found.path)
        clip_id = f"rec-{found.cls.replace('_', '-')}-{stable_hash(rel):08x}"
        params = {
            "package": found.package,
            "path": rel,
            "licence_paths": list(found.licence_paths),
            "name_caption": found.name_caption,
        }
        if "midi_pitch" in found.attrs:
            params["midi_pitch"] = found.attrs["midi_pitch"]
        specs.append(
            ClipSpec(clip_id, "recordings", found.cls, params, dict(found.attrs), group=f"{found.package}:{found.group}")
        )
    if max_per_class is not None:
        by_class: dict[str, list[ClipSpec]] = {}
        for s in sorted(specs, key=lambda s: stable_hash(seed, "pick", s.id)):
            by_class.setdefault(s.cls, []).append(s)
        keep = {s.id for group in by_class.values() for s in group[:max_per_class]}
        specs = [s for s in specs if s.id in keep]
    return specs


def make_specs(
    seed: int,
    sources: tuple[str, ...] = SOURCES,
    per_class: int | None = None,
    scale: float = 1.0,
    max_recordings_per_class: int | None = None,
    excluded: tuple[str, ...] = (),
    include_copyleft: bool = False,
) -> list[ClipSpec]:
    """Every clip spec of a corpus, in a fixed order (source, class, index).

    A licence-clean plan (the default) replaces each copyleft recording it leaves out with one
    more synthesised clip of the same class, so every class keeps its clip count; the extra
    clips get the next indices, so the clips of a smaller plan are unchanged."""
    unknown = sorted(set(excluded) - set(CLASSES))
    if unknown:
        raise ValueError(f"exclude-class: unknown class(es) {unknown}; allowed: {', '.join(CLASSES)}")
    plan = {k: n for k, n in planned_counts(per_class, scale).items() if k[0] in sources and k[1] not in excluded}
    recorded: list[ClipSpec] = []
    if "recordings" in sources:
        recorded = [s for s in recording_specs(seed, max_recordings_per_class, include_copyleft) if s.cls not in excluded]
        if not include_copyleft:
            _top_up(plan, seed, max_recordings_per_class, recorded, excluded)
    specs: list[ClipSpec] = []
    for (source, cls), n in plan.items():
        specs += [_synthetic_spec(seed, source, cls, i) for i in range(n)]
    return specs + recorded


def _top_up(plan: dict[tuple[str, str], int], seed: int, max_per_class: int | None, clean: list[ClipSpec], excluded) -> None:
    """Add to each class's first synthetic source as many clips as copyleft recordings were dropped."""
    every = Counter(s.cls for s in recording_specs(seed, max_per_class, include_copyleft=True) if s.cls not in excluded)
    missing = every - Counter(s.cls for s in clean)
    for cls, n in sorted(missing.items()):
        key = next((k for k in plan if k[1] == cls), None)
        if key is not None:  # a class with no synthetic source in this build keeps fewer clips
            plan[key] += n
