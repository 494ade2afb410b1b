"""The DAC's parameter layout and weights files match the published Descript Audio Codec."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from soundloom.engine.codecs import dac as dac_module
from soundloom.engine.codecs.dac import DAC
from soundloom.engine.codecs.dac_config import DAC_44KHZ, DAC_TINY, DACConfig
from soundloom.engine.codecs.dac_layers import wn_conv1d, wn_conv_transpose1d
from soundloom.engine.codecs.dac_loading import load_dac, module_name, published_state_dict, read_weights, save_dac
from soundloom.protocol.errors import ErrorCode, SoundloomError

PUBLISHED_KEYS = Path(dac_module.__file__).parent / "data" / "dac_44khz_keys.txt"


def published_layout() -> list[tuple[str, str]]:
    lines = PUBLISHED_KEYS.read_text().splitlines()
    return [tuple(line.split()) for line in lines if line and not line.startswith("#")]


def test_44khz_model_has_the_published_parameters_names_and_shapes_in_order():
    model = DAC(DAC_44KHZ)
    ours = [(name, "x".join(map(str, t.shape))) for name, t in published_state_dict(model).items()]
    assert ours == published_layout()
    assert sum(t.numel() for t in model.state_dict().values()) == 76_651_890


def test_44khz_config_is_86_frames_a_second_of_1024_channels():
    assert DAC_44KHZ.hop_length == 512 and DAC_44KHZ.latent_dim == 1024
    assert DAC_44KHZ.frame_rate == pytest.approx(86.13, abs=0.01)


@pytest.mark.parametrize("make_ours, make_theirs", [
    (lambda: wn_conv1d(6, 5, kernel_size=3, padding=1), lambda: nn.Conv1d(6, 5, kernel_size=3, padding=1)),
    (lambda: wn_conv_transpose1d(6, 5, kernel_size=8, stride=4, padding=2),
     lambda: nn.ConvTranspose1d(6, 5, kernel_size=8, stride=4, padding=2)),
])
def test_published_weight_g_and_weight_v_mean_the_same_weights_here(make_ours, make_theirs):
    # The published weights were saved from torch.nn.utils.weight_norm layers; build one here the same way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = nn.utils.weight_norm(make_theirs())
    with torch.no_grad():
        theirs.weight_g.mul_(torch.rand_like(theirs.weight_g) + 0.5)
    ours = make_ours()
    ours.load_state_dict({module_name("." + k)[1:]: v for k, v in theirs.state_dict().items()})
    x = torch.randn(2, 6, 20)
    torch.testing.assert_close(ours(x), theirs(x))


def published_file(path: Path, model: DAC, kwargs: dict) -> Path:
    """A weights file written the way the published codec writes it."""
    torch.save({"state_dict": published_state_dict(model), "metadata": {"kwargs": kwargs}}, path)
    return path


def test_a_published_format_file_loads_with_its_own_config(tmp_path):
    torch.manual_seed(0)
    model = DAC(DAC_TINY).eval()
    # Published files carry the training-only dropout setting, and may carry numpy numbers.
    kwargs = {**DAC_TINY.to_kwargs(), "quantizer_dropout": 0.5, "encoder_dim": np.int64(4), "latent_dim": None}
    loaded = load_dac(published_file(tmp_path / "weights.pth", model, kwargs))
    assert loaded.config == DAC_TINY and not loaded.training
    audio = torch.randn(1, 1, 700)
    with torch.no_grad():
        torch.testing.assert_close(loaded(audio, 3), model(audio, 3), rtol=0, atol=0)


def test_save_then_load_gives_the_same_model_and_leaves_no_temporary_file(tmp_path):
    model = DAC(DAC_TINY)
    target = tmp_path / "codec.pth"
    target.write_bytes(b"an older file")
    save_dac(model, target)
    assert [p.name for p in tmp_path.iterdir()] == ["codec.pth"]
    config, state = read_weights(target)
    assert config == DAC_TINY and any(k.endswith("weight_g") for k in state)
    for (name, ours), theirs in zip(model.state_dict().items(), load_dac(target).state_dict().values()):
        assert torch.equal(ours, theirs), name


@pytest.mark.parametrize("naming", ["published", "parametrizations"])
def test_a_bare_state_dict_of_either_naming_loads_with_the_given_config(tmp_path, naming):
    model = DAC(DAC_TINY)
    path = tmp_path / "bare.pth"
    torch.save(published_state_dict(model) if naming == "published" else model.state_dict(), path)
    assert read_weights(path)[0] is None
    loaded = load_dac(path, DAC_TINY)
    assert loaded.config == DAC_TINY
    for ours, theirs in zip(model.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(ours, theirs)


class _Payload:
    def __reduce__(self):
        return (Path.touch, (Path("/tmp/never-created-by-a-weights-file"),))


@pytest.mark.parametrize("content, expected", [
    (None, ErrorCode.FILE_NOT_FOUND),
    (b"not a torch file", ErrorCode.MODEL_INCOMPLETE),
    ({"state_dict": {}, "metadata": {"kwargs": _Payload()}}, ErrorCode.MODEL_INCOMPLETE),
    ({"state_dict": [1, 2]}, ErrorCode.MODEL_INCOMPLETE),
])
def test_unreadable_or_unsafe_files_are_refused_with_a_clear_error(tmp_path, content, expected):
    path = tmp_path / "weights.pth"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        torch.save(content, path)
    with pytest.raises(SoundloomError) as error:
        load_dac(path)
    assert error.value.code == expected and error.value.field == "path"
    assert not Path("/tmp/never-created-by-a-weights-file").exists()


def test_weights_of_another_shape_name_the_first_mismatch(tmp_path):
    small = DACConfig(**{**DAC_TINY.to_kwargs(), "codebook_size": 16})
    path = published_file(tmp_path / "w.pth", DAC(small), DAC_TINY.to_kwargs())
    with pytest.raises(SoundloomError, match="4 of another shape.*codebook.weight") as error:
        load_dac(path)
    assert error.value.code == ErrorCode.MODEL_INCOMPLETE


@pytest.mark.parametrize("kwargs, field", [
    ({"encoder_dim": 0}, "encoder_dim"),
    ({"decoder_rates": [4, 4, 4]}, "decoder_rates"),
    ({"decoder_dim": 30}, "decoder_dim"),
    ({"codebook_dim": [8, 4]}, "codebook_dim"),
    ({"bitrate": 8}, "kwargs"),
])
def test_bad_settings_name_the_field(kwargs, field):
    with pytest.raises(SoundloomError) as error:
        DACConfig.from_kwargs({**DAC_TINY.to_kwargs(), **kwargs})
    assert error.value.field == field


@pytest.mark.slow
def test_44khz_model_builds_and_codes_a_short_clip():
    # About 25 s on a busy 2-core CPU: the decoder starts 1536 channels wide.
    torch.manual_seed(0)
    model = DAC(DAC_44KHZ).eval()
    audio = 0.5 * torch.sin(torch.arange(4000) * 2 * torch.pi * 440 / 44100)[None, None]
    with torch.no_grad():
        z = model.encode(audio)
        quantized = model.quantize(z)
        out = model.decode(quantized.z_q)
    assert z.shape == (1, 1024, 8) and quantized.codes.shape == (1, 9, 8) and quantized.latents.shape == (1, 72, 8)
    assert out.shape == (1, 1, 8 * 512) and torch.isfinite(out).all() and out.abs().max() <= 1
