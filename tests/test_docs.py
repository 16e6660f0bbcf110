"""The documentation's examples are run, so they cannot go stale.

In ``README.md`` and ``docs/*.md``:

- a ```` ```pycon ```` block is a doctest session (``>>>`` lines and their output);
- a ```` ```console ```` block holds ``$ symcnn ...`` commands, each followed by exactly
  what it prints (standard output, then standard error) and, if it fails, a last line
  ``[exit 2]``. Commands run from the top of the checkout, through ``symcnn.cli.main``.

``SYMCNN_UPDATE_DOCS=1 pytest tests/test_docs.py`` rewrites the console outputs from
what the code prints now; read the diff before committing it.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import shlex
from pathlib import Path

import pytest

from symcnn import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(r"^```(pycon|console)\n(.*?)^```$", re.S | re.M)


def run_console(commands: str) -> str:
    """Runs each ``$ symcnn`` line and returns the block as it should read."""
    out = []
    for line in commands.splitlines():
        if not line.startswith("$ "):
            continue
        argv = shlex.split(line[2:])
        assert argv[0] == "symcnn", f"console blocks run symcnn only: {line}"
        stdout, stderr = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        try:
            os.chdir(ROOT)
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    status = cli.main(argv[1:])
                except SystemExit as stop:
                    status = stop.code if isinstance(stop.code, int) else 1
        finally:
            os.chdir(cwd)
        out.append(line)
        text = stdout.getvalue() + stderr.getvalue()
        out.extend(text.rstrip("\n").splitlines())
        if status:
            out.append(f"[exit {status}]")
    return "\n".join(out) + "\n"


def blocks(page: Path):
    text = page.read_text(encoding="utf-8")
    for match in BLOCK.finditer(text):
        yield match


CASES = [(page, i) for page in PAGES for i, _ in enumerate(blocks(page))]


@pytest.mark.parametrize("page, index", CASES,
                         ids=[f"{p.relative_to(ROOT)}#{i}" for p, i in CASES])
def test_doc_block(page: Path, index: int):
    match = list(blocks(page))[index]
    kind, body = match.group(1), match.group(2)
    if kind == "pycon":
        parser = doctest.DocTestParser()
        test = parser.get_doctest(body, {}, f"{page.name}#{index}", str(page), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        cwd = os.getcwd()
        output = io.StringIO()
        try:
            os.chdir(ROOT)
            runner.run(test, out=output.write)
        finally:
            os.chdir(cwd)
        assert runner.failures == 0, output.getvalue()
        return
    expected = run_console(body)
    if os.environ.get("SYMCNN_UPDATE_DOCS") == "1" and expected != body:
        text = page.read_text(encoding="utf-8")
        text = text.replace(match.group(0), f"```console\n{expected}```", 1)
        page.write_text(text, encoding="utf-8")
        return
    assert body == expected, f"{page.name}: the console block differs from what symcnn prints"
