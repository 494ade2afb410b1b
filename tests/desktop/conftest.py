"""Desktop fixtures: real sound files, a real library index in a temporary data folder, real widgets
offscreen; audio output is the one thing faked (test machines have no sound card)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:  # pytest runs with --import-mode=importlib: make the helpers importable
    sys.path.insert(0, str(HERE))

from fake_output import FakeOutput  # noqa: E402
from sounds import LIBRARY, write_library  # noqa: E402


@pytest.fixture(scope="session")
def qapp_cls():
    """pytest-qt's application, timing the events it handles (see test_responsiveness)."""
    from stall_probe import TimedApplication

    return TimedApplication


@pytest.fixture(autouse=True)
def private_folders(tmp_path, monkeypatch):
    """Data, cache and runtime folders of the test's own, so nothing touches the user's, and no
    engine is found (search is text only, as on a machine where the engine is not running)."""
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOUNDLOOM_CACHE_DIR", str(tmp_path / "cache"))
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("SOUNDLOOM_RUNTIME_DIR", str(runtime))


@pytest.fixture(scope="session")
def sound_library(tmp_path_factory) -> Path:
    """The 30 UCS-named sounds, written once per session (tests only read them)."""
    folder = tmp_path_factory.mktemp("library") / "Sounds"
    write_library(folder)
    return folder


@pytest.fixture
def small_library(tmp_path) -> Path:
    """Ten of the sounds, in a folder the test may change."""
    folder = tmp_path / "Small"
    write_library(folder, [entry for entry in LIBRARY if entry[2] <= 5.0][:10])
    return folder


@pytest.fixture
def fake_output():
    return FakeOutput()


@pytest.fixture
def settings(tmp_path):
    from PyQt6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, tmp_path, settings, fake_output):
    """make_window(*folders, output=None, settings=None, link=None) → a MainWindow over a fresh index
    with `folders` added and scanned; waits until the first scan's results are shown. Without
    `link` the window's own engine link is never started (no engine is launched)."""
    from soundloom.desktop.tasks import LibraryService
    from soundloom.desktop.window import MainWindow

    made = []

    def _make(*folders, output=None, settings_=None, index_path=None, wait=True, link=None):
        library = LibraryService(index_path or tmp_path / "data" / "library.sqlite3")
        window = MainWindow(library, output or fake_output, settings_ or settings, scan_on_start=not folders,
                            link=link)
        made.append((window, library))
        qtbot.addWidget(window)
        if not (settings_ or settings).contains("window/geometry"):
            window.resize(1200, 800)
        window.show()
        for folder in folders:
            window.add_library_folder(str(folder))
        if wait:
            qtbot.waitUntil(lambda: window.last_scan is not None and window.settled(), timeout=120_000)
        return window

    yield _make
    for window, library in made:
        window.close()
        library.close()


# ---------------------------------------------------------------------- a real engine for the app


@pytest.fixture(scope="session")
def desktop_engine(tiny_model_path, tmp_path_factory):
    """A real engine daemon (the tiny model) shared by the desktop tests that talk to an engine.

    `desktop_engine.connection_file` is where it listens; `desktop_engine.library_root` is a folder
    it accepts for library previews and fine-tuning (put sound folders below it).
    """
    from tests.conftest import Daemon

    root = tmp_path_factory.mktemp("desktop-engine")
    library_root = root / "libraries"
    library_root.mkdir()
    # Roots bind only an engine reachable from other machines (a local one reads what its user can).
    engine = Daemon(root, tiny_model_path, "--allow-remote", "--library-root", str(library_root))
    engine.library_root = library_root
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture
def link(qtbot, desktop_engine):
    """An EngineLink connected to `desktop_engine` (it never starts an engine of its own); stopped
    after the test. Waits until it is connected and has listed the engine's models."""
    from soundloom.desktop.engine_link import EngineLink

    engine_link = EngineLink(desktop_engine.connection_file, start_engine=False)
    engine_link.start()
    qtbot.waitUntil(lambda: engine_link.status.connected and bool(engine_link.models), timeout=120_000)
    yield engine_link
    engine_link.stop()
