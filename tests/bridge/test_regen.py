"""regen, again, next_variation and generate_clip against a real engine (tiny model, 2 steps)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from clips import native, write_clip
from conftest import FAST
from soundloom.bridge import sidecar
from soundloom.bridge.clip import read_format
from soundloom.bridge.errors import BridgeError
from soundloom.bridge.loop import fade_frames, make_loop, wrap_jump
from soundloom.bridge.provenance import lineage
from soundloom.bridge.regen import again, generate_clip, loop_extra_seconds, next_variation, regen
from soundloom.bridge.regions import Region
from soundloom.sdk.audio_file import read_metadata


def assert_take(source, take, regions):
    """Same format; bit-identical outside the regions; different inside each."""
    assert read_format(take) == read_format(source)
    rate = read_format(source).samplerate
    original, made = native(source), native(take)
    outside = np.ones(len(original), bool)
    for region in regions:
        first, stop = region.frames(rate)
        outside[first:stop] = False
        assert not np.array_equal(original[first:stop], made[first:stop])
    assert np.array_equal(original[outside], made[outside])


def test_a_24_bit_stereo_48k_take(clip_folder, bridge_client):
    source = write_clip(clip_folder / "door.wav", 1.0, 48000, 2, "PCM_24")
    before = source.read_bytes()
    progress = []
    [take] = regen(source, ["0.3:0.6"], "wood creak", seed=11, client=bridge_client,
                   on_progress=lambda fraction, message: progress.append((fraction, message)), **FAST)
    assert take.path == clip_folder / "door.take-1.wav"
    assert (take.seed, take.prompt, take.regions, take.parent) == (11, "wood creak", [Region(0.3, 0.6)], source)
    assert_take(source, take.path, take.regions)
    assert source.read_bytes() == before
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and "step 2/2" in [m for _, m in progress]

    stored = read_metadata(take.path)
    assert (stored["prompt"], stored["seed"], stored["parent"], stored["regions"]) == (
        "wood creak", 11, "door.wav", [[0.3, 0.6]])
    entry = sidecar.last_take(source)
    assert (entry["take"], entry["parent"], entry["seed"], entry["steps"]) == (str(take.path), str(source), 11, 2)
    assert json.loads((clip_folder / ".soundloom-takes.json").read_text())["takes"]["door.take-1.wav"]["parent"] == "door.wav"
    chain = lineage(take.path)
    assert [(c["path"], c["prompt"]) for c in chain] == [(take.path, "wood creak"), (source, None)]


@pytest.mark.parametrize("name, rate, channels, subtype", [
    ("mono16.wav", 44100, 1, "PCM_16"),
    ("float.wav", 48000, 2, "FLOAT"),
    ("hats.flac", 48000, 2, "PCM_24"),
])
def test_other_formats(clip_folder, bridge_client, name, rate, channels, subtype):
    source = write_clip(clip_folder / name, 0.8, rate, channels, subtype)
    [take] = regen(source, ["0.2:0.5"], "hiss", seed=3, client=bridge_client, **FAST)
    assert take.path.suffix == source.suffix
    assert_take(source, take.path, take.regions)


def test_again_repeats_the_take_and_next_variation_takes_the_next_seed(clip_folder, bridge_client):
    source = write_clip(clip_folder / "vox.wav", 1.0, 48000, 1, "PCM_24")
    [first] = regen(source, ["0.2:0.4", "0.6:0.8"], "breath", seed=41, client=bridge_client, **FAST)
    [repeat] = again(source, client=bridge_client)
    assert repeat.path == clip_folder / "vox.take-2.wav"
    assert (repeat.seed, repeat.regions) == (41, first.regions)
    assert np.array_equal(native(repeat.path), native(first.path))  # the same samples, bit for bit

    [varied] = next_variation(source, client=bridge_client)
    assert (varied.seed, varied.prompt, varied.regions) == (42, "breath", first.regions)
    assert_take(source, varied.path, varied.regions)
    assert not np.array_equal(native(varied.path), native(first.path))
    # On the take itself (what a DAW shows after the first take), "next" continues from its parent.
    [after] = next_variation(varied.path, client=bridge_client)
    assert (after.seed, after.parent) == (43, source)


def test_in_place_keeps_a_backup_and_again_works_from_the_original(clip_folder, bridge_client):
    source = write_clip(clip_folder / "fx.wav", 0.8, 48000, 2, "PCM_16")
    original = source.read_bytes()
    [take] = regen(source, ["0.1:0.3"], "metal hit", seed=5, in_place=True, client=bridge_client, **FAST)
    assert take.backup.read_bytes() == original
    assert source.read_bytes() == take.path.read_bytes()
    [repeat] = again(source, client=bridge_client)  # from the original kept in the backup, not the edited file
    assert np.array_equal(native(repeat.path), native(take.path))
    assert np.array_equal(native(source), native(take.path))
    assert repeat.backup.read_bytes() == take.path.read_bytes()  # the second replacement kept what it replaced


def test_regions_in_bars_and_beats(clip_folder, bridge_client):
    source = write_clip(clip_folder / "groove.wav", 3.0, 16000, 1, "PCM_16")
    [take] = regen(source, ["2.1:2.3"], "snare", bpm=120, time_signature="4/4", seed=2, client=bridge_client, **FAST)
    assert take.regions == [Region(2.0, 3.0)]  # bar 2 beat 1 to bar 2 beat 3 at 120 BPM
    assert_take(source, take.path, take.regions)


def test_several_variations_take_consecutive_seeds(clip_folder, bridge_client):
    source = write_clip(clip_folder / "amb.wav", 0.6, 16000, 1, "PCM_24")
    takes = regen(source, ["0.1:0.4"], "wind", seed=100, variations=2, client=bridge_client, **FAST)
    assert [t.seed for t in takes] == [100, 101]
    assert [t.path.name for t in takes] == ["amb.take-1.wav", "amb.take-2.wav"]
    for take in takes:
        assert_take(source, take.path, take.regions)


def test_generate_an_exact_number_of_bars(tmp_path, bridge_client):
    out = generate_clip("drum loop", 2 * 2.0, tmp_path / "two-bars.wav", seed=9, client=bridge_client, **FAST)
    assert sf.info(str(out)).frames == 2 * 2 * 16000  # 2 bars of 4/4 at 120 BPM at the model's 16 kHz


def test_a_loop_flows_from_its_end_into_its_start(tmp_path, bridge_client):
    seconds = 1.5
    out = generate_clip("pad", seconds, tmp_path / "loop.wav", seed=4, loop=True, client=bridge_client, **FAST)
    looped = sf.read(str(out), dtype="float32", always_2d=True)[0].T
    frames = round(seconds * 16000)
    assert looped.shape == (1, frames)
    # The same request without the loop step: the generation the loop was cut from.
    raw = bridge_client.generate("pad", seconds=seconds + loop_extra_seconds(seconds), seed=4, **FAST).samples
    fade = fade_frames(frames, 16000)
    assert np.allclose(looped, make_loop(raw, frames, fade), atol=1e-6)
    # On repeat, the loop's last sample is followed by (nearly) what the model made right after it.
    assert abs(looped[0, 0] - raw[0, frames]) < 0.01 * np.abs(raw).max()
    # So the step across the seam is one the model itself made, not a cut between unrelated samples.
    seam = looped[0, 0] - looped[0, -1]
    assert abs(seam - (raw[0, frames] - raw[0, frames - 1])) < 0.01 * np.abs(raw).max()
    plain = raw[:, :frames]
    print(f"wrap jump (|first - last| / median step): loop {wrap_jump(looped):.2f}, plain cut {wrap_jump(plain):.2f}")


def test_the_loop_crossfade_removes_the_click_of_a_cut():
    """A tone whose period does not divide the clip: cut plainly it clicks at the wrap, looped it does not."""
    rate, frames = 16000, 16000
    t = np.arange(frames + 4000) / rate
    tone = (0.5 * np.sin(2 * np.pi * 123.4 * t))[np.newaxis].astype(np.float32)
    plain = tone[:, :frames]
    looped = make_loop(tone, frames, fade_frames(frames, rate))
    assert wrap_jump(plain) > 10
    assert wrap_jump(looped) < 1.5
    assert looped.shape == (1, frames)


def test_a_file_longer_than_a_clip_sends_only_the_regions_and_their_context(clip_folder, bridge_client):
    from soundloom.bridge import regen as regen_module

    source = write_clip(clip_folder / "long-take.wav", 75.0, 8000, 1, "PCM_16")
    sent = []
    real_inpaint = bridge_client.inpaint

    def recording(audio, prompt, regions, **options):
        sent.append((audio[0].shape[1] / audio[1], list(regions)))
        return real_inpaint(audio, prompt, regions, **options)

    bridge_client.inpaint = recording  # records what travels; the real engine does the work
    try:
        [take] = regen(source, ["70:71"], "thunder", seed=1, client=bridge_client, **FAST)
    finally:
        del bridge_client.inpaint
    [(seconds, regions)] = sent
    # The region and 20 s of context each side; the file ends 4 s after the region, so the context
    # missing there comes from before it: 34–75 s of the file, the region at 36–37 s of that.
    assert regen_module.CONTEXT_SECONDS == 20.0
    assert seconds == pytest.approx(41.0)
    assert regions == [(pytest.approx(36.0), pytest.approx(37.0))]
    assert_take(source, take.path, [Region(70.0, 71.0)])


def test_a_file_changed_during_regeneration_gets_no_take(clip_folder, bridge_client):
    source = write_clip(clip_folder / "edit.wav", 0.6, 16000, 1, "PCM_16")
    real_inpaint = bridge_client.inpaint

    def daw_rewrites_meanwhile(*args, **options):
        result = real_inpaint(*args, **options)
        write_clip(source, 0.6, 16000, 1, "PCM_16", seed=99)  # the DAW saved new audio into the file
        return result

    bridge_client.inpaint = daw_rewrites_meanwhile
    try:
        with pytest.raises(BridgeError, match="input: edit.wav changed while its regions were being regenerated"):
            regen(source, ["0.1:0.3"], "x", seed=1, client=bridge_client, **FAST)
    finally:
        del bridge_client.inpaint
    assert sorted(p.name for p in clip_folder.iterdir()) == ["edit.wav"]
