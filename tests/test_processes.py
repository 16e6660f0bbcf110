"""The command line as its own process, against what its surroundings can do to it: files
planted where symcnn once cached its parser, closed or full standard streams, a reader
that goes away, Ctrl-C, a missing NumPy, hostile sweeps and file names made of escape
sequences. Each run must end within 3 s of processor time and 400 MB with exit status 0
or 2 (141 for a broken pipe, 130 for Ctrl-C), one short message and no traceback. A run
still going after 15 s of wall-clock time has hung (a FIFO read, say) and fails; the
processor time, not the wall-clock time, is what is held to 3 s, so that a machine busy
with other work does not fail a test.

The cases are the reproductions of issue 9, each named after its command.
"""

import os
import pickle
import pty
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import lark
import pytest

from symcnn import limits

ROOT = Path(__file__).resolve().parent.parent
VGG = str(ROOT / "examples" / "vgg16.cnn")
SECONDS, MEGABYTES, HUNG = 3.0, 400, 15.0

# The console script's own code: sys.path[0] is the script's folder, never the
# working directory. PRELUDE is run before it, as a sitecustomize would be. On its way
# out the program writes its peak memory (VmHWM) to PEAK: the peak that wait4 reports
# includes the test worker's memory at the fork (torch and torchvision, once collected).
ENTRY = """import atexit, sys
def _write_peak():
    with open("/proc/self/status") as status, open({peak!r}, "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_write_peak)
{prelude}
from symcnn.cli import main
sys.exit(main())
"""


@dataclass
class Finished:
    status: int
    out: bytes
    err: str
    seconds: float  # of processor time, user and system
    megabytes: float


def symcnn(*argv: str, stdin: bytes | str | None = b"", stdout: str = "file",
           env: dict | None = None, cwd: Path = ROOT, prelude: str = "",
           on_start=None, timeout: float = HUNG) -> Finished:
    """Runs the command line with ``argv``. ``stdin`` is the bytes to read, or "closed";
    ``stdout`` is "file", "closed", "full" (/dev/full) or an open file descriptor.
    ``on_start(process, stderr_path)`` is called once the process runs. The peak
    memory is the program's own (VmHWM after its exec), not that of every child so far
    nor the worker's it was forked from; a run killed by a signal reports 0."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        script = folder / "symcnn_entry.py"
        peak = folder / "peak"
        script.write_text(ENTRY.format(prelude=prelude, peak=str(peak)), encoding="utf-8")
        clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        environment = {**clean, "PYTHONPATH": str(ROOT), **(env or {})}
        closed = []
        files = {}
        if stdin == "closed":
            closed.append(0)
            files["stdin"] = None
        else:
            (folder / "in").write_bytes(stdin or b"")
            files["stdin"] = open(folder / "in", "rb")
        if stdout == "closed":
            closed.append(1)
            files["stdout"] = None
        elif stdout == "full":
            files["stdout"] = open("/dev/full", "wb")
        elif stdout == "file":
            files["stdout"] = open(folder / "out", "wb")
        else:
            files["stdout"] = stdout
        files["stderr"] = open(folder / "err", "wb")

        def close_streams():
            for fd in closed:
                os.close(fd)

        start = time.monotonic()
        process = subprocess.Popen([sys.executable, str(script), *argv], cwd=cwd,
                                   env=environment, preexec_fn=close_streams, **files)
        for stream in files.values():
            if hasattr(stream, "close"):
                stream.close()
        if on_start is not None:
            on_start(process, folder / "err")
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                process.kill()
                os.wait4(process.pid, 0)
                pytest.fail(f"symcnn {argv} hung: still running after {timeout} s")
            time.sleep(0.01)
        process.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        out = (folder / "out").read_bytes() if stdout == "file" else b""
        err = (folder / "err").read_bytes().decode("utf-8", "replace")
        kilobytes = int(peak.read_text()) if peak.exists() else 0
        return Finished(process.returncode, out, err, usage.ru_utime + usage.ru_stime,
                        kilobytes / 1024)


def well_behaved(run: Finished, status: int = 2) -> None:
    assert run.status == status, run.err
    assert run.seconds <= SECONDS and run.megabytes <= MEGABYTES, (run.seconds, run.megabytes)
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    if status == 2:  # the message may follow argparse's usage lines
        assert run.err.endswith("\n")
        assert any(line.startswith("symcnn: ") for line in run.err.splitlines()), run.err


# ---- 1. nothing planted where the grammar cache was is read, run or written ------------

class _Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _cache_names() -> list[str]:
    """The file names symcnn's old cache used (``_syntax._cache_file``), for this Lark
    and the Pythons symcnn supports."""
    return [f"grammar-lark{lark.__version__}-py3{minor}.cache" for minor in range(10, 15)]


def _plant(kind: str, path: Path, marker: Path, precious: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "pickle":  # what lark's cache holds: a hash line, then pickles
        path.write_bytes(b"0" * 64 + b"\n" + pickle.dumps(_Payload(marker)))
    elif kind == "symlink":
        path.symlink_to(precious)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")


def _state(folder: Path) -> dict:
    """Every entry under ``folder``: its kind and, for a regular file, its bytes."""
    state = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            state[path] = ("link", os.readlink(path))
        elif path.is_fifo():
            state[path] = ("fifo",)
        elif path.is_file():
            state[path] = ("file", path.read_bytes())
        else:
            state[path] = ("folder",)
    return state


def test_the_planted_pickle_would_run(tmp_path):
    """The plant below is live: unpickled, it creates its marker."""
    marker = tmp_path / "ran"
    _plant("pickle", tmp_path / "cache", marker, tmp_path / "precious")
    with open(tmp_path / "cache", "rb") as file:
        file.readline()
        pickle.load(file)  # noqa: S301 - the point of this test
    assert marker.exists()


@pytest.mark.parametrize("kind", ["pickle", "symlink", "fifo", "dev-zero"])
@pytest.mark.parametrize("xdg", [True, False], ids=["XDG_CACHE_HOME", "HOME"])
def test_files_planted_at_the_old_cache_paths_are_never_touched(tmp_path, kind, xdg):
    marker, precious = tmp_path / "ran", tmp_path / "precious"
    precious.write_text("root's file\n")
    home, cache, tmp = tmp_path / "home", tmp_path / "xdg", tmp_path / "tmp"
    tmp.mkdir()
    for folder in (home / ".cache" / "symcnn", cache / "symcnn"):
        for name in _cache_names():
            _plant(kind, folder / name, marker, precious)
    before = _state(tmp_path)
    env = {"HOME": str(home), "TMPDIR": str(tmp)}
    env.update({"XDG_CACHE_HOME": str(cache)} if xdg else {"XDG_CACHE_HOME": ""})

    table = symcnn("-f", VGG, env=env)
    well_behaved(table, 0)
    assert b"138,357,544" in table.out
    error = symcnn("I(28,28,1) C(32, 5", env=env)  # the error path reads the parser too
    well_behaved(error)
    assert "expected" in error.err
    api = symcnn(env=env, prelude="import symcnn\n"
                 "print(symcnn.parse('I(n,n,1) C(8,3)').params)\nsys.exit(0)")
    well_behaved(api, 0)
    assert api.out == b"80\n"

    assert not marker.exists()
    assert precious.read_text() == "root's file\n"
    assert _state(tmp_path) == before


def test_a_working_directory_with_a_grammar_tables_and_a_package_changes_nothing(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "symcnn").mkdir()
    (tmp_path / "symcnn" / "__init__.py").write_text(f"open({str(marker)!r}, 'w')\n")
    (tmp_path / "symcnn" / "_parser_tables.json").write_text("{}")
    (tmp_path / "_parser_tables.json").write_text("{}")
    (tmp_path / "grammar").mkdir()
    (tmp_path / "grammar" / "symcnn.lark").write_text("start: /x/\n")
    run = symcnn("-f", VGG, cwd=tmp_path)
    well_behaved(run, 0)
    assert b"138,357,544" in run.out and not marker.exists()


# ---- 5. sweeps are sized before they are built -----------------------------------------

def test_sweep_I_n_n_1_to_300000000():
    run = symcnn("sweep", "I(n)", "n=1..300000000")
    well_behaved(run)
    assert "300,000,000 configurations" in run.err and "MAX_CONFIGURATIONS" in run.err


def test_sweep_n_1_to_9000000_f_1_to_9000000():
    run = symcnn("sweep", "I(n, n, f)", "n=1..9000000", "f=1..9000000")
    well_behaved(run)
    assert "81,000,000,000,000 configurations" in run.err


def test_sweep_f_stdin_larger_than_MAX_TEXT():
    run = symcnn("sweep", "-f", "-", "n=1..3", stdin=b"I(n) " + b" " * 5 * limits.MAX_TEXT)
    well_behaved(run)
    assert "MAX_TEXT" in run.err


def test_sweep_f_stdin_not_UTF_8():
    run = symcnn("sweep", "-f", "-", "n=1..3", stdin=b"I(n) \xff\xfe")
    well_behaved(run)
    assert run.err == "symcnn: error: standard input is not UTF-8 text\n"


def test_sweep_with_a_number_of_5000_digits():
    run = symcnn("sweep", "I(n) D(10)", "n=1" + "0" * 5000)
    well_behaved(run)
    assert "MAX_BITS" in run.err


def test_sweep_whose_numbers_are_wide():
    run = symcnn("sweep", "I(n) D(10^2000)", "n=1..1000000")
    well_behaved(run)
    assert "6,664 bits" in run.err and "MAX_CONFIGURATIONS" in run.err


# ---- 6. no "internal error" --------------------------------------------------------------

def test_sweep_without_numpy():
    run = symcnn("sweep", "I(n)", "n=1..3", prelude="sys.modules['numpy'] = None")
    well_behaved(run)
    assert run.err == ('symcnn: error: a sweep needs NumPy, which symcnn\'s "sweep" extra '
                       'installs: pip install "symcnn[sweep]"\n')


def test_I_1_with_stdout_closed():
    run = symcnn("I(1)", stdout="closed")
    well_behaved(run)
    assert run.err == "symcnn: error: standard output is closed\n"


def test_f_dash_with_stdin_closed():
    run = symcnn("-f", "-", stdin="closed")
    well_behaved(run)
    assert run.err == "symcnn: error: standard input is closed\n"


# the zoo at n = 448, where every network is valid (at 224 inception_v3_aux is left out,
# at 299 maxvit_t, each with a line on standard error)
@pytest.mark.parametrize("argv", [["I(1)"], ["-f", VGG], ["sweep", "I(n)", "n=1..5000"],
                                  ["zoo", "--set", "n=448"]],
                         ids=["I(1)", "vgg16", "sweep", "zoo"])
def test_stdout_to_dev_full(argv):
    run = symcnn(*argv, stdout="full")
    well_behaved(run)
    assert run.err == ("symcnn: error: cannot write to standard output: No space left on "
                       "device\n")


@pytest.mark.parametrize("argv", [["I(1) ReLU * 3000"], ["I(1) ReLU * 1000", "--format",
                                                        "json"],
                                  ["sweep", "I(n)", "n=1..100000"]],
                         ids=["table", "json", "sweep"])
def test_a_reader_that_goes_away_is_141(argv):
    """``symcnn ... | head -c 100``: the reader takes a little, then closes the pipe.
    (An output that fits in the pipe's buffer is written whole before the reader
    closes, and exit 0 is right: ``cat small-file | head -1`` does the same.)"""
    read, write = os.pipe()

    def reader(process, _):
        os.close(write)
        os.read(read, 100)
        os.close(read)

    run = symcnn(*argv, stdout=write, on_start=reader)
    well_behaved(run, 141)
    assert run.err == ""


def test_a_reader_gone_before_the_start_is_141():
    read, write = os.pipe()
    os.close(read)
    run = symcnn("-f", VGG, stdout=write)
    os.close(write)
    well_behaved(run, 141)
    assert run.err == ""


def test_ctrl_c_during_the_imports_is_130():
    """SIGINT while symcnn's modules are being imported (the parser's import made slow
    on purpose)."""
    prelude = ("import time\n"
               "class Slow:\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name == 'symcnn._descent':\n"
               "            sys.stderr.write('importing\\n'); sys.stderr.flush()\n"
               "            time.sleep(30)\n"
               "sys.meta_path.insert(0, Slow())\n")

    def interrupt(process, err):
        deadline = time.monotonic() + HUNG
        while b"importing" not in err.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)

    run = symcnn("-f", VGG, prelude=prelude, on_start=interrupt)
    well_behaved(run, 130)
    assert run.err == "importing\nsymcnn: interrupted\n"


# ---- 7. no user text drives the terminal ---------------------------------------------------

ESCAPES = "\x1b[31mRED\x1b]0;TITLE\x07"


@pytest.mark.parametrize("argv", [
    ["-f", ESCAPES],
    ["I(n)", "--set", f"{ESCAPES}=3"],
    ["I(n)", "--set", f"n={ESCAPES}"],
    ["sweep", "I(n)", f"{ESCAPES}n=3"],
    ["sweep", "I(n)", f"n={ESCAPES}"],
    ["sweep", "-f", ESCAPES, "n=3"],
    ["zoo", ESCAPES],
    [f"--{ESCAPES}"],
    [f"I(1) {ESCAPES}"],
], ids=["file name", "--set key", "--set value", "sweep network", "sweep values",
        "sweep file", "zoo name", "option", "program"])
def test_escape_sequences_in_arguments_are_shown_escaped(argv):
    run = symcnn(*argv)
    well_behaved(run)
    assert "\x1b" not in run.err and "\x07" not in run.err
    assert all(ch.isprintable() for line in run.err.splitlines() for ch in line)


def test_f_escape_sequence_file_name_names_the_file_escaped():
    run = symcnn("-f", ESCAPES)
    assert run.err == ("symcnn: error: cannot read \\x1b[31mRED\\x1b]0;TITLE\\x07: "
                       "No such file or directory\n")


# ---- 8. long messages wrap on a terminal -------------------------------------------------

def on_terminal(argv: list[str], columns: int) -> str:
    """What symcnn shows on a terminal ``columns`` wide (its standard error)."""
    import fcntl
    import termios

    controller, terminal = pty.openpty()
    try:
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run([sys.executable, "-m", "symcnn", *argv], cwd=ROOT,
                              env={**clean, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=terminal, timeout=10)
        assert done.returncode == 2
        os.set_blocking(controller, False)
        shown = b""
        try:
            while chunk := os.read(controller, 65536):
                shown += chunk
        except BlockingIOError:
            pass
        return shown.decode("utf-8").replace("\r\n", "\n")
    finally:
        os.close(terminal)
        os.close(controller)


@pytest.mark.parametrize("argv, message", [
    (["-f", "/no/such/folder/" + "a-rather-long-folder-name/" * 5 + "net.cnn"],
     "cannot read /no/such/folder/" + "a-rather-long-folder-name/" * 5 + "net.cnn: No such "
     "file or directory"),
    (["sweep", "I(n)", "n=1..300000000"],
     "this sweep has 300,000,000 configurations (300,000,000 values of n); the limit is "
     "MAX_CONFIGURATIONS = 1,000,000 (raise it with symcnn.limits.MAX_CONFIGURATIONS = ... "
     "or the environment variable SYMCNN_MAX_CONFIGURATIONS)"),
], ids=["missing file", "sweep"])
def test_long_messages_wrap_to_the_terminal_instead_of_being_cut(argv, message):
    lines = on_terminal(argv, columns=60).rstrip("\n").split("\n")
    assert len(lines) > 2 and max(map(len, lines)) <= 60, lines
    assert "".join("".join(lines).split()) == "".join(f"symcnn: error: {message}".split())
