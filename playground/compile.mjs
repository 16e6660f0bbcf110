// Run by build.py with Node.js: Pyodide's own Python unpacks the wheels, imports
// symcnn and answers a few networks, then the bytecode of every module that imported
// is kept beside its source, as unchecked-hash .pyc files (PEP 552) that stay valid
// whatever time the browser's unpacking gives the sources. The browser then imports
// symcnn and sympy without compiling them (about 2 s instead of 12 s).
//
//   node compile.mjs PYODIDE_DIR OUT.zip WHEEL...
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [pyodideDir, archive, ...wheels] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + "/" });
const site = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
for (const wheel of wheels) {
  pyodide.unpackArchive(new Uint8Array(readFileSync(wheel)), "zip", { extractDir: site });
}
pyodide.runPython(`
import importlib.util, os, shutil, sys, warnings
from pathlib import Path

warnings.simplefilter("ignore", SyntaxWarning)  # sympy's own source, not ours
sys.dont_write_bytecode = False  # Pyodide's default is True
from symcnn import playground, zoo
for program, values in [("I(n,n,1) C(32,k) P(2) D(10)", {"k": "5"}),
                        ("I(28,28,1) C(32,5) P(2) O(10)", {}), ("I(8,8,1) C(4,9)", {}),
                        (zoo.source("resnet18"), {"n": "2*m"})]:
    playground.answer(program, values)
    playground.extras(program, values)

site = Path("/" + ${JSON.stringify(site)}.lstrip("/"))  # Pyodide says //lib/...
kept = 0
for module in list(sys.modules.values()):
    source = getattr(module, "__file__", None)
    if not source or not source.endswith(".py") or not Path(source).is_relative_to(site):
        continue
    cached = Path(importlib.util.cache_from_source(source))
    if not cached.is_file():
        continue
    data = cached.read_bytes()
    # header: magic, flags, then 8 bytes; flags 0b01 = hash-based, not checked
    cached.write_bytes(data[:4] + (1).to_bytes(4, "little")
                       + importlib.util.source_hash(Path(source).read_bytes()) + data[16:])
    kept += 1
for pyc in site.rglob("*.pyc"):  # any left with a timestamp would be recompiled anyway
    if int.from_bytes(pyc.read_bytes()[4:8], "little") != 1:
        pyc.unlink()
for tests in [p for p in site.rglob("tests") if p.is_dir()]:  # sympy's and mpmath's
    shutil.rmtree(tests)
shutil.make_archive("/tmp/packages", "zip", site)
print(f"compiled {kept} modules")
`);
writeFileSync(archive, pyodide.FS.readFile("/tmp/packages.zip"));
