// Explorables: pictures a reader can move. Each computes what its chapter's code computes, in
// float32 (every operation rounded with Math.fround, in the order PyTorch uses), starts from
// the data the chapter's run exported into the page, and replaces the static figure drawn by
// that run (which stays for readers without JavaScript). tests/test_browser.py drives every
// one and compares what it shows with the same computation in torch.

const f = Math.fround;
const SVG = "http://www.w3.org/2000/svg";
let uid = 0;

export function mountAll(nodes) {
  for (const node of nodes) {
    const make = KINDS[node.dataset.explorable];
    if (!make || node.hasAttribute("data-explorable-ready")) continue;
    const data = JSON.parse(node.querySelector("script.explorable-data").textContent);
    node.setAttribute("data-explorable-ready", "");
    for (const figure of node.querySelectorAll("figure.exec-plot")) figure.style.display = "none";
    make(node, data);
  }
}

// ---- Building blocks ---------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

function svg(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (parent) parent.append(node);
  return node;
}

const grouped = (digits) => new Intl.NumberFormat("en-US", {
  minimumFractionDigits: digits, maximumFractionDigits: digits });
const fixed2 = grouped(2);

/** A number as the chapters print it: 2 decimals, or 5 significant digits when large. */
function formatLoss(v) {
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "nan";
  if (Math.abs(v) >= 1e5) return v.toExponential(4).replace("e+", "e+");
  return fixed2.format(v);
}

function formatSigned(v, digits = 3) {
  return (v < 0 ? "\u2212" : "") + Math.abs(v).toFixed(digits);
}

function niceTicks(lo, hi, count = 5) {
  const span = hi - lo;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

/** Axes with ticks in an SVG; returns the scales. `logY` draws decades. */
function chart(root, { width, height, x, y, xLabel, yLabel, logY = false }) {
  const m = { left: 68, right: 24, top: 12, bottom: 46 };  // room for phone-sized tick labels
  const box = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "explorable-chart",
    role: "img" }, root);
  const sx = (v) => m.left + ((v - x[0]) / (x[1] - x[0])) * (width - m.left - m.right);
  const ly = (v) => (logY ? Math.log10(v) : v);
  const sy = (v) => height - m.bottom - ((ly(v) - ly(y[0])) / (ly(y[1]) - ly(y[0]))) * (height - m.top - m.bottom);
  const axes = svg("g", { class: "axes" }, box);
  svg("line", { x1: m.left, x2: width - m.right, y1: height - m.bottom, y2: height - m.bottom }, axes);
  svg("line", { x1: m.left, x2: m.left, y1: m.top, y2: height - m.bottom }, axes);
  for (const t of niceTicks(x[0], x[1])) {
    svg("line", { x1: sx(t), x2: sx(t), y1: height - m.bottom, y2: height - m.bottom + 5 }, axes);
    svg("text", { x: sx(t), y: height - m.bottom + 19, "text-anchor": "middle" }, axes).textContent = `${t}`;
  }
  const yTicks = logY
    ? Array.from({ length: Math.floor(Math.log10(y[1])) - Math.ceil(Math.log10(y[0])) + 1 },
      (_, k) => 10 ** (Math.ceil(Math.log10(y[0])) + k))
    : niceTicks(y[0], y[1]);
  for (const t of yTicks) {
    svg("line", { x1: m.left - 5, x2: m.left, y1: sy(t), y2: sy(t) }, axes);
    svg("text", { x: m.left - 8, y: sy(t) + 5, "text-anchor": "end" }, axes).textContent =
      logY ? `1e${Math.log10(t)}` : `${t}`;
  }
  svg("text", { x: (m.left + width - m.right) / 2, y: height - 6, "text-anchor": "middle" }, axes)
    .textContent = xLabel;
  svg("text", { x: 14, y: (m.top + height - m.bottom) / 2, "text-anchor": "middle",
    transform: `rotate(-90 14 ${(m.top + height - m.bottom) / 2})` }, axes).textContent = yLabel;
  const clip = `explorable-clip-${++uid}`;
  svg("rect", { x: m.left, y: m.top, width: width - m.left - m.right, height: height - m.top - m.bottom },
    svg("clipPath", { id: clip }, svg("defs", {}, box)));
  const plot = svg("g", { "clip-path": `url(#${clip})` }, box);
  return { box, plot, sx, sy };
}

function slider(parent, { label, min, max, step, value, format, onInput }) {
  const id = `explorable-input-${++uid}`;
  const input = el("input", { type: "range", id, min, max, step, value });
  const shown = el("output", { for: id });
  const row = el("div", { class: "explorable-control" }, el("label", { for: id }, label), input, shown);
  parent.append(row);
  const update = () => {
    shown.textContent = format(+input.value);
    input.setAttribute("aria-valuetext", shown.textContent);
  };
  input.addEventListener("input", () => { update(); onInput(+input.value); });
  update();
  return {
    input,
    get: () => +input.value,
    set(v) { input.value = v; update(); },
  };
}

function button(parent, label, onClick) {
  const b = el("button", { type: "button", class: "md-button explorable-button" }, label);
  b.addEventListener("click", onClick);
  parent.append(b);
  return b;
}

function readout(parent) {
  const p = el("p", { class: "explorable-readout", role: "status", "aria-live": "polite" });
  parent.append(p);
  return p;
}

function field(name, text) {
  return el("output", { class: name }, text);
}

// ---- Linear algebra in float32, in PyTorch's order ------------------------------------------

/** preds = x @ w.t() + b, e = preds - y, loss = sum(e * e) / numel, and the gradients that
 * autograd finds for it: dL/de = 2·(1/numel)·e, dL/dw = deᵀ x, dL/db = sum over rows. */
function lossAndGrads(x, y, w, b, withGrads = true) {
  const n = x.length, d = x[0].length, m = b.length;
  const e = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    e.push([]);
    for (let k = 0; k < m; k++) {
      let p = f(x[i][0] * w[k * d]);
      for (let j = 1; j < d; j++) p = f(p + f(x[i][j] * w[k * d + j]));
      const err = f(f(p + b[k]) - y[i][k]);
      e[i].push(err);
      sum = f(sum + f(err * err));
    }
  }
  const numel = n * m;
  const loss = f(sum / numel);
  if (!withGrads) return { loss };
  const g = f(1 / numel);
  const gw = new Float32Array(m * d), gb = new Float32Array(m);
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s = f(s + f(x[i][j] * f(2 * f(g * e[i][k]))));
      gw[k * d + j] = s;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s = f(s + f(2 * f(g * e[i][k])));
    gb[k] = s;
  }
  return { loss, gw, gb };
}

/** One step of gradient descent, in place: w -= lr * w.grad, b -= lr * b.grad. */
function step(x, y, w, b, lr) {
  const { loss, gw, gb } = lossAndGrads(x, y, w, b);
  const rate = f(lr);
  for (let q = 0; q < w.length; q++) w[q] = f(w[q] - f(rate * gw[q]));
  for (let q = 0; q < b.length; q++) b[q] = f(b[q] - f(rate * gb[q]));
  return loss;
}

const column = (values) => values.map((v) => [f(v)]);

// ---- 1. Fit a line by hand (chapter 5) ------------------------------------------------------

function fitLine(node, data) {
  const ui = el("div", { class: "explorable-ui" });
  node.append(ui);
  const x = column(data.x), y = column(data.y);
  const c = chart(ui, { width: 440, height: 300, x: data.xRange, y: data.yRange,
    xLabel: data.xLabel, yLabel: data.yLabel });
  c.box.setAttribute("aria-label", `${data.yLabel} against ${data.xLabel} for the five regions, with the line you set and each error drawn between a point and the line`);
  const errors = data.x.map(() => svg("line", { class: "error" }, c.plot));
  const line = svg("line", { class: "fit" }, c.plot);
  data.x.forEach((xi, i) => {
    svg("circle", { cx: c.sx(xi), cy: c.sy(data.y[i]), r: 5, class: "point" }, c.plot);
    svg("text", { x: c.sx(xi) + 8, y: c.sy(data.y[i]) - 7, class: "label" }, c.plot).textContent = `${i + 1}`;
  });
  const controls = el("div", { class: "explorable-controls" });
  ui.append(controls);
  const out = readout(ui);
  const now = { ...data.start }; // what the readout shows; a slider rounds to its step
  const draw = () => {
    const w = f(now.w), b = f(now.b);
    const lineY = (v) => f(f(w * f(v)) + b);
    line.setAttribute("x1", c.sx(data.xRange[0])); line.setAttribute("y1", c.sy(lineY(data.xRange[0])));
    line.setAttribute("x2", c.sx(data.xRange[1])); line.setAttribute("y2", c.sy(lineY(data.xRange[1])));
    data.x.forEach((xi, i) => {
      const seg = errors[i];
      seg.setAttribute("x1", c.sx(xi)); seg.setAttribute("x2", c.sx(xi));
      seg.setAttribute("y1", c.sy(data.y[i])); seg.setAttribute("y2", c.sy(lineY(xi)));
    });
    const { loss } = lossAndGrads(x, y, [w], [b], false);
    out.replaceChildren("MSE ", field("mse", fixed2.format(loss)), " for w = ",
      field("w", w.toFixed(3)), " and b = ", field("b", b.toFixed(1)),
      "; the least-squares line reaches ", field("best", fixed2.format(best)), ".");
  };
  const ws = slider(controls, { label: "weight w", ...data.w, value: data.start.w,
    format: (v) => v.toFixed(3), onInput: (v) => { now.w = v; draw(); } });
  const bs = slider(controls, { label: "bias b", ...data.b, value: data.start.b,
    format: (v) => v.toFixed(1), onInput: (v) => { now.b = v; draw(); } });
  const best = lossAndGrads(x, y, [f(data.best.w)], [f(data.best.b)], false).loss;
  const buttons = el("div", { class: "explorable-buttons" });
  controls.append(buttons);
  const show = (line) => { Object.assign(now, line); ws.set(line.w); bs.set(line.b); draw(); };
  button(buttons, "Reset", () => show(data.start));
  button(buttons, "Show the best line", () => show(data.best));
  draw();
}

// ---- A run of gradient descent that a reader steps or plays --------------------------------

function runner(controls, { reset, advance, done }) {
  let timer = null;
  const buttons = el("div", { class: "explorable-buttons" });
  controls.append(buttons);
  const stop = () => {
    clearInterval(timer); timer = null;
    play.textContent = "Play"; play.setAttribute("aria-pressed", "false");
  };
  const stepBy = (k) => { for (let q = 0; q < k && !done(); q++) advance(); };
  button(buttons, "Step", () => { stop(); stepBy(1); });
  button(buttons, "10 steps", () => { stop(); stepBy(10); });
  const play = button(buttons, "Play", () => {
    if (timer) return stop();
    play.textContent = "Pause"; play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => { if (done()) stop(); else advance(); }, 60);
  });
  play.setAttribute("aria-pressed", "false");
  button(buttons, "Reset", () => { stop(); reset(); });
  return { stop };
}

// ---- 2. The learning rate on the five regions (chapter 11) ----------------------------------

function descent(node, data) {
  const ui = el("div", { class: "explorable-ui" });
  node.append(ui);
  const x = data.x.map((r) => r.map(f)), y = data.y.map((r) => r.map(f));
  const limit = 2 / data.lambdaMax;
  const c = chart(ui, { width: 440, height: 300, x: [0, data.epochs], y: data.lossRange,
    xLabel: "updates", yLabel: "loss (log scale)", logY: true });
  c.box.setAttribute("aria-label", "The loss after each update of gradient descent at the learning rate you chose, on a log scale, with the least-squares floor as a dashed line");
  svg("line", { class: "floor", x1: c.sx(0), x2: c.sx(data.epochs), y1: c.sy(data.floor), y2: c.sy(data.floor) }, c.plot);
  svg("text", { x: c.sx(data.epochs), y: c.sy(data.floor) - 7, "text-anchor": "end", "font-size": 13 }, c.plot)
    .textContent = "least-squares floor";  // labelled where it is drawn: no legend to look up
  const curve = svg("polyline", { class: "curve" }, c.plot);
  const dot = svg("circle", { class: "point", r: 4 }, c.plot);
  const controls = el("div", { class: "explorable-controls" });
  ui.append(controls);
  const out = readout(ui);
  let w, b, losses;
  const eta = () => 10 ** etaSlider.get();
  const reset = () => {
    w = Float32Array.from(data.w.flat()); b = Float32Array.from(data.b);
    losses = [lossAndGrads(x, y, w, b, false).loss];
    draw();
  };
  const advance = () => {
    step(x, y, w, b, eta());
    losses.push(lossAndGrads(x, y, w, b, false).loss);
    draw();
  };
  const done = () => losses.length > data.epochs || !Number.isFinite(losses.at(-1));
  const draw = () => {
    const top = data.lossRange[1];
    const at = (v) => c.sy(Number.isFinite(v) ? Math.min(v, top) : top);
    curve.setAttribute("points", losses.map((v, t) => `${c.sx(t)},${at(v)}`).join(" "));
    dot.setAttribute("cx", c.sx(losses.length - 1)); dot.setAttribute("cy", at(losses.at(-1)));
    const t = losses.length - 1, loss = losses.at(-1), factor = Math.abs(1 - eta() * data.lambdaMax);
    const above = eta() > limit;
    const note = !Number.isFinite(loss)
      ? `The loss overflowed float32 after ${t} update${t === 1 ? "" : "s"}: linreg.train stops here with a FloatingPointError.`
      : above
        ? `η is above 2/λmax = ${limit.toExponential(3)}: along the steepest direction every update multiplies the error by |1 − ηλmax| = ${factor.toFixed(3)} > 1, so the loss grows. This run diverges.`
        : `η is below 2/λmax = ${limit.toExponential(3)}: the error along every direction shrinks, along the steepest by |1 − ηλmax| = ${factor.toFixed(3)} per update.`;
    out.replaceChildren("After ", field("step-count", `${t}`), t === 1 ? " update the loss is " : " updates the loss is ",
      field("loss", formatLoss(loss)), ` (floor ${fixed2.format(data.floor)}). `,
      el("span", { class: `verdict ${above || !Number.isFinite(loss) ? "diverges" : "converges"}` }, note));
  };
  const etaSlider = slider(controls, { label: "learning rate η", ...data.logEta,
    format: (v) => `${(10 ** v).toExponential(2)} (${((10 ** v) / limit).toFixed(3)} × 2/λmax)`,
    onInput: () => { run.stop(); whole(); } });
  const run = runner(controls, { reset, advance, done });
  const whole = () => { reset(); while (!done()) advance(); };  // every update at once
  whole();  // it opens on the run the code above drew; Reset starts over, to step or play
}

// ---- 3. The same line on raw and on standardised inputs (chapter 11) -------------------------

function valley(node, data) {
  const ui = el("div", { class: "explorable-ui" });
  node.append(ui);
  const panels = el("div", { class: "explorable-panels" });
  ui.append(panels);
  const y = column(data.y);
  const views = data.panels.map((p) => panel(panels, p, y));
  const controls = el("div", { class: "explorable-controls" });
  ui.append(controls);
  const fraction = slider(controls, { label: "step η as a share of each panel's 2/λmax", ...data.fraction,
    format: (v) => v.toFixed(2), onInput: () => { run.stop(); whole(); } });
  const reset = () => views.forEach((v) => v.reset(fraction.get()));
  const advance = () => views.forEach((v) => v.advance());
  const done = () => views.every((v) => v.done());
  const run = runner(controls, { reset, advance, done });
  const whole = () => { reset(); while (!done()) advance(); };  // every step at once
  whole();  // it opens on the paths the code above drew; Reset starts over, to step or play
}

function panel(parent, p, y) {
  const box = el("figure", { class: "explorable-panel" });
  parent.append(box);
  box.append(el("p", { class: "explorable-panel-title" }, p.title));
  const x = column(p.x);
  const c = chart(box, { width: 320, height: 290, x: p.range.w, y: p.range.b, xLabel: p.wLabel,
    yLabel: p.bLabel });
  c.box.setAttribute("aria-label", `Contours of the loss over ${p.wLabel} and ${p.bLabel}, with the path of gradient descent from the start`);
  for (const level of p.levels) { // L = L* + ½ (θ−θ*)ᵀ H (θ−θ*): an ellipse per level
    const [[a, h], [, d]] = p.hessian;
    const mean = (a + d) / 2, rad = Math.hypot((a - d) / 2, h);
    const l1 = mean + rad, l2 = mean - rad, angle = Math.atan2(l1 - a, h);
    const r1 = Math.sqrt((2 * (level - p.floor)) / l1), r2 = Math.sqrt((2 * (level - p.floor)) / l2);
    const pts = [];
    for (let q = 0; q <= 180; q++) {
      const phi = (q / 180) * 2 * Math.PI, u = r1 * Math.cos(phi), v = r2 * Math.sin(phi);
      const dw = u * Math.cos(angle) - v * Math.sin(angle), db = u * Math.sin(angle) + v * Math.cos(angle);
      pts.push(`${c.sx(p.optimum.w + dw)},${c.sy(p.optimum.b + db)}`);
    }
    svg("polyline", { class: "contour", points: pts.join(" ") }, c.plot);
  }
  svg("circle", { class: "optimum", cx: c.sx(p.optimum.w), cy: c.sy(p.optimum.b), r: 5 }, c.plot);
  const path = svg("polyline", { class: "curve" }, c.plot);
  const dot = svg("circle", { class: "point", r: 5 }, c.plot);
  const caption = el("figcaption", { class: "explorable-readout", role: "status", "aria-live": "polite" });
  box.append(caption);
  let w, b, lr, visited, t, loss;
  const draw = () => {
    path.setAttribute("points", visited.map(([vw, vb]) => `${c.sx(vw)},${c.sy(vb)}`).join(" "));
    dot.setAttribute("cx", c.sx(w[0])); dot.setAttribute("cy", c.sy(b[0]));
    caption.replaceChildren(`${p.title}: after `, field("step-count", `${t}`), t === 1 ? " step w = " : " steps w = ",
      field("w", formatSigned(w[0])), ", b = ", field("b", formatSigned(b[0])), ", loss ",
      field("loss", formatLoss(loss)), ` (floor ${fixed2.format(p.floor)}).`);
  };
  return {
    reset(share) {
      w = Float32Array.of(p.start.w); b = Float32Array.of(p.start.b); t = 0;
      lr = (share * 2) / p.lambdaMax;
      visited = [[w[0], b[0]]];
      loss = lossAndGrads(x, y, w, b, false).loss;
      draw();
    },
    advance() {
      if (this.done()) return;
      step(x, y, w, b, lr); t += 1;
      visited.push([w[0], b[0]]);
      loss = lossAndGrads(x, y, w, b, false).loss;
      draw();
    },
    done: () => t >= p.steps || !Number.isFinite(loss),
  };
}

const KINDS = { "fit-line": fitLine, descent, valley };
