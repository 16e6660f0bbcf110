// The playground page: the editor, the value inputs, and what symcnn answers (computed
// by worker.mjs in Python: symcnn.playground.answer), laid out as it comes.
import { Editor } from "./editor.mjs";
import { drawPlot } from "./chart.mjs";

const START = `# A network in symcnn's language; n stays symbolic until you give it a value.
I(n, n, 1) C(32, k) P(2) C(32, 3) P(2) D(256) O(10)`;
const START_VALUES = { k: "5" };
const DEBOUNCE_MS = 250;

const $ = (selector) => document.querySelector(selector);
const started = performance.now();
const state = { ready: false, values: {}, symbols: [], page: null, extras: null,
                plotRange: null, asked: 0, shown: 0, extrasFor: 0, busy: false, pending: false };
// what the browser test reads: when Python was ready, and how many answers have been shown
window.symcnnPlayground = { readyMs: null, answers: 0, steps: [],
                            idle: () => state.ready && !state.busy && !state.pending && !timer
                                        && state.extrasFor === state.shown };

const worker = new Worker(new URL("worker.mjs", import.meta.url), { type: "module" });
const editor = new Editor($("#program"), $("#highlight"), () => { state.plotRange = null; ask(); });

// ---- the shareable address: #p=<program, base64url of UTF-8>&v=<values as JSON> ----------

const encode = (text) => {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const decode = (text) => {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
};

function shared() {
  const params = new URLSearchParams(location.hash.slice(1));
  try {
    const values = params.has("v") ? JSON.parse(decode(params.get("v"))) : {};
    return { program: params.has("p") ? decode(params.get("p")) : null,
             values: Object.fromEntries(Object.entries(values ?? {})
               .filter(([, v]) => typeof v === "string")) };
  } catch {
    return { program: null, values: {} };  // a mangled link: start afresh
  }
}

function shareURL() {
  const given = Object.fromEntries(Object.entries(state.values).filter(([, v]) => v.trim()));
  const params = new URLSearchParams({ p: encode(editor.text) });
  if (Object.keys(given).length) params.set("v", encode(JSON.stringify(given)));
  return `${location.origin}${location.pathname}#${params}`;
}

// ---- asking Python: debounced, one question at a time, only the latest answered -----------

let timer = null;
function ask() {
  clearTimeout(timer);
  timer = setTimeout(send, DEBOUNCE_MS);
}

function send() {
  timer = null;
  if (!state.ready) return;
  if (state.busy) { state.pending = true; return; }
  state.busy = true;
  state.asked += 1;
  $("#status").dataset.state = "computing";
  worker.postMessage({ type: "answer", id: state.asked, text: editor.text,
                       values: state.values, plotRange: state.plotRange });
}

worker.onmessage = ({ data }) => {
  if (data.type === "progress") {
    $("#progress").value = data.step;
    $("#progress").max = data.of;
    $("#status-text").textContent = data.text;
    window.symcnnPlayground.steps.push([data.text, Math.round(performance.now() - started)]);
  } else if (data.type === "ready") {
    ready(data);
  } else if (data.type === "answer") {
    state.busy = false;
    state.shown = data.id;
    show(data.page);
    if (state.pending) { state.pending = false; send(); }  // the text changed meanwhile
  } else if (data.type === "extras") {
    state.extrasFor = data.id;
    if (data.id === state.shown && data.extras) showExtras(data.extras);
  } else if (data.type === "zoo") {
    state.values = {};
    state.symbols = [];
    state.plotRange = null;
    editor.text = data.source;
    send();
  } else if (data.type === "failed") {
    $("#status").dataset.state = "failed";
    $("#status-text").textContent = `Python did not load: ${data.message}`;
  }
};

function ready({ language, zoo, versions }) {
  state.ready = true;
  window.symcnnPlayground.readyMs = Math.round(performance.now() - started);
  editor.setLanguage(language);
  for (const name of zoo) $("#zoo").append(new Option(name, name));
  $("#versions").textContent = Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(" · ");
  send();
}

// ---- showing an answer ------------------------------------------------------------------

function typeset(cell, text, latex) {
  if (latex && window.katex) {
    window.katex.render(latex, cell, { throwOnError: false });
    cell.title = text;
  } else {
    cell.textContent = text;
  }
}

function show(page) {
  state.page = page;
  $("#status").dataset.state = "ready";
  $("#status-text").textContent = page.ok ? "" : "error";
  showValues(page.symbols, page.ok || page.error.in === "values");
  const error = page.ok ? null : page.error;
  $("#error").hidden = !error;
  if (error) {
    $("#error .headline").textContent = error.in === "values"
      ? `in the value of ${error.symbol ?? "the symbols"}: ${error.headline}` : error.headline;
    $("#error .context").textContent = error.context;
  }
  editor.setMark(error && error.in === "program" ? error.line : null, error && error.column);
  for (const input of document.querySelectorAll("#values input")) {
    input.classList.toggle("bad", Boolean(error && error.symbol === input.dataset.symbol));
  }
  $("#warnings").hidden = !page.warnings.length;
  $("#warnings").replaceChildren(...page.warnings.map((w) => Object.assign(
    document.createElement("li"), { textContent: w })));
  history.replaceState(null, "", shareURL());
  document.body.classList.toggle("stale", !page.ok);
  if (page.ok) {  // on an error the last good table stays, greyed, under the message
    showTable(page);
    state.extras = null;  // until they come: the exports, the plot, the diagram
  }
  window.symcnnPlayground.answers += 1;
}

// symcnn's SVG (net.to_svg()) as a node, with nothing in it that could run: the program
// it draws comes from the address, which anyone can write.
function inert(svg) {
  const root = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
  for (const node of [root, ...root.querySelectorAll("*")]) {
    if (["script", "foreignObject", "iframe"].includes(node.localName)) { node.remove(); continue; }
    for (const { name, value } of [...node.attributes]) {
      if (/^on/i.test(name) || /^\s*javascript:/i.test(value)) node.removeAttribute(name);
    }
  }
  return document.importNode(root, true);
}

function showValues(symbols, known) {
  if (!known || symbols.join() === state.symbols.join()) return;  // keep what is typed
  state.symbols = symbols;
  const box = $("#values");
  box.replaceChildren();
  for (const name of symbols) {
    const label = document.createElement("label");
    const input = Object.assign(document.createElement("input"), {
      value: state.values[name] ?? "", placeholder: "free", name, spellcheck: false });
    input.dataset.symbol = name;
    input.addEventListener("input", () => { state.values[name] = input.value; state.plotRange = null; ask(); });
    label.append(`${name} = `, input);
    box.append(label);
  }
}

function showTable(page) {
  const body = $("#layers tbody");
  body.replaceChildren();
  for (const row of page.rows) {
    const tr = document.createElement("tr");
    tr.dataset.kind = row.kind;
    const cells = [[row.label, null], [row.shape, row.shape_latex],
                   [row.params, row.params_latex], [row.macs, row.macs_latex]];
    cells.forEach(([text, latex], i) => {
      const td = document.createElement("td");
      if (i === 0) td.style.paddingLeft = `${0.4 + 1.2 * row.depth}em`;
      typeset(td, text, latex);
      tr.append(td);
    });
    body.append(tr);
  }
  const totals = $("#totals tbody");
  totals.replaceChildren();
  for (const total of page.totals) {
    const tr = document.createElement("tr");
    const th = Object.assign(document.createElement("th"), { textContent: total.label });
    const td = document.createElement("td");
    typeset(td, total.text, total.latex);
    tr.append(th, td);
    totals.append(tr);
  }
}

function showExtras(extras) {
  state.extras = extras;
  showPlot(extras.plot);
  $("#diagram-panel").hidden = !extras.svg;
  $("#diagram").replaceChildren(...(extras.svg ? [inert(extras.svg)] : []));
}

function showPlot(plot) {
  $("#plot-panel").hidden = !plot;
  if (!plot) return;
  $("#plot-panel .symbol").textContent = plot.symbol;
  if (!plot.error) {
    $("#plot-low").value = plot.low;
    $("#plot-high").value = plot.high;
  }
  drawPlot($("#plot"), plot);
}

for (const id of ["#plot-low", "#plot-high"]) {
  $(id).addEventListener("change", () => {
    state.plotRange = [Number($("#plot-low").value), Number($("#plot-high").value)];
    ask();
  });
}

// ---- copying ----------------------------------------------------------------------------

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {  // no clipboard API (an http:// address other than localhost): the old way
    const area = Object.assign(document.createElement("textarea"), { value: text });
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const what = button.dataset.copy;
    if (what !== "link" && !state.extras) {
      $("#copied").textContent = "still computing: try again in a moment";
      return;
    }
    await copy(what === "link" ? shareURL() : state.extras.exports[what]);
    $("#copied").textContent = `${button.textContent.replace("Copy ", "")} copied`;
    setTimeout(() => { $("#copied").textContent = ""; }, 2000);
  });
}

$("#zoo").addEventListener("change", () => {
  if ($("#zoo").value) worker.postMessage({ type: "zoo", name: $("#zoo").value });
});

// ---- start: the shared program, or the example --------------------------------------------

const link = shared();
editor.text = link.program ?? START;
state.values = link.program === null ? { ...START_VALUES } : link.values;
window.addEventListener("hashchange", () => {
  const again = shared();
  if (again.program !== null && again.program !== editor.text) {
    editor.text = again.program;
    state.values = again.values;
    state.symbols = [];
    ask();
  }
});
