"""What the app does when the engine dies mid-job, and on an install without the engine."""

from __future__ import annotations

import sys

import pytest

from soundloom.desktop.engine_link import ENGINE_INSTALL_HINT, EngineLink
from soundloom.desktop.jobs_model import DONE, FAILED


@pytest.mark.slow  # two engine starts: about a minute on a loaded 2-core machine
def test_an_engine_killed_mid_job_fails_the_job_and_the_link_reconnects_to_its_restart(
        qtbot, make_window, make_daemon):
    engine = make_daemon()
    engine.start()
    link = EngineLink(engine.connection_file, start_engine=False)
    link.start()
    try:
        qtbot.waitUntil(lambda: link.status.connected, timeout=120_000)
        window = make_window(link=link)
        bar = window.prompt_bar
        bar.prompt.setText("long drone")
        bar.length.setValue(5.0)
        bar.steps.setValue(1000)
        assert bar.generate()
        job = window.jobs_model.rows[-1]
        qtbot.waitUntil(lambda: job.step >= 1, timeout=120_000)
        engine.kill()
        qtbot.waitUntil(lambda: job.state == FAILED, timeout=60_000)
        assert "died" in job.reason
        qtbot.waitUntil(lambda: not link.status.connected, timeout=60_000)
        assert window.isVisible() and "Engine" in window.engine_status.text()

        engine.start()  # a new engine at the same connection file
        qtbot.waitUntil(lambda: link.status.connected, timeout=120_000)
        bar.prompt.setText("short click")
        bar.length.setValue(0.5)
        bar.steps.setValue(2)
        assert bar.generate()
        again = window.jobs_model.rows[-1]
        qtbot.waitUntil(lambda: again.state == DONE, timeout=120_000)
        qtbot.waitUntil(lambda: any(r.prompt == "short click" for r in window.results.records), timeout=60_000)
    finally:
        link.stop()


def test_without_the_engine_package_generating_is_disabled_and_says_how_to_get_it(
        qtbot, make_window, monkeypatch, tmp_path):
    # An SDK-only install is simulated in this process: torch cannot be imported (its sys.modules
    # entry is None, which makes both `import torch` and the link's lookup of it fail).
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError):
        import torch  # noqa: F401
    link = EngineLink(tmp_path / "run" / "engine.json", start_engine=True)
    link.start()
    try:
        qtbot.waitUntil(lambda: link.status.engine_missing, timeout=30_000)
        window = make_window(link=link)
        assert ENGINE_INSTALL_HINT in window.engine_status.text()
        assert ENGINE_INSTALL_HINT in window.engine_status.toolTip()
        assert not window.prompt_bar.generate_button.isEnabled()
        assert ENGINE_INSTALL_HINT in window.prompt_bar.generate_button.toolTip()
        assert not window.generate_offer.button.isEnabled()
        failed = []
        link.job_failed.connect(lambda job_id, reason: failed.append(reason))
        link.submit("generate", "rain", prompt="rain", seconds=1.0)
        assert failed and ENGINE_INSTALL_HINT in failed[0]
        assert not (tmp_path / "run" / "engine.json").exists()  # no engine was launched
    finally:
        link.stop()
