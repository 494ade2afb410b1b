"""AudioLDM 2 end to end: served by the real daemon, the 48 kHz layout, and LoRA fine-tuning."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import GenerateRequest, InpaintRequest, generate, inpaint
from soundloom.protocol.codec import extract_audio
from tests.conftest import Daemon, Peer


@pytest.mark.slow
def test_the_daemon_serves_an_audioldm2_folder(audioldm2_path, tmp_path):
    # float32 so that the served result can be compared with an in-process run sample by sample.
    engine = Daemon(tmp_path, audioldm2_path, "--precision", "fp32")
    engine.start()
    peer = Peer(engine.info)
    try:
        info = peer.request("info_request")["content"]
        assert info["default_model"] == "tiny-audioldm2"
        request = {"prompt": "a dog barking", "seed": 4, "seconds": 0.64, "steps": 3, "guidance": 2.0, "scheduler": "ddim"}
        reply = peer.request("generate_request", request, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        audio, rate = extract_audio(reply, reply["content"]["audio"][0])
        expected = generate(load_model(audioldm2_path), GenerateRequest(
            prompt="a dog barking", seed=4, seconds=0.64, steps=3, guidance=2.0, scheduler="ddim",
        )).audio[0]
        assert rate == 16000 and audio.shape == (1, 10240)
        np.testing.assert_allclose(audio, expected, atol=1e-5 * np.abs(expected).max())
    finally:
        peer.close()
        engine.stop()


@pytest.mark.slow
def test_a_48khz_folder_generates_and_inpaints_at_48khz(tmp_path):
    from soundloom.engine.models.untrained_audioldm2 import build_untrained_audioldm2

    model = load_model(build_untrained_audioldm2(tmp_path / "tiny-audioldm2-48k", "tiny-48k", seed=1))
    assert model.sample_rate == 48000 and model.mel_config.n_mels == 256 and model.samples_per_latent_frame == 960
    made = generate(model, GenerateRequest(prompt="rain", steps=2, seed=0, seconds=0.5, scheduler="ddim"))
    assert made.sample_rate == 48000 and made.audio[0].shape == (1, 24000) and np.abs(made.audio[0]).max() > 0.01
    clip = made.audio[0]
    out = inpaint(model, InpaintRequest(prompt="x", steps=2, seed=1, audio=clip, sample_rate=48000, regions=[(0.1, 0.3)])).audio[0]
    keep = np.ones(clip.shape[1], dtype=bool)
    keep[4800:14400] = False
    assert np.array_equal(out[:, keep], clip[:, keep])


@pytest.mark.slow
def test_a_lora_adapter_trains_on_audioldm2_and_changes_its_output(audioldm2_path, tmp_path):
    from soundloom.engine.engine import Engine
    from soundloom.engine.training.finetune import FinetuneSpec, train_adapter

    library = tmp_path / "library"
    library.mkdir()
    t = np.arange(16000) / 16000
    for i in range(2):
        sf.write(library / f"hit_{i}.wav", np.sin(2 * np.pi * 200 * (i + 1) * t) * np.exp(-8 * t), 16000)
    model = load_model(audioldm2_path)
    spec = FinetuneSpec(folder=str(library), name="hits", base="tiny-audioldm2", model_path=str(audioldm2_path),
                        adapter_dir=str(tmp_path / "adapter"), steps=3, batch_size=2, checkpoint_every=3,
                        validation_prompts=[], learning_rate=1e-2)
    events = []
    record = train_adapter(spec, model, events.append, lambda: False)
    assert record["state"] == "ready" and record["steps_done"] == 3 and np.isfinite(record["loss"])
    assert [e["event"] for e in events].count("progress") >= 1

    engine = Engine(dtype="float32")
    request = {"prompt": "a kick", "steps": 3, "seed": 0, "seconds": 0.64, "scheduler": "ddim"}
    base = engine.run("generate", request, model=audioldm2_path).audio[0]
    adapted = engine.run("generate", request, model=audioldm2_path, adapter=tmp_path / "adapter" / "lora").audio[0]
    again = engine.run("generate", request, model=audioldm2_path).audio[0]
    assert np.abs(adapted - base).max() > 1e-4 * np.abs(base).max()
    np.testing.assert_allclose(again, base, atol=1e-6 * np.abs(base).max())
