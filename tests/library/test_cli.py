"""`soundloom library add|remove|list|scan` and `soundloom search` on a real index."""

from __future__ import annotations

import json

import pytest

from soundloom.sdk.cli import build_parser, library_alias, main


@pytest.fixture
def run(tmp_path, capsys):
    options = ["--index", str(tmp_path / "data" / "library.sqlite3"),
               "--connection-file", str(tmp_path / "run" / "engine.json")]  # no engine: text search only

    def _run(*argv):
        command, rest = argv[0], list(argv[1:])
        if command == "library":
            rest = [rest[0], *options, *rest[1:]]
        code = main([command, *rest, *(options if command == "search" else [])])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_add_scans_and_list_counts(run, library):
    code, out, err = run("library", "add", str(library))
    assert code == 0 and f"added {library}" in out and "5 added, 0 changed" in out
    code, out, _ = run("library", "list")
    assert code == 0 and "Generated" in out and "5 sounds" in out and str(library) in out
    code, out, _ = run("library", "list", "--json")
    roots = json.loads(out)
    assert [(r["name"], r["kind"], r["files"]) for r in roots] == [("Generated", "generated", 0), ("Sounds", "library", 5)]
    code, out, _ = run("library", "scan", "--json")
    assert code == 0 and json.loads(out)["unchanged"] == 5


def test_search_prints_results_and_json(run, library):
    run("library", "add", str(library))
    code, out, err = run("search", "door slam -metal")
    assert code == 0 and "DOORWood_Slam Heavy_JD_Studio.wav" in out and "Metal" not in out
    assert "text search only" in err
    code, out, _ = run("search", "slam", "--json", "--limit", "1")
    data = json.loads(out)
    assert len(data["results"]) == 1 and data["semantic"] is False and "text search only" in data["notice"]
    code, out, _ = run("search", "--category", "DOORS", "--json")
    assert [r["name"] for r in json.loads(out)["results"]] == ["DOORWood_Slam Heavy_JD_Studio.wav"]
    code, out, err = run("search", "nothing-like-this")
    assert code == 0 and out == "" and "no sounds found" in err


def test_search_similar_with_a_region(run, library):
    run("library", "add", str(library))
    code, out, _ = run("search", "--similar", str(library / "Synth" / "pad_A3.wav"), "--region", "0.5:1.5", "--json")
    results = json.loads(out)["results"]
    assert code == 0 and len(results) == 5 and all(0 < r["score"] <= 1 for r in results)
    code, out, _ = run("search", "door", "--similar", str(library / "Synth" / "pad_A3.wav"), "--json")
    assert {r["name"] for r in json.loads(out)["results"]} <= {"DOORWood_Slam Heavy_JD_Studio.wav", "Door_Slam_Metal_02.wav"}


def test_errors_are_one_line_with_exit_2(run, library, tmp_path):
    code, _, err = run("library", "add", str(tmp_path / "nope"))
    assert code == 2 and err.strip().count("\n") == 0
    assert err.startswith("soundloom: error: folder: ") and err.strip().endswith("[file_not_found]")
    code, _, err = run("library", "remove", str(library))
    assert code == 2 and "is not a library folder" in err
    code, _, err = run("search", "x", "--region", "0:1")
    assert code == 2 and err.startswith("soundloom: error: region: ")
    code, _, err = run("search", "--similar", str(tmp_path / "missing.wav"))
    assert code == 2 and err.startswith("soundloom: error: path: ")


def test_remove_forgets_a_folder(run, library):
    run("library", "add", str(library))
    code, out, _ = run("library", "remove", str(library))
    assert code == 0 and "untouched" in out and (library / "Synth" / "pad_A3.wav").exists()
    _, out, _ = run("library", "list", "--json")
    assert [r["kind"] for r in json.loads(out)] == ["generated"]


def test_library_folder_is_still_the_fine_tuning_preview():
    assert library_alias(["library", "/some/folder", "--json"]) == ["library", "preview", "/some/folder", "--json"]
    assert library_alias(["library", "--connection-file", "c.json", "lib"]) == [
        "library", "preview", "--connection-file", "c.json", "lib"]
    assert library_alias(["library", "scan"]) == ["library", "scan"]
    args = build_parser().parse_args(library_alias(["library", "samples", "--json"]))
    assert (args.library_command, str(args.folder), args.json) == ("preview", "samples", True)


def test_json_gives_back_a_name_that_is_not_utf8(run, tmp_path):
    import os

    from .conftest import tone

    root = tmp_path / "lib"
    tone(root / "x.wav")
    real = os.fsencode(root) + b"/gl\xe4s_break.wav"  # Latin-1 bytes
    os.rename(root / "x.wav", real)
    run("library", "add", str(root))
    code, out, _ = run("search", "break", "--json")
    (result,) = json.loads(out)["results"]
    assert code == 0 and os.fsencode(result["path"]) == real and result["name"] == "gl\ufffds_break.wav"
    code, out, _ = run("search", "break")
    assert code == 0 and "gl\ufffds_break.wav" in out
