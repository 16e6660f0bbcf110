// The playground's Python: Pyodide in a Web Worker, so that the page stays responsive
// while symcnn computes. Everything is loaded from this site (see build.py): the
// runtime, then the archive of manifest.json (the wheels, with bytecode) unpacked into
// site-packages.
import { loadPyodide } from "./vendor/pyodide/pyodide.mjs";

const STEPS = 4;
const progress = (step, text) => postMessage({ type: "progress", step, of: STEPS, text });

async function start() {
  progress(1, "Loading the Python runtime…");
  const manifest = fetch("manifest.json", { cache: "no-cache" }).then((r) => r.json());
  const runtime = loadPyodide({ indexURL: new URL("vendor/pyodide/", import.meta.url).href });
  // the wheels with their bytecode, in one archive (build.py); the hash in the
  // address: a new build's archive is never taken from the cache
  const packages = manifest.then(async ({ packages: { file, sha256 } }) => {
    const response = await fetch(`${file}?sha256=${sha256}`);
    if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
    return response.arrayBuffer();
  });
  const pyodide = await runtime;
  progress(2, "Unpacking sympy, mpmath, lark and symcnn…");
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  pyodide.unpackArchive(await packages, "zip", { extractDir: sitePackages });
  progress(3, "Importing symcnn and sympy…");
  const python = pyodide.runPython(`
import json
from symcnn import playground, zoo, __version__
import sympy  # imported now rather than at the first symbolic network
answer = lambda text, values, plot_range: json.dumps(
    playground.answer(text, json.loads(values), json.loads(plot_range)))
{"answer": answer, "zoo_source": zoo.source,
 "ready": json.dumps({"language": playground.language(), "zoo": zoo.names(),
                      "symcnn": __version__})}
`);
  const ready = JSON.parse(python.get("ready"));
  const answer = python.get("answer");
  const zooSource = python.get("zoo_source");
  const versions = { ...(await manifest).versions, symcnn: ready.symcnn,
                     python: pyodide.runPython("import sys; sys.version.split()[0]") };
  progress(4, "Ready");
  postMessage({ type: "ready", language: ready.language, zoo: ready.zoo, versions });
  onmessage = ({ data }) => {
    if (data.type === "answer") {
      let page;
      try {
        page = JSON.parse(answer(data.text, JSON.stringify(data.values),
                                 JSON.stringify(data.plotRange ?? null)));
      } catch (error) {  // a bug, not bad input: symcnn answers that as data
        page = { ok: false, symbols: [], warnings: [],
                 error: { headline: `internal error: ${error}`, context: "", in: "program" } };
      }
      postMessage({ type: "answer", id: data.id, page });
    } else if (data.type === "zoo") {
      postMessage({ type: "zoo", name: data.name, source: zooSource(data.name) });
    }
  };
}

start().catch((error) => postMessage({ type: "failed", message: String(error) }));
