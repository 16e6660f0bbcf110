"""symcnn's speed, side by side with torchinfo, and against the targets of the
performance issue.

    python benchmarks/run.py            # the full run (a few minutes), writes
                                        # benchmarks/results.json
    python benchmarks/run.py --quick    # a short run that proves the runner works

Each case is timed several times and reported as the median. In-process cases start
each repetition with sympy's cache emptied, so no run profits from the one before.
Process cases run ``python -m symcnn ...`` (or torchinfo's script) as a fresh process
and read its wall time and peak resident memory from the operating system; the
interpreter's bytecode caches exist (one untimed run first), as they do after
``pip install``. torchinfo's side builds the hand-written ``torch.nn`` model of
``torch_models.py`` and calls ``summary()``; without torch and torchinfo installed
(``pip install -e ".[bench]"``) that side is left out. Machines are shared and noisy:
the ratios mean more than the absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import symcnn  # noqa: E402  (after sys.path: the checkout's symcnn, not an installed one)

NETWORKS = {
    "mnist": (ROOT / "examples" / "mnist.cnn").read_text(),
    "cifar": (ROOT / "examples" / "cifar.cnn").read_text(),
    "vgg16": (ROOT / "examples" / "vgg16.cnn").read_text(),
    "resnet50": "n = 224\n" + (ROOT / "examples" / "zoo" / "resnet50.cnn").read_text(),
    "resnet152": "n = 224\n" + (ROOT / "examples" / "zoo" / "resnet152.cnn").read_text(),
}
SYMBOLIC = {
    "vgg16(n)": (ROOT / "examples" / "zoo" / "vgg16_paper.cnn").read_text(),  # the paper's form
    "resnet50(n)": (ROOT / "examples" / "zoo" / "resnet50.cnn").read_text(),
    "resnet152(n)": (ROOT / "examples" / "zoo" / "resnet152.cnn").read_text(),
}
SWEEP_NETWORK = "I(n, n, 3) C(f, k) P(2) C(2*f, k, p=1) P(2) D(256) O(10)"
SWEEP_GRID = {"n": range(32, 232), "k": [3, 5, 7, 9, 11], "f": range(8, 1008)}


def chain(layers: int) -> str:
    """A network of ``layers`` layers symbolic in its input size, written out in full
    (no ``* N``), so that parsing grows with it as well."""
    kinds = ["C(16, 3, p=1)", "BN", "ReLU"]
    body = "\n".join(kinds[i % 3] for i in range(layers - 1))
    return f"I(n, n, 16)\n{body}\n"


# ---- measuring ---------------------------------------------------------------------

def fresh() -> None:
    if "sympy" in sys.modules:
        from sympy.core.cache import clear_cache

        clear_cache()


def timed(work: Callable[[], Any], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU times of ``repeat`` runs of ``work``."""
    wall, cpu = [], []
    for _ in range(repeat):
        fresh()
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


# Runs one command and reports on it. A small process of its own spawns the command, so
# that the command's peak memory is its own and not that of a copy of this runner.
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
out = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=out)
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                  "status": os.waitstatus_to_exitcode(status), "peak_kib": usage.ru_maxrss}))
"""


def process(argv: list[str], repeat: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU times of ``argv`` run as a fresh process, and its largest peak
    resident memory in bytes."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE)])
    wall, cpu, peak = [], [], 0
    for i in range(repeat + 1):
        done = subprocess.run([sys.executable, "-c", LAUNCHER, *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
        report = json.loads(done.stdout)
        if report["status"]:
            raise SystemExit(f"{' '.join(argv)} failed with status {report['status']}")
        if i:  # the first run writes the bytecode caches
            wall.append(report["wall"])
            cpu.append(report["cpu"])
            peak = max(peak, report["peak_kib"] * 1024)  # Linux reports KiB
    return wall, cpu, peak


def table_text(text: str) -> str:
    """The per-layer table that ``symcnn NETWORK`` prints, through the library, as
    torchinfo's side is ``summary()`` (the command line as a whole is a process case)."""
    return symcnn.parse(text).render("text")


def totals(text: str) -> None:
    net = symcnn.parse(text)
    net.params, net.non_trainable, net.macs  # noqa: B018


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torchinfo_available() -> bool:
    try:
        import torch  # noqa: F401
        import torchinfo  # noqa: F401
    except ImportError:
        return False
    return True


# ---- the cases ---------------------------------------------------------------------

def run(quick: bool) -> dict[str, Any]:
    fast, slow, procs = (3, 1, 2) if quick else (30, 3, 10)
    torch_side = torchinfo_available()
    results: dict[str, Any] = {"cases": {}, "environment": environment(quick, torch_side)}
    cases = results["cases"]

    def case(name: str, what: str, times: tuple, **extra: Any) -> dict:
        wall, cpu = times[:2]
        entry = {"what": what, "median_s": statistics.median(wall),
                 "cpu_median_s": statistics.median(cpu), "samples_s": wall,
                 "cpu_samples_s": cpu, **extra}
        if len(times) > 2:
            entry["peak_rss_bytes"] = times[2]
        cases[name] = entry
        print(f"  {name:<28} {entry['median_s'] * 1e3:10.2f} ms  (CPU "
              f"{entry['cpu_median_s'] * 1e3:.2f} ms)", flush=True)
        return entry

    print("in process: text -> finished per-layer table")
    for name, text in NETWORKS.items():
        table_text(text)  # the first run builds the parser once
        case(f"{name} table", "text to the per-layer table, in process",
             timed(lambda text=text: table_text(text), fast))
    print("in process: symbolic, parsed and evaluated with all totals")
    for name, text in SYMBOLIC.items():
        case(f"{name} totals", "symbolic in n: parse, evaluate, all totals",
             timed(lambda text=text: totals(text), fast))
    results["vgg16(n) params"] = str(symcnn.parse(SYMBOLIC["vgg16(n)"]).params)
    # 10,000 layers is past MAX_LAYERS (4,000, set for the slowest output format);
    # the benchmark measures evaluation and totals, so it raises the limit
    symcnn.limits.MAX_LAYERS = max(symcnn.limits.MAX_LAYERS, 10_000)
    for layers in (1_000, 10_000):
        text = chain(layers)
        case(f"chain {layers:,} totals", f"{layers:,} layers symbolic in n: parse, evaluate, "
             "all totals", timed(lambda text=text: totals(text), max(1, fast // 10)))
    net = symcnn.parse(SWEEP_NETWORK)
    net.sweep(n=[32], k=[3], f=[8])  # NumPy's import is not the sweep's cost
    case("sweep 1,000,000", "net.sweep over 200 n x 5 k x 1000 f, exact",
         timed(lambda: symcnn.parse(SWEEP_NETWORK).sweep(**SWEEP_GRID), max(1, fast // 6)))

    print("whole process, cold: python -m symcnn -f FILE")
    # what any process pays before symcnn's own work: the interpreter, and sympy's import
    case("python alone", "python -c pass, for reference",
         process([sys.executable, "-c", "pass"], procs))
    case("import sympy", "python -c 'import sympy', for reference",
         process([sys.executable, "-c", "import sympy"], procs))
    with tempfile.TemporaryDirectory() as folder:
        for name, text in NETWORKS.items():
            path = Path(folder) / f"{name}.cnn"
            path.write_text(text)
            case(f"{name} cli", f"symcnn -f {name}.cnn, a fresh process",
                 process([sys.executable, "-m", "symcnn", "-f", str(path)], procs))

    if torch_side:
        print("torchinfo: build the torch.nn model, summary(), str()")
        import torch_models

        for name, text in NETWORKS.items():
            expected = int(symcnn.parse(text).params)
            assert torch_models.trainable(name) == expected, name
            torch_models.summary_table(name)  # warm up torch's lazy initialisation
            case(f"{name} torchinfo", "torch.nn model + torchinfo summary(), in process",
                 timed(lambda name=name: torch_models.summary_table(name), slow))
            case(f"{name} torchinfo process", "torchinfo's whole process",
                 process([sys.executable, str(HERE / "torch_models.py"), name],
                         max(1, procs // 5)))
    if torch_available():
        print("import: symcnn.from_torch of the torch.nn model, built once")
        import torch_models

        for name in ("resnet50", "resnet152"):
            model = torch_models.MODELS[name][0]()
            symcnn.from_torch(model, (3, "n", "n"))  # torch.fx's first trace warms up
            case(f"{name} import", "symcnn.from_torch(model, (3, 'n', 'n')), the model built",
                 timed(lambda model=model: symcnn.from_torch(model, (3, "n", "n")), slow))
    results["targets"] = targets(cases, results["vgg16(n) params"])
    results["environment"]["load_average_end"] = os.getloadavg()
    return results


def environment(quick: bool, torch_side: bool) -> dict[str, Any]:
    versions = {"python": platform.python_version(), "symcnn": symcnn.__version__}
    for module in ("sympy", "lark", "numpy", "torch", "torchinfo"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = None
    return {"quick": quick, "machine": platform.machine(), "cpus": os.cpu_count(),
            "platform": platform.platform(), "versions": versions, "torchinfo": torch_side,
            "load_average": os.getloadavg()}


def targets(cases: dict[str, Any], vgg_params: str) -> list[dict[str, Any]]:
    def median(name: str, key: str = "median_s") -> float | None:
        return cases[name][key] if name in cases else None

    def ratio(a: str, b: str, key: str = "median_s") -> float | None:
        x, y = median(a, key), median(b, key)
        return None if x is None or y is None else x / y

    def both(function: Callable[..., float | None], *names: str) -> tuple:
        return function(*names), function(*names, key="cpu_median_s")

    peak = cases["vgg16 cli"]["peak_rss_bytes"] / 2**20
    checks = [
        ("VGG16 text -> table, in process", both(median, "vgg16 table"), "<= 5 ms", 0.005),
        ("VGG16: torchinfo time / symcnn time", both(ratio, "vgg16 torchinfo", "vgg16 table"),
         ">= 100x", 100),
        ("symcnn -f vgg16.cnn, wall", both(median, "vgg16 cli"), "<= 0.4 s", 0.4),
        ("symcnn -f vgg16.cnn, peak memory", (peak, None), "<= 100 MiB", 100),
        ("ResNet-152(n) with all totals", both(median, "resnet152(n) totals"), "<= 100 ms",
         0.1),
        ("10,000 layers", both(median, "chain 10,000 totals"), "<= 1 s", 1.0),
        ("10,000 / 1,000 layers", both(ratio, "chain 10,000 totals", "chain 1,000 totals"),
         "<= 12x", 12),
        ("sweep of 1,000,000 configurations", both(median, "sweep 1,000,000"), "<= 1 s", 1.0),
        ("ResNet-50 import beyond building the model", both(median, "resnet50 import"),
         "<= 1 s", 1.0),
    ]
    out = []
    for what, (value, cpu), goal, limit in checks:
        met = None if value is None else (value >= limit if ">=" in goal else value <= limit)
        out.append({"target": what, "value": value, "cpu": cpu, "goal": goal, "met": met})
    floors = vgg_params == "2097152*floor(n/32)**2 + 35597096"
    out.append({"target": "VGG16(n) params collapse to one floor", "value": vgg_params,
                "cpu": None, "goal": "2097152*floor(n/32)**2 + 35597096", "met": floors})
    return out


# ---- the report --------------------------------------------------------------------

def report(results: dict[str, Any]) -> str:
    cases = results["cases"]

    def ms(name: str) -> str:
        return f"{cases[name]['median_s'] * 1e3:.2f} ms" if name in cases else "n/a"

    def mib(name: str) -> str:
        entry = cases.get(name)
        return f"{entry['peak_rss_bytes'] / 2**20:.0f} MiB" if entry else "n/a"

    def times(a: str, b: str) -> str:
        if a not in cases or b not in cases:
            return "n/a"
        return f"{cases[a]['median_s'] / cases[b]['median_s']:,.0f}x"

    def memory(a: str, b: str) -> str:
        if a not in cases or b not in cases:
            return "n/a"
        return f"{cases[a]['peak_rss_bytes'] / cases[b]['peak_rss_bytes']:.1f}x"

    rows = [("network", "symcnn table", "torchinfo", "ratio", "symcnn process",
             "torchinfo process", "ratio", "symcnn peak", "torchinfo peak", "ratio")]
    for name in NETWORKS:
        rows.append((name, ms(f"{name} table"), ms(f"{name} torchinfo"),
                     times(f"{name} torchinfo", f"{name} table"), ms(f"{name} cli"),
                     ms(f"{name} torchinfo process"),
                     times(f"{name} torchinfo process", f"{name} cli"),
                     mib(f"{name} cli"), mib(f"{name} torchinfo process"),
                     memory(f"{name} torchinfo process", f"{name} cli")))
    heading = ("Side by side (medians; 'table' and 'torchinfo' in process, 'process' a "
               "fresh process):")
    lines = [heading, "", *_columns(rows), ""]
    rows = [("case", "median", "CPU")]
    for name, entry in cases.items():
        if name.endswith(("totals", "1,000,000")):
            rows.append((f"{name} ({entry['what']})", ms(name),
                         f"{entry['cpu_median_s'] * 1e3:.2f} ms"))
    lines += ["symcnn alone:", "", *_columns(rows), ""]
    rows = [("process", "median", "CPU", "peak")]
    for name in ("python alone", "import sympy", "vgg16 cli"):
        if name in cases:
            rows.append((f"{name} ({cases[name]['what']})", ms(name),
                         f"{cases[name]['cpu_median_s'] * 1e3:.2f} ms", mib(name)))
    lines += ["Where a command-line run's time goes:", "", *_columns(rows), ""]

    def shown(value: Any, goal: str) -> str:
        if not isinstance(value, float):
            return "" if value is None else str(value)
        unit = goal.split()[-1]
        return {"ms": f"{value * 1e3:.2f} ms", "s": f"{value:.3f} s",
                "MiB": f"{value:.0f} MiB"}.get(unit, f"{value:,.1f}x")

    rows = [("target", "measured", "CPU", "goal", "met")]
    for t in results["targets"]:
        met = {True: "yes", False: "NO", None: "n/a"}[t["met"]]
        rows.append((t["target"], shown(t["value"], t["goal"]), shown(t["cpu"], t["goal"]),
                     t["goal"], met))
    lines += ["Targets:", "", *_columns(rows)]
    env = results["environment"]
    loads = [env["load_average"][0], env.get("load_average_end", [None])[0]]
    lines += ["", f"{env['cpus']} CPUs, {env['platform']}, load average (1 min) "
              f"{' at the start, '.join(f'{x:.2f}' for x in loads if x is not None)}"
              " at the end; "
              + ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)]
    return "\n".join(lines)


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for i, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        out.append("  ".join(cells).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="few repetitions: proves the runner works, times mean little")
    parser.add_argument("--json", default=str(HERE / "results.json"),
                        help="where to write the results (default: benchmarks/results.json)")
    args = parser.parse_args(argv)
    results = run(args.quick)
    text = report(results)
    print()
    print(text)
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
