"""Speed benchmark of `lstmlint check` against ruff, fixit and bare parsing, with the project's targets.

Run by hand (never by the tests or CI), from anywhere:

    python bench/run.py                    # full run: --copies 50 --repeat 3, scaling at 10/40/160 copies
    python bench/run.py --quick            # smoke run: small trees, one repeat (about a minute)
    python bench/run.py --skip-fixit --json bench.json
    python bench/run.py --copies 20 --repeat 5 --scale-copies 5 --jobs 2

Needs ruff and fixit in the running interpreter's environment (`python -m pip install ruff fixit`);
a missing tool is reported and its rows are skipped. libcst comes with lstmlint.

What it measures (wall clock, median of --repeat runs, every command a fresh process; the commands compared on
one tree, and the two of the one-file comparison, run in turn round after round rather than one block after
another, so that load that comes and goes on the machine falls on them alike):

  (a) a copy of this interpreter's standard library (`sysconfig.get_paths()["stdlib"]`), only its .py files,
      without site-packages;
  (b) a Keras-dense tree: `copy_000/`, `copy_001/`, ... (--copies of them), each holding examples/*.py, every
      bad and good example of rules/*.yaml written out as a file, and tests/fixtures/**/*.py;
  (c) a real Keras code base: a copy of `../shared/corpus/libraries` relative to the repository root (Keras,
      keras-io and keras-hub), when that folder exists; skipped with a note otherwise.

  - `lstmlint check --no-cache`  (exit codes 0 and 1 both count as success);
  - `lstmlint check` once more after a warming run (the cached second run), on (b);
  - `lstmlint check --no-cache --statistics` once on (c), for how many files were parsed and skipped;
  - `ruff check --isolated --no-cache --exit-zero`  (default rules; --isolated ignores any ruff config);
  - `ast.parse` and `libcst.parse_module` of every file in ONE process: a subprocess that walks the tree,
    reads and parses every .py file, so the time includes that interpreter's startup like the CLIs' do
    (on (c) the libcst parse runs once whatever --repeat says: it takes most of a minute);
  - `fixit lint` with a single trivial rule (flags `print(...)` calls), configured by a fixit.toml in the
    temp folder that disables fixit's own rules; it is first checked on a planted offending file;
  - `lstmlint check one_file.py` against `python -c "import libcst"` (median of --single-repeat runs), as a
    pre-commit hook meets it: the file was just edited (its findings are not cached), the rules were compiled
    by an earlier run;
  - the peak memory of `lstmlint check --no-cache` on (a) and on (c): the largest single process
    (getrusage(RUSAGE_CHILDREN).ru_maxrss in a fresh wrapper process) and the sum over the whole process
    tree (a process pool's workers included), sampled from /proc every 10 ms;
  - scaling: `lstmlint check --no-cache` on (b) at 1x, 4x and 16x --scale-copies copies.

Then it prints the table of medians and each target's ratio with PASS/FAIL:

  (a) lstmlint / ruff <= 0.5                    (b) lstmlint / libcst parse (1 process) <= 0.7
  (b) fixit / lstmlint >= 10                    (b) cached 2nd run / first run <= 0.1
  (c) lstmlint / ruff <= 3                      one file: lstmlint / `import libcst` <= 1.5
  (a) peak memory <= 150 MB                     (c) peak memory <= 300 MB (1 MB = 10^6 bytes)
  scaling: time per file at 4x and 16x within 10% of the time per file at 1x

`--jobs` and `--no-cache` of `lstmlint check` are detected from `lstmlint check --help`. Without
`--no-cache` the "no cache" runs are plain `lstmlint check` runs with any `.lstmlint_cache/` in the
tree deleted first; the output says which flags were missing. `--jobs N` here is passed on as
`lstmlint check --jobs N` when lstmlint has that flag (otherwise lstmlint runs with its default).

Python bytecode: when PYTHONDONTWRITEBYTECODE is set (as on some CI images), every lstmlint run would
recompile lstmlint's own modules from source. The Python subprocesses are then run without it and with
PYTHONPYCACHEPREFIX pointing into the temp folder, and each is warmed once before timing, so startup is
measured as an installed tool's would be; the repository is not written to either way.

The machine (CPU count, model name from /proc/cpuinfo, Python version) is printed at the top, so the
README table can name it. Everything is built in a temp folder that is deleted at the end (--keep keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LIBRARIES = ROOT.parent / "shared" / "corpus" / "libraries"  # tree (c), when it exists

# Targets: (key, description, comparison, bound)
MB = 1_000_000

PARSE_SCRIPT = r"""
import json, os, sys, time
mode, root = sys.argv[1], sys.argv[2]
if mode == "libcst":
    import libcst
    parse = libcst.parse_module
else:
    import ast
    parse = ast.parse
ok = failed = 0
for dirpath, dirnames, filenames in os.walk(root):
    dirnames.sort()
    for name in sorted(filenames):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(dirpath, name), "rb") as f:
            data = f.read()
        try:
            parse(data)
            ok += 1
        except Exception:
            failed += 1
print(json.dumps({"ok": ok, "failed": failed}))
"""

RSS_WRAPPER = r"""
import json, os, resource, subprocess, sys, time
cmd, cwd = json.loads(sys.argv[1]), sys.argv[2]
proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found

def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

tree_peak = 0
max_procs = 1
while proc.poll() is None:
    pids = descendants(proc.pid)
    max_procs = max(max_procs, len(pids))
    tree_peak = max(tree_peak, sum(rss_kib(pid) for pid in pids))
    time.sleep(0.01)
stderr = proc.stderr.read().decode(errors="replace")
rc = proc.wait()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "maxrss_kib": usage.ru_maxrss, "tree_peak_kib": tree_peak,
                  "max_procs": max_procs, "stderr": stderr[-2000:]}))
"""

FIXIT_RULE = '''\
"""A trivial Fixit rule for the lstmlint benchmark: flags calls to print()."""
import libcst as cst
from fixit import LintRule


class BenchNoPrint(LintRule):
    MESSAGE = "lstmlint-bench: print() call"
    VALID = []
    INVALID = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "print":
            self.report(node)
'''

FIXIT_CONFIG = """\
[tool.fixit]
root = true
enable = [".lstmlint_bench_rule:BenchNoPrint"]
disable = ["fixit.rules"]
"""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    pass


# ----------------------------------------------------------------------------------------------- machine


def machine_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if not model:
        model = platform.processor() or platform.machine()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    try:
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration, ValueError):
        mem_kib = 0
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1) if mem_kib else None,
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "platform": platform.platform(),
        "load_avg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


# ----------------------------------------------------------------------------------------------- tools


def script_or_module(name: str, module: str) -> list[str]:
    """The console script next to the running interpreter, else `python -m module`."""
    script = BIN / name
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", module]


def find_ruff() -> list[str] | None:
    script = BIN / "ruff"
    if script.exists():
        return [str(script)]
    try:
        import ruff  # noqa: F401
        from ruff.__main__ import find_ruff_bin

        return [os.fsdecode(find_ruff_bin())]
    except Exception:
        return None


def find_fixit() -> list[str] | None:
    try:
        import fixit  # noqa: F401
    except ImportError:
        return None
    return script_or_module("fixit", "fixit")


def tool_version(cmd: list[str], env: dict) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"
    except Exception:
        return "?"


def package_version(name: str) -> str:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:
        return "not installed"


def detect_lstmlint_flags(lstmlint: list[str], env: dict) -> dict:
    out = subprocess.run([*lstmlint, "check", "--help"], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise BenchError(f"`lstmlint check --help` failed ({out.returncode}): {out.stderr.strip()[-500:]}")
    text = out.stdout
    return {flag: bool(re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text)) for flag in ("--jobs", "--no-cache")}


# ----------------------------------------------------------------------------------------------- trees


def copy_stdlib(dest: Path, quick: bool) -> int:
    """Copy the .py files of the running interpreter's stdlib (no site-packages, no __pycache__)."""
    src = Path(sysconfig.get_paths()["stdlib"])
    count = 0
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "dist-packages", "__pycache__"))
        if quick and rel.parts:  # --quick: the top-level modules only
            dirnames[:] = []
            continue
        for name in sorted(filenames):
            if name.endswith(".py"):
                target = dest / rel / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(dirpath) / name, target)
                count += 1
    return count


def copy_libraries(dest: Path) -> int:
    """Copy tree (c) (every file, as the tools would meet it in a checkout); returns its .py file count."""
    shutil.copytree(LIBRARIES, dest, symlinks=True, ignore=shutil.ignore_patterns(".lstmlint_cache", "__pycache__"))
    return sum(1 for _ in dest.rglob("*.py"))


def dense_sources() -> list[tuple[str, bytes]]:
    """One copy's worth of files: examples, every rule example (bad and good), test fixtures."""
    import yaml

    files: list[tuple[str, bytes]] = []
    for path in sorted((ROOT / "examples").glob("*.py")):
        files.append((f"examples/{path.name}", path.read_bytes()))
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind, examples in sorted((data.get("examples") or {}).items()):
            for i, example in enumerate(examples or []):
                if isinstance(example, dict):
                    code = example.get("code", "")
                    keras = example.get("keras")
                    suffix = "_keras" + "".join(str(k) for k in keras) if keras else ""
                else:
                    code, suffix = example, ""
                files.append((f"rules/{path.stem}_{kind}_{i}{suffix}.py", str(code).encode("utf-8")))
    fixtures = ROOT / "tests" / "fixtures"
    for path in sorted(fixtures.rglob("*.py")):
        files.append((f"fixtures/{path.relative_to(fixtures).as_posix()}", path.read_bytes()))
    return files


def build_dense(dest: Path, copies: int, sources: list[tuple[str, bytes]]) -> int:
    for c in range(copies):
        base = dest / f"copy_{c:03d}"
        for rel, data in sources:
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return copies * len(sources)


# ----------------------------------------------------------------------------------------------- timing


def run_once(cmd: list[str], cwd: Path, env: dict, ok_codes=(0,), capture: bool = False) -> tuple[float, str]:
    """Run once; return the wall time and (with capture) the standard output."""
    stdout = subprocess.PIPE if capture else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        tail = proc.stderr.decode(errors="replace").strip()[-1500:]
        raise BenchError(f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}:\n{tail}")
    return elapsed, (proc.stdout.decode(errors="replace") if capture else "")


def timed(cmd: list[str], cwd: Path, env: dict, repeat: int, ok_codes=(0,), before=None, capture=False) -> dict:
    samples, out = [], ""
    for _ in range(repeat):
        if before:
            before()
        elapsed, out = run_once(cmd, cwd, env, ok_codes, capture)
        samples.append(elapsed)
    result = {"median": statistics.median(samples), "samples": [round(s, 4) for s in samples]}
    if capture:
        result["stdout"] = out.strip()
    return result


def interleaved(specs: dict[str, dict], env: dict, repeat: int) -> dict[str, dict]:
    """Like timed() for several commands, run round after round (each command once per round, at most its
    ``times``), so that load coming and going on the machine falls on all of them alike and their ratios
    hold better than those of commands timed one block after another. A spec: cmd, cwd, and optionally ok,
    before, capture, times."""
    samples: dict[str, list[float]] = {name: [] for name in specs}
    outs: dict[str, str] = {}
    for _ in range(repeat):
        for name, spec in specs.items():
            if len(samples[name]) >= spec.get("times", repeat):
                continue
            if spec.get("before"):
                spec["before"]()
            log(f"  {name}")
            elapsed, outs[name] = run_once(spec["cmd"], spec["cwd"], env, spec.get("ok", (0,)),
                                           spec.get("capture", False))
            samples[name].append(elapsed)
    results = {}
    for name, values in samples.items():
        results[name] = {"median": statistics.median(values), "samples": [round(v, 4) for v in values]}
        if specs[name].get("capture"):
            results[name]["stdout"] = outs[name].strip()
    return results


def remove_cache(tree: Path) -> None:
    shutil.rmtree(tree / ".lstmlint_cache", ignore_errors=True)


def measure_rss(cmd: list[str], cwd: Path, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", RSS_WRAPPER, json.dumps(cmd), str(cwd)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise BenchError(f"memory wrapper failed: {out.stderr.strip()[-1500:]}")
    data = json.loads(out.stdout)
    if data["rc"] not in (0, 1):
        raise BenchError(f"{' '.join(cmd)} exited {data['rc']}:\n{data['stderr']}")
    return data


def check_fixit(fixit: list[str], config: Path, tmp: Path, env: dict) -> str:
    """Plant one print() call and one file that fixit's default rules would flag; expect only the first."""
    planted = tmp / "fixit_check"
    planted.mkdir()
    (planted / "offending.py").write_text('print("planted")\n')
    (planted / "clean.py").write_text(
        'greeting = f"no placeholders"  # fixit.rules.NoRedundantFString would flag this\n'
    )
    out = subprocess.run(
        [*fixit, "--config-file", str(config), "lint", str(planted)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if "@" in line]
    if not (len(lines) == 1 and "offending.py" in lines[0] and "BenchNoPrint" in lines[0]):
        raise BenchError(
            "fixit did not run exactly the benchmark rule on the planted files:\n"
            f"exit {out.returncode}\nstdout:\n{out.stdout}\nstderr:\n{out.stderr[-1500:]}"
        )
    return lines[0]


# ----------------------------------------------------------------------------------------------- report


def fmt_s(value) -> str:
    return "—" if value is None else f"{value:.3f} s"


def verdict(value, op: str, bound: float) -> str:
    if value is None:
        return "SKIP"
    return "PASS" if (value <= bound if op == "<=" else value >= bound) else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=None, help="copies of the Keras-dense tree (b) (default 50)")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per measurement; medians (default 3)")
    parser.add_argument(
        "--scale-copies", type=int, default=None, help="base copies for the scaling line: 1x, 4x, 16x (default 10)"
    )
    parser.add_argument("--single-repeat", type=int, default=None, help="runs of the one-file comparison (default 10)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs N to lstmlint check (when it has --jobs)")
    parser.add_argument("--skip-fixit", action="store_true", help="do not run fixit (its rows and ratio are skipped)")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny trees, one repeat")
    parser.add_argument("--json", metavar="OUT", type=Path, help="also write every number to this JSON file")
    parser.add_argument(
        "--lstmlint", metavar="CMD", help="the lstmlint command to time (default: the script next to this Python)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (its path is printed)")
    args = parser.parse_args(argv)

    copies = args.copies if args.copies is not None else (2 if args.quick else 50)
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    scale_base = args.scale_copies if args.scale_copies is not None else (1 if args.quick else 10)
    single_repeat = args.single_repeat if args.single_repeat is not None else (3 if args.quick else 10)
    if min(copies, repeat, scale_base, single_repeat) < 1:
        parser.error("--copies, --repeat, --scale-copies and --single-repeat must be at least 1")

    wall_start = time.perf_counter()
    machine = machine_info()
    tmp = Path(tempfile.mkdtemp(prefix="lstmlint-bench-"))
    notes: list[str] = []

    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        notes.append(
            "PYTHONDONTWRITEBYTECODE was set: Python subprocesses ran with a bytecode cache in the temp folder, "
            "warmed once before timing."
        )

    lstmlint = shlex.split(args.lstmlint) if args.lstmlint else script_or_module("lstmlint", "lstmlint")
    ruff = find_ruff()
    fixit = None if args.skip_fixit else find_fixit()
    missing = [
        name
        for name, cmd in (("ruff", ruff), ("fixit", fixit))
        if cmd is None and not (name == "fixit" and args.skip_fixit)
    ]

    results: dict = {}
    try:
        flags = detect_lstmlint_flags(lstmlint, env)
        no_cache = ["--no-cache"] if flags["--no-cache"] else []
        jobs: list[str] = []
        if args.jobs is not None:
            if flags["--jobs"]:
                jobs = ["--jobs", str(args.jobs)]
            else:
                notes.append(f"--jobs {args.jobs} ignored: lstmlint check has no --jobs flag.")
        if not flags["--no-cache"]:
            notes.append(
                "lstmlint check has no --no-cache flag: the 'no cache' runs are plain runs with .lstmlint_cache/ "
                "deleted from the tree first."
            )
        if not flags["--jobs"]:
            notes.append("lstmlint check has no --jobs flag: it ran with its default parallelism.")
        lint_cold = [*lstmlint, "check", *no_cache, *jobs, "."]
        lint_warm = [*lstmlint, "check", *jobs, "."]

        versions = {
            "lstmlint": package_version("lstmlint"),
            "libcst": package_version("libcst"),
            "ruff": tool_version([*ruff, "--version"], env).removeprefix("ruff ") if ruff else "not installed",
            "fixit": package_version("fixit") if fixit else ("skipped" if args.skip_fixit else "not installed"),
        }

        # ---------------------------------------------------------------- header
        print("lstmlint speed benchmark")
        print(
            f"machine: {machine['cpu_model']}, {machine['cpu_count']} CPUs ({machine['cpus_usable']} usable), "
            f"{machine['memory_gib']} GiB; Python {machine['python']} ({machine['python_impl']}); {machine['platform']}"
        )
        print(f"lstmlint command: {' '.join(lstmlint)}")
        print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        print(
            "lstmlint check flags: "
            + ", ".join(f"{flag} {'present' if present else 'MISSING'}" for flag, present in flags.items())
        )
        if missing:
            print(
                f"missing tools: {', '.join(missing)} — install with: {sys.executable} -m pip install {' '.join(missing)}"
            )
        print(
            f"settings: --copies {copies} --repeat {repeat} --scale-copies {scale_base} --single-repeat {single_repeat}"
            + (" --quick" if args.quick else "")
        )
        sys.stdout.flush()

        # ---------------------------------------------------------------- trees
        log(f"temp folder {tmp}")
        tree_a = tmp / "stdlib"
        files_a = copy_stdlib(tree_a, args.quick)
        sources = dense_sources()
        tree_b = tmp / "dense"
        files_b = build_dense(tree_b, copies, sources)
        log(f"(a) stdlib copy: {files_a} files; (b) Keras-dense: {copies} copies x {len(sources)} = {files_b} files")
        tree_c, files_c = None, 0
        if LIBRARIES.is_dir():
            tree_c = tmp / "libraries"
            files_c = copy_libraries(tree_c)
            log(f"(c) {LIBRARIES}: {files_c} .py files")
        else:
            notes.append(f"tree (c) skipped: {LIBRARIES} does not exist.")

        single_dir = tmp / "single"
        single_dir.mkdir()
        single_file = single_dir / "forecast_stacked.py"
        shutil.copyfile(ROOT / "examples" / "forecast_stacked.py", single_file)

        # ---------------------------------------------------------------- warm the interpreters' bytecode
        log("warming up (bytecode, page cache)")
        run_once([*lstmlint, "check", *no_cache, single_file.name], single_dir, env, (0, 1))
        run_once([sys.executable, "-c", "import libcst"], single_dir, env)
        for mode in ("ast", "libcst"):
            run_once([sys.executable, "-c", PARSE_SCRIPT, mode, str(single_dir)], single_dir, env)

        fixit_config = tmp / "fixit.toml"
        fixit_check_line = None
        if fixit:
            (tmp / "lstmlint_bench_rule.py").write_text(FIXIT_RULE)
            fixit_config.write_text(FIXIT_CONFIG)
            fixit_check_line = check_fixit(fixit, fixit_config, tmp, env)  # also warms fixit
            log(f"fixit runs only the benchmark rule: {fixit_check_line}")

        # ---------------------------------------------------------------- trees (a) and (b)
        def parse_cmd(mode: str, tree: Path) -> list[str]:
            return [sys.executable, "-c", PARSE_SCRIPT, mode, str(tree)]

        for key, tree in (("a", tree_a), ("b", tree_b), ("c", tree_c)):
            if tree is None:
                continue
            r: dict = {}
            specs: dict[str, dict] = {
                "lstmlint_cold": {"cmd": lint_cold, "cwd": tree, "ok": (0, 1), "before": lambda t=tree: remove_cache(t)}
            }
            if ruff:
                specs["ruff"] = {"cmd": [*ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet", "."],
                                 "cwd": tree}
            for mode in ("ast", "libcst"):
                if key == "c" and mode == "libcst" and args.quick:
                    continue  # most of a minute: not for a smoke run
                specs[f"{mode}_parse"] = {"cmd": parse_cmd(mode, tree), "cwd": tree, "capture": True,
                                          "times": 1 if key == "c" and mode == "libcst" else repeat}
            if key == "b" and fixit:
                specs["fixit"] = {"cmd": [*fixit, "--config-file", str(fixit_config), "lint", "."], "cwd": tree,
                                  "ok": (0, 1)}
            log(f"({key}) interleaved, {repeat} round(s): {', '.join(specs)}")
            r.update(interleaved(specs, env, repeat))
            for mode in ("ast", "libcst"):
                if f"{mode}_parse" in r:
                    r[f"{mode}_counts"] = json.loads(r[f"{mode}_parse"].pop("stdout"))
            remove_cache(tree)
            if key == "b":
                log("(b) lstmlint check (cached: one warming run, then timed)")
                remove_cache(tree)
                run_once(lint_warm, tree, env, (0, 1))
                r["cache_dir_in_tree"] = (tree / ".lstmlint_cache").is_dir()
                r["lstmlint_cached"] = timed(lint_warm, tree, env, repeat, (0, 1))
                remove_cache(tree)
            if key == "c":
                log("(c) lstmlint check --no-cache --statistics (files parsed and skipped)")
                stats_cmd = [*lstmlint, "check", *no_cache, *jobs, "--statistics", "."]
                out = subprocess.run(stats_cmd, cwd=tree, env=env, capture_output=True, text=True, check=False)
                lines = [line for line in out.stderr.splitlines() if " files: " in line]
                r["statistics"] = lines[-1] if lines else f"(no statistics: exit {out.returncode})"
            results[key] = r

        # ---------------------------------------------------------------- one file
        log(f"one file: lstmlint check {single_file.name} vs python -c 'import libcst' ({single_repeat} runs each)")
        # As in a pre-commit hook on a file just edited: the compiled rules are cached from earlier runs, the
        # file's findings are not (its content changes before every run, so the per-file cache misses).
        edits = iter(range(10**6))
        run_once([*lstmlint, "check", single_file.name], single_dir, env, (0, 1))  # compiles the rules once
        results["single"] = interleaved({
            "lstmlint": {"cmd": [*lstmlint, "check", *jobs, single_file.name], "cwd": single_dir, "ok": (0, 1),
                         "before": lambda: single_file.write_text(single_file.read_text() + f"# edit {next(edits)}\n")},
            "import_libcst": {"cmd": [sys.executable, "-c", "import libcst"], "cwd": single_dir},
        }, env, single_repeat)

        # ---------------------------------------------------------------- memory
        log(f"(a) peak memory of {' '.join(['lstmlint', *lint_cold[len(lstmlint) :]])}")
        remove_cache(tree_a)
        results["rss_a"] = measure_rss(lint_cold, tree_a, env)
        remove_cache(tree_a)
        if tree_c is not None:
            log(f"(c) peak memory of {' '.join(['lstmlint', *lint_cold[len(lstmlint) :]])}")
            results["rss_c"] = measure_rss(lint_cold, tree_c, env)

        # ---------------------------------------------------------------- scaling
        scaling = []
        for factor in (1, 4, 16):
            n = scale_base * factor
            tree = tree_b if n == copies else tmp / f"scale_{n}"
            if tree is not tree_b:
                build_dense(tree, n, sources)
            log(f"scaling {factor}x: {n} copies, {n * len(sources)} files")
            t = timed(lint_cold, tree, env, repeat, (0, 1), before=lambda t=tree: remove_cache(t))
            scaling.append({"factor": factor, "copies": n, "files": n * len(sources), **t})
            if tree is not tree_b:
                shutil.rmtree(tree, ignore_errors=True)
        base_per_file = scaling[0]["median"] / scaling[0]["files"]
        for row in scaling:
            row["per_file_ms"] = row["median"] / row["files"] * 1000
            row["per_file_vs_1x"] = (row["median"] / row["files"]) / base_per_file
        results["scaling"] = scaling
    except BenchError as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    # -------------------------------------------------------------------- table
    a, b, single, rss = results["a"], results["b"], results["single"], results["rss_a"]
    c = results.get("c", {})
    med = lambda r, k: r[k]["median"] if k in r else None
    cold_label = "lstmlint check" + (" --no-cache" if flags["--no-cache"] else " (cache deleted)")
    rows = [
        (cold_label, med(a, "lstmlint_cold"), med(b, "lstmlint_cold"), med(c, "lstmlint_cold")),
        ("lstmlint check, cached 2nd run", None, med(b, "lstmlint_cached"), None),
        ("ruff check --no-cache", med(a, "ruff"), med(b, "ruff"), med(c, "ruff")),
        ("ast.parse, 1 process*", med(a, "ast_parse"), med(b, "ast_parse"), med(c, "ast_parse")),
        ("libcst.parse_module, 1 process*", med(a, "libcst_parse"), med(b, "libcst_parse"), med(c, "libcst_parse")),
        ("fixit lint, 1 trivial rule", None, med(b, "fixit"), None),
    ]
    heads = [f"(a) CPython Lib, {files_a} files" + (" (top level only)" if args.quick else ""),
             f"(b) Keras-dense, {files_b} files", f"(c) libraries, {files_c} files" if c else "(c) skipped"]
    w0 = max(len(r[0]) for r in rows)
    widths = [max(len(h), 10) for h in heads]
    print()
    print(
        f"medians of {repeat} run(s), wall clock; * = a subprocess that reads and parses every file, "
        f"including its interpreter's startup"
    )
    print(f"| {'':<{w0}} | " + " | ".join(f"{h:>{w}}" for h, w in zip(heads, widths)) + " |")
    print(f"|{'-' * (w0 + 2)}|" + "|".join(f"{'-' * (w + 1)}:" for w in widths) + "|")
    for name, *values in rows:
        print(f"| {name:<{w0}} | " + " | ".join(f"{fmt_s(v):>{w}}" for v, w in zip(values, widths)) + " |")
    if c:
        print(f"  (c) libcst parse: one run; {c.get('statistics', '')}")
    for key, label in (("a", "(a)"), ("b", "(b)"), ("c", "(c)")):
        if key not in results:
            continue
        counts = results[key]
        fails = {m: counts.get(f"{m}_counts", {}).get("failed", 0) for m in ("ast", "libcst")}
        if any(fails.values()):
            print(f"  {label} files that failed to parse (still timed): ast {fails['ast']}, libcst {fails['libcst']}")
    print(
        f"one file ({single_file.name}, {single_repeat} runs): "
        f"{' '.join(['lstmlint check', *jobs, single_file.name])} {fmt_s(single['lstmlint']['median'])}, python -c 'import libcst' {fmt_s(single['import_libcst']['median'])}"
    )
    peaks = {}
    for key, data in (("a", rss), ("c", results.get("rss_c"))):
        if data is None:
            continue
        peaks[key] = max(data["tree_peak_kib"], data["maxrss_kib"]) * 1024 / MB
        print(
            f"peak memory of {cold_label} on ({key}): largest process {data['maxrss_kib'] * 1024 / MB:.1f} MB "
            f"(getrusage), whole process tree {data['tree_peak_kib'] * 1024 / MB:.1f} MB over up to "
            f"{data['max_procs']} process(es) (sampled /proc every 10 ms)"
        )
    if "cache_dir_in_tree" in b:
        print(
            f"cache: .lstmlint_cache/ {'appeared' if b['cache_dir_in_tree'] else 'did not appear'} in the tree after the warming run"
        )

    # -------------------------------------------------------------------- ratios
    def ratio(x, y):
        return None if x is None or y is None or y == 0 else x / y

    ncpu = machine["cpus_usable"]
    targets = [
        ("(a) lstmlint / ruff", ratio(med(a, "lstmlint_cold"), med(a, "ruff")), "<=", 0.5, ""),
        (
            "(b) lstmlint / libcst parse (1 process)",
            ratio(med(b, "lstmlint_cold"), med(b, "libcst_parse")),
            "<=",
            0.7,
            f"{ncpu} CPUs usable",
        ),
        (
            "(b) fixit / lstmlint",
            ratio(med(b, "fixit"), med(b, "lstmlint_cold")),
            ">=",
            10,
            "fixit skipped" if args.skip_fixit else "",
        ),
        (
            "(b) cached 2nd run / first run",
            ratio(med(b, "lstmlint_cached"), med(b, "lstmlint_cold")),
            "<=",
            0.1,
            "" if flags["--no-cache"] else "no --no-cache flag",
        ),
        (
            "(c) lstmlint / ruff",
            ratio(med(c, "lstmlint_cold"), med(c, "ruff")),
            "<=",
            3,
            "" if c else "tree (c) skipped",
        ),
        (
            "one file: lstmlint / import libcst",
            ratio(single["lstmlint"]["median"], single["import_libcst"]["median"]),
            "<=",
            1.5,
            "",
        ),
    ]
    print()
    print("targets")
    tw = max(len(t[0]) for t in targets) + 2
    ratios_out = []
    for name, value, op, bound, note in targets:
        shown = "—" if value is None else f"{value:.3f}"
        v = verdict(value, op, bound)
        print(f"  {name:<{tw}} {shown:>8}   target {op} {bound:<5} {v}" + (f"   ({note})" if note else ""))
        ratios_out.append({"name": name, "value": value, "op": op, "target": bound, "verdict": v, "note": note})
    for key, bound in (("a", 150), ("c", 300)):
        peak = peaks.get(key)
        v = verdict(peak, "<=", bound)
        shown = "—" if peak is None else f"{peak:.1f}"
        print(f"  {f'({key}) peak memory, MB':<{tw}} {shown:>8}   target <= {bound:<5} {v}")
        ratios_out.append({"name": f"({key}) peak memory, MB", "value": peak, "op": "<=", "target": bound,
                           "verdict": v, "note": "" if peak is not None else "tree (c) skipped"})

    scaling = results["scaling"]
    worst = max(row["per_file_vs_1x"] for row in scaling[1:])
    v = verdict(worst, "<=", 1.10)
    parts = ", ".join(
        f"{row['factor']}x {row['files']} files {row['median']:.2f} s ({row['per_file_ms']:.2f} ms/file, {row['per_file_vs_1x']:.2f})"
        for row in scaling
    )
    print(f"  {'scaling, time/file vs 1x':<{tw}} {worst:>8.3f}   target <= 1.1   {v}   ({parts})")
    ratios_out.append(
        {
            "name": "scaling, worst time/file vs 1x",
            "value": worst,
            "op": "<=",
            "target": 1.10,
            "verdict": v,
            "note": parts,
        }
    )

    total = time.perf_counter() - wall_start
    print()
    for note in notes:
        print(f"note: {note}")
    load_end = os.getloadavg() if hasattr(os, "getloadavg") else None
    machine["load_avg_end"] = list(load_end) if load_end else None
    lint_jobs = f"lstmlint ran with {' '.join(jobs)}" if jobs else "lstmlint ran with its default parallelism"
    print(f"note: fixit runs a process pool; ruff uses all CPUs; {lint_jobs}.")
    if machine["load_avg_start"] and load_end:
        fmt_load = lambda xs: "/".join(f"{x:.2f}" for x in xs)
        print(
            f"note: load average (1/5/15 min) at start {fmt_load(machine['load_avg_start'])}, "
            f"at end {fmt_load(load_end)}; other load on the machine skews the times."
        )
    print(f"total benchmark time: {total:.0f} s")

    if args.json:
        payload = {
            "machine": machine,
            "versions": versions,
            "lstmlint_flags": flags,
            "settings": {
                "copies": copies,
                "repeat": repeat,
                "scale_copies": scale_base,
                "single_repeat": single_repeat,
                "quick": args.quick,
                "jobs": args.jobs,
                "skip_fixit": args.skip_fixit,
            },
            "files": {"a": files_a, "b": files_b, "c": files_c, "per_copy": len(sources)},
            "results": results,
            "targets": ratios_out,
            "fixit_check": fixit_check_line,
            "notes": notes,
            "total_seconds": total,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
