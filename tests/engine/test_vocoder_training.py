"""The corpus vocoder: trains from spectral losses, resumes, and is compared with Griffin-Lim."""

import numpy as np
import soundfile as sf
import torch

from soundloom.engine.models.mel import MelConfig
from soundloom.engine.training.checkpoint import list_checkpoints
from soundloom.engine.training.vocoder_training import (
    Segments, VocoderConfig, compare_with_griffin_lim, mr_stft_distance, train_vocoder,
)


def test_the_distance_is_zero_for_equal_signals_and_ranks_closer_signals_lower():
    x = torch.randn(1, 16000)
    assert mr_stft_distance(x, x).item() < 1e-5
    assert mr_stft_distance(0.9 * x + 0.1 * torch.randn(1, 16000), x) < mr_stft_distance(torch.randn(1, 16000), x)


def test_training_runs_resumes_and_reports_both_scores(tmp_path):
    t = np.arange(16000) / 16000
    paths = []
    for i in range(3):
        path = tmp_path / f"{i}.wav"
        sf.write(path, (0.3 * np.sin(2 * np.pi * (200 + 100 * i) * t)).astype(np.float32), 16000)
        paths.append(path)
    config = VocoderConfig(channels=16, steps=2, batch=2, segment_s=0.5, checkpoint_every=1)
    segments = Segments(paths, 8000)
    train_vocoder(segments, tmp_path / "voc", config, MelConfig())
    config.steps = 3
    vocoder = train_vocoder(segments, tmp_path / "voc", config, MelConfig())
    assert list_checkpoints(tmp_path / "voc" / "checkpoints")[-1].name == "step-0000003.pt"
    scores = compare_with_griffin_lim(vocoder, [sf.read(paths[0])[0]], MelConfig())
    assert set(scores) == {"vocoder", "griffin_lim"} and all(v > 0 for v in scores.values())
