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
/** A count or size with three significant digits in the largest unit it reaches (999.96 million is 1.00B, not
 *  1.00e+3M). */
const scaled = (n, units, below) => {
  for (const [scale, unit] of units) if (Math.abs(n) >= scale * 0.9995) return (n / scale).toPrecision(3) + unit;
  return below(n);
};
const compact = n => n == null ? "–" : scaled(n, [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]], String);
const gb = b => b == null ? "–" : scaled(b, [[1e12, " TB"], [1e9, " GB"], [1e6, " MB"], [1e3, " kB"]], x => group(x) + " B");
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
  .map(([k, v]) => `<li><b>${esc(words(k))}</b>: ${esc(v)}</li>`).join("")}</ul></div>`;
/** Sentences from the server (warnings, guidance), with long whole numbers grouped (253113024 → 253,113,024). */
const list = items => (items || []).length ? `<ul class="notes">${items.map(w => `<li>${esc(w)
  .replace(/(?<![\w.,])\d{5,}(?![\w,]|\.\d)/g, m => group(Number(m)))}</li>`).join("")}</ul>` : "";

/** Each table column aligned as most of its cells read: numbers right and on one line ("45.7 MB"), words left
 *  ("Q4_K_M", "complete"), with its header; dashes and empty cells do not vote. The first column stays left. */
function alignCells(root) {
  const kind = cell => {
    const text = cell.textContent.trim();
    if (text === "" || text === "–" || text === "-") return 0;
    return /^[-−+~≈]?[0-9.,]/.test(text) ? 1 : -1;
  };
  for (const table of root.querySelectorAll("table")) {
    const rows = [...table.rows], votes = [];
    for (const row of rows) [...row.cells].forEach((cell, i) => { if (cell.tagName === "TD") votes[i] = (votes[i] || 0) + kind(cell); });
    for (const row of rows) {
      [...row.cells].forEach((cell, i) => {
        if (i === 0 || row.cells.length !== rows[0].cells.length) return;
        cell.classList.add(votes[i] < 0 ? "words" : "number");
      });
    }
  }
}

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
      alignCells(out);
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

// ---- Quantities: one format per kind of number, and the exact value in a tooltip wherever the shown one is rounded.
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const power = e => "10" + [...String(e)].map(c => SUPERSCRIPT[c]).join("");
/** A measured real number with three significant digits (or `digits`) and thousands separators (1,230, 0.0123), or
 *  m × 10ⁿ when it is tiny or huge (7.48 × 10⁻⁵), never a raw long float. */
const real = (x, digits = 3) => {
  if (x == null) return "–";
  if (!isFinite(x)) return String(x);
  if (x === 0) return "0";
  if (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e15) return x.toLocaleString("en-US", { maximumSignificantDigits: digits });
  let e = Math.floor(Math.log10(Math.abs(x))), m = Number((x / 10 ** e).toPrecision(digits));
  if (Math.abs(m) >= 10) { m /= 10; e += 1; }
  return `${m} × ${power(e)}`;
};
/** A value read from the weights (min, max, mean, σ) with four significant digits, as `heft stats` prints it. */
const value4 = x => real(x, 4);
const tip = (text, exact) => `<span class="exact" title="${esc(exact)}">${text}</span>`;
/** Bytes in the unit that suits them (GB = 10⁹ bytes), the exact count in the tooltip. */
const size = b => b == null ? "–" : tip(gb(b), group(b) + " bytes");
/** An estimated count: three significant digits with K, M, B, T; the exact figure in the tooltip. */
const estimate = n => n == null ? "–" : Math.abs(n) < 1e3 ? group(n) : tip(compact(n), group(n) + " (estimate)");
/** A fraction (0.12) and a percentage (12) as "12 %", three significant digits. */
const fraction = f => f == null ? "–" : real(f * 100) + " %";
const percent = p => p == null ? "–" : real(p) + " %";
const yes = b => b == null ? "–" : b ? "yes" : "no";

/** Plain words for the answers' keys and the forms' inputs; any other key is split at its capitals. */
const LABELS = {
  dropLayers: "layers to remove", keepHeads: "attention heads to keep", keepFfn: "feed-forward width to keep", keepExperts: "experts to keep",
  sparsity: "sparsity", twoFour: "2:4 sparsity", rank: "rank r", targets: "adapted matrices", embeddingRank: "embedding rank E",
  params: "or parameters", context: "context (tokens)", microBatch: "micro-batch", optimizer: "optimizer", qlora: "QLoRA",
  checkpointing: "recomputation", task: "task", dataTokens: "training data (tokens)", memory: "memory budget", tokensPerSecond: "decode speed target (tokens/s)",
  gpu: "GPU", sequenceLength: "sequence length (tokens)", targetBatch: "target batch (sequences)", zero: "ZeRO stage", mfu: "efficiency (MFU)",
  thresholds: "near-zero thresholds", relative: "relative thresholds", outlierK: "outlier k (σ)", k: "outliers beyond k·σ from the mean", bins: "histogram bins", precision: "precision",
  absMax: "largest |value|", perDeviceBytes: "memory per GPU", tierReason: "why this tier", stepSeconds: "step time", rows: "settings",
  decisionFlow: "decision flow", largestFitting: "largest model that fits the memory", largestForLatency: "largest model for the speed target",
  bitmask: "bitmask storage", csr: "CSR storage", structured: "structured pruning", effectiveBatch: "effective batch", accumulationSteps: "accumulation steps",
  nan: "NaN values", inf: "infinite values", std: "standard deviation", outlierFraction: "outliers (more than k·σ from their tensor's mean)",
};
const words = k => LABELS[k] ?? String(k).replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
/** A value by what its key says it is: bytes, seconds, a percentage or fraction, a count, a flag or text. */
function shown(k, v) {
  if (v == null) return "–";
  if (typeof v === "boolean") return yes(v);
  if (typeof v === "string") return esc(v);
  if (typeof v !== "number") return esc(JSON.stringify(v));
  if (/Bytes$|^bytes/.test(k)) return size(v);
  if (/Seconds$/.test(k)) return duration(v);
  if (/Percent$/.test(k)) return percent(v);
  if (/[fF]raction$|^sparsity$/.test(k)) return fraction(v);
  return Number.isInteger(v) ? group(v) : real(v);
}
/** One labelled number whose JSON key and exact value the page keeps (`data-key`, `data-value`), so a test can
 *  hold it against the command line's JSON. */
const stat = (label, key, html, raw, formula, id) => `<div${key ? ` data-key="${esc(key)}" data-value="${esc(JSON.stringify(raw))}"` : ""}>`
  + `<span>${esc(label)}</span><b${id ? ` id="${id}"` : ""}${formula ? ` title="${esc(formula)}"` : ""}>${html}</b></div>`;
/** A table of `rows` under `columns` ([heading, cell, title, class]; class "text" for a column of sentences);
 *  past `fold` rows, the first ones are shown and the whole table is folded behind a <details>. */
function grid(id, columns, rows, fold = 10, rowClass = () => "") {
  const cls = c => c ? ` class="${c}"` : "";
  const head = `<tr>${columns.map(([h, , t, c]) => `<th${cls(c)}${t ? ` title="${esc(t)}"` : ""}>${esc(h)}</th>`).join("")}</tr>`;
  const line = r => `<tr${cls(rowClass(r))}>${columns.map(([, f, , c]) => `<td${cls(c)}>${f(r)}</td>`).join("")}</tr>`;
  const all = `<table class="grid"${id ? ` id="${id}"` : ""}>${head}${rows.map(line).join("")}</table>`;
  if (rows.length <= fold + 2) return all;
  return `<div class="fold"><table class="grid preview" aria-hidden="true">${head}${rows.slice(0, fold).map(line).join("")}</table>`
    + `<details><summary>All ${group(rows.length)} rows (the first ${fold} are shown)</summary>${all}</details></div>`;
}
const formulaNotes = (formulas, title) => formulas && Object.keys(formulas).length
  ? `<div class="notes"><p>${title || "How the numbers are computed:"}</p><ul>${Object.entries(formulas)
    .map(([k, v]) => `<li><b>${esc(words(k))}</b>: ${esc(v)}</li>`).join("")}</ul></div>` : "";

/** Whatever fields of an answer the page's own renderer did not show (a newer server's): numbers, sentences,
 *  lists, tables and nested objects, labelled in plain words. */
function rest(d, done, path = "") {
  const left = Object.entries(d).filter(([k]) => !done.includes(k) && k !== "charts");
  const scalars = left.filter(([, v]) => v == null || typeof v !== "object").filter(([, v]) => !(typeof v === "string" && v.length > 60));
  const numbers = scalars.map(([k, v]) => stat(words(k), path + k, shown(k, v), v)).join("");
  const sentences = left.filter(([, v]) => typeof v === "string" && v.length > 60).map(([k, v]) => `${words(k)}: ${v}`);
  const nested = left.filter(([, v]) => v && typeof v === "object").map(([k, v]) => {
    if (Array.isArray(v)) {
      if (!v.length) return "";
      if (v.every(x => typeof x !== "object")) return `<h3>${esc(words(k))}</h3>${list(v.map(String))}`;
      const keys = [...new Set(v.flatMap(r => Object.keys(r)))];
      return `<h3>${esc(words(k))}</h3>` + grid(null, keys.map(c => [words(c), r => shown(c, r[c])]), v);
    }
    return `<h3>${esc(words(k))}</h3>${rest(v, [], path + k + ".")}`;
  }).join("");
  return (numbers ? `<div class="numbers">${numbers}</div>` : "") + list(sentences) + nested;
}

// ---- The pages of the plans without a form of their own: each answer drawn field by field.
const CONFIG_KEYS = { num_hidden_layers: "layers", n_layer: "layers", num_attention_heads: "attention heads", num_key_value_heads: "key/value heads",
  intermediate_size: "feed-forward width", n_inner: "feed-forward width", num_local_experts: "experts", num_experts: "experts",
  num_experts_per_tok: "experts per token", n_head: "attention heads" };
const MODULES = { q: "attention query (q)", k: "attention key (k)", v: "attention value (v)", o: "attention output (o)",
  gate: "feed-forward gate", up: "feed-forward up", down: "feed-forward down" };

const answers = {
  prune(d) {
    const s = d.structured, p = d.sparse, f = d.formulas || {};
    let html = "";
    if (s) {
      const removed = s.parametersBefore - s.parametersAfter;
      const changes = Object.entries(s.changes).map(([k, v]) => `${esc(CONFIG_KEYS[k] ?? words(k))} → ${group(v)} (<code>${esc(k)}</code>)`);
      html += `<h3>Structured pruning: exact counts</h3><p id="changes">The pruned config: ${changes.join(", ") || "unchanged"}</p><div class="numbers">`
        + stat("parameters before", "structured.parametersBefore", group(s.parametersBefore), s.parametersBefore, f.structured)
        + stat("parameters after", "structured.parametersAfter", group(s.parametersAfter), s.parametersAfter, f.structured, "params-after")
        + stat("removed", null, `${group(removed)} (${fraction(removed / s.parametersBefore)})`)
        + stat("active per token after", "structured.activeParametersAfter", group(s.activeParametersAfter), s.activeParametersAfter,
          "parameters a token passes through (fewer than all only in a mixture of experts)")
        + stat("weights after", "structured.weightBytesAfter", size(s.weightBytesAfter), s.weightBytesAfter, "parameters after × bytes per weight")
        + "</div>";
    }
    if (p) {
      const storage = [["dense", p.denseBytes, "every value stored"], ["bitmask", p.bitmaskBytes, f.bitmask], ["CSR", p.csrBytes, f.csr]]
        .concat(p.twoFourBytes != null ? [["2:4", p.twoFourBytes, f.twoFour]] : []);
      const keys = { dense: "denseBytes", bitmask: "bitmaskBytes", CSR: "csrBytes", "2:4": "twoFourBytes" };
      html += `<h3>${p.pattern === "2:4" ? "2:4 sparsity" : "Unstructured sparsity"}</h3><div class="numbers">`
        + stat("sparsity", "sparse.sparsity", fraction(p.sparsity), p.sparsity)
        + stat("weights set to zero", "sparse.prunedParameters", group(p.prunedParameters), p.prunedParameters) + "</div>"
        + `<table id="sparse-storage"><tr><th>stored as</th><th>bytes</th><th>vs dense</th><th>how</th></tr>`
        + storage.map(([name, bytes, how]) => `<tr data-key="sparse.${keys[name]}" data-value="${bytes}"><td>${name}</td><td>${size(bytes)}</td>`
          + `<td>${fraction(bytes / p.denseBytes)}</td><td class="note">${esc(how)}</td></tr>`).join("") + "</table>"
        + `<p class="notes">${esc(p.caveat)}</p>`;
    }
    if (d.references.length) {
      html += `<h3>Published pruning results (${group(d.references.length)})</h3>` + grid("references", [
        ["model", r => esc(r.model)], ["method", r => esc(r.method)], ["sparsity", r => esc(r.sparsity)],
        ["dense", r => real(r.dense), "the dense model's score (see metric)"], ["pruned", r => real(r.pruned), "the pruned model's score"],
        ["change", r => r.dense ? (r.pruned >= r.dense ? "+" : "") + percent(100 * (r.pruned - r.dense) / r.dense) : "–"],
        ["metric", r => esc(r.metric), null, "text"], ["source", r => `<span class="note">${esc(r.source)}</span>`, null, "text"]], d.references, 6);
    }
    return html + formulaNotes(f) + list(d.warnings) + rest(d, ["model", "structured", "sparse", "references", "formulas", "warnings"]);
  },

  lowrank(d) {
    const e = d.embedding;
    const html = `<div class="numbers">${stat("rank r", "rank", group(d.rank), d.rank)}`
      + stat("parameters before", "parametersBefore", group(d.parametersBefore), d.parametersBefore)
      + stat("parameters after", "parametersAfter", group(d.parametersAfter), d.parametersAfter, d.formula, "params-after")
      + stat("saved", "saved", `${group(d.saved)} (${fraction(d.saved / d.parametersBefore)})`, d.saved)
      + stat("bytes saved", "savedBytes", size(d.savedBytes), d.savedBytes) + "</div>"
      + (e ? `<h3>Embedding factorized (ALBERT)</h3><div class="numbers">`
        + stat("vocabulary × hidden", null, `${group(e.vocabulary)} × ${group(e.hidden)}`)
        + stat("embedding rank E", "embedding.rank", group(e.rank), e.rank)
        + stat("parameters V·H", "embedding.parameters", group(e.parameters), e.parameters)
        + stat("factored V·E + E·H", "embedding.factoredParameters", group(e.factoredParameters), e.factoredParameters)
        + stat("saved", "embedding.saved", group(e.saved), e.saved)
        + stat("reduction", "embedding.reduction", real(e.reduction) + "×", e.reduction) + "</div>" : "")
      + `<h3>Matrices factorized (${group(d.matrices.length)})</h3>` + grid("matrices", [
        ["matrix", m => esc(m.name)], ["shape", m => `${group(m.rows)} × ${group(m.columns)}`], ["parameters", m => group(m.parameters)],
        ["factored r·(m + n)", m => group(m.factoredParameters)], ["saved", m => group(m.saved)],
        ["worth it below rank", m => group(Math.floor(m.rows * m.columns / (m.rows + m.columns))), "m·n ÷ (m + n)"]], d.matrices, 8)
      + `<p class="notes">${esc(d.formula)}</p>${list(d.warnings)}`;
    return html + rest(d, ["model", "rank", "matrices", "parametersBefore", "parametersAfter", "saved", "savedBytes", "embedding", "formula", "warnings"]);
  },

  lora(d) {
    const html = `<div class="numbers">${stat("trainable parameters", "trainableParameters", group(d.trainableParameters), d.trainableParameters, d.formula, "trainable")}`
      + stat("share of the model", "trainablePercent", percent(d.trainablePercent), d.trainablePercent, "trainable ÷ parameters of the model", "share")
      + stat("parameters of the model", "parameters", group(d.parameters), d.parameters)
      + stat("rank r", "rank", group(d.rank), d.rank)
      + stat("adapter file", "adapterBytes", size(d.adapterBytes), d.adapterBytes, "trainable parameters × 2 bytes (bf16)")
      + stat("memory to train, LoRA", "loraMemoryBytes", size(d.loraMemoryBytes), d.loraMemoryBytes, "estimate: frozen bf16 base + adapters, their gradients and optimizer state + activations")
      + stat("memory to train, QLoRA", "qloraMemoryBytes", size(d.qloraMemoryBytes), d.qloraMemoryBytes, "estimate: the same with a 4-bit base")
      + stat("context", "context", group(d.context) + " tokens", d.context) + "</div>"
      + `<p>Adapted matrices: ${d.targets.map(t => esc(MODULES[t] ?? t)).join(", ")}</p>`
      + `<h3>Trainable parameters by matrix</h3>` + grid("modules", [["matrix", ([m]) => esc(MODULES[m] ?? m)],
        ["trainable parameters", ([, n]) => group(n)], ["share of trainable", ([, n]) => fraction(n / d.trainableParameters)]], Object.entries(d.perModule))
      + `<p class="notes">${esc(d.formula)}</p>${formulaNotes(d.assumptions, "Assumptions:")}${list(d.warnings)}`;
    return html + rest(d, ["model", "parameters", "rank", "targets", "trainableParameters", "trainablePercent", "perModule", "loraMemoryBytes",
      "qloraMemoryBytes", "context", "assumptions", "adapterBytes", "formula", "warnings"]);
  },

  advise(d) {
    const precisions = [...new Set(Object.keys(d.largestFitting).concat(Object.keys(d.largestForLatency)))];
    const sizes = precisions.length ? `<h3>Largest model</h3><table id="largest"><tr><th>weights</th><th title="${esc(d.formulas.largestFitting ?? "")}">that fits the memory</th>`
      + `<th title="${esc(d.formulas.largestForLatency ?? "")}">that reaches the speed target</th></tr>`
      + precisions.map(p => `<tr><td>${esc(p)}</td><td data-key="largestFitting.${esc(p)}" data-value="${d.largestFitting[p] ?? null}">${d.largestFitting[p] != null ? estimate(d.largestFitting[p]) + " parameters" : "–"}</td>`
        + `<td data-key="largestForLatency.${esc(p)}" data-value="${d.largestForLatency[p] ?? null}">${d.largestForLatency[p] != null ? estimate(d.largestForLatency[p]) + " parameters" : "–"}</td></tr>`).join("")
      + "</table>" + (Object.keys(d.largestForLatency).length ? "" : `<p class="notes">Give a decode speed target and a GPU to size the model by speed too.</p>`)
      : `<p class="notes">Give a memory budget or a GPU to size the largest model that fits.</p>`;
    const html = `<div class="numbers">${stat("task", "task", esc(d.task), d.task)}${stat("model size tier", "tier", esc(d.tier), d.tier, d.tierReason, "tier")}</div>`
      + `<p id="tier-reason">Why: ${esc(d.tierReason)}</p><p id="smallest"><b>Where to start:</b> ${esc(d.smallestLikely)}</p>${sizes}`
      + `<h3>Techniques</h3>` + grid("techniques", [["technique", t => esc(t.technique)], ["why", t => esc(t.reason), null, "text"]], d.techniques)
      + `<h3>Decision flow</h3><ol id="decision-flow">${d.decisionFlow.map(s => `<li>${esc(s.replace(/^\d+\.\s*/, ""))}</li>`).join("")}</ol>`
      + formulaNotes(d.formulas) + list(d.warnings);
    return html + rest(d, ["task", "tier", "tierReason", "largestFitting", "largestForLatency", "smallestLikely", "techniques", "decisionFlow", "formulas", "warnings"]);
  },

  stats(d) {
    const g = d.global, s = d.sparsity;
    const bad = d.damage.issues.length > 0 || d.damage.verdict !== "no damage found";
    const verdict = `<p class="${bad ? "warning" : "ok"}" role="status">Damage check: <b id="verdict" data-key="damage.verdict" data-value="${esc(JSON.stringify(d.damage.verdict))}">`
      + `${esc(d.damage.verdict)}</b></p>${list(d.damage.issues)}`;
    const numbers = `<div class="numbers">`
      + stat("parameters scanned", "global.elements", group(g.elements), g.elements, null, "elements")
      + stat("bytes scanned", "bytesScanned", size(d.bytesScanned), d.bytesScanned)
      + stat("file", "complete", d.complete ? "complete" : "partial", d.complete)
      + stat("mean", "global.mean", value4(g.mean), g.mean, "over finite values: float32 partial sums of 8 or 16 values, float64 above; within 1e-6 of σ", "mean")
      + stat("standard deviation", "global.std", value4(g.std), g.std, "population standard deviation over finite values", "std")
      + stat("min", "global.min", value4(g.min), g.min, null, "min") + stat("max", "global.max", value4(g.max), g.max, null, "max")
      + stat("largest |value|", "global.absMax", value4(g.absMax), g.absMax)
      + stat("exact zeros", "global.zeros", `${group(g.zeros)} (${fraction(g.zeros / g.elements)})`, g.zeros, null, "zeros")
      + stat("NaN", "global.nan", group(g.nan), g.nan) + stat("infinite", "global.inf", group(g.inf), g.inf)
      + stat("outliers", "global.outlierFraction", fraction(g.outlierFraction), g.outlierFraction, "values more than k·σ from their own tensor's mean: |w − mean| > k·σ")
      + `</div><p class="notes">Values read from the weights (min, max, mean, σ) to four significant digits, as the command line prints `
      + `them; the exact figures are in the JSON answer of <code>/api/stats</code> and <code>heft stats --json</code>.</p>`;
    const nearZero = `<h3>Near zero</h3><table id="near-zero"><tr><th>|value| below</th><th>share of parameters</th></tr>`
      + g.nearZero.map(z => `<tr><td>${real(z.threshold)}</td><td>${fraction(z.fraction)}</td></tr>`).join("") + "</table>";
    const sparse = `<h3>Sparsity</h3><div class="numbers">${stat("sparsity (exact zeros)", "sparsity.sparsity", fraction(s.sparsity), s.sparsity, null, "sparsity")}`
      + stat("looks pruned", "sparsity.looksPruned", yes(s.looksPruned), s.looksPruned)
      + stat("stored dense", "sparsity.denseBytes", size(s.denseBytes), s.denseBytes)
      + stat("as a bitmask", "sparsity.bitmaskBytes", size(s.bitmaskBytes), s.bitmaskBytes, "non-zero values + a 1-bit mask")
      + stat("as CSR", "sparsity.csrBytes", size(s.csrBytes), s.csrBytes, "non-zero values + an int32 column index each + int32 row pointers") + "</div>"
      + `<p>2:4 sparse weights (≥ 2 zeros in every 4): ${s.twoFourTensors.length ? s.twoFourTensors.map(esc).join(", ") : "none"}</p>`;
    const spark = h => { const top = Math.max(...h.counts, 1); return h.counts.map(c => c === 0 ? " " : "▁▂▃▄▅▆▇█"[Math.min(7, Math.floor(8 * Math.log1p(c) / Math.log1p(top)))]).join(""); };
    const columns = [["tensor", t => esc(t.name)], ["elements", t => group(t.elements)], ["min", t => value4(t.min)], ["max", t => value4(t.max)],
      ["mean", t => value4(t.mean)], ["std", t => value4(t.std)], ["zeros", t => fraction(t.zeros / t.elements)],
      ["outliers", t => fraction(t.outlierFraction)], ["NaN / inf", t => `${group(t.nan)} / ${group(t.inf)}`],
      ["values", t => `<span class="spark" title="${esc(real(t.histogram.edges[0]) + " to " + real(t.histogram.edges[t.histogram.edges.length - 1]) + ", log heights")}">${spark(t.histogram)}</span>`]];
    const tensors = `<h3>Per tensor (${group(d.tensors.length)})</h3>` + grid("stat-tensors", columns, d.tensors, 8)
      + (d.buffers.length ? `<h3>Buffers (not parameters)</h3>` + grid("stat-buffers", columns, d.buffers, 8) : "")
      + (d.skipped.length ? `<h3>Skipped</h3>` + grid("skipped", [["tensor", t => esc(t.name)], ["why", t => esc(t.reason), null, "text"]], d.skipped) : "");
    // Packed low-bit weights (GPTQ, AWQ, MLX) are scanned as the values their codes and scales stand for.
    const dequantized = d.dequantized.length ? `<ul id="dequantized">` + d.dequantized.map(q =>
      `<li>Dequantized ${group(q.tensors)} tensor${q.tensors === 1 ? "" : "s"} of ${esc(q.rule)}</li>`).join("") + "</ul>" : "";
    return `${verdict}<p id="source">${esc(d.source)}</p>${dequantized}${numbers}${charts(d)}${nearZero}${sparse}${tensors}`
      + rest(d, ["source", "complete", "global", "tensors", "buffers", "skipped", "dequantized", "sparsity", "damage", "bytesScanned"]);
  },

  batch(d) {
    const setting = r => `ZeRO-${r.zeroStage}, ${r.checkpointing === "none" ? "no recomputation" : r.checkpointing + " recomputation"}`;
    const fitting = d.rows.filter(r => r.microBatch > 0);
    // The best setting that fits: the shortest step, then the lowest ZeRO stage (the least communication).
    const best = fitting.slice().sort((a, b) => (a.stepSeconds ?? Infinity) - (b.stepSeconds ?? Infinity) || a.zeroStage - b.zeroStage)[0];
    const chosen = r => r.zeroStage === d.zeroStage && r.checkpointing === d.checkpointing;
    let answer;
    if (d.microBatch > 0) {
      answer = `<p id="batch-answer">With ${setting(d)}, each of ${group(d.devices)} × ${esc(d.hardware)} holds <b>${group(d.microBatch)}</b> sequence(s) of `
        + `${group(d.sequenceLength)} tokens: ${group(d.accumulationSteps)} accumulation step(s) make an effective batch of <b>${group(d.effectiveBatch)}</b> `
        + `(target ${group(d.targetBatch)}), one optimizer step every ${duration(d.stepSeconds)}.</p>`;
    } else if (best) {
      answer = `<p id="batch-answer" class="warning" role="alert">${setting(d)} fits nothing: not one sequence of ${group(d.sequenceLength)} tokens fits `
        + `one ${esc(d.hardware)} (${gb(d.perDeviceBytes)} needed, ${gb(d.capacityBytes)} there). The best setting that fits is <b id="best">${setting(best)}</b>: `
        + `micro-batch ${group(best.microBatch)} × ${group(best.accumulationSteps)} step(s) = ${group(best.effectiveBatch)} sequences, `
        + `${duration(best.stepSeconds)} per step (highlighted below).</p>`;
    } else {
      answer = `<p id="batch-answer" class="warning" role="alert">No setting fits: not one sequence of ${group(d.sequenceLength)} tokens fits one `
        + `${esc(d.hardware)} under any ZeRO stage or recomputation mode. Use more GPUs, LoRA or a shorter sequence.</p>`;
    }
    const numbers = `<div class="numbers">`
      + stat("micro-batch per GPU", "microBatch", d.microBatch > 0 ? group(d.microBatch) : "does not fit", d.microBatch, d.formulas.microBatch, "micro-batch")
      + stat("accumulation steps", "accumulationSteps", d.microBatch > 0 ? group(d.accumulationSteps) : "–", d.accumulationSteps, d.formulas.accumulationSteps, "steps")
      + stat("effective batch", "effectiveBatch", d.microBatch > 0 ? group(d.effectiveBatch) + " sequences" : "–", d.effectiveBatch, d.formulas.effectiveBatch, "effective")
      + stat("memory per GPU", "perDeviceBytes", size(d.perDeviceBytes), d.perDeviceBytes, d.assumptions.memory)
      + stat("GPU memory", "capacityBytes", size(d.capacityBytes), d.capacityBytes)
      + stat("step time (estimate)", "stepSeconds", duration(d.stepSeconds), d.stepSeconds ?? null, d.formulas.stepSeconds, "step-time")
      + stat("parameters", "parameters", estimate(d.parameters), d.parameters) + "</div>";
    const fits = r => r.microBatch > 0;
    const table = `<h3>Every ZeRO stage and recomputation mode</h3>` + grid("batch-rows", [
      ["ZeRO stage", r => String(r.zeroStage)], ["recomputation", r => esc(r.checkpointing)],
      ["micro-batch", r => fits(r) ? group(r.microBatch) : `<span class="bad">does not fit</span>`],
      ["accumulation steps", r => fits(r) ? group(r.accumulationSteps) : "–"],
      ["effective batch", r => fits(r) ? group(r.effectiveBatch) : "–"],
      ["memory per GPU", r => size(r.perDeviceBytes) + (fits(r) ? "" : " for one sequence"), "at the micro-batch; for one sequence when none fits"],
      ["step time", r => fits(r) ? duration(r.stepSeconds) : "–", d.formulas.stepSeconds]], d.rows, 12,
      r => chosen(r) && fits(r) ? "recommended" : !d.microBatch && r === best ? "recommended" : !fits(r) ? "unfit" : "");
    return `${answer}${numbers}${charts(d)}${table}<p class="notes">${esc(d.model)}, ${group(d.sequenceLength)} tokens per sequence, `
      + `target ${group(d.targetBatch)} sequences over ${group(d.devices)} × ${esc(d.hardware)}.</p>${formulaNotes(d.formulas)}`
      + `${formulaNotes(d.assumptions, "Assumptions:")}${list(d.warnings)}`
      + rest(d, ["model", "parameters", "sequenceLength", "targetBatch", "devices", "hardware", "capacityBytes", "microBatch", "accumulationSteps",
        "effectiveBatch", "perDeviceBytes", "stepSeconds", "zeroStage", "checkpointing", "rows", "formulas", "assumptions", "warnings"]);
  },
};

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
    .map(([k, n]) => [esc(words(k)), group(n), share(n, p.total)])) : "";
  const locations = p.byLocation ? table("by-location", ["by location", "parameters", "share"], Object.entries(p.byLocation)
    .map(([k, n]) => [esc(words(k)), group(n), share(n, p.total)])) : "";
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
      const other = d.mode === "training" ? "overhead + gradients + optimizer" : (d.llamaCpp ? "output + driver" : "overhead");
      const head = `<tr><th>context</th><th>weights</th><th>KV cache</th><th>${other}</th><th>activations FA</th><th>activations std</th><th>total FA</th><th>total std</th>`
        + (fit ? "<th>fits FA</th><th>fits std</th>" : "")
        + (speed ? "<th>prefill tok/s FA</th><th>prefill tok/s std</th><th>decode tok/s FA</th><th>decode tok/s std</th>" : "") + "</tr>";
      const rows = s.points.map(p => `<tr><td>${group(p.context)}</td><td>${gb(p.weightsBytes)}</td><td>${gb(p.kvCacheBytes)}</td><td>${gb(p.otherBytes)}</td>`
        + `<td>${gb(p.activationBytes)}</td><td>${gb(p.activationBytesStandard)}</td><td><b>${gb(p.totalBytes)}</b></td><td>${gb(p.totalBytesStandard)}</td>`
        + (fit ? `<td>${yes(p.fits)}</td><td>${yes(p.fitsStandard)}</td>` : "")
        + (speed ? `<td>${rate(p.prefillTokensPerSecond)}</td><td>${rate(p.prefillTokensPerSecondStandard)}</td>`
          + `<td>${rate(p.decodeTokensPerSecond)}</td><td>${rate(p.decodeTokensPerSecondStandard)}</td>` : "") + "</tr>").join("");
      const longest = fit ? `<p id="longest">Longest context that fits: ${group(s.largestFitting)} with FlashAttention, `
        + `${group(s.largestFittingStandard)} with standard attention</p>` : "";
      return `${longest}<div class="charts">${d.charts.sweep}${d.charts.sweepSpeed || ""}</div><table id="sweep">${head}${rows}</table>${notes(d.formulas)}`
        + `${notes(d.assumptions, "Assumptions:")}${list(d.warnings)}`;
    });
  },

  models() {
    // `heft ls`: the models the server was started with, as the command line lists them.
    mount("", async () => {
      const listing = await api("/api/models");
      const rows = listing.models.map(m => `<tr><td><a href="/inspect?model=${encodeURIComponent(m.name)}">${esc(m.name)}</a></td>`
        + `<td>${esc(m.modelName ?? "–")}</td><td>${esc(m.format ?? "–")}</td><td>${m.parameters == null ? "–" : compact(m.parameters)}</td><td>${gb(m.bytes)}</td>`
        + `<td>${esc(m.quantization ?? "–")}</td><td>${m.error ? `<span class="error">${esc(m.error)}</span>` : m.complete ? "complete" : "partial"}</td></tr>`).join("");
      return `<p>Folders served: ${listing.roots.map(esc).join(", ") || "none"}</p><table id="models"><tr><th>model</th><th>name in its metadata</th><th>format</th>`
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
        + (speed ? `<td>${rate(s.decodeTokensPerSecond)}</td>` : "")
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

// The plans without a form of their own: a form of every input the server lists, labelled in plain words, and
// the answer drawn by its renderer above.
const answerPages = { prune: "plan/prune", lowrank: "plan/lowrank", lora: "plan/lora", advise: "advise", stats: "stats", batch: "plan/batch" };
for (const [name, calculator] of Object.entries(answerPages)) {
  pages[name] = () => {
    const names = Object.keys(inputs(calculator)).filter(n => !["model", "example", "layers", "hidden", "heads", "kvHeads", "headDim", "vocab",
      "ffn", "maxContext"].includes(n));
    const hasModel = "model" in inputs(calculator);
    const picker = !hasModel ? "" : calculator === "stats"
      ? `<label>Model<select name="model">${catalog.models.map(m =>
        `<option${m.name === params.get("model") ? " selected" : ""}>${esc(m.name)}</option>`).join("")}</select></label>`
      : modelControl(true);
    mount(picker + names.map(n => control(calculator, n, words(n))).join(""), async v => answers[name](await api("/api/" + calculator, typed(calculator, v))));
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
