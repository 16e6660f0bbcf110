"""symcnn's speed, side by side with its peers (torchinfo, thop, ptflops) and with a
hand-written floor, against the targets of the performance issue (issue 15).

    python benchmarks/run.py            # the full run (many minutes), writes
                                        # benchmarks/results.json
    python benchmarks/run.py --quick    # a short run that proves the runner works

Each case is timed several times and reported as the median, wall and CPU time. In-
process cases start each repetition with sympy's cache emptied, so no run profits from
the one before (symcnn's own caches live inside one evaluation). Process cases run
``python -m symcnn ...`` (or a peer's script) as a fresh process and read its wall time
and peak resident memory from the operating system; the interpreter's bytecode caches
exist (one untimed run first), as they do after ``pip install``.

The floor (``floor.py``) is a plain-Python interpreter of the language subset that
VGG16, ResNet-50/152, MobileNetV2 and EfficientNet-B0 use; its totals are checked
against symcnn's first. The peers get their models built before the clock starts
(hand-written ``torch.nn`` in ``torch_models.py``, torchvision's for MobileNetV2 and
EfficientNet-B0), on PyTorch's ``meta`` device (shapes only) and on the CPU; without
them installed (``pip install -e ".[bench]"``) that side is left out. Machines are
shared and noisy: the ratios, and CPU times, mean more than the absolute wall times.
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
import symcnn.zoo  # noqa: E402

ZOO = ROOT / "examples" / "zoo"
NETWORKS = {
    "mnist": (ROOT / "examples" / "mnist.cnn").read_text(),
    "cifar": (ROOT / "examples" / "cifar.cnn").read_text(),
    "vgg16": (ROOT / "examples" / "vgg16.cnn").read_text(),
    **{name: "n = 224\n" + (ZOO / f"{name}.cnn").read_text()
       for name in ("resnet50", "resnet152", "mobilenet_v2", "efficientnet_b0")},
}
# the networks of the in-process targets: symcnn against the hand-written floor
# (floor.py) and against every peer's fastest path
FLOORED = ["vgg16", "resnet50", "resnet152", "mobilenet_v2", "efficientnet_b0"]
SYMBOLIC = {
    "vgg16(n)": (ZOO / "vgg16_paper.cnn").read_text(),  # the paper's form
    "resnet50(n)": (ZOO / "resnet50.cnn").read_text(),
    "resnet152(n)": (ZOO / "resnet152.cnn").read_text(),
}
# symbolic networks whose whole text table is a target
SYMBOLIC_TABLES = {name + "(n)": (ZOO / f"{name}.cnn").read_text()
                   for name in ("resnet152", "efficientnet_b7", "convnext_large")}
SWEEP_NETWORK = "I(n, n, 3) C(f, k) P(2) C(2*f, k, p=1) P(2) D(256) O(10)"
SWEEP_GRID = {"n": range(32, 232), "k": [3, 5, 7, 9, 11], "f": range(8, 1008)}


def sweep_by_hand(n: Any, k: Any, f: Any) -> dict[str, Any]:
    """SWEEP_NETWORK's totals written by hand in NumPy, over the same grid: the floor
    that ``net.sweep`` is measured against (its values are checked to be equal)."""
    import numpy as np

    n, k, f = np.meshgrid(np.asarray(n), np.asarray(k), np.asarray(f), indexing="ij")
    h1 = n - k + 1                    # C(f, k)
    h2 = h1 // 2                      # P(2)
    h3 = h2 + 2 - k + 1               # C(2f, k, p=1)
    h4 = h3 // 2                      # P(2)
    flat = h4 * h4 * 2 * f            # D(256)
    params = (3 * k * k + 1) * f + (k * k * f + 1) * 2 * f + (flat + 1) * 256 + 2570
    macs = 3 * k * k * f * h1 * h1 + k * k * f * 2 * f * h3 * h3 + flat * 256 + 2560
    valid = (h1 >= 1) & (h2 >= 1) & (h3 >= 1) & (h4 >= 1)
    return {"params": params.ravel(), "macs": macs.ravel(), "valid": valid.ravel()}


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


def peers() -> dict[str, Callable[[Any, tuple[int, ...], str], Any]]:
    """The peers installed (``pip install -e ".[bench]"``), each as a function of a
    built model, its input size and its device that does the peer's whole work (for
    torchinfo, the printed summary): model construction is left out of their time."""
    import contextlib
    import io
    import warnings

    warnings.filterwarnings("ignore")
    found: dict[str, Callable[[Any, tuple[int, ...], str], Any]] = {}
    try:
        import torchinfo

        found["torchinfo"] = lambda model, size, device: str(torchinfo.summary(
            model, input_size=size, verbose=0, device=device))
    except ImportError:
        pass
    try:
        import torch
        import thop

        def with_thop(model: Any, size: tuple[int, ...], device: str) -> Any:
            with contextlib.redirect_stdout(io.StringIO()):
                return thop.profile(model, inputs=(torch.empty(size, device=device),),
                                    verbose=False)
        found["thop"] = with_thop
    except ImportError:
        pass
    try:
        sys.path.insert(0, str(ROOT / "tests"))
        import torchvision_models  # noqa: F401  (ptflops imports torchvision: the shim first)
        import ptflops

        def with_ptflops(model: Any, size: tuple[int, ...], device: str) -> Any:
            with contextlib.redirect_stdout(io.StringIO()):
                return ptflops.get_model_complexity_info(
                    model, tuple(size[1:]), as_strings=False, backend="pytorch",
                    print_per_layer_stat=True, ost=io.StringIO())
        found["ptflops"] = with_ptflops
    except ImportError:
        pass
    return found


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
        print(f"  {name:<36} {entry['median_s'] * 1e3:10.2f} ms  (CPU "
              f"{entry['cpu_median_s'] * 1e3:.2f} ms)", flush=True)
        return entry

    import floor

    print("in process: text -> finished per-layer table; the hand-written floor")
    for name, text in NETWORKS.items():
        table_text(text)  # the first run builds the parser once
        case(f"{name} table", "text to the per-layer table, in process",
             timed(lambda text=text: table_text(text), fast))
        if name in FLOORED:
            net = symcnn.parse(text)
            assert floor.totals(text) == (net.params, net.non_trainable, net.macs), name
            case(f"{name} floor", "floor.py: text to its table, in process",
                 timed(lambda text=text: floor.render(text), fast))
    print("in process: symbolic, parsed and evaluated with all totals; whole tables")
    for name, text in SYMBOLIC.items():
        case(f"{name} totals", "symbolic in n: parse, evaluate, all totals",
             timed(lambda text=text: totals(text), fast))
    for name, text in SYMBOLIC_TABLES.items():
        case(f"{name} symbolic table", "symbolic in n: text to the whole text table",
             timed(lambda text=text: table_text(text), max(1, fast // 3)))
    results["vgg16(n) params"] = str(symcnn.parse(SYMBOLIC["vgg16(n)"]).params)
    # past MAX_LAYERS (set for the slowest output format) and MAX_TEXT: the benchmark
    # measures parsing, evaluation and totals, so it raises both
    symcnn.limits.MAX_LAYERS = max(symcnn.limits.MAX_LAYERS, 100_000)
    symcnn.limits.MAX_TEXT = max(symcnn.limits.MAX_TEXT, 2_000_000)
    for layers in (1_000, 10_000, 100_000):
        text = chain(layers)
        case(f"chain {layers:,} totals", f"{layers:,} layers symbolic in n, written out: "
             "parse, evaluate, all totals",
             timed(lambda text=text: totals(text), max(1, fast // (10 * layers // 1000))))
    net = symcnn.parse(SWEEP_NETWORK)
    net.sweep(n=[32], k=[3], f=[8])  # NumPy's import is not the sweep's cost
    swept = net.sweep(**SWEEP_GRID)
    by_hand = sweep_by_hand(*SWEEP_GRID.values())
    valid = by_hand["valid"]
    assert (swept["valid"] == valid).all()
    assert all((swept[key][valid] == by_hand[key][valid]).all() for key in ("params", "macs"))
    case("sweep 1,000,000", "net.sweep over 200 n x 5 k x 1000 f, exact",
         timed(lambda: symcnn.parse(SWEEP_NETWORK).sweep(**SWEEP_GRID), max(1, fast // 6)))
    case("sweep 1,000,000 by hand", "the same totals written by hand in NumPy",
         timed(lambda: sweep_by_hand(*SWEEP_GRID.values()), max(1, fast // 6)))

    print("whole process, cold: python -m symcnn -f FILE, symcnn zoo NAME --set n=224")
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
    for name in symcnn.zoo.names():
        size = "299" if name.startswith("inception") else "224"
        free = {str(symbol) for symbol in symcnn.zoo.load(name).symbols}  # none: LeNet-5
        values = ["--set", *(f"{k}={v}" for k, v in (("n", size), ("t", "16")) if k in free)]
        values = values if free else []
        case(f"zoo {name} --set", f"symcnn zoo {name} {' '.join(values)}, a fresh process",
             process([sys.executable, "-m", "symcnn", "zoo", name, *values],
                     max(2, procs // 3)))

    if torch_side:
        in_process_peers(cases, case, slow, procs)
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


def in_process_peers(cases: dict[str, Any], case: Callable[..., dict], slow: int,
                     procs: int) -> None:
    """Each peer on each network, the model built before the clock starts, on the CPU
    (real tensors) and on PyTorch's meta device (shapes only); and torchinfo's whole
    process with either model."""
    import torch_models

    print("peers: the model built first; then torchinfo's summary, thop, ptflops")
    found = peers()
    for name in NETWORKS:
        expected = int(symcnn.parse(NETWORKS[name]).params)
        assert torch_models.trainable(name) == expected, name
        size = torch_models.MODELS[name][1]
        for device in ("meta", "cpu"):
            model = torch_models.build(name, device)
            for peer, work in found.items():
                if device == "cpu" and peer != "torchinfo" and name not in FLOORED[:1]:
                    continue  # on real tensors every peer runs the forward pass: slow
                work(model, size, device)  # warm up torch's lazy initialisation
                case(f"{name} {peer} {device}", f"{peer} on a model built on {device}, "
                     "in process, its construction left out",
                     timed(lambda work=work, model=model, size=size, device=device:
                           work(model, size, device),
                           slow if device == "meta" else 1))
    for name in ("vgg16", "resnet152", "efficientnet_b0"):
        for device in ("meta", "cpu"):
            case(f"{name} torchinfo {device} process",
                 f"torchinfo's whole process, the model built on {device}",
                 process([sys.executable, str(HERE / "torch_models.py"), name, device],
                         max(1, procs // 5)))


def environment(quick: bool, torch_side: bool) -> dict[str, Any]:
    versions = {"python": platform.python_version(), "symcnn": symcnn.__version__}
    from importlib import metadata

    for module in ("sympy", "lark", "numpy", "torch", "torchinfo", "thop", "ptflops"):
        try:  # read without importing: ptflops imports torchvision, which needs a shim
            versions[module] = metadata.version(module)
        except metadata.PackageNotFoundError:
            versions[module] = None
    return {"quick": quick, "machine": platform.machine(), "cpus": os.cpu_count(),
            "platform": platform.platform(), "versions": versions, "torchinfo": torch_side,
            "load_average": os.getloadavg()}


def _process_names(cases: dict[str, Any]) -> list[str]:
    """The symcnn command-line cases: -f FILE for each network, zoo NAME --set."""
    return [name for name in cases if name.endswith((" cli", " --set"))]


def _fastest_peer(cases: dict[str, Any], network: str) -> str | None:
    """The name of the quickest in-process peer case of ``network``, any peer, either
    device."""
    found = [name for name in cases if name.startswith(f"{network} ")
             and name.endswith((" meta", " cpu"))]
    return min(found, key=lambda name: cases[name]["median_s"]) if found else None


def targets(cases: dict[str, Any], vgg_params: str) -> list[dict[str, Any]]:
    """Issue 15's targets, each with its measured value (wall, and CPU where there is
    one), in the order the issue lists them."""
    def value(name: str, key: str = "median_s") -> float | None:
        return cases[name][key] if name in cases else None

    def ratio(a: str | None, b: str | None, key: str = "median_s") -> float | None:
        x, y = (value(a, key) if a else None), (value(b, key) if b else None)
        return None if x is None or y is None else x / y

    def both(function: Callable[..., float | None], *names: str | None) -> tuple:
        return function(*names), function(*names, key="cpu_median_s")

    checks: list[tuple[str, tuple, str, float]] = []
    procs = _process_names(cases)
    if procs:
        slowest = max(procs, key=lambda name: cases[name]["median_s"])
        largest = max(procs, key=lambda name: cases[name]["peak_rss_bytes"])
        checks += [
            (f"slowest command line ({len(procs)}: -f and zoo --set): {slowest}",
             both(value, slowest), "<= 0.15 s", 0.15),
            (f"largest peak memory: {largest}",
             (cases[largest]["peak_rss_bytes"] / 2**20, None), "<= 30 MiB", 30)]
        for network in ("vgg16", "resnet152", "efficientnet_b0"):
            checks.append((f"{network}: torchinfo (meta) process / symcnn process",
                           both(ratio, f"{network} torchinfo meta process", f"{network} cli"),
                           ">= 20x", 20))
    for network in FLOORED:
        checks.append((f"{network}: symcnn / hand-written floor, in process",
                       both(ratio, f"{network} table", f"{network} floor"), "<= 2x", 2))
        peer = _fastest_peer(cases, network)
        checks.append((f"{network}: fastest peer ({peer or 'none'}) / symcnn",
                       both(ratio, peer, f"{network} table"), ">= 10x", 10))
    checks += [
        ("ResNet-152(n) records and totals", both(value, "resnet152(n) totals"), "<= 30 ms",
         0.03),
        ("ResNet-152(n) text table", both(value, "resnet152(n) symbolic table"), "<= 100 ms",
         0.1),
        ("EfficientNet-B7(n) text table", both(value, "efficientnet_b7(n) symbolic table"),
         "<= 150 ms", 0.15),
        ("ConvNeXt-L(n) text table", both(value, "convnext_large(n) symbolic table"),
         "<= 150 ms", 0.15),
        ("10,000 layers", both(value, "chain 10,000 totals"), "<= 0.4 s", 0.4),
        ("100,000 layers", both(value, "chain 100,000 totals"), "<= 4 s", 4.0),
        ("sweep of 10^6 / by hand in NumPy",
         both(ratio, "sweep 1,000,000", "sweep 1,000,000 by hand"), "<= 2x", 2),
        ("ResNet-50 import beyond building the model", both(value, "resnet50 import"),
         "<= 1 s", 1.0),
    ]
    def meets(value: float | None, goal: str, limit: float) -> bool | None:
        return None if value is None else value >= limit if ">=" in goal else value <= limit

    out = []
    for what, (measured, cpu), goal, limit in checks:
        out.append({"target": what, "value": measured, "cpu": cpu, "goal": goal,
                    "met": meets(measured, goal, limit), "met_cpu": meets(cpu, goal, limit)})
    floors = vgg_params == "2097152*floor(n/32)**2 + 35597096"
    out.append({"target": "VGG16(n) params collapse to one floor", "value": vgg_params,
                "cpu": None, "goal": "2097152*floor(n/32)**2 + 35597096", "met": floors,
                "met_cpu": None})
    return out


# ---- the report --------------------------------------------------------------------

def report(results: dict[str, Any]) -> str:
    cases = results["cases"]

    def ms(name: str | None) -> str:
        return f"{cases[name]['median_s'] * 1e3:.2f} ms" if name in cases else "n/a"

    def mib(name: str) -> str:
        entry = cases.get(name)
        return f"{entry['peak_rss_bytes'] / 2**20:.0f} MiB" if entry else "n/a"

    def times(a: str | None, b: str) -> str:
        if a not in cases or b not in cases:
            return "n/a"
        return f"{cases[a]['median_s'] / cases[b]['median_s']:,.1f}x"

    peer_names = sorted({name.split(" ")[1] for name in cases
                         if name.endswith((" meta", " cpu")) and len(name.split(" ")) == 3})
    columns = [f"{peer} {device}" for peer in peer_names for device in ("meta", "cpu")
               if any(name.endswith(f" {peer} {device}") for name in cases)]
    rows = [("network", "symcnn", "floor", "symcnn/floor", *columns, "fastest peer/symcnn")]
    for name in NETWORKS:
        rows.append((name, ms(f"{name} table"), ms(f"{name} floor"),
                     times(f"{name} table", f"{name} floor"),
                     *(ms(f"{name} {column}") for column in columns),
                     times(_fastest_peer(cases, name), f"{name} table")))
    lines = ["In process, text to the finished table (medians; the peers' models built before "
             "the clock starts, on PyTorch's meta device or on the CPU):", "",
             *_columns(rows), ""]
    rows = [("network", "symcnn", "torchinfo meta", "ratio", "torchinfo cpu", "ratio",
             "symcnn peak", "torchinfo meta peak", "torchinfo cpu peak")]
    for name in NETWORKS:
        rows.append((name, ms(f"{name} cli"), ms(f"{name} torchinfo meta process"),
                     times(f"{name} torchinfo meta process", f"{name} cli"),
                     ms(f"{name} torchinfo cpu process"),
                     times(f"{name} torchinfo cpu process", f"{name} cli"),
                     mib(f"{name} cli"), mib(f"{name} torchinfo meta process"),
                     mib(f"{name} torchinfo cpu process")))
    lines += ["Whole processes, cold (symcnn -f FILE; torchinfo_models.py NAME [meta]):", "",
              *_columns(rows), ""]
    zoo = [name for name in cases if name.endswith(" --set")]
    if zoo:
        by_time = sorted(zoo, key=lambda name: cases[name]["median_s"])
        by_peak = sorted(zoo, key=lambda name: cases[name]["peak_rss_bytes"])
        lines += [f"symcnn zoo NAME --set n=224 (299 for Inception), {len(zoo)} networks: "
                  f"fastest {ms(by_time[0])} ({by_time[0].split()[1]}), median "
                  f"{ms(by_time[len(by_time) // 2])}, slowest {ms(by_time[-1])} "
                  f"({by_time[-1].split()[1]}); peak memory {mib(by_peak[0])} to "
                  f"{mib(by_peak[-1])} ({by_peak[-1].split()[1]})", ""]
    rows = [("case", "median", "CPU")]
    for name, entry in cases.items():
        if name.endswith(("totals", "symbolic table", "1,000,000", "by hand")):
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

    rows = [("target", "measured", "CPU", "goal", "met", "met in CPU time")]
    said = {True: "yes", False: "NO", None: "n/a"}
    for t in results["targets"]:
        rows.append((t["target"], shown(t["value"], t["goal"]), shown(t["cpu"], t["goal"]),
                     t["goal"], said[t["met"]], said[t.get("met_cpu")]))
    lines += ["Targets (issue 15; 'met' reads wall times, which a loaded machine stretches, "
              "'met in CPU time' the processor time of the same runs):", "", *_columns(rows)]
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
    parser.add_argument("--report", action="store_true",
                        help="print the report of the results in --json again, measuring "
                             "nothing")
    args = parser.parse_args(argv)
    if args.report:
        results = json.loads(Path(args.json).read_text())
        results["targets"] = targets(results["cases"], results["vgg16(n) params"])
        print(report(results))
        return 0
    results = run(args.quick)
    text = report(results)
    print()
    print(text)
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
