"""Benchmark of the runtime checker: TensorFlow import time, then the build time of each model and the time
each of its replayed calls adds.

Run by hand (never by the tests):  python bench/runtime.py [--repeat N]

Models: every model of examples/*.py plus a few synthetic ones. Those that are not fully known are listed as
unchecked. "build" is the worker's own time to rebuild the model (Keras only); "round trip" adds the JSON
protocol and the IR (de)serialisation; "calls" lists the worker's time for each fit / predict / evaluate /
*_on_batch call replayed on zero arrays. Targets, once TensorFlow is imported: build <= 0.1 s per model,
median <= 0.2 s per replayed call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lstmlint.analyze import analyze_source
from lstmlint.runtime.calls import plan_calls
from lstmlint.runtime.known import fully_known
from lstmlint.runtime.process import DEFAULT_MEMORY_LIMIT, Worker

SYNTHETIC = {
    "deep_stack_8": """
import keras
model = keras.Sequential([
    keras.Input(shape=(50, 16)),
    keras.layers.LSTM(64, return_sequences=True), keras.layers.LSTM(64, return_sequences=True),
    keras.layers.GRU(64, return_sequences=True), keras.layers.GRU(64, return_sequences=True),
    keras.layers.SimpleRNN(64, return_sequences=True), keras.layers.LSTM(64, return_sequences=True),
    keras.layers.LSTM(32), keras.layers.Dense(1),
])
""",
    "seq_add_8": """
import keras
model = keras.Sequential()
model.add(keras.layers.LSTM(64, return_sequences=True, input_shape=(50, 16)))
model.add(keras.layers.Dropout(0.2))
model.add(keras.layers.LSTM(64, return_sequences=True))
model.add(keras.layers.BatchNormalization())
model.add(keras.layers.GRU(64, return_sequences=True))
model.add(keras.layers.TimeDistributed(keras.layers.Dense(8)))
model.add(keras.layers.LSTM(32))
model.add(keras.layers.Dense(1))
""",
    "bigru_functional": """
import keras
inputs = keras.Input(shape=(100,), dtype="int32")
x = keras.layers.Embedding(10000, 64)(inputs)
x = keras.layers.Bidirectional(keras.layers.GRU(64, return_sequences=True))(x)
a = keras.layers.GlobalMaxPooling1D()(x)
b = keras.layers.GlobalAveragePooling1D()(x)
x = keras.layers.Concatenate()([a, b])
outputs = keras.layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
""",
    "stacked_cells": """
import keras
inputs = keras.Input(shape=(20, 8))
x = keras.layers.RNN([keras.layers.LSTMCell(32), keras.layers.GRUCell(32), keras.layers.SimpleRNNCell(16)])(inputs)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
""",
    "convlstm_video": """
import keras
model = keras.Sequential([
    keras.Input(shape=(10, 32, 32, 3)),
    keras.layers.ConvLSTM2D(16, 3, padding="same", return_sequences=True),
    keras.layers.BatchNormalization(),
    keras.layers.ConvLSTM2D(16, 3, padding="same"),
    keras.layers.Flatten(),
    keras.layers.Dense(1),
])
""",
    "wide_lstm_512": """
import keras
model = keras.Sequential([keras.Input(shape=(30, 128)), keras.layers.LSTM(512), keras.layers.Dense(10)])
""",
    "refused_stack": """
import keras
model = keras.Sequential([keras.Input(shape=(10, 3)), keras.layers.LSTM(8), keras.layers.LSTM(4)])
""",
    "calls_regression": """
import numpy as np
import keras
X = np.zeros((1000, 48, 6))
y = np.zeros((1000, 1))
model = keras.Sequential([keras.Input(shape=(48, 6)), keras.layers.LSTM(64, return_sequences=True),
                          keras.layers.GRU(32), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(X, y, batch_size=64, epochs=10)
model.evaluate(X, y)
model.predict(X)
""",
    "calls_classifier_functional": """
import numpy as np
import keras
X = np.zeros((256, 100))
y = np.zeros((256, 1))
inputs = keras.Input(shape=(100,), dtype="int32")
x = keras.layers.Embedding(5000, 32)(inputs)
x = keras.layers.Bidirectional(keras.layers.LSTM(32))(x)
outputs = keras.layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(X, y, batch_size=32)
model.train_on_batch(np.zeros((32, 100)), np.zeros((32, 1)))
model.predict_on_batch(X)
""",
    "calls_refused": """
import numpy as np
import keras
model = keras.Sequential([keras.Input(shape=(20, 3)), keras.layers.LSTM(16), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.zeros((480, 20)), np.zeros((480, 1)))
model.predict(np.zeros((100, 20, 4)))
""",
}


def models() -> list[tuple[str, object]]:
    found = []
    for path in sorted((ROOT / "examples").glob("*.py")):
        module = analyze_source(path.read_text(encoding="utf-8"), str(path))
        for index, model in enumerate(module.models):
            found.append((f"{path.name}[{index}]", model))
    for name, code in SYNTHETIC.items():
        for index, model in enumerate(analyze_source(code, name).models):
            found.append((f"synthetic:{name}[{index}]", model))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds per model (the median is shown)")
    parser.add_argument("--target", type=int, default=3, choices=(2, 3))
    options = parser.parse_args()

    worker = Worker(options.target, DEFAULT_MEMORY_LIMIT)
    started = time.perf_counter()
    worker.start()
    print(f"TensorFlow import (in the worker): {worker.import_seconds:.2f} s"
          f"  [worker start-up, wall: {time.perf_counter() - started:.2f} s; {worker.keras_version}]")
    print()
    rows = []
    calls: list[tuple[str, int, str, str, float, float]] = []
    outcomes: dict[tuple[str, int], tuple[str, str]] = {}
    job_id = 0
    try:
        for name, model in models():
            reason = fully_known(model, options.target)
            if reason is not None:
                rows.append((name, len(model.layers), "unchecked", None, None, reason))
                continue
            builds, trips, status, note = [], [], "", ""
            plans = [asdict(p) for p in plan_calls(model)]
            timings: dict[int, list[float]] = {}
            cpu_timings: dict[int, list[float]] = {}
            for _ in range(options.repeat):
                job_id += 1
                sent = time.perf_counter()
                job = {"id": job_id, "model": asdict(model), "target": options.target, "calls": plans}
                answer = worker.request(job, 60.0)
                trips.append(time.perf_counter() - sent)
                builds.append(answer["seconds"])
                status = answer["status"]
                note = (answer.get("error") or answer.get("reason") or "").splitlines()[0][:60] if status != "built" \
                    else f"{answer.get('total_params')} params"
                if answer.get("calls_follow"):
                    for call in worker.answer(job_id, 120.0)["calls"]:
                        timings.setdefault(call["index"], []).append(call["seconds"])
                        cpu_timings.setdefault(call["index"], []).append(call.get("cpu_seconds") or 0.0)
                        outcomes[(name, call["index"])] = (call["method"], call["status"])
            for index, values in timings.items():
                calls.append((name, index, *outcomes[(name, index)], statistics.median(values),
                              statistics.median(cpu_timings[index])))
            rows.append((name, len(model.layers), status, statistics.median(builds), statistics.median(trips), note))
    finally:
        worker.close()

    width = max(len(r[0]) for r in rows)
    print(f"{'model':<{width}}  layers  status     build s  round trip s  note")
    print(f"{'-' * width}  ------  ---------  -------  ------------  ----")
    for name, count, status, build, trip, note in rows:
        b = f"{build:7.3f}" if build is not None else "      -"
        t = f"{trip:12.3f}" if trip is not None else "           -"
        print(f"{name:<{width}}  {count:>6}  {status:<9}  {b}  {t}  {note}")
    timed = [r[3] for r in rows if r[3] is not None]
    if timed:
        print()
        print(f"built/failed models: {len(timed)}; median build {statistics.median(timed):.3f} s, "
              f"max {max(timed):.3f} s (target <= 0.1 s)")
    if calls:
        print()
        print(f"{'model':<{width}}  call  method            status     wall s  cpu s  (added by the call)")
        print(f"{'-' * width}  ----  ----------------  ---------  ------  -----")
        for name, index, method, status, seconds, cpu in calls:
            print(f"{name:<{width}}  {index:>4}  {method:<16}  {status:<9}  {seconds:6.3f}  {cpu:5.3f}")
        added = [c[4] for c in calls]
        cpu = [c[5] for c in calls]
        print()
        print(f"replayed calls: {len(added)}; median {statistics.median(added):.3f} s wall "
              f"({statistics.median(cpu):.3f} s cpu), max {max(added):.3f} s (target: median <= 0.2 s)")
        print(f"load average over the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
