"""Stored results: content-addressed, atomic, pruned by age, and safe against hostile job ids."""

import os
import time

import numpy as np

from soundloom.engine.results import ResultStore


def test_a_result_round_trips_and_equal_results_share_one_file(tmp_path):
    store = ResultStore(tmp_path)
    audio = np.arange(10, dtype=np.float32)
    store.put("job-a", {"status": "ok", "x": 1}, [audio])
    store.put("job-b", {"status": "ok", "x": 1}, [audio])
    content, buffers = store.get("job-a")
    assert content == {"status": "ok", "x": 1} and np.frombuffer(buffers[0], np.float32).tolist() == list(range(10))
    assert len(list((tmp_path / "results").iterdir())) == 1


def test_job_ids_cannot_name_paths(tmp_path):
    store = ResultStore(tmp_path / "data")
    store.put("../../escape", {"status": "ok"}, [])
    assert not (tmp_path / "escape").exists() and store.get("../../escape") is None


def test_old_results_are_pruned(tmp_path):
    store = ResultStore(tmp_path, max_age_s=60)
    store.put("old", {"status": "ok"}, [b"1234"])
    store.put("new", {"status": "ok", "n": 2}, [b"5678"])
    past = time.time() - 3600
    for folder in ("jobs", "results"):
        for path in (tmp_path / folder).iterdir():
            if path.name == "old" or b"1234" in path.read_bytes():
                os.utime(path, (past, past))
    assert store.prune() == 2
    assert store.get("old") is None and store.get("new") is not None


def test_a_corrupted_result_is_not_served(tmp_path):
    store = ResultStore(tmp_path)
    digest = store.put("job", {"status": "ok"}, [b"abcd"])
    (tmp_path / "results" / f"{digest}.msgpack").write_bytes(b"garbage")
    assert store.get("job") is None
