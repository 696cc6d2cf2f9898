"""Slowdown check: this checkout's `lstmlint check` against an earlier commit's, on the same trees, in one run.

    python bench/versus.py                       # against the last commit that changed nothing in src/: HEAD~1
    python bench/versus.py --baseline cb75d15 --copies 10 --rounds 5

The baseline is checked out with `git worktree add --detach` in a temporary folder (removed afterwards) and run
from its own src/ (PYTHONPATH), the current one from this checkout's src/. Both check the same trees, built
once: (b) the Keras-dense tree of bench/run.py (examples, every rule example, tests/fixtures, --copies times)
and, when it exists, `../shared/corpus/apps` (real Keras applications). Rounds alternate baseline and current so
that load on the machine falls on both alike; each `lstmlint check --no-cache --jobs 1 --exit-zero` is timed by
the CPU time of the child process (user + sys, steadier than wall time on a shared machine) and by wall time.
Prints the medians and the ratio current / baseline; the target of issue 11 is a ratio <= 1.10 on (b).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from run import build_dense, dense_sources  # noqa: E402  (bench/run.py: the same tree (b))

APPS = ROOT.parent / "shared" / "corpus" / "apps"


def timed(src: Path, tree: Path, cwd: Path) -> tuple[float, float]:
    """(child CPU seconds, wall seconds) of one `lstmlint check` run with the lstmlint of ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lstmlint", "check", "--no-cache", "--jobs", "1", "--exit-zero",
                           str(tree)], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lstmlint from {src} failed on {tree} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="HEAD~1", help="git revision to compare with (default HEAD~1)")
    parser.add_argument("--copies", type=int, default=5, help="copies of the Keras-dense tree (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each version per tree (default 3)")
    args = parser.parse_args()

    commit = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT, capture_output=True,
                            text=True)
    if commit.returncode != 0:
        raise SystemExit(f"bench/versus.py: no such revision: {args.baseline}")
    with tempfile.TemporaryDirectory(prefix="lstmlint-versus-") as tmp_name:
        tmp = Path(tmp_name)
        baseline = tmp / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(baseline), args.baseline], cwd=ROOT,
                       check=True)
        try:
            dense = tmp / "dense"
            files = build_dense(dense, args.copies, dense_sources())
            trees = [(f"(b) Keras-dense tree, {files} files", dense)]
            if APPS.is_dir():
                trees.append((f"corpus apps ({APPS})", APPS))
            versions = [(f"baseline {commit.stdout.strip()}", baseline / "src"), ("current", ROOT / "src")]
            print(f"lstmlint check --no-cache --jobs 1: {args.rounds} rounds, baseline and current in turn")
            for label, tree in trees:
                for _, src in versions:  # warm the file system cache and the interpreter's
                    timed(src, tree, tmp)
                runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in versions}
                for _ in range(args.rounds):
                    for name, src in versions:
                        runs[name].append(timed(src, tree, tmp))
                print(f"\n{label}")
                medians = {}
                for name, _ in versions:
                    cpu = statistics.median(c for c, _ in runs[name])
                    wall = statistics.median(w for _, w in runs[name])
                    medians[name] = cpu
                    print(f"  {name:<20} CPU {cpu:6.2f} s   wall {wall:6.2f} s")
                base, current = (medians[name] for name, _ in versions)
                print(f"  current / baseline (CPU): {current / base:.2f}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, check=False)
            shutil.rmtree(baseline, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
