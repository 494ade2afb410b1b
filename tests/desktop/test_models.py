"""The item models, checked by qtmodeltester over a real index of real files."""

from __future__ import annotations

import os

import pytest
from PyQt6.QtCore import QModelIndex, Qt

from soundloom.desktop.query import COLLECTION, FAVOURITES, FOLDER, RECENT, Query, Scope
from soundloom.desktop.results_model import ResultsTableModel
from soundloom.desktop.sources_model import SourcesModel
from soundloom.desktop.mime import mime_for_files
from soundloom.library import LibraryIndex


@pytest.fixture(scope="module")
def index(tmp_path_factory, sound_library):
    folder = tmp_path_factory.mktemp("index")
    runtime = folder / "run"
    runtime.mkdir(mode=0o700)
    os.environ["SOUNDLOOM_RUNTIME_DIR"] = str(runtime)  # no engine: text search only
    index = LibraryIndex.open(folder / "library.sqlite3")
    index.add_root(sound_library)
    report = index.scan()
    assert report.added == 30, report
    yield index
    index.close()


def test_results_model(qtmodeltester, index):
    model = ResultsTableModel()
    model.set_records(index.search(limit=100))
    qtmodeltester.check(model)
    assert model.rowCount() == 30 and model.columnCount() == 7
    model.sort(1, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    durations = [model.record(row).seconds for row in range(model.rowCount())]
    assert durations == sorted(durations, reverse=True)
    model.set_records(index.search("door"))  # a new search keeps the user's sort column
    assert [model.record(r).seconds for r in range(3)] == sorted((r.seconds for r in model.records), reverse=True)


def test_sorting_keeps_the_selected_row(qtbot, index):
    model = ResultsTableModel()
    model.set_records(index.search(limit=100))
    from PyQt6.QtWidgets import QTableView

    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectRow(5)
    chosen = model.record(5).path
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert model.record(view.currentIndex().row()).path == chosen


def test_table_drag_builds_mime_from_the_rows(index):
    made = []

    def make(records):
        made.append([r.path for r in records])
        return mime_for_files([r.path for r in records])

    model = ResultsTableModel(make)
    model.set_records(index.search("door"))
    mime = model.mimeData([model.index(0, c) for c in range(7)] + [model.index(2, 0)])
    assert made == [[model.record(0).path, model.record(2).path]]
    assert len(mime.urls()) == 2 and all(os.path.isfile(url.toLocalFile()) for url in mime.urls())
    flags = model.flags(model.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsDragEnabled and "text/uri-list" in model.mimeTypes()


def test_sources_model(qtmodeltester, index, sound_library):
    index.add_to_collection("Doors I like", [r.path for r in index.search("door")])
    model = SourcesModel()
    model.set_sources(index.roots(), index.collections())
    library = model.index(0, 0, model.index(2, 0))
    assert model.hasChildren(library) and model.canFetchMore(library)  # folders are listed when expanded
    qtmodeltester.check(model)
    labels = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert labels == ["All sounds", "Generated", "Libraries", "Collections", "Favourites", "Recent"]

    library = model.index(0, 0, model.index(2, 0))
    assert library.data() == "Sounds" and library.data(SourcesModel.HintRole) == "30"
    model.fetchMore(library)
    folders = [model.index(row, 0, library).data() for row in range(model.rowCount(library))]
    assert folders == sorted(os.listdir(sound_library), key=str.casefold)
    qtmodeltester.check(model)
    design = model.index(folders.index("Design"), 0, library)
    assert design.data(SourcesModel.ScopeRole) == Scope(FOLDER, str(sound_library / "Design"))
    assert model.index_of_scope(Scope(COLLECTION, "Doors I like")).isValid()
    assert not model.flags(model.index(2, 0)) & Qt.ItemFlag.ItemIsSelectable  # a section header
    assert model.parent(design) == library and model.parent(library) == model.index(2, 0)
    assert model.parent(model.index(0, 0)) == QModelIndex()


def test_queries_scope_the_search(index, sound_library):
    design = Query(scope=Scope(FOLDER, str(sound_library / "Design"))).run(index)
    assert design and all(r.folder.endswith("Design") for r in design)
    short = Query(max_seconds=1.5, channels=1).run(index)
    assert short and all(r.seconds <= 1.5 and r.channels == 1 for r in short)
    assert {r.category for r in Query(category="DOORS").run(index)} == {"DOORS"}
    index.set_favourite(design[0].path, True)
    assert [r.path for r in Query(scope=Scope(FAVOURITES)).run(index)] == [design[0].path]
    recent = Query(text="door", scope=Scope(RECENT)).run(index)
    assert recent and all("DOOR" in r.name for r in recent)
    index.set_favourite(design[0].path, False)
