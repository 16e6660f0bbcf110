"""Shared test settings.

Tests that need an optional part (torch, pdflatex) skip when it is missing on a user's
machine. With SYMCNN_NO_SKIP=1, as ``.ci/run`` sets it, every skip is a failure, so CI
always runs them.
"""

import json
import os
import time
from pathlib import Path

import pytest

STRICT = os.environ.get("SYMCNN_NO_SKIP") == "1"
STARTED = time.time()
PLAYGROUND_TIMES = Path(__file__).resolve().parent.parent / "build" / "playground-test" / \
    "load-times.json"


def _fail_skips(report):
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but SYMCNN_NO_SKIP=1 forbids skips: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skips(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skips(outcome.get_result())


def pytest_terminal_summary(terminalreporter):
    """The browser playground's build and load times, when this run measured them
    (tests/test_playground_browser.py)."""
    if PLAYGROUND_TIMES.is_file() and PLAYGROUND_TIMES.stat().st_mtime >= STARTED:
        times = json.loads(PLAYGROUND_TIMES.read_text())
        terminalreporter.write_sep("-", "browser playground, seconds")
        for key, values in times.items():
            terminalreporter.write_line(f"{key}: {values}")
