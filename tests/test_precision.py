"""Issue 12 §1–6: findings a Keras user can trust. Each reproduction (tests/fixtures/precision, copied from the
shared repro folder) goes through the real CLI; the JSON output is what a user or a CI job reads."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "precision"


def check(path: Path | str, *options: str) -> list[dict]:
    run = run_cli("check", "--no-cache", "--format", "json", *options, str(path))
    assert run.code in (0, 1), run.err
    return run.json()


def codes(findings: list[dict]) -> list[str]:
    return [f["rule"] for f in findings]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- §2 LSTM301: the same name or expression, not the same number -------------------------------------------


def test_lstm301_quiet_on_equal_named_constants():
    assert "LSTM301" not in codes(check(FIXTURES / "r07_named_constants.py"))


def test_lstm301_quiet_on_one_unit_for_one_step():
    assert "LSTM301" not in codes(check(FIXTURES / "r08_units_one.py"))


def test_lstm301_quiet_on_equal_literals(tmp_path):
    path = write(tmp_path, "equal.py", "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n"
                 "model = Sequential([LSTM(10, input_shape=(10, 3)), Dense(1)])\n")
    assert "LSTM301" not in codes(check(path))


def test_lstm301_fires_on_the_same_name_and_on_a_sequence_length_name(tmp_path):
    path = write(tmp_path, "same.py", "from keras.models import Sequential\nfrom keras.layers import LSTM, Dense\n"
                 "look_back = 10\nwidth = 10\n"
                 "a = Sequential([LSTM(look_back, input_shape=(look_back, 3)), Dense(1)])\n"
                 "b = Sequential([LSTM(width, input_shape=(look_back, 3)), Dense(1)])\n"
                 "c = Sequential([LSTM(window_size, input_shape=(20, 3)), Dense(1)])\n")
    found = [f for f in check(path) if f["rule"] == "LSTM301"]
    assert [f["line"] for f in found] == [5, 7]
    assert "units=look_back" in found[0]["message"]
