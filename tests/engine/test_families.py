"""The family list: every entry names a real family class, and none is imported before it is needed."""

from __future__ import annotations

import subprocess
import sys

from soundloom.engine.models.base import AudioModel
from soundloom.engine.models.families import FAMILIES


def test_every_listed_family_resolves_to_the_class_that_declares_its_pipeline():
    for pipeline_class in FAMILIES:
        cls = FAMILIES[pipeline_class]
        assert issubclass(cls, AudioModel) and cls.pipeline_class == pipeline_class
    assert FAMILIES.get("NoSuchPipeline") is None


def test_describing_the_starter_imports_no_other_family():
    code = (
        "import sys\n"
        "from soundloom.engine.models.catalog import describe\n"
        "from soundloom.engine.engine import default_model_path\n"
        "assert describe(default_model_path()).family == 'starter'\n"
        "others = [m for m in ('audioldm2', 'stable_audio', 'discodiff', 'tango', 'musicldm')\n"
        "          if 'soundloom.engine.models.' + m in sys.modules]\n"
        "print(','.join(others))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""


def test_every_family_folder_is_described_with_its_native_rate_and_channels(tmp_path):
    from soundloom.engine.models.catalog import describe
    from soundloom.engine.models.untrained_discodiff import build_untrained_discodiff
    from soundloom.engine.models.untrained_stable_audio import build_untrained_stable_audio

    stable = describe(build_untrained_stable_audio(tmp_path / "stable"))
    assert (stable.family, stable.sample_rate, stable.channels) == ("stable_audio", 44100, 2)
    disco = describe(build_untrained_discodiff(tmp_path / "disco"))
    assert disco.family == "discodiff" and disco.sample_rate == 44100
