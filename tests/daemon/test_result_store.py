"""Stored results: content-addressed, atomic, pruned by age, and safe against hostile job ids."""

import os
import time

import numpy as np

from soundloom.daemon.results import ResultStore


def test_a_result_round_trips_and_equal_results_share_one_file(tmp_path):
    store = ResultStore(tmp_path)
    audio = np.arange(10, dtype=np.float32)
    store.put("job-a", {"status": "ok", "x": 1}, [audio])
    store.put("job-b", {"status": "ok", "x": 1}, [audio])
    content, buffers = store.get("job-a")
    assert content == {"status": "ok", "x": 1} and np.frombuffer(buffers[0], np.float32).tolist() == list(range(10))
    content_b, buffers_b = store.get("job-b")
    assert content_b == content and [bytes(b) for b in buffers_b] == [bytes(b) for b in buffers]
    assert len(list((tmp_path / "results").iterdir())) == 1


def test_several_buffers_of_any_size_round_trip_byte_for_byte(tmp_path):
    store = ResultStore(tmp_path)
    rng = np.random.default_rng(0)
    buffers = [rng.standard_normal((2, 48000)).astype(np.float32), b"", bytes(range(256)) * 3, np.float32([np.nan, -0.0, np.inf])]
    content = {"status": "ok", "audio": [{"buffer": i} for i in range(4)], "prompt": "rain ☔", "seed": 2**32 - 1,
               "nested": {"regions": [[0.5, 1.25]]}, "none": None}
    store.put("job", content, buffers)
    got_content, got_buffers = ResultStore(tmp_path).get("job")  # a new store: read back from disk
    assert got_content == content
    assert [bytes(b) for b in got_buffers] == [bytes(memoryview(b)) for b in buffers]


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
    assert store.get("old") is None
    content, buffers = store.get("new")
    assert content == {"status": "ok", "n": 2} and [bytes(b) for b in buffers] == [b"5678"]


def test_a_corrupted_result_is_not_served(tmp_path):
    store = ResultStore(tmp_path)
    digest = store.put("job", {"status": "ok"}, [b"abcd"])
    (tmp_path / "results" / f"{digest}.msgpack").write_bytes(b"garbage")
    assert store.get("job") is None
