"""The fixed train / valid / held-out split.

Whole groups go to one split (the velocity layers of one recorded drum, one Hedgewars voice
pack, one guitar chord), so no held-out clip has a near-twin in training. Within each (source,
class) the groups are ordered by a hash of (seed, group) and the first ones are held out: the
split depends only on the seed and the set of clips, never on the order of rendering.
"""

from __future__ import annotations

from .clip import ClipSpec, stable_hash

SPLITS = ("train", "valid", "heldout")
# Fractions of groups per split. Recordings are the real clips the evaluation is scored on,
# so a large share of them is held out; they have no validation share.
FRACTIONS = {"synthetic": {"valid": 0.05, "heldout": 0.10}, "recorded": {"valid": 0.0, "heldout": 0.40}}


def assign_splits(specs: list[ClipSpec], seed: int) -> dict[str, str]:
    """Clip id -> split name."""
    strata: dict[tuple[str, str], list[str]] = {}
    group_of: dict[str, str] = {}
    for spec in specs:
        group_of[spec.id] = spec.group
        groups = strata.setdefault((spec.source, spec.cls), [])
        if spec.group not in groups:
            groups.append(spec.group)
    split_of_group: dict[str, str] = {}
    for (source, _cls), groups in sorted(strata.items()):
        fractions = FRACTIONS["recorded" if source == "recordings" else "synthetic"]
        ordered = sorted((g for g in groups if g not in split_of_group), key=lambda g: stable_hash(seed, "split", g))
        n = len(ordered)
        n_held = round(fractions["heldout"] * n)
        if fractions["heldout"] > 0 and n >= 2:
            n_held = max(1, n_held)  # every class keeps at least one held-out group
        n_valid = round(fractions["valid"] * n)
        for i, group in enumerate(ordered):
            split_of_group[group] = "heldout" if i < n_held else "valid" if i < n_held + n_valid else "train"
    return {clip_id: split_of_group[group] for clip_id, group in group_of.items()}
