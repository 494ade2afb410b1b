"""The corpus vocoder: trains from spectral losses, resumes, and is compared with Griffin-Lim."""

import numpy as np
import soundfile as sf
import torch

from soundloom.engine.models.mel import MelConfig
from soundloom.engine.training.checkpoint import list_checkpoints
from soundloom.engine.training.vocoder_training import (
    Segments, VocoderConfig, compare_with_griffin_lim, make_vocoder, mr_stft_distance, train_vocoder,
)


def test_the_distance_is_zero_for_equal_signals_and_ranks_closer_signals_lower():
    x = torch.randn(1, 16000)
    assert mr_stft_distance(x, x).item() < 1e-5
    assert mr_stft_distance(0.9 * x + 0.1 * torch.randn(1, 16000), x) < mr_stft_distance(torch.randn(1, 16000), x)


def test_training_runs_resumes_and_lowers_the_vocoders_distance(tmp_path):
    t = np.arange(16000) / 16000
    paths = []
    for i in range(3):
        path = tmp_path / f"{i}.wav"
        sf.write(path, (0.3 * np.sin(2 * np.pi * (200 + 100 * i) * t)).astype(np.float32), 16000)
        paths.append(path)
    config = VocoderConfig(channels=16, steps=2, batch=2, segment_s=0.5, checkpoint_every=1)
    segments = Segments(paths, 8000)
    train_vocoder(segments, tmp_path / "voc", config, MelConfig())
    checkpoints = tmp_path / "voc" / "checkpoints"
    step_two = (checkpoints / "step-0000002.pt").stat().st_mtime_ns
    config.steps = 3
    vocoder = train_vocoder(segments, tmp_path / "voc", config, MelConfig())
    # The second run went on from step 2: it wrote step 3 and left step 2 as it was.
    assert [p.name for p in list_checkpoints(checkpoints)][-2:] == ["step-0000002.pt", "step-0000003.pt"]
    assert (checkpoints / "step-0000002.pt").stat().st_mtime_ns == step_two

    clip = [sf.read(paths[0])[0][:8000]]
    trained = compare_with_griffin_lim(vocoder, clip, MelConfig())
    torch.manual_seed(config.seed)  # the weights training started from
    untrained = compare_with_griffin_lim(make_vocoder(config, MelConfig()).eval(), clip, MelConfig())
    assert set(trained) == {"vocoder", "griffin_lim"}
    assert trained["vocoder"] < 0.9 * untrained["vocoder"]  # three steps already help
    assert trained["griffin_lim"] == untrained["griffin_lim"]  # the baseline does not depend on the vocoder
    assert trained["griffin_lim"] < untrained["vocoder"]  # Griffin-Lim inverts a steady tone well; noise does not
