"""Fine-tuning with several data-parallel processes, as on a multi-GPU node: here two CPU processes
joined by Accelerate over gloo, started by the same launcher a GPU run uses.

Each starts torch twice over (the launcher, then two copies): slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import asdict

import numpy as np
import pytest
import soundfile as sf

from soundloom.engine.training.finetune import FinetuneSpec
from soundloom.engine.training.lora import WEIGHTS_FILE

pytestmark = pytest.mark.slow


def _library(folder):
    folder.mkdir()
    t = np.arange(16000) / 16000
    for i in range(3):
        sf.write(folder / f"kick_{i}.wav", np.sin(2 * np.pi * 60 * (i + 1) * t) * np.exp(-6 * t), 16000)
    return folder


def _start(tmp_path, model_path, name: str, **fields) -> tuple[subprocess.Popen, FinetuneSpec]:
    spec = FinetuneSpec(folder=str(_library(tmp_path / f"{name}-library")), name=name, base="tiny",
                        model_path=str(model_path), adapter_dir=str(tmp_path / name), processes=2, batch_size=2,
                        **fields)
    spec_file = tmp_path / f"{name}.json"
    spec_file.write_text(json.dumps(asdict(spec)))
    env = {**os.environ, "SOUNDLOOM_TRAIN_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "soundloom.engine.training.finetune_process", str(spec_file)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(tmp_path / f"{name}.log", "w"),
                               text=True, bufsize=1, env=env, start_new_session=True)
    return process, spec


def test_two_processes_train_one_adapter_and_speak_as_one(tiny_model_path, tmp_path):
    process, spec = _start(tmp_path, tiny_model_path, "pair", steps=4, checkpoint_every=2, validate_every=2,
                           validation_prompts=["a deep kick"])
    events = [json.loads(line) for line in process.stdout]
    process.stdin.close()
    assert process.wait(timeout=120) == 0, (tmp_path / "pair.log").read_text()[-2000:]
    kinds = [e["event"] for e in events]
    # One stream of events, as from one process: the first copy's.
    assert kinds.count("started") == 1 and kinds[-1] == "done", kinds
    assert [e["step"] for e in events if e["event"] == "progress"] == [1, 2, 3, 4]
    assert [e["step"] for e in events if e["event"] == "validation"] == [2, 4]
    record = events[-1]["record"]
    assert record["processes"] == 2 and record["state"] == "ready" and np.isfinite(record["loss"])
    assert (tmp_path / "pair" / "lora" / WEIGHTS_FILE).is_file()
    assert json.loads((tmp_path / "pair" / "adapter.json").read_text())["steps_done"] == 4


def test_a_cancel_stops_every_process_with_a_checkpoint(tiny_model_path, tmp_path):
    process, _ = _start(tmp_path, tiny_model_path, "long", steps=100000, checkpoint_every=1000, validation_prompts=[])
    for line in process.stdout:
        if json.loads(line)["event"] == "progress":
            break
    process.stdin.write("cancel\n")
    process.stdin.flush()
    events = [json.loads(line) for line in process.stdout]
    assert events[-1]["event"] == "error" and events[-1]["code"] == "cancelled", events[-1]
    # Both copies agreed to stop at the same step and ended in order.
    assert process.wait(timeout=120) == 0
    assert "FAILED" not in (tmp_path / "long.log").read_text()
    record = json.loads((tmp_path / "long" / "adapter.json").read_text())
    assert record["state"] == "partial" and 1 <= record["steps_done"] < 100000
    assert list((tmp_path / "long" / "checkpoints").iterdir())


def test_the_group_averages_gradients_and_agrees_to_stop(tmp_path):
    """Two real processes over gloo: after one exchange both hold the mean of their gradients, and a
    stop wanted by one is seen by both."""
    script = tmp_path / "group_probe.py"
    script.write_text(textwrap.dedent(f"""
        import json, torch
        from accelerate import Accelerator
        from soundloom.engine.training.process_group import ProcessGroup

        group = ProcessGroup(Accelerator(cpu=True))
        params = [torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(2, 2))]
        for p in params:
            p.grad = torch.full_like(p, float(group.rank + 1))  # 1 on the first, 2 on the second
        group.average_gradients(params)
        result = {{"grads": [p.grad.flatten().tolist() for p in params], "stop": group.any(group.rank == 1),
                  "keep": group.any(False), "mean": group.mean(torch.tensor(float(group.rank))),
                  "share": group.share(5), "size": group.size}}
        with open(r"{tmp_path}/rank-%d.json" % group.rank, "w") as f:
            json.dump(result, f)
    """))
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", str(script)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    results = [json.loads((tmp_path / f"rank-{rank}.json").read_text()) for rank in (0, 1)]
    for result in results:
        assert result["grads"] == [[1.5] * 3, [1.5] * 4]
        assert result["stop"] is True and result["keep"] is False
        assert result["mean"] == 0.5 and result["share"] == 3 and result["size"] == 2
