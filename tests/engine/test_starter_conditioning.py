"""The starter's cross-attention states: token states plus the sentence and pitch tokens."""

import pytest
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.starter_text import CONFIG_FILE, MAX_TOKENS, TOKEN_NORM, pitch_code
from soundloom.engine.models.untrained import build_untrained_starter
from soundloom.engine.pipelines import GenerateRequest, generate


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_untrained_starter(tmp_path_factory.mktemp("starter") / "tiny-starter")


@pytest.fixture(scope="module")
def starter(folder):
    return load_model(folder)


def test_two_summary_tokens_lead_the_token_states(starter):
    states, mask, _ = starter.token_states(["a cello playing C3", "soft rain on a window"])
    assert states.shape == (2, 2 + MAX_TOKENS, 384)
    sentence, pitch = states[:, 0], states[:, 1]
    assert torch.allclose(sentence.norm(dim=-1), torch.full((2,), TOKEN_NORM), atol=1e-4)
    # The pitch token counts only where the prompt names a pitch.
    assert mask[:, :2].tolist() == [[1, 1], [1, 0]]
    assert pitch[0].norm() == pytest.approx(TOKEN_NORM, rel=1e-4)


def test_the_sentence_token_puts_paraphrases_together(starter):
    states, _, _ = starter.token_states(["soft rain on a window", "gentle rainfall against the glass", "a punchy kick drum"])
    rain, paraphrase, kick = states[:, 0]
    cos = torch.nn.functional.cosine_similarity
    assert cos(rain, paraphrase, dim=0) > cos(rain, kick, dim=0) + 0.2


def test_the_pitch_code_tells_every_semitone_apart():
    pitches = [float(p) for p in range(21, 109)]  # the piano's range
    code, mask = pitch_code([*pitches, None])
    assert mask.tolist() == [1] * len(pitches) + [0]
    distances = torch.cdist(code[:-1], code[:-1]) + torch.eye(len(pitches)) * 1e9
    assert distances.min() > 0.5 * TOKEN_NORM


def test_notes_change_the_sound(starter):
    base = dict(seconds=1.0, steps=3, seed=0, guidance=3.0)
    c3 = generate(starter, GenerateRequest(prompt="a cello playing C3", **base)).audio[0]
    c5 = generate(starter, GenerateRequest(prompt="a cello playing C5", **base)).audio[0]
    assert not torch.allclose(torch.from_numpy(c3), torch.from_numpy(c5))


def test_a_folder_without_the_conditioning_file_uses_token_states_alone(folder, tmp_path):
    import shutil

    plain = tmp_path / "plain"
    shutil.copytree(folder, plain)
    (plain / CONFIG_FILE).unlink()
    states, mask, _ = load_model(plain).token_states(["a cello playing C3"])
    assert states.shape == (1, MAX_TOKENS, 384) and mask.shape == (1, MAX_TOKENS)
