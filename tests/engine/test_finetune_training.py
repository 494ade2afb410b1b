"""The fine-tuning trainer on its own: library windows, and a disk that fills up while checkpointing."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import soundfile as sf

from soundloom.engine.training.finetune import FinetuneSpec
from soundloom.engine.training.library_windows import MAX_WINDOWS_PER_FILE, windows_of


def test_long_files_become_consecutive_windows_and_short_ones_are_padded():
    samples = 100
    long = np.arange(1000, dtype=np.float32)
    windows = windows_of(long, samples)
    assert len(windows) == MAX_WINDOWS_PER_FILE
    assert np.array_equal(windows[1], long[100:200])
    short = windows_of(np.ones(30, dtype=np.float32), samples)
    assert len(short) == 1 and short[0][:30].sum() == 30 and not short[0][30:].any()
    # A trailing piece shorter than half a window is dropped, a longer one kept and padded.
    assert len(windows_of(np.ones(240, dtype=np.float32), samples)) == 2
    assert len(windows_of(np.ones(260, dtype=np.float32), samples)) == 3


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_while_checkpointing_is_reported_and_leaves_no_partial_file(tiny_model_path, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    t = np.arange(8000) / 16000
    for i in range(2):
        sf.write(library / f"hit_{i}.wav", np.sin(2 * np.pi * 200 * (i + 1) * t) * np.exp(-8 * t), 16000)
    before = {p.name: p.read_bytes() for p in library.iterdir()}
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    spec = FinetuneSpec(folder=str(library), name="full", base="tiny", model_path=str(tiny_model_path),
                        adapter_dir=str(adapter), steps=4, batch_size=1, checkpoint_every=2, validation_prompts=[])
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(asdict(spec)))
    # Room for the small JSON files, not for a checkpoint (~180 KB for this model's adapter state).
    # stdin stays open while it runs: closing it would mean "the engine went away, stop".
    process = subprocess.Popen([sys.executable, "-m", "soundloom.engine.training.finetune_process", str(spec_file)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               preexec_fn=_limit_file_size(64 * 1024))
    events = [json.loads(line) for line in process.stdout]
    process.stdin.close()
    assert process.wait(timeout=60) == 1
    assert events[-1]["event"] == "error" and events[-1]["code"] == "disk_full", events[-1]
    assert "checkpoint of step 2" in events[-1]["message"] and "no checkpoint was written yet" in events[-1]["message"]
    assert [p.name for p in (adapter / "checkpoints").iterdir()] == []  # the half-written file was removed
    assert {p.name: p.read_bytes() for p in library.iterdir()} == before


def test_the_unseen_family_library_is_kalimba_with_sidecar_captions(tmp_path):
    from soundloom.engine.training.corpus.instruments import RESERVED_PROGRAMS
    from soundloom.engine.training.library import scan_library
    from soundloom.engine.training.unseen_family import PROGRAM, make_library

    assert PROGRAM in RESERVED_PROGRAMS  # the starter's corpus never contains it
    written = make_library(tmp_path, clips=4, seed=3)
    scan = scan_library(tmp_path)
    assert len(scan.clips) == 4 and not scan.skipped
    assert {c.caption for c in scan.clips} == {caption for _, caption in written}
    assert all(c.caption_source == "sidecar" and "kalimba" in c.caption for c in scan.clips)
    peaks = [np.abs(sf.read(path)[0]).max() for path, _ in written]
    assert min(peaks) > 0.01
