"""Builds the browser playground, a static site, into a folder:

    python playground/build.py OUT

then serve OUT with any static file server (``python -m http.server -d OUT``). See
docs/playground.md.

Everything the page loads is in OUT, so it works offline: Pyodide and KaTeX from npm at
the versions of package-lock.json (``npm ci``), the pure-Python wheels of sympy, mpmath
and lark from PyPI at the versions and hashes of requirements.txt, and the wheel of
symcnn built from this tree (all in OUT/wheels), unpacked into one archive with their
bytecode, compiled by Pyodide's own Python under Node.js (compile.mjs), that the page
unpacks into Pyodide's site-packages. Needs Node.js with npm, pip and, for the
downloads, the network.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: What the page needs from each npm package, copied into OUT/vendor/<package>/.
VENDORED = {
    "pyodide": ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                "pyodide-lock.json", "LICENSE"],
    "katex": ["dist/katex.min.js", "dist/katex.min.css", "dist/fonts", "LICENSE"],
}


def run(command: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def npm_packages(work: Path, out: Path) -> dict[str, str]:
    """``npm ci`` in a scratch folder, then the files the page uses into OUT/vendor."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / name, work / name)
    run([tool("npm"), "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        work)
    versions = {}
    for package, files in VENDORED.items():
        source = work / "node_modules" / package
        target = out / "vendor" / package
        for name in files:
            path = source / name
            if not path.exists() and name == "LICENSE":
                continue  # not every release ships one at the top
            destination = target / Path(name).name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, destination)
            else:
                shutil.copy(path, destination)
        versions[package] = json.loads((source / "package.json").read_text())["version"]
    return versions


def wheels(out: Path) -> list[Path]:
    """The pinned wheels from PyPI and symcnn's own, in OUT/wheels."""
    folder = out / "wheels"
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "download", "--quiet", "--no-deps", "--only-binary=:all:", "--require-hashes",
         "-r", str(HERE / "requirements.txt"), "-d", str(folder)])
    run([*pip, "wheel", "--quiet", "--no-deps", "-w", str(folder), str(ROOT)])
    return sorted(folder.glob("*.whl"))


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        sys.exit(f"build.py: {name} (Node.js) is needed to fetch Pyodide and KaTeX and to "
                 "compile the Python modules")
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / "manifest.json").is_file():  # only ever replace an earlier build
            sys.exit(f"build.py: {out} is not empty and holds no earlier build")
        shutil.rmtree(out)
    shutil.copytree(HERE / "static", out)
    with tempfile.TemporaryDirectory(prefix="symcnn-playground-") as scratch:
        versions = npm_packages(Path(scratch), out)
        built = wheels(out)
        # the wheels' contents with the bytecode of what symcnn imports: one archive
        # that the page unpacks (compile.mjs says why)
        packages = out / "packages.zip"
        run([tool("node"), str(HERE / "compile.mjs"),
             str(Path(scratch) / "node_modules" / "pyodide"), str(packages),
             *map(str, built)])
    manifest = {"versions": versions,
                "wheels": [{"file": w.name, "sha256": sha256(w)} for w in built],
                "packages": {"file": packages.name, "sha256": sha256(packages)}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"built the playground in {out}; serve it with: python -m http.server -d {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path,
                        help="the folder to build into: new, empty or an earlier build")
    build(parser.parse_args().out.resolve())


if __name__ == "__main__":
    main()
