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
answer = lambda text, values: json.dumps(playground.answer(text, json.loads(values)))
extras = lambda text, values, plot_range: json.dumps(
    playground.extras(text, json.loads(values), json.loads(plot_range)))
{"answer": answer, "extras": extras, "zoo_source": zoo.source,
 "ready": json.dumps({"language": playground.language(), "zoo": zoo.names(),
                      "symcnn": __version__})}
`);
  const ready = JSON.parse(python.get("ready"));
  const [answer, extras, zooSource] = ["answer", "extras", "zoo_source"].map((k) => python.get(k));
  const versions = { ...(await manifest).versions, symcnn: ready.symcnn,
                     python: pyodide.runPython("import sys; sys.version.split()[0]") };
  progress(4, "Ready");
  postMessage({ type: "ready", language: ready.language, zoo: ready.zoo, versions });

  // A call into Python that fails is a bug, not bad input (symcnn answers that as
  // data): a failed answer is shown as an error all the same, failed extras as none.
  const call = (fn, ...args) => {
    try {
      return JSON.parse(fn(...args));
    } catch (error) {
      console.error(error);
      return { ok: false, symbols: [], warnings: [],
               error: { headline: `internal error: ${error}`, context: "", in: "program" } };
    }
  };
  let latest = 0;
  onmessage = ({ data }) => {
    if (data.type === "answer") {
      latest = data.id;
      const values = JSON.stringify(data.values);
      postMessage({ type: "answer", id: data.id, page: call(answer, data.text, values) });
      // the slower rest after the table, unless a newer text is waiting by then
      setTimeout(() => {
        const wanted = latest === data.id;
        const more = wanted
          ? call(extras, data.text, values, JSON.stringify(data.plotRange ?? null)) : null;
        postMessage({ type: "extras", id: data.id, extras: more && !more.error ? more : null });
      }, 0);
    } else if (data.type === "zoo") {
      postMessage({ type: "zoo", name: data.name, source: zooSource(data.name) });
    }
  };
}

start().catch((error) => postMessage({ type: "failed", message: String(error) }));
