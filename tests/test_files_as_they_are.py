"""Issue 11 points 7 and 8 through the real CLI: notebooks, files that do not parse, pasted snippets, and the
Keras target inferred from a project's declared dependencies. Fixtures: tests/fixtures/files (see its README)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import run_cli

FILES = Path(__file__).parent / "fixtures" / "files"


def findings(*args: str, cwd: Path | None = None) -> list[dict]:
    run = run_cli("check", "--format", "json", "--no-cache", *args, cwd=cwd)
    assert run.code in (0, 1), run.err
    return json.loads(run.out)


def codes(found: list[dict]) -> list[tuple]:
    return [(f["rule"], f.get("cell"), f["line"], f["column"]) for f in found]


def test_shell_command_with_continuation_lines_is_ipython_not_a_syntax_error():
    found = findings(str(FILES / "r02_shell_continuation.ipynb"))
    assert codes(found) == [("LSTM101", 2, 2, 55)]


def test_cell_with_leading_indentation_is_dedented_and_columns_stay_the_users():
    found = findings(str(FILES / "r03_leading_indent.ipynb"))
    # `  model.add(keras.layers.LSTM(4, ...))`: the call starts at column 13 of the cell as written
    assert ("LSTM101", 2, 2, 13) in codes(found)
    assert all(f["rule"] != "LSTM001" for f in found)
    assert all(f["fix"] is None for f in found)  # no fix is offered in a cell read dedented


def test_a_cell_that_does_not_parse_is_reported_there_and_the_others_are_analysed():
    found = findings(str(FILES / "r_broken_cell.ipynb"))
    assert [c[:3] for c in codes(found)] == [("LSTM001", 2, 1), ("LSTM101", 3, 1), ("LSTM001", 4, 1)]
    assert "Python 2 syntax (print statement)" in found[2]["message"]
    run = run_cli("explain", "--format", "json", str(FILES / "r_broken_cell.ipynb"))
    (model,) = json.loads(run.out)
    # cell 1 sets units = 4, the broken cell 2 may rebind it: LSTM(units) is unknown, never 4
    assert model["layers"][0]["output_shape"] == "?" or model["layers"][0]["output_shape"][-1] == "?"
    assert model["layers"][0]["params"] is None


def test_notebook_size_limit_weighs_code_cells_not_saved_outputs(tmp_path):
    book = json.loads((FILES / "r02_shell_continuation.ipynb").read_text())
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" * 200_000}}
    book["cells"][1]["outputs"] = [image]
    path = tmp_path / "with_outputs.ipynb"
    path.write_text(json.dumps(book))
    assert path.stat().st_size > 2 << 20
    assert codes(findings(str(path))) == [("LSTM101", 2, 2, 55)]
    book["cells"][1]["outputs"] = []
    book["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                          "source": "x = 1\n" * 300_000})
    path.write_text(json.dumps(book))
    (finding,) = findings(str(path))
    assert finding["rule"] == "LSTM002" and "of code cells" in finding["message"]


def test_python_file_with_a_syntax_error_is_analysed_up_to_it():
    found = findings(str(FILES / "partial.py"))
    assert [c[:3] for c in codes(found)] == [("LSTM101", None, 3), ("LSTM001", None, 4)]


def test_python_2_file_says_so():
    found = findings(str(FILES / "r18_py2.py"), "--select", "ALL")
    (error,) = [f for f in found if f["rule"] == "LSTM001"]
    assert error["message"] == "Python 2 syntax (print statement): lstmlint reads Python 3"
    assert error["line"] == 5
    assert any(f["rule"] == "LSTM503" for f in found)  # the Python 3 prefix (lines 1-4) is still read


def test_snippets_read_as_keras():
    assert [c[:3] for c in codes(findings(str(FILES / "snippet_tf.py")))] == [("LSTM101", None, 1)]
    assert ("LSTM101", None, 2) in [c[:3] for c in codes(findings(str(FILES / "snippet_bare.py")))]
    # a file that defines LSTM itself, and imports something, is not read as Keras
    assert findings(str(FILES / "snippet_defined.py")) == []


K2_ONLY = "import keras\nmodel = keras.Sequential([keras.layers.LSTM(4, input_dim=8)])\n"


def _statistics_target(cwd: Path) -> str:
    run = run_cli("check", "--statistics", "--no-cache", "m.py", cwd=cwd)
    return [line for line in run.err.splitlines() if line.startswith("target:")][0]


def project(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "m.py").write_text("import keras\nmodel = keras.Sequential([keras.layers.LSTM(4)])\n")
    (tmp_path / name).write_text(text)
    return tmp_path


def test_target_from_requirements_txt(tmp_path):
    root = project(tmp_path, "requirements.txt", "numpy\ntensorflow==2.12.0  # pinned\n")
    assert _statistics_target(root) == "target: Keras 2, from requirements.txt: tensorflow==2.12.0"
    run = run_cli("explain", "m.py", cwd=root)
    assert run.out.startswith("Target: Keras 2, from requirements.txt: tensorflow==2.12.0\n")


def test_target_from_each_declaration_file(tmp_path):
    cases = [
        ("pyproject.toml", "[project]\nname='x'\nversion='1'\ndependencies=[]\n[project.optional-dependencies]\n"
                           "gpu=['keras<3']\n", "Keras 2, from pyproject.toml: keras<3"),
        ("setup.cfg", "[options]\ninstall_requires =\n    tf-keras\n", "Keras 2, from setup.cfg: tf-keras"),
        ("environment.yml", "dependencies:\n  - python=3.10\n  - tensorflow=2.15\n",
         "Keras 2, from environment.yml: tensorflow==2.15.*"),
        ("Pipfile", "[packages]\ntensorflow = \">=2.16\"\n", "Keras 3, from Pipfile: tensorflow>=2.16"),
        ("requirements-dev.txt", "keras>=2.4\n", "Keras 3, from requirements-dev.txt: keras>=2.4"),
    ]
    for name, text, expected in cases:
        root = tmp_path / name.replace(".", "_")
        root.mkdir()
        assert _statistics_target(project(root, name, text)) == f"target: {expected}", name


def test_explicit_target_wins_over_declared_dependencies(tmp_path):
    root = project(tmp_path, "requirements.txt", "tensorflow==2.12.0\n")
    (root / "pyproject.toml").write_text("[tool.lstmlint]\ntarget-keras = 3\n")
    assert _statistics_target(root) == "target: Keras 3, from pyproject.toml: target-keras = 3"
    run = run_cli("check", "--statistics", "--no-cache", "--target-keras", "2", "m.py", cwd=root)
    assert "target: Keras 2, from --target-keras" in run.err


def test_inferred_target_changes_the_verdicts(tmp_path):
    """LSTM(4, input_dim=8) is fine in Keras 2 and refused by Keras 3: the declared tensorflow decides."""
    (tmp_path / "m.py").write_text(K2_ONLY)
    keras3 = findings("m.py", cwd=tmp_path)
    (tmp_path / "requirements.txt").write_text("tensorflow<2.16\n")
    keras2 = findings("m.py", cwd=tmp_path)
    assert keras3 != keras2
    shutil.rmtree(tmp_path / ".lstmlint_cache", ignore_errors=True)
