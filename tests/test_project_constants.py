"""Issue 11 §2: constants from the project's own modules, through the real CLI, against Keras.

The fixture project (fixtures/project_constants, its own pyproject.toml makes it the project root) holds a
package with a constants module, relative imports, a package re-export, a module alias, names rebound in the
importing file, and names its module binds in ways that make them unknown. The expected models are built here
with real Keras; the fixture files are never executed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import explain_json, keras_layer_rows, layer_rows, run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "project_constants"


def explain(name: str, cwd: Path = PROJECT) -> list[dict]:
    return explain_json(name, cwd=cwd)


rows = layer_rows


keras_rows = keras_layer_rows


def test_r03_from_constants_import():
    """The repro: `from constants import TIMESTEPS, FEATURES` next to the file gives Input((10, 3))."""
    (report,) = explain("r03_imported_const.py", cwd=FIXTURES / "reach")
    built = keras.Sequential([keras.Input((10, 3)), keras.layers.LSTM(8)])
    assert rows(report) == keras_rows(built) == [("LSTM", [None, 8], 384)]


@pytest.mark.parametrize("name", ["r12_config_attr.py", "r12b_argparse.py"])
def test_config_service_and_argparse_stay_unknown(name):
    """wandb.config (a sweep may override what the file sets) and argparse are run-time values."""
    (report,) = explain(name, cwd=FIXTURES / "reach")
    assert rows(report) == [("LSTM", [None, "?"], None)]


def test_relative_imports_and_module_alias_of_a_package():
    """`from .constants import …` and `from . import constants as c; c.UNITS`."""
    (report,) = explain("app/model_relative.py")
    built = keras.Sequential([keras.Input((20, 4)), keras.layers.LSTM(16)])
    assert rows(report) == keras_rows(built) == [("LSTM", [None, 16], 1344)]


def test_package_reexport_tuple_and_arithmetic():
    """`from app import UNITS` (app/__init__.py re-exports it), SHAPE = (TIMESTEPS, FEATURES), WINDOW = TIMESTEPS * 2."""
    (report,) = explain("train_package.py")
    built = keras.Sequential([keras.Input((20, 4)), keras.layers.GRU(16, return_sequences=True),
                              keras.layers.LSTM(40)])
    assert rows(report) == keras_rows(built) == [("GRU", [None, 20, 16], 1056), ("LSTM", [None, 40], 9120)]


def test_import_module_as_alias():
    """`import settings as s; s.UNITS` from the project root."""
    (report,) = explain("train_alias.py")
    built = keras.Sequential([keras.Input((12, 1)), keras.layers.LSTM(32)])
    assert rows(report) == keras_rows(built) == [("LSTM", [None, 32], 4352)]


def test_names_rebound_in_the_importing_file_follow_the_flow():
    """UNITS = 64 after the import wins; TIMESTEPS rebound on one path only is unknown (it does not change the
    parameter count: 4 features in, 64 units)."""
    (report,) = explain("shadowed.py")
    built = keras.Sequential([keras.Input((None, 4)), keras.layers.LSTM(64)])
    assert rows(report) == keras_rows(built) == [("LSTM", [None, 64], 17664)]


def test_names_the_module_binds_twice_conditionally_or_out_of_order_are_unknown():
    reports = explain("unknowns.py")
    assert [rows(r) for r in reports] == [[("LSTM", [None, "?"], None)]] * 3


def test_never_reads_outside_the_project_root(tmp_path):
    """A constants module above the project root (here: the fixture project copied under a root of its own,
    with `settings.py` left outside it) is not read."""
    outside = tmp_path / "outside"
    project = outside / "project"
    shutil.copytree(PROJECT, project)
    (project / "pyproject.toml").unlink()
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text("[tool.lstmlint]\n", encoding="utf-8")
    (project / "sub" / "train.py").write_text((PROJECT / "train_alias.py").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    (report,) = explain("train.py", cwd=project / "sub")  # settings.py is in project/, above the root
    assert rows(report) == [("LSTM", [None, "?"], None)]
    (project / "sub" / "settings.py").write_text("UNITS = 32\nLOOK_BACK = 12\n", encoding="utf-8")
    (report,) = explain("train.py", cwd=project / "sub")
    assert rows(report) == [("LSTM", [None, 32], 4352)]


def test_unparseable_or_unreadable_module_is_unknown_not_an_error(tmp_path):
    (tmp_path / "settings.py").write_text("UNITS = (\n", encoding="utf-8")
    (tmp_path / "train.py").write_text((PROJECT / "train_alias.py").read_text(encoding="utf-8"), encoding="utf-8")
    (report,) = explain("train.py", cwd=tmp_path)
    assert rows(report) == [("LSTM", [None, "?"], None)]
    (tmp_path / "settings.py").unlink()
    os.mkfifo(tmp_path / "settings.py")  # reading a FIFO would block forever
    (report,) = explain("train.py", cwd=tmp_path)
    assert rows(report) == [("LSTM", [None, "?"], None)]


def test_cached_findings_follow_the_constants_module(tmp_path):
    """A cached run, then the constants module changes: the findings change with it."""
    (tmp_path / "pyproject.toml").write_text("[tool.lstmlint]\n", encoding="utf-8")
    dims = tmp_path / "dims.py"
    dims.write_text("SHAPE = (20,)\n", encoding="utf-8")
    old = dims.stat().st_mtime - 3600
    os.utime(dims, (old, old))  # written long before the run: nothing racy about it
    (tmp_path / "train.py").write_text("import keras\nfrom dims import SHAPE\n"
                                       "model = keras.Sequential([keras.Input(SHAPE), keras.layers.LSTM(8)])\n",
                                       encoding="utf-8")
    with pytest.raises(ValueError):  # Keras refuses a rank-2 input to an LSTM, as LSTM105 says
        keras.Sequential([keras.Input((20,)), keras.layers.LSTM(8)])
    first = run_cli("check", "--statistics", "train.py", cwd=tmp_path)
    assert first.code == 1 and "LSTM105" in first.out and "0 from the cache" in first.out + first.err
    second = run_cli("check", "--statistics", "train.py", cwd=tmp_path)
    assert second.code == 1 and "LSTM105" in second.out and "1 from the cache" in second.out + second.err
    dims.write_text("SHAPE = (20, 4)\n", encoding="utf-8")  # the same size as before: the hash tells
    third = run_cli("check", "--statistics", "train.py", cwd=tmp_path)
    assert third.code == 0, third.out
    assert "0 from the cache" in third.out + third.err
    (tmp_path / "dims.py").unlink()  # gone: the name is a plain import again, nothing known about SHAPE
    fourth = run_cli("check", "--statistics", "train.py", cwd=tmp_path)
    assert fourth.code == 0 and "0 from the cache" in fourth.out + fourth.err


def test_a_module_appearing_next_to_the_file_invalidates_the_cache(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lstmlint]\n", encoding="utf-8")
    (tmp_path / "train.py").write_text("import keras\nfrom dims import SHAPE\n"
                                       "model = keras.Sequential([keras.Input(SHAPE), keras.layers.LSTM(8)])\n",
                                       encoding="utf-8")
    assert run_cli("check", "train.py", cwd=tmp_path).code == 0
    assert "1 from the cache" in run_cli("check", "--statistics", "train.py", cwd=tmp_path).err
    (tmp_path / "dims.py").write_text("SHAPE = (20,)\n", encoding="utf-8")
    found = run_cli("check", "train.py", cwd=tmp_path)
    assert found.code == 1 and "LSTM105" in found.out


def test_constants_read_inside_a_function():
    """A function reads the import as module code does; a name the module also rebinds stays unknown there."""
    built, rebound = explain("in_function.py")
    inp = keras.Input((12, 3))
    model = keras.Model(inp, keras.layers.LSTM(32)(inp))
    assert rows(built) == keras_rows(model) == [("InputLayer", [None, 12, 3], 0), ("LSTM", [None, 32], 4608)]
    assert rows(rebound)[-1] == ("LSTM", [None, "?"], None)
    assert "not bound the same way" in rebound["layers"][-1]["unknown"][0]["reason"]
