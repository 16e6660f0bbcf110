"""The browser playground end to end: playground/build.py builds the site, a thread of
``http.server`` serves it on localhost, and Debian's Chromium, driven by Playwright, types
networks into the page and reads what it shows.

Needs Node.js's npm (the build), Chromium at /usr/bin/chromium (or $SYMCNN_CHROMIUM) and
the playwright package, and skips without them (CI installs them: .ci/run). Playwright's
own browser download is not used. The site is built once per test run, shared by the
xdist workers; the page loads once per worker, then once more from the browser's cache.
The load times, a screenshot and the build are kept under build/playground-test/ (the
screenshot is CI's artifact); with SYMCNN_UPDATE_DOCS=1 the screenshot of the start page
is written to docs/playground.png.
"""

import contextlib
import fcntl
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import symcnn
from symcnn import playground, zoo
from symcnn.network import Network

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="the browser test needs playwright (pip)")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "playground-test"
LOAD_TIMES = ARTIFACTS / "load-times.json"
CHROMIUM = os.environ.get("SYMCNN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOAD_TIMEOUT_MS = 180_000  # Pyodide and sympy on a busy 2-core machine
ANSWER_TIMEOUT_MS = 60_000

MNIST = "I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)"


def _missing() -> str | None:
    if shutil.which("npm") is None:
        return "the playground's build needs npm (Node.js)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"the browser test needs Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site, once per run: the first xdist worker builds it under a lock, the
    others find it built for the same run (PYTEST_XDIST_TESTRUNUID)."""
    if reason := _missing():
        pytest.skip(reason)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out, stamp = ARTIFACTS / "site", ARTIFACTS / "built-for-run"
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid {os.getpid()}")
    with _locked():
        if not (stamp.is_file() and stamp.read_text() == run and out.is_dir()):
            started = time.monotonic()
            built = subprocess.run([sys.executable, str(ROOT / "playground" / "build.py"),
                                    str(out)], capture_output=True, text=True)
            if built.returncode:
                pytest.fail(f"playground/build.py failed:\n{built.stdout}{built.stderr}"[-3000:])
            stamp.write_text(run)
            LOAD_TIMES.write_text(json.dumps(
                {"build_s": [round(time.monotonic() - started, 1)]}, indent=1) + "\n")
    return out


@contextlib.contextmanager
def _locked():
    """One xdist worker at a time in build/playground-test/."""
    with open(ARTIFACTS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _record(key: str, value: object) -> None:
    """Adds to build/playground-test/load-times.json, which tests/conftest.py prints at
    the end of the run (a list per key: each xdist worker that loads the page adds one)."""
    with _locked():
        times = json.loads(LOAD_TIMES.read_text()) if LOAD_TIMES.is_file() else {}
        times.setdefault(key, []).append(value)
        LOAD_TIMES.write_text(json.dumps(times, indent=1) + "\n")


@pytest.fixture(scope="module")
def url(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(url, tmp_path_factory):
    """A fresh Chromium profile (nothing cached), and every address it asked for."""
    with playwright_api.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        context.requested = []
        context.on("request", lambda request: context.requested.append(request.url))
        yield context
        context.close()


def _open(context, address: str):
    """A new tab at ``address``, once Python is loaded and the first answer is shown;
    with the seconds that took."""
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    started = time.monotonic()
    page.goto(address)
    page.wait_for_function("window.symcnnPlayground && window.symcnnPlayground.answers > 0 "
                           "&& window.symcnnPlayground.idle()", timeout=LOAD_TIMEOUT_MS)
    seconds = time.monotonic() - started
    assert not errors, errors
    return page, seconds


@pytest.fixture(scope="module")
def page(browser, url):
    page, seconds = _open(browser, url)
    steps = page.evaluate("window.symcnnPlayground.steps")
    _record("first_load_s", round(seconds, 1))
    _record("first_load_steps_ms", dict(steps))
    print(f"first load (empty cache): {seconds:.1f} s; steps {steps}")
    if os.environ.get("SYMCNN_UPDATE_DOCS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "playground.png"))
    yield page
    page.close()


def _type(page, text: str) -> None:
    """Types ``text`` over the program, key by key, and waits for the answer."""
    before = page.evaluate("window.symcnnPlayground.answers")
    editor = page.locator("#program")
    editor.fill("")
    editor.press_sequentially(text)
    page.wait_for_function(f"window.symcnnPlayground.answers > {before} "
                           "&& window.symcnnPlayground.idle()", timeout=ANSWER_TIMEOUT_MS)


def _rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#layers tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


def test_everything_is_loaded_from_the_site_itself(page, browser, url):
    assert page.inner_text("#status-text") == ""
    foreign = [address for address in browser.requested
               if not address.startswith((url, "data:", "blob:"))]
    assert foreign == [], f"the page fetched from elsewhere: {foreign}"
    assert "pyodide 314.0.7" in page.inner_text("#versions")


def test_the_mnist_network(page, url):
    _type(page, MNIST)
    rows = _rows(page)
    assert rows[1] == ["C1", "(24, 24, 32)", "(5·5·1 + 1)·32 = 832", "460,800"]
    assert len(rows) == len(symcnn.parse(MNIST).layers) == 7
    totals = page.inner_text("#totals")
    assert "217,706" in totals and "1,589,760" in totals
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    for what, label, expected in [("markdown", "Markdown", symcnn.parse(MNIST).to_markdown()),
                                  ("latex", "LaTeX", symcnn.parse(MNIST).to_latex())]:
        page.click(f"button[data-copy={what}]")
        page.wait_for_function("document.querySelector('#copied').textContent == "
                               f"'{label} copied'", timeout=ANSWER_TIMEOUT_MS)
        assert page.evaluate("navigator.clipboard.readText()") == expected
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-screenshot.png"), full_page=True)


def _wait_until(page, condition: str) -> None:
    page.wait_for_function(f"window.symcnnPlayground.idle() && ({condition})",
                           timeout=ANSWER_TIMEOUT_MS)


def _set_values(page, values: dict[str, str], until: str) -> None:
    for name, value in values.items():
        page.fill(f"#values input[name={name}]", value)
    _wait_until(page, until)


def test_a_symbolic_network_is_typeset(page):
    _type(page, "I(n, n, c) C(f, k)")
    _set_values(page, {name: "" for name in "ncfk"},  # values stay by name: k=5 at start
                "!document.querySelector('#values input[name=k]').value")
    tex = page.eval_on_selector_all(
        "#layers tbody tr:nth-child(2) annotation[encoding='application/x-tex']",
        "nodes => nodes.map(n => n.textContent)")
    assert r"\left(k^{2} \cdot c + 1\right) \cdot f" in tex
    assert page.locator("#layers .katex").count() >= 3
    assert sorted(page.eval_on_selector_all("#values input", "i => i.map(x => x.name)")) == \
        ["c", "f", "k", "n"]
    # values, as --set: the table becomes numbers
    _set_values(page, {"n": "28", "c": "1", "f": "32", "k": "5"},
                "document.querySelector('#layers').innerText.includes('= 832')")
    assert _rows(page)[1][2] == "(5·5·1 + 1)·32 = 832"


def test_a_broken_network_shows_the_caret(page):
    _type(page, "I(8,8,1) C(4,9)")
    assert page.is_visible("#error")
    assert "output height is 0" in page.inner_text("#error .headline")
    line, caret = page.text_content("#error .context").split("\n")
    assert line == "    I(8,8,1) C(4,9)" and caret.index("^") == line.index("C(4,9)")
    assert page.text_content("#highlight mark.error-at") == "C"


def test_a_shared_address_gives_the_same_table(page, browser):
    _type(page, "I(n,n,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)")
    _set_values(page, {"n": "28"},
                "document.querySelector('#totals').innerText.includes('217,706')")
    shared, table = page.evaluate("location.href"), _rows(page)
    assert "#p=" in shared
    again, seconds = _open(browser, shared)  # the browser's cache is warm now
    _record("cached_load_s", round(seconds, 1))
    print(f"cached load: {seconds:.1f} s")
    try:
        assert _rows(again) == table
        assert again.input_value("#program") == page.input_value("#program")
        assert again.input_value("#values input[name=n]") == "28"
    finally:
        again.close()


def test_the_plot_against_the_free_symbol(page):
    # valid only where n ≡ 0-3 (mod 12), from 12 on; the page's Python has no NumPy, so
    # net.valid_sizes computes one value at a time there: the same points all the same
    text = "I(n, n, 3) C(8, 3, p=1) Add([P(4)], [P(2) P(2)]) Add([P(3)], [A(3, s=3, p=1)]) D(10)"
    _type(page, text)
    _set_values(page, {"n": ""}, "!document.querySelector('#plot-panel').hidden && "
                "document.querySelectorAll('#plot .chart-macs circle').length > 0")
    expected = playground.extras(text)["plot"]
    assert [p["x"] for p in expected["points"]][:6] == [12, 13, 14, 15, 24, 25]
    for key in ("params", "macs"):
        titles = page.eval_on_selector_all(f"#plot .chart-{key} circle title",
                                           "titles => titles.map(t => t.textContent)")
        assert titles == [f"n = {p['x']}: {p[key + '_text']}" for p in expected["points"]]
    assert page.input_value("#plot-low") == "12" and page.input_value("#plot-high") == "96"


def test_the_zoo_picker_and_the_diagrams(page):
    before = page.evaluate("window.symcnnPlayground.answers")
    page.select_option("#zoo", "resnet18")
    page.wait_for_function(f"window.symcnnPlayground.answers > {before} "
                           "&& window.symcnnPlayground.idle()", timeout=ANSWER_TIMEOUT_MS)
    net = zoo.load("resnet18")
    assert len(_rows(page)) == len(net.layers) == 69
    assert page.input_value("#program") == zoo.source("resnet18")
    if not hasattr(Network, "to_svg"):
        pytest.skip("symcnn has no net.to_svg() yet (branch diagrams): no diagram to check")
    assert page.is_visible("#diagram svg")
    assert page.locator("#diagram g.layer").count() == len(net.layers)
    unet = ROOT / "examples" / "unet.cnn"  # nested long skips: Cat inside Cat
    page.fill("#program", unet.read_text())
    _wait_until(page, f"document.querySelectorAll('#layers tbody tr').length == "
                      f"{len(symcnn.load(unet).layers)}")
    assert page.locator("#diagram g.layer").count() == len(symcnn.load(unet).layers) == 68


def test_a_phone_sized_screen(page):
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        _type(page, MNIST)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a phone's screen"
        editor = page.locator(".editor").bounding_box()
        table = page.locator("#layers").bounding_box()
        assert table["y"] >= editor["y"] + editor["height"]  # one column: the table below
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
