"""Mixed clips written into the corpus: which pairs, at which level, and their records.

Pairs are drawn within one split (train with train, held-out with held-out), so a held-out
clip never leaks into training through a mix, and always from two different classes.
"""

from __future__ import annotations

from pathlib import Path

from .audio import read_audio
from .clip import ClipSpec, Rendered, rng_for
from .ground_truth import finish, is_done, read_record, spec_fingerprint, write_clip
from .mixing import mix_pair, random_relative_db
from .render import score_onsets

MIX_SPLIT_SHARE = {"train": 0.85, "heldout": 0.15}


def plan_mixes(specs: list[ClipSpec], splits: dict[str, str], seed: int, count: int) -> list[ClipSpec]:
    """`count` mix specs, each of two clips of different classes from the same split."""
    plans: list[ClipSpec] = []
    k = 0
    for split, share in MIX_SPLIT_SHARE.items():
        pool = [s for s in specs if splits[s.id] == split]
        if len({s.cls for s in pool}) < 2:
            continue
        for _ in range(int(round(count * share))):
            rng = rng_for(seed, "mix", k)
            a = pool[int(rng.integers(len(pool)))]
            others = [s for s in pool if s.cls != a.cls]
            b = others[int(rng.integers(len(others)))]
            relative = random_relative_db(rng)
            cls = a.cls if relative <= 0 else b.cls  # the louder part names the mix
            mix_id = f"mix-{k:05d}"
            # The parts' fingerprints make a mix stale when either part is re-rendered.
            params = {
                "a": a.id,
                "b": b.id,
                "relative_db": relative,
                "classes": [a.cls, b.cls],
                "parts": [spec_fingerprint(a), spec_fingerprint(b)],
            }
            plans.append(ClipSpec(mix_id, "mix", cls, params, {}, group=mix_id))
            k += 1
    return plans


def render_mix(root: str, spec: ClipSpec, audio_format: str) -> bool:
    """Write one planned mix if it is missing; returns True when it was written."""
    root_path = Path(root)
    if is_done(root_path, spec):
        return False
    ra, rb = read_record(root_path, spec.params["a"]), read_record(root_path, spec.params["b"])
    a, b = read_audio(root_path / ra["path"]), read_audio(root_path / rb["path"])
    mix = mix_pair(a, b, spec.params["relative_db"])
    onsets = score_onsets([[t] for t in ra["ground_truth"]["onsets_s"] + rb["ground_truth"]["onsets_s"]])
    gains = {"gain_a_db": round(mix.gain_a_db, 3), "gain_b_db": round(mix.gain_b_db, 3)}
    audio, truth = finish(spec, Rendered(mix.audio, onsets, onset_origin="components", extra=gains))
    write_clip(root_path, spec, audio, truth, audio_format)
    return True
