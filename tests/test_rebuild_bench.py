"""bench/rebuild.py through the real runtime worker (real Keras) on a tree of its own, tests/fixtures/rebuild:
every value explain states there equals what Keras builds, and a stated value that is wrong is named with its
file, line, layer, our value and Keras's."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

BENCH = ROOT / "bench" / "rebuild.py"
TREE = ROOT / "tests" / "fixtures" / "rebuild"


def bench(tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    """Run the bench as a user does (a new interpreter, a neutral working folder); its exit code, table and
    JSON figures."""
    out = tmp_path / "figures.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}  # this checkout's lstmlint, in the worker too
    run = subprocess.run([sys.executable, str(BENCH), str(TREE), "--json", str(out), "--jobs", "1", *args],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert run.returncode in (0, 1), run.stderr[-3000:]
    return run.returncode, run.stdout, json.loads(out.read_text())


def test_every_stated_value_equals_keras(tmp_path):
    code, table, figures = bench(tmp_path)
    assert figures["differences"] == [] and figures["different"] == 0, table
    assert code == 0
    # stacked.py: 5 + 4 rows; graph.py: 6; partly.py `model`: 3, rebuilt with units set to 5 and to 7;
    # refused.py: the input layer Keras built before refusing the LSTM; custom.py: the LSTM(8) of `model` (the
    # layers before Scale), the input and the GRU of `graph` (the branch without Scale)
    assert figures["layers"] == figures["equal"] == 22
    # a shape and a count per row, but partly.py's LSTM(units) and Dense(1) state no count; 3 models' totals
    assert figures["values"] == 22 * 2 - 2 + 3
    assert figures["totals"] == 3  # the whole models Keras built: stacked.py's two, graph.py's
    assert (figures["built"], figures["refused"], figures["partial"], figures["sized"]) == (6, 1, 2, 1)
    assert figures["left_out"] == 2  # custom.py's graph: Flatten and Concatenate (0 parameters each)
    assert figures["not_rebuilt"] == {"an argument of a layer is not known": 1}  # partly.py `first`: activation=
    assert figures["unrebuilt_layers"] == 2  # its LSTM(8) and Dense(3)
    assert figures["classes"]["GRU"] == 3 and figures["classes"]["InputLayer"] == 3
    assert "different:                       0" in table


def test_a_wrong_stated_value_is_a_difference(tmp_path):
    """The stated values come from a saved explain output, four of them changed: exactly those are reported,
    with Keras's own values; one turned into "?" is no statement and no difference. One is right for one size
    of an unknown and wrong for another: the second rebuild finds it."""
    run = run_cli("explain", "--format", "json", ".", cwd=TREE)
    assert run.code == 0, run.err
    reports = run.json()
    stacked = next(r for r in reports if r["path"] == "stacked.py" and r["line"] == 5)
    lstm = next(row for row in stacked["layers"] if row["class"] == "LSTM")
    lstm["params"] += 1
    chain = next(r for r in reports if r["path"] == "stacked.py" and r["line"] == 14)
    chain["total_params"] = 1270  # 800 + 150 + 294 + 16 = 1,260
    graph = next(r for r in reports if r["path"] == "graph.py")
    dense = next(row for row in graph["layers"] if row["class"] == "Dense" and row["line"] == 10)
    dense["output_shape"] = [None, 2]
    partly = next(r for r in reports if r["path"] == "partly.py" and r["line"] == 10)
    after = next(row for row in partly["layers"] if row["class"] == "Dense")
    assert after["params"] is None  # units + 1: it depends on units, which is not known
    after["params"] = 6  # right when units is 5, wrong when it is 7
    gru = next(row for row in graph["layers"] if row["class"] == "GRU")
    gru["output_shape"] = [None, "?"]
    gru["params"] = None
    saved = tmp_path / "explain.json"
    saved.write_text(json.dumps(reports))
    code, table, figures = bench(tmp_path, "--stated", str(saved))
    assert code == 1
    assert sorted(figures["differences"], key=lambda d: (d["path"], d["line"])) == [
        {"path": "graph.py", "line": 10, "layer": "Dense", "what": "output shape", "ours": [None, 2],
         "keras": [None, 1], "note": ""},
        {"path": "partly.py", "line": 14, "layer": "Dense", "what": "parameters", "ours": 6, "keras": 8,
         "note": "unknown sizes set to 7, 11, 15…"},
        {"path": "stacked.py", "line": 7, "layer": "LSTM", "what": "parameters", "ours": 1345, "keras": 1344,
         "note": ""},
        {"path": "stacked.py", "line": 14, "layer": "the model", "what": "total parameters", "ours": 1270,
         "keras": 1260, "note": ""},
    ]
    assert (figures["different"], figures["equal"]) == (3, 19)  # the GRU row still states its batch dim
    assert "graph.py:10: Dense: output shape: ours (None, 2), Keras (None, 1)" in table
    assert "stacked.py:7: LSTM: parameters: ours 1,345, Keras 1,344" in table
    assert "stacked.py:14: the model: total parameters: ours 1,270, Keras 1,260" in table
    assert "partly.py:14: Dense: parameters: ours 6, Keras 8 (unknown sizes set to 7, 11, 15…)" in table
    assert "different:                       3 (and 1 models' total parameters)" in table


@pytest.mark.slow  # tf_keras's import and builds take a minute
def test_target_keras_2(tmp_path):
    code, table, figures = bench(tmp_path, "--target-keras", "2")
    if importlib.util.find_spec("tf_keras") is None:
        assert figures["layers"] == 0
        assert figures["not_rebuilt"] == {"not compared (target 2)": figures["stating"]}
    else:
        assert figures["differences"] == [] and code == 0, table
        assert figures["layers"] == figures["equal"] == 22
    assert "target: Keras 2 (from --target-keras)" in table
