"use strict";
// Heft's web app. Every page is a form over one calculator of the JSON API; the inputs, their bounds, defaults and
// option lists come from /api/openapi.json, which the server generates from the same request types the command
// line uses. Charts are SVG drawn by the server. A page keeps its inputs in the URL, so that a plan can be shared.

const main = document.getElementById("main");
const page = location.pathname.replace(/^\//, "") || "inspect";
document.querySelectorAll("nav a").forEach(a => { if (a.dataset.page === page) a.setAttribute("aria-current", "page"); });
const params = new URLSearchParams(location.search);

// ---- Formatting: grouped integers, three significant digits for estimates, GB = 10^9 bytes.
const esc = s => String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const group = n => n == null ? "–" : Number(n).toLocaleString("en-US");
const compact = n => {
  if (n == null) return "–";
  for (const [scale, unit] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]]) {
    if (Math.abs(n) >= scale) return (n / scale).toPrecision(3) + unit;
  }
  return String(n);
};
const gb = b => b == null ? "–" : b < 1e9 ? (b / 1e6).toPrecision(3) + " MB" : (b / 1e9).toPrecision(3) + " GB";
const pct = v => v == null ? "–" : v.toFixed(1) + "%";
/** A time in the unit that suits it, as the CLI prints it: µs, ms, s, min, h. */
const duration = v => {
  if (v == null || !isFinite(v)) return "–";
  const fmt = x => Number(x.toPrecision(3)).toLocaleString("en-US");
  if (v < 1e-3) return fmt(v * 1e6) + " µs";
  if (v < 1) return fmt(v * 1e3) + " ms";
  if (v < 120) return fmt(v) + " s";
  if (v < 7200) return fmt(v / 60) + " min";
  return v < 48 * 3600 ? fmt(v / 3600) + " h" : fmt(v / 86400) + " days";
};
/** A rate with three significant digits and thousands separators (4,980, 43.6), never 4.98e+3. */
const rate = v => v == null ? "–" : Number(v.toPrecision(3)).toLocaleString("en-US");
const number = (label, value, formula, id) =>
  `<div><span>${esc(label)}</span><b id="${id || ""}" title="${esc(formula || "exact")}">${value}</b></div>`;

// ---- The API and its schema.
let catalog = { models: [], examples: [], pairs: [], hardware: [] };
let schema = { paths: {} };

async function api(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = await response.json();
  if (!response.ok) throw new Error((data.field ? data.field + ": " : "") + data.error);
  return data;
}

/** The inputs of a calculator, by name, from the OpenAPI document (the POST operation's body schema). */
function inputs(calculator) {
  return schema.paths["/api/" + calculator].post.requestBody.content["application/json"].schema.properties;
}

/** Form values as the JSON types the schema gives: real numbers and flags as JSON values; whole numbers as JSON
 *  numbers unless written in a short form such as 32k or 7B, which the server reads from a string. */
function typed(calculator, v) {
  const properties = inputs(calculator), out = {};
  for (const [name, value] of Object.entries(v)) {
    const s = properties[name] || {};
    const numeric = typeof value === "string" && /^[0-9.eE+-]+$/.test(value) && isFinite(Number(value));
    if (s.type === "number") out[name] = numeric ? Number(value) : value;
    else if (s.type === "boolean") out[name] = value === true || value === "true";
    else if ((s.type === "integer" || s.anyOf) && numeric) out[name] = Number(value);
    else out[name] = value;
  }
  return out;
}

/** One form control for the input `name` of `calculator`, labelled `label`, initialised from the URL or its default. */
function control(calculator, name, label) {
  const s = inputs(calculator)[name];
  const value = params.has(name) ? params.get(name) : s.default;
  const range = s.anyOf ? s.anyOf[0] : s;
  const title = `title="${esc(s.description)}"`;
  if (s.type === "boolean") {
    const checked = value === true || value === "true";
    return `<label ${title}>${esc(label)}<input type="checkbox" name="${name}"${checked ? " checked" : ""}></label>`;
  }
  if (s.enum && s["x-open"]) {
    // Suggestions, not a closed list: a GPU may be NAMExN, a precision any ggml type.
    const options = s.enum.map(o => `<option value="${esc(o)}">`).join("");
    return `<label ${title}>${esc(label)}<input name="${name}" list="${name}-values" value="${esc(value ?? "")}">`
      + `<datalist id="${name}-values">${options}</datalist></label>`;
  }
  if (s.enum) {
    const blank = s.default === undefined ? `<option value="">(none)</option>` : "";
    const options = s.enum.map(o => `<option${String(o) === String(value) ? " selected" : ""}>${esc(o)}</option>`).join("");
    return `<label ${title}>${esc(label)}<select name="${name}">${blank}${options}</select></label>`;
  }
  if (s.maxLength > 4096) {
    // Long text (an engine's log): a text area.
    return `<label ${title}>${esc(label)}<textarea name="${name}" rows="3" cols="60">${esc(value ?? "")}</textarea></label>`;
  }
  const bounds = range.minimum !== undefined ? ` min="${range.minimum}" max="${range.maximum}"` : "";
  return `<label ${title}>${esc(label)}<input name="${name}" value="${esc(value ?? "")}"${bounds}></label>`;
}

/** The model picker: a model under the served folders, a bundled example config, or a bare parameter count. */
function modelControl(allowNone, fallback = "example:llama-3.1-8b") {
  const chosen = params.get("model") ? "model:" + params.get("model") : params.get("example") ? "example:" + params.get("example")
    : params.toString() ? "" : fallback;
  const options = (allowNone ? [["", "(parameter count below)"]] : [])
    .concat(catalog.examples.map(e => ["example:" + e, "example: " + e]))
    .concat(catalog.models.filter(m => !m.error).map(m => ["model:" + m.name, m.name]));
  const html = options.map(([v, l]) => `<option value="${esc(v)}"${v === chosen ? " selected" : ""}>${esc(l)}</option>`).join("");
  return `<label>Model<select name="source">${html}</select></label>` + hubControl();
}

/** A model on the Hugging Face Hub or in Ollama's registry, read by the server from its headers (never downloaded). */
const isRemote = name => /^(hf|ollama):/.test(name || "");
function hubControl() {
  const value = isRemote(params.get("model")) ? params.get("model").replace(/^hf:/, "") : "";
  return `<label title="ORG/NAME[@REVISION][/FILE][:QUANT] on the Hugging Face Hub, or ollama:NAME[:TAG]: the server reads the headers only. `
    + `Press Enter to read it.">or a Hub id<input name="hub" placeholder="ORG/NAME[:QUANT]" value="${esc(value)}" size="32"></label>`;
}
const remoteName = hub => /^(hf|ollama):/.test(hub) ? hub : "hf:" + hub;

/** Form values as a request body: empty inputs are left out, so the server's defaults apply. */
function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") { if (el.checked) out[el.name] = true; continue; }
    if (el.value === "") continue;
    if (el.name === "source") {
      const [kind, ...rest] = el.value.split(":");
      out[kind] = rest.join(":");
    } else if (el.name === "hub") {
      out.hub = el.value.trim();
    } else {
      out[el.name] = el.value;
    }
  }
  // A Hub id, when given, names the model instead of the picker's choice.
  if (out.hub) { out.model = remoteName(out.hub); delete out.example; }
  delete out.hub;
  return out;
}

function keepInURL(v) {
  const q = new URLSearchParams();
  // A pasted log stays out of the URL (it can be a megabyte).
  for (const [k, x] of Object.entries(v)) if (String(x).length <= 2000) q.set(k, x);
  history.replaceState(null, "", location.pathname + "?" + q.toString());
}

const charts = data => `<div class="charts">${Object.values(data.charts || {}).join("")}</div>`;
const notes = (formulas, title = "How the numbers are computed:") => `<div class="notes"><p>${title}</p><ul>${Object.entries(formulas || {})
  .map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`).join("")}</ul></div>`;
const list = items => (items || []).length ? `<ul class="notes">${items.map(w => `<li>${esc(w)}</li>`).join("")}</ul>` : "";

/** Shows `formHTML`, and re-runs `run(values)` whenever an input changes. */
function mount(formHTML, run, extra = "") {
  main.innerHTML = `${extra}<form id="form" onsubmit="return false">${formHTML}</form><div id="out" data-state="loading">…</div>`;
  const form = document.getElementById("form"), out = document.getElementById("out");
  let timer;
  const go = async () => {
    const v = values(form);
    keepInURL(v);
    try {
      out.innerHTML = await run(v);
      out.dataset.state = "ready";
    } catch (e) {
      out.innerHTML = `<p class="error" role="alert">${esc(e.message)}</p>`;
      out.dataset.state = "error";
    }
  };
  // A Hub id is read when it is complete (Enter or leaving the field), not at every keystroke.
  form.addEventListener("input", e => { if (e.target.name === "hub") return; clearTimeout(timer); timer = setTimeout(go, 250); });
  form.addEventListener("change", go);
  go();
  return form;
}

/** A generic answer: its scalar numbers, its tables (arrays of objects), charts, formulas and warnings. */
function generic(d) {
  const scalars = Object.entries(d).filter(([, v]) => typeof v === "number" || typeof v === "boolean" || (typeof v === "string" && v.length <= 40));
  const shown = (k, v) => typeof v !== "number" ? esc(v) : /Bytes$/.test(k) ? gb(v) : Number.isInteger(v) ? group(v) : rate(v);
  const numbers = scalars.map(([k, v]) => number(k, shown(k, v))).join("");
  const sentences = Object.entries(d).filter(([, v]) => typeof v === "string" && v.length > 40).map(([k, v]) => `${k}: ${v}`);
  const tables = Object.entries(d).filter(([, v]) => Array.isArray(v) && v.length && typeof v[0] === "object").map(([k, rows]) => {
    const columns = Object.keys(rows[0]).filter(c => rows.every(r => typeof r[c] !== "object" || r[c] === null));
    const head = columns.map(c => `<th>${esc(c)}</th>`).join("");
    const body = rows.map(r => `<tr>${columns.map(c => `<td>${r[c] == null ? "–" : shown(c, r[c])}</td>`).join("")}</tr>`);
    return `<h3>${esc(k)}</h3><table><tr>${head}</tr>${body.join("")}</table>`;
  }).join("");
  // Objects of numbers (advise's largest model by precision): a two-column table under their key.
  const maps = Object.entries(d).filter(([k, v]) => k !== "formulas" && k !== "assumptions" && v && typeof v === "object" && !Array.isArray(v)
    && Object.keys(v).length && Object.values(v).every(x => typeof x === "number"))
    .map(([k, v]) => `<h3>${esc(k)}</h3><table><tr><th>name</th><th>value</th></tr>`
      + Object.entries(v).map(([n, x]) => `<tr><td>${esc(n)}</td><td>${shown(k, x)}</td></tr>`).join("") + "</table>").join("");
  return `<div class="numbers">${numbers}</div>${list(sentences)}${charts(d)}${tables}${maps}${d.formulas ? notes(d.formulas) : ""}${list(d.warnings)}`;
}

/** The whole `heft inspect` report: the numbers, what the file says, every table, the tensors (folded, with a
 *  filter), buffers and a partial download as a visible warning. */
function inspectReport(data) {
  const p = data.parameters, a = data.architecture, b = data.bytes;
  const share = (n, total) => total ? (100 * n / total).toFixed(1) + "%" : "–";
  const shape = `${esc(a.family || a.modelType || "unknown")} · ${a.layers ?? "?"} layers · hidden ${a.hiddenSize ?? "?"} · `
    + `${a.heads ?? "?"} heads (${a.kvHeads ?? "?"} KV, head dim ${a.headDim ?? "?"}) · vocab ${group(a.vocabSize)} · context ${group(a.contextLength)}`;
  const formula = data.formula
    ? `<p class="notes">Formula (${esc(data.formula.family)}): ${esc(data.formula.expression)} = ${group(data.formula.total)}</p>` : "";
  const configOnly = data.files.length === 0;
  const missing = data.missing ? `<p class="warning" role="alert" id="missing">Partial download: ${group(data.missing.bytes)} bytes of tensor data `
    + `are missing (${group(data.missing.tensors.length)} tensor(s) incomplete). Counts come from the header and are exact; `
    + `statistics need the whole file.</p>` : "";
  const says = data.fileType || data.name ? `<p id="says">The file says: ${[data.fileType && "file type " + esc(data.fileType),
    data.name && "name “" + esc(data.name) + "”", data.sizeLabel && "size label " + esc(data.sizeLabel)].filter(Boolean).join(" · ")}</p>` : "";
  const table = (id, head, rows) => rows.length ? `<table id="${id}"><tr>${head.map(h => `<th>${esc(h)}</th>`).join("")}</tr>`
    + rows.map(r => `<tr>${r.map(c => `<td>${c}</td>`).join("")}</tr>`).join("") + "</table>" : "";
  const kinds = p.byKind ? table("by-kind", ["by kind", "parameters", "share"], Object.entries(p.byKind)
    .map(([k, n]) => [esc(k), group(n), share(n, p.total)])) : "";
  const locations = p.byLocation ? table("by-location", ["by location", "parameters", "share"], Object.entries(p.byLocation)
    .map(([k, n]) => [esc(k), group(n), share(n, p.total)])) : "";
  const storage = b.byStorage && Object.keys(b.byStorage).length ? table("storage", ["storage", "parameters", "bytes", "bits/param"],
    Object.entries(b.byStorage).sort((x, y) => y[1] - x[1]).map(([t, bytes]) => {
      const n = (p.byStorage || {})[t] ?? 0;
      return [esc(t), group(n), group(bytes), n ? (bytes * 8 / n).toFixed(3) : "–"];
    })) : "";
  const blocks = p.perBlock && p.perBlock.length ? `<details><summary>Per block (${p.perBlock.length})</summary>`
    + table("blocks", ["block", "attention", "feed-forward", "other", "total"], p.perBlock
      .map(r => [esc(r.block), group(r.attention), group(r.feedForward), group(r.other), group(r.total)])) + "</details>" : "";
  const buffers = data.buffers.count ? `<p>Buffers (not parameters): ${group(data.buffers.count)} tensor(s), ${group(data.buffers.elements)} `
    + `elements, ${group(data.buffers.bytes)} bytes: ${data.buffers.names.slice(0, 8).map(esc).join(", ")}${data.buffers.count > 8 ? ", …" : ""}</p>` : "";
  const packing = data.quantizationState.count ? `<p>Quantization state: ${group(data.quantizationState.count)} tensor(s), `
    + `${group(data.quantizationState.bytes)} bytes (scales, zeros and indices of packed weights).</p>` : "";
  const tensors = data.tensors ? `<details id="tensor-list"><summary>All ${group(data.tensors.length)} tensors</summary>`
    + `<label>filter<input id="tensor-filter" placeholder="part of a name"></label>`
    + table("tensors", ["name", "shape", "storage", "parameters", "bytes", "role", "kind", "location"], data.tensors.map(t => [
      esc(t.name), esc(t.shape.join(" × ")), esc(t.storage), group(t.parameters), group(t.bytes) + (t.complete === false ? " (missing)" : ""),
      esc(t.role), esc(t.kind ?? ""), esc(t.location ?? "")])) + "</details>" : "";
  return `<div class="numbers">${number("parameters", group(p.total), "Σ elements of parameter tensors (tied once, buffers never)", "total")}`
    + `${number("active", group(p.active), "per-token parameters (MoE)")}${number("tier", esc(data.tier.name))}`
    + (configOnly ? number("file", "config only (no weights)") : `${number("on disk", gb(b.file), "bytes of the files, headers included", "file")}`
      + `${number("tensor data", gb(b.tensorData), "Σ tensor bytes")}${number("bits/param", (b.bitsPerParameter ?? 0).toFixed(3), "file bytes × 8 ÷ parameters")}`)
    + `</div><p id="source">${esc(data.source)} — ${esc(data.format)}${configOnly ? "" : ", " + data.files.length + " file(s)"}</p>`
    + `${missing}${says}<p>${shape}</p>${charts(data)}${formula}<div class="tables">${kinds}${locations}</div>${storage}${blocks}`
    + `${buffers}${packing}${tensors}${list(data.warnings)}`;
}

// Filtering the tensor list as the user types (the list is re-rendered with each answer, so listen on the page).
document.addEventListener("input", e => {
  if (e.target.id !== "tensor-filter") return;
  const needle = e.target.value.toLowerCase();
  document.querySelectorAll("#tensors tr").forEach((row, i) => {
    if (i > 0) row.hidden = needle !== "" && !row.firstChild.textContent.toLowerCase().includes(needle);
  });
});

/** Drag a local model file onto the page: the browser sends only its header (File.slice), never the weights. */
function mountDrop() {
  const zone = document.createElement("div");
  zone.id = "drop";
  zone.className = "drop";
  zone.textContent = "Or drop a .gguf or .safetensors file here: only its header is read, in the browser, and sent.";
  main.prepend(zone);
  zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async e => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) await inspectFile(file);
  });
}

/** A header's bytes: safetensors states its length in the first 8 bytes; a GGUF header is read in growing windows
 *  until the server can parse it. */
async function inspectFile(file) {
  const out = document.getElementById("out");
  out.dataset.state = "loading";
  try {
    let length;
    if (/\.safetensors$/i.test(file.name)) {
      const prefix = new DataView(await file.slice(0, 8).arrayBuffer());
      length = Math.min(file.size, 8 + Number(prefix.getBigUint64(0, true)));
    } else {
      length = Math.min(file.size, 1 << 20);
    }
    for (;;) {
      const body = await file.slice(0, length).arrayBuffer();
      const response = await fetch(`/api/inspect/header?name=${encodeURIComponent(file.name)}&size=${file.size}`,
        { method: "POST", headers: { "content-type": "application/octet-stream" }, body });
      const data = await response.json();
      if (response.ok) { out.innerHTML = inspectReport(data); out.dataset.state = "ready"; return; }
      if (data.needBytes && length < file.size && length < (64 << 20)) { length = Math.min(file.size, length * 4, 64 << 20); continue; }
      throw new Error(data.error);
    }
  } catch (e) {
    out.innerHTML = `<p class="error" role="alert">${esc(file.name)}: ${esc(e.message)}</p>`;
    out.dataset.state = "error";
  }
}

const pages = {
  inspect() {
    const chosen = params.get("model") ?? (params.has("config") ? "" : catalog.models[0]?.name);
    const picker = `<label>Model<select name="model"><option value="">(paste a config.json below)</option>${catalog.models
      .map(m => `<option${m.name === chosen ? " selected" : ""}>${esc(m.name)}</option>`).join("")}</select></label>` + hubControl();
    const paste = `<label>or paste config.json<textarea name="config" rows="3" cols="60">${esc(params.get("config") || "")}</textarea></label>`;
    mount(picker + paste, async v => {
      const data = v.model ? await api("/api/inspect?allTensors=true&model=" + encodeURIComponent(v.model))
        : v.config ? await api("/api/inspect/config", JSON.parse(v.config)) : null;
      if (!data) return "<p>Pick a model from the served folders, type a Hub id, or paste a config.json.</p>";
      return inspectReport(data);
    });
    mountDrop();
  },

  memory() {
    const c = "memory";
    const form = modelControl(true) + control(c, "params", "or parameters") + control(c, "layers", "layers") + control(c, "hidden", "hidden")
      + control(c, "heads", "heads") + control(c, "kvHeads", "KV heads") + control(c, "headDim", "head dim") + control(c, "vocab", "vocabulary")
      + control(c, "context", "context (tokens)") + control(c, "batch", "batch")
      + control(c, "weights", "weights") + control(c, "kvCache", "KV cache") + control(c, "gpu", "GPU") + control(c, "flashAttention", "FlashAttention")
      + control(c, "train", "training") + control(c, "checkpointing", "recomputation") + control(c, "optimizer", "optimizer")
      + control(c, "loraRank", "LoRA rank") + control(c, "qlora", "QLoRA") + control(c, "zero", "ZeRO stage") + control(c, "devices", "devices")
      + control(c, "tensorParallel", "tensor parallel") + control(c, "microBatch", "micro-batch") + control(c, "sweep", "context sweep")
      + control(c, "engine", "engine") + control(c, "tensorSplit", "llama.cpp -ts") + control(c, "command", "or a launch command")
      + control(c, "log", "or paste an engine's log");
    mount(form, async v => {
      const d = await api("/api/memory", typed(c, v));
      // The engine's own buffers (llama.cpp, Ollama), vLLM's budget, and the settings they were computed for.
      const first = d.estimates[0];
      const buffers = d.buffers ? `<table id="buffers"><tr><th>buffer</th><th>device</th><th>kind</th><th>MiB</th><th>detail</th></tr>`
        + d.buffers.map(b => `<tr><td>${esc(b.name)}</td><td>${esc(b.device)}</td><td>${esc(b.kind)}</td>`
          + `<td>${(b.bytes / 1048576).toFixed(2)}${b.upperBytes != null ? "–" + (b.upperBytes / 1048576).toFixed(2) : ""}</td>`
          + `<td>${esc(b.detail ?? (b.upperBytes != null ? "a range: ggml-alloc's holes in a mixture of experts with flash attention" : ""))}</td></tr>`).join("") + "</table>" : "";
      const launch = d.llamaCpp ? `<p>llama.cpp: n_ctx ${group(d.llamaCpp.contextCells)}, ${d.llamaCpp.streams} stream(s) × `
        + `${group(d.llamaCpp.cellsPerStream)} cells, ${d.llamaCpp.sequences} sequence(s), n_ubatch ${d.llamaCpp.ubatch}, `
        + `flash attention ${d.llamaCpp.flashAttention ? "on" : "off"}</p>` : "";
      const vllm = d.vllm ? `<p id="vllm">vLLM would print: ${esc(d.vllm.message)}</p>` : "";
      // The KV cache calculator's side-by-side: multi-head, grouped-query and multi-query attention for these layers.
      const variants = (d.attentionVariants || []).length > 1 ? `<h3>KV cache by attention type</h3><table id="attention-variants">`
        + `<tr><th>attention</th><th>KV heads</th><th>per token</th><th>at ${group(first.context)} tokens</th></tr>`
        + d.attentionVariants.map(v => `<tr${v.isModel ? ' class="recommended"' : ""}><td>${esc(v.name)}${v.isModel ? " (this model)" : ""}</td>`
          + `<td>${v.kvHeads}</td><td>${group(v.bytesPerToken)} B</td><td>${gb(v.bytesAtContext)}</td></tr>`).join("") + "</table>" : "";
      // An engine's log beside Heft's prediction for the same launch (the CLI's "Against the log" table).
      const cmp = d.comparison;
      const against = cmp ? `<h3>Against the ${esc(cmp.engine)} log</h3><table id="comparison"><tr><th>kind</th><th>printed as</th>`
        + `<th>${esc(cmp.engine)} MiB</th><th>Heft MiB</th><th>difference</th></tr>`
        + cmp.rows.map(r => `<tr><td>${esc(r.kind)}</td><td>${esc(r.names)}</td><td>${r.engineMebibytes.toFixed(2)}</td>`
          + `<td>${r.heftMebibytes.toFixed(2)}${r.heftUpperMebibytes != null ? "–" + r.heftUpperMebibytes.toFixed(2) : ""}</td>`
          + `<td>${r.heftUpperMebibytes != null ? (r.engineMebibytes >= r.heftMebibytes - r.resolutionMebibytes && r.engineMebibytes <= r.heftUpperMebibytes + r.resolutionMebibytes ? "in range" : "outside") : (r.relativeDifference * 100).toFixed(2) + " %"}</td></tr>`).join("")
        + `<tr><td><b>total</b></td><td></td><td>${cmp.engineTotalMebibytes.toFixed(2)}</td><td>${cmp.heftTotalMebibytes.toFixed(2)}</td><td></td></tr></table>`
        + (cmp.engineKVTokens != null ? `<p>GPU KV cache size: ${esc(cmp.engine)} ${group(cmp.engineKVTokens)} tokens, Heft ${group(cmp.heftKVTokens)}</p>` : "") : "";
      const fit = e => e.fit ? (e.fit.fits ? "fits" : "short by " + gb(-e.fit.marginBytes)) : "–";
      // The columns add up to the total: serving shows the KV cache and speed (prefill, decode, first token,
      // between tokens); training shows gradients and optimizer state, and no serving speed.
      const training = d.mode === "training";
      const names = d.llamaCpp ? ["model buffers", "compute buffer", "output + driver"] : ["weights", "activations", "overhead"];
      const columns = [["context", e => group(e.context)], [names[0], e => gb(e.weightsBytes)]]
        .concat(training ? [["gradients", e => gb(e.gradientsBytes)], ["optimizer state", e => gb(e.optimizerBytes)]]
          : [["KV cache", e => gb(e.kvCacheBytes)]])
        .concat([[names[1], e => gb(e.activationBytes)], [names[2], e => gb(e.overheadBytes)], ["total", e => `<b>${gb(e.totalBytes)}</b>`],
          ["fit", fit]])
        .concat(training ? [] : [["prefill tok/s", e => e.speed ? rate(e.speed.prefillTokensPerSecond) : "–"],
          ["decode tok/s", e => e.speed ? rate(e.speed.decodeTokensPerSecond) : "–"],
          ["first token", e => e.speed ? duration(e.speed.timeToFirstTokenSeconds) : "–"],
          ["between tokens", e => e.speed ? duration(e.speed.interTokenLatencySeconds) : "–"]]);
      const head = "<tr>" + columns.map(([h]) => `<th>${esc(h)}</th>`).join("") + "</tr>";
      const rows = d.estimates.map(e => "<tr>" + columns.map(([, f]) => `<td>${f(e)}</td>`).join("") + "</tr>");
      return `<div class="numbers">${number("total", gb(d.totalBytes), d.formulas.weights ?? d.formulas.model, "total")}`
        + `${number("KV per token", group(d.kvCacheBytesPerToken) + " B", d.formulas.kvCache ?? d.formulas.kv)}${number("parameters", compact(d.parameters))}`
        + `${number("engine", esc(d.engine))}</div>`
        + `<table id="estimates">${head}${rows.join("")}</table><p>${esc(first.answer)}</p>${launch}${vllm}${against}${variants}${buffers}${charts(d)}${notes(d.formulas)}`
        + `${notes(d.assumptions, "Assumptions:")}${list(d.warnings)}`;
    });
  },

  context() {
    // The context-window scaling calculator: the memory calculator's sweep.
    const c = "memory";
    const form = modelControl(true) + control(c, "params", "or parameters") + control(c, "gpu", "GPU") + control(c, "weights", "weights")
      + control(c, "kvCache", "KV cache") + control(c, "batch", "batch") + control(c, "engine", "engine") + control(c, "train", "training")
      + control(c, "checkpointing", "recomputation");
    mount(form, async v => {
      const d = await api("/api/memory", typed(c, { ...v, sweep: true }));
      const s = d.sweep;
      const speed = s.points.some(p => p.decodeTokensPerSecond != null), fit = s.capacityBytes != null;
      const head = "<tr><th>context</th><th>weights</th><th>KV cache</th><th>activations FA</th><th>activations std</th><th>total FA</th><th>total std</th>"
        + (fit ? "<th>fits FA</th><th>fits std</th>" : "") + (speed ? "<th>prefill tok/s</th><th>decode tok/s</th>" : "") + "</tr>";
      const yes = b => b ? "yes" : "no";
      const rows = s.points.map(p => `<tr><td>${group(p.context)}</td><td>${gb(p.weightsBytes)}</td><td>${gb(p.kvCacheBytes)}</td>`
        + `<td>${gb(p.activationBytes)}</td><td>${gb(p.activationBytesStandard)}</td><td><b>${gb(p.totalBytes)}</b></td><td>${gb(p.totalBytesStandard)}</td>`
        + (fit ? `<td>${yes(p.fits)}</td><td>${yes(p.fitsStandard)}</td>` : "")
        + (speed ? `<td>${rate(p.prefillTokensPerSecond)}</td><td>${rate(p.decodeTokensPerSecond)}</td>` : "") + "</tr>").join("");
      const longest = fit ? `<p id="longest">Longest context that fits: ${group(s.largestFitting)} with FlashAttention, `
        + `${group(s.largestFittingStandard)} with standard attention</p>` : "";
      return `${longest}<div class="charts">${d.charts.sweep}</div><table id="sweep">${head}${rows}</table>${notes(d.formulas)}`
        + `${notes(d.assumptions, "Assumptions:")}${list(d.warnings)}`;
    });
  },

  models() {
    // `heft ls`: the models the server was started with, as the command line lists them.
    mount("", async () => {
      const listing = await api("/api/models");
      const rows = listing.models.map(m => `<tr><td><a href="/inspect?model=${encodeURIComponent(m.name)}">${esc(m.name)}</a></td>`
        + `<td>${esc(m.format ?? "–")}</td><td>${m.parameters == null ? "–" : compact(m.parameters)}</td><td>${gb(m.bytes)}</td>`
        + `<td>${esc(m.quantization ?? "–")}</td><td>${m.error ? `<span class="error">${esc(m.error)}</span>` : m.complete ? "complete" : "partial"}</td></tr>`).join("");
      return `<p>Folders served: ${listing.roots.map(esc).join(", ") || "none"}</p><table id="models"><tr><th>model</th><th>format</th>`
        + `<th>parameters</th><th>size</th><th>quantization</th><th>status</th></tr>${rows}</table>`;
    });
  },

  compare() {
    const c = "compare";
    // Models as a comma-separated list; the served files and the bundled examples are offered as suggestions.
    const names = catalog.models.filter(m => !m.error).map(m => m.name).concat(catalog.examples.map(e => "example:" + e));
    if (!params.has("models")) params.set("models", "example:llama-3.1-8b,example:mistral-7b,example:qwen2-0.5b");
    const picker = `<label title="${esc(inputs(c).models.description)}">models<input name="models" size="70" list="model-names" value="${esc(params.get("models"))}">`
      + `<datalist id="model-names">${names.map(n => `<option value="${esc(n)}">`).join("")}</datalist></label>`;
    mount(picker + control(c, "context", "context") + control(c, "gpu", "GPU") + control(c, "weights", "weights") + control(c, "engine", "engine"), async v => {
      const d = await api("/api/" + c, typed(c, v));
      const speed = d.rows.some(r => r.decodeTokensPerSecond != null), fit = d.hardware != null;
      const head = "<tr><th>model</th><th>parameters</th><th>on disk</th><th>bits/param</th><th>embedding</th><th>KV per token</th>"
        + "<th>max context</th><th>memory</th><th>engine</th>" + (fit ? "<th>fits</th>" : "") + (speed ? "<th>decode tok/s</th>" : "") + "<th>tier</th></tr>";
      const rows = d.rows.map(r => `<tr><td>${esc(r.model)}</td><td>${compact(r.parameters)}${r.activeParameters !== r.parameters ? " (" + compact(r.activeParameters) + " active)" : ""}</td>`
        + `<td>${gb(r.fileBytes)}</td><td>${r.bitsPerParameter.toFixed(2)}</td><td>${r.embeddingShare == null ? "–" : (r.embeddingShare * 100).toFixed(1) + "%"}</td>`
        + `<td>${group(r.kvCacheBytesPerToken)} B</td><td>${group(r.contextLimit)}</td><td>${gb(r.memoryBytes)}</td><td>${esc(r.engine)}</td>`
        + (fit ? `<td>${r.fits ? "yes" : "no"}</td>` : "") + (speed ? `<td>${rate(r.decodeTokensPerSecond)}</td>` : "") + `<td>${esc(r.tier)}</td></tr>`).join("");
      return `<table id="compare">${head}${rows}</table>${charts(d)}${notes(d.formulas)}${list(d.warnings)}`;
    });
  },

  distill() {
    const c = "plan/distill";
    const buttons = catalog.pairs.map(p => `<button type="button" data-pair="${esc(p.name)}">${esc(p.name)}</button>`).join("");
    const examples = `<div class="examples" role="group" aria-label="Quick examples">Published pairs — click to load: ${buttons}</div>`;
    if (!params.toString()) params.set("pair", "distilbert");
    const form = mount(modelControl(true, "") + control(c, "params", "teacher parameters") + control(c, "pair", "published pair")
      + control(c, "ratio", "ratio r") + control(c, "studentParams", "or student parameters") + control(c, "lambda", "λ")
      + control(c, "baseTokens", "base tokens") + control(c, "method", "method") + control(c, "temperature", "temperature T")
      + control(c, "gpu", "GPU for GPU-hours"), async v => {
      const d = await api("/api/" + c, typed(c, v));
      const presets = d.presets.map(p => `<tr><td>${esc(p.family)}</td><td>${p.pairs}</td><td>${p.lambdaMedian.toFixed(2)}</td>`
        + `<td>${pct(p.accuracyPercentAtMedian)}</td></tr>`).join("");
      return `<div class="numbers">${number("student parameters", group(d.studentParameters), d.formulas.studentParameters, "student")}`
        + `${number("accuracy (estimate)", pct(d.accuracyPercent), d.formulas.accuracyPercent, "accuracy")}`
        + `${number("training tokens (estimate)", compact(d.trainingTokens), d.formulas.trainingTokens, "tokens")}`
        + `${number("compute", (d.compute.totalFlops / 1e18).toPrecision(3) + " EFLOP", d.formulas.compute)}`
        + `${d.compute.gpuHours != null ? number("GPU-hours", group(Math.round(d.compute.gpuHours)), d.formulas.compute) : ""}`
        + `${number("memory to distill", gb(d.memory.totalBytes), d.formulas.memory)}</div>${charts(d)}`
        + (d.students.length ? `<h3>Student architectures</h3><table id="students"><tr><th>strategy</th><th>parameters</th><th>vs target</th><th>config changes</th></tr>`
          + d.students.map(st => `<tr><td>${esc(st.strategy)}</td><td>${group(st.parameters)}</td><td>${st.differencePercent >= 0 ? "+" : ""}${st.differencePercent.toFixed(1)}%</td>`
            + `<td>${esc(Object.entries(st.changes).map(([k, v]) => k + "=" + v).join(", "))}</td></tr>`).join("") + "</table>" : "")
        + `<h3>Methods</h3><table id="methods"><tr><th>method</th><th>transfers</th><th>complexity</th><th>typical use</th><th>cache per token</th></tr>`
        + d.methods.map(m => `<tr${m.chosen ? ' class="recommended"' : ""}><td>${esc(m.method)}</td><td>${esc(m.transfers)}</td><td>${esc(m.complexity)}</td>`
          + `<td>${esc(m.typicalUse)}</td><td title="${esc(m.note)}">${m.cacheBytesPerToken == null ? "not cached" : group(m.cacheBytesPerToken) + " B"}</td></tr>`).join("") + "</table>"
        + `<table><tr><th>λ preset</th><th>pairs</th><th>median λ</th><th>accuracy at your r</th></tr>${presets}</table>`
        + `${list(d.guidance)}${notes(d.formulas)}${list(d.warnings)}`;
    }, examples);
    main.querySelectorAll("[data-pair]").forEach(b => b.addEventListener("click", () => {
      form.elements.source.value = "";
      for (const name of ["params", "ratio", "studentParams", "lambda"]) form.elements[name].value = "";
      form.elements.pair.value = b.dataset.pair;
      form.dispatchEvent(new Event("change"));
    }));
  },

  quantize() {
    const c = "plan/quantize";
    mount(modelControl(false) + control(c, "context", "context") + control(c, "budget", "budget (e.g. 6GB)") + control(c, "gpu", "GPU"), async v => {
      const d = await api("/api/" + c, typed(c, v));
      // The same columns as `heft plan quantize`.
      const first = s => s.quality.find(q => q.delta != null);
      const quality = s => first(s) ? (first(s).delta >= 0 ? "+" : "") + first(s).delta.toFixed(4) + " (" + esc(first(s).model) + ")"
        : s.family === "float" ? "0 (float)" : "–";
      const files = d.schemes.some(s => s.fileBytes != null), speed = d.schemes.some(s => s.decodeTokensPerSecond != null);
      const rows = d.schemes.map(s => `<tr${s.name === d.recommended ? ' class="recommended"' : ""}><td title="${esc(s.note ?? "")}">`
        + `${esc(s.name)}${s.note ? " *" : ""}</td><td>${esc(s.family)}</td><td>${group(s.bytes)}</td>`
        + (files ? `<td>${group(s.fileBytes)}</td>` : "") + `<td>${s.bitsPerWeight.toFixed(3)}</td>`
        + (files ? `<td>${s.fileBitsPerWeight == null ? "–" : s.fileBitsPerWeight.toFixed(3)}</td>` : "")
        + `<td>${s.quantizedBitsPerWeight.toFixed(3)}</td><td>${gb(s.memoryBytes)}</td>`
        + (speed ? `<td>${s.decodeTokensPerSecond == null ? "–" : s.decodeTokensPerSecond.toFixed(1)}</td>` : "")
        + `<td>${s.fits == null ? "–" : s.fits ? "yes" : "no"}</td><td>${quality(s)}</td></tr>`).join("");
      const head = "<tr><th>scheme</th><th>family</th><th>tensor bytes</th>" + (files ? "<th>file bytes</th>" : "") + "<th>bits/weight</th>"
        + (files ? "<th>file bits/w</th>" : "") + "<th>quantized bits</th><th>memory at context</th>" + (speed ? "<th>decode tok/s</th>" : "")
        + "<th>fits</th><th>published ΔPPL</th></tr>";
      const marked = d.schemes.some(s => s.note)
        ? "<p class=\"notes\">* llama-quantize needs an importance matrix (--imatrix) for the marked types on this model: sized as written with one.</p>" : "";
      const recommended = d.recommended ? `<p>Recommended: <b id="recommended">${esc(d.recommended)}</b> — ${esc(d.rule)}</p>` : "";
      return `${recommended}${charts(d)}<table id="schemes">${head}${rows}</table>${marked}${list(d.warnings)}`;
    });
  },

  pipeline() {
    const c = "plan/pipeline";
    mount(modelControl(false) + control(c, "distill", "distill ratio") + control(c, "lambda", "λ") + control(c, "quantize", "quantize")
      + control(c, "twoFour", "2:4 sparsity") + control(c, "targetMemory", "target memory") + control(c, "gpu", "GPU")
      + control(c, "context", "context"), async v => {
      const d = await api("/api/" + c, typed(c, v));
      const rows = d.steps.map(s => `<tr><td>${esc(s.step)}</td><td>${esc(s.detail)}</td><td>${compact(s.parameters)}</td>`
        + `<td>${gb(s.weightBytes)}</td><td>${gb(s.memoryBytes)}</td><td title="${esc(s.qualityBasis)}">${pct(s.accuracyPercent)}</td>`
        + `<td title="${esc(s.qualityBasis)}">${s.perplexityRatio == null ? "unknown" : s.perplexityRatio.toFixed(3) + "×"}</td>`
        + `<td>${s.meetsTarget == null ? "–" : s.meetsTarget ? "yes" : "no"}</td></tr>`).join("");
      const head = "<tr><th>step</th><th>detail</th><th>parameters</th><th>weights</th><th>memory</th><th>accuracy (distillation estimate)</th><th>perplexity × (published)</th><th>meets target</th></tr>";
      const first = `<p id="first-fit">${d.firstFit ? "First fits after: " + esc(d.firstFit) : "No step reaches the target."}</p>`;
      return `<table>${head}${rows}</table>${first}${list(d.assumptions)}${list(d.warnings)}`;
    });
  },
};

// The other calculators: a form of every input the server lists, and the generic answer.
const genericPages = { prune: "plan/prune", lowrank: "plan/lowrank", lora: "plan/lora", advise: "advise", stats: "stats", batch: "plan/batch" };
for (const [name, calculator] of Object.entries(genericPages)) {
  pages[name] = () => {
    const names = Object.keys(inputs(calculator)).filter(n => !["model", "example", "layers", "hidden", "heads", "kvHeads", "headDim", "vocab",
      "ffn", "maxContext"].includes(n));
    const hasModel = "model" in inputs(calculator);
    const picker = !hasModel ? "" : calculator === "stats"
      ? `<label>Model<select name="model">${catalog.models.map(m =>
        `<option${m.name === params.get("model") ? " selected" : ""}>${esc(m.name)}</option>`).join("")}</select></label>`
      : modelControl(true);
    mount(picker + names.map(n => control(calculator, n, n)).join(""), async v => generic(await api("/api/" + calculator, typed(calculator, v))));
  };
}

(async () => {
  try {
    const [listing, hardware, document] = await Promise.all([api("/api/models"), api("/api/hardware"), api("/api/openapi.json")]);
    catalog = { models: listing.models, examples: listing.examples, pairs: listing.pairs, hardware };
    schema = document;
  } catch (e) {
    main.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    return;
  }
  (pages[page] || pages.inspect)();
})();
