// A small SVG line chart of params and MACs against one free symbol, from the exact
// points symcnn.playground computes: one panel per quantity, each with its own scale.

const NS = "http://www.w3.org/2000/svg";
const W = 320, H = 170, LEFT = 62, RIGHT = 10, TOP = 22, BOTTOM = 28;

function element(name, attributes, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const short = (v) => {
  for (const [unit, name] of [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]]) {
    if (v >= unit) return `${(v / unit).toPrecision(3)} ${name}`;
  }
  return String(v);
};

function panel(points, symbol, key, title) {
  const svg = element("svg", { viewBox: `0 0 ${W} ${H}`, class: `chart chart-${key}`,
                               role: "img", "aria-label": `${title} against ${symbol}` });
  const xs = points.map((p) => p.x), ys = points.map((p) => Number(p[key]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  const sx = (x) => LEFT + ((x - x0) / (x1 - x0 || 1)) * (W - LEFT - RIGHT);
  const sy = (y) => H - BOTTOM - ((y - y0) / (y1 - y0 || 1)) * (H - TOP - BOTTOM);
  svg.append(element("text", { x: LEFT, y: 14, class: "title" }, title));
  svg.append(element("line", { x1: LEFT, y1: H - BOTTOM, x2: W - RIGHT, y2: H - BOTTOM, class: "axis" }));
  svg.append(element("line", { x1: LEFT, y1: TOP, x2: LEFT, y2: H - BOTTOM, class: "axis" }));
  for (const y of [y0, (y0 + y1) / 2, y1]) {
    svg.append(element("text", { x: LEFT - 4, y: sy(y) + 4, class: "tick", "text-anchor": "end" }, short(Math.round(y))));
  }
  for (const x of [x0, Math.round((x0 + x1) / 2), x1]) {
    svg.append(element("text", { x: sx(x), y: H - BOTTOM + 14, class: "tick", "text-anchor": "middle" }, String(x)));
  }
  svg.append(element("text", { x: W - RIGHT, y: H - 2, class: "tick", "text-anchor": "end" }, symbol));
  const path = points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(Number(p[key])).toFixed(1)}`);
  svg.append(element("path", { d: path.join(" "), class: "line" }));
  for (const p of points) {
    const dot = element("circle", { cx: sx(p.x), cy: sy(Number(p[key])), r: 2.2, class: "dot" });
    dot.append(element("title", {}, `${symbol} = ${p.x}: ${p[`${key}_text`]}`));
    svg.append(dot);
  }
  return svg;
}

export function drawPlot(container, plot) {
  container.replaceChildren();
  if (plot.error) {
    container.append(Object.assign(document.createElement("p"), { className: "plot-error", textContent: plot.error }));
    return;
  }
  if (plot.points.length < 2) {
    container.append(Object.assign(document.createElement("p"), { textContent: `too few valid values of ${plot.symbol} in this range` }));
    return;
  }
  container.append(panel(plot.points, plot.symbol, "params", "trainable params"),
                   panel(plot.points, plot.symbol, "macs", "MACs"));
}
