/// The web app's pages: one HTML shell, one script, one style sheet. The script calls the JSON API and shows the
/// SVG charts Heft draws server-side; every page keeps its inputs in the URL so that a plan can be shared.
enum Pages {
    static let shell = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>Heft — what a model weighs</title>
        <link rel="stylesheet" href="/app.css">
        </head>
        <body>
        <header>
          <strong>Heft</strong>
          <nav aria-label="Tools">
            <a href="/inspect" data-page="inspect">Inspect</a>
            <a href="/memory" data-page="memory">Memory &amp; fit</a>
            <a href="/distill" data-page="distill">Distillation</a>
            <a href="/quantize" data-page="quantize">Quantization</a>
            <a href="/pipeline" data-page="pipeline">Pipeline</a>
          </nav>
        </header>
        <main id="main" aria-live="polite"></main>
        <footer>Exact numbers are exact; estimates are labelled and show their formula (hover a number, or read the notes). Sizes: GB = 10⁹ bytes, GiB = 2³⁰ bytes.</footer>
        <script src="/app.js"></script>
        </body>
        </html>
        """

    static let style = """
        :root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#666;--line:#ddd;--accent:#4e79a7;--bad:#c0392b}
        @media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#16181c;--muted:#aaa;--line:#333;--accent:#7fa7d6;--bad:#ff7b6b}}
        body{font:15px/1.45 system-ui,sans-serif;margin:0;color:var(--fg);background:var(--bg)}
        header{display:flex;gap:1.5em;align-items:center;padding:.8em 1.2em;border-bottom:1px solid var(--line)}
        nav a{margin-right:1em;color:var(--accent);text-decoration:none}nav a[aria-current=page]{font-weight:700;text-decoration:underline}
        main{padding:1em 1.2em;max-width:1100px}footer{padding:1em 1.2em;color:var(--muted);font-size:13px}
        form{display:flex;flex-wrap:wrap;gap:.6em 1.2em;margin-bottom:1em}label{display:flex;flex-direction:column;font-size:13px;color:var(--muted)}
        input,select,textarea,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.3em .4em}
        button{cursor:pointer;color:var(--accent)}textarea{width:100%;min-height:8em;font-family:ui-monospace,monospace}
        .examples{margin:.5em 0 1em}.examples button{margin:0 .4em .4em 0}
        .numbers{display:flex;flex-wrap:wrap;gap:1em 2em;margin:1em 0}.numbers div{min-width:10em}.numbers b{display:block;font-size:1.4em}
        .numbers span{color:var(--muted);font-size:13px}[title]{text-decoration:underline dotted;cursor:help}
        table{border-collapse:collapse;margin:.5em 0 1em}td,th{border-bottom:1px solid var(--line);padding:.2em .6em;text-align:right}td:first-child,th:first-child{text-align:left}
        .charts{display:flex;flex-wrap:wrap;gap:1em}.charts svg{max-width:100%;height:auto}
        .error{color:var(--bad)}.notes{color:var(--muted);font-size:13px}
        """

    static let script = #"""
        "use strict";
        const main = document.getElementById("main");
        const page = location.pathname.replace(/^\//, "") || "inspect";
        document.querySelectorAll("nav a").forEach(a => { if (a.dataset.page === page) a.setAttribute("aria-current", "page"); });
        const params = new URLSearchParams(location.search);
        const esc = s => String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
        const group = n => n == null ? "–" : Number(n).toLocaleString("en-US");
        const compact = n => n == null ? "–" : n >= 1e12 ? (n / 1e12).toPrecision(3) + "T" : n >= 1e9 ? (n / 1e9).toPrecision(3) + "B" : n >= 1e6 ? (n / 1e6).toPrecision(3) + "M" : n >= 1e3 ? (n / 1e3).toPrecision(3) + "K" : String(n);
        const gb = b => b == null ? "–" : b < 1e9 ? (b / 1e6).toFixed(1) + " MB" : (b / 1e9).toFixed(2) + " GB";
        const pct = v => v == null ? "–" : v.toFixed(1) + "%";
        const number = (label, value, formula, id) => `<div><span>${esc(label)}</span><b id="${id || ""}" title="${esc(formula || "exact")}">${value}</b></div>`;
        let catalog = { models: [], examples: [], distillExamples: [], hardware: [] };

        async function api(path, body) {
          const response = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
          const data = await response.json();
          if (!response.ok) throw new Error((data.field ? data.field + ": " : "") + data.error);
          return data;
        }
        function field(name, label, value, type = "text", options) {
          const v = params.has(name) ? params.get(name) : value;
          if (options) return `<label>${esc(label)}<select name="${name}">${options.map(o => `<option value="${esc(o[0])}"${String(o[0]) === String(v) ? " selected" : ""}>${esc(o[1])}</option>`).join("")}</select></label>`;
          if (type === "checkbox") return `<label>${esc(label)}<input type="checkbox" name="${name}"${v === "true" ? " checked" : ""}></label>`;
          return `<label>${esc(label)}<input name="${name}" type="${type}" value="${esc(v ?? "")}" step="any"></label>`;
        }
        function values(form) {
          const out = {};
          for (const el of form.elements) if (el.name) out[el.name] = el.type === "checkbox" ? String(el.checked) : el.value;
          return out;
        }
        function keepInURL(v) {
          const q = new URLSearchParams();
          for (const [k, x] of Object.entries(v)) if (x !== "" && x !== "false") q.set(k, x);
          history.replaceState(null, "", location.pathname + "?" + q.toString());
        }
        function modelOptions(withNone) {
          const opts = catalog.examples.map(e => ["example:" + e, "example: " + e]).concat(catalog.models.filter(m => !m.error).map(m => ["model:" + m.name, m.name]));
          return withNone ? [["", "(parameters below)"]].concat(opts) : opts;
        }
        function source(v) {
          const out = {};
          if (v.source && v.source.startsWith("example:")) out.example = v.source.slice(8);
          if (v.source && v.source.startsWith("model:")) out.model = v.source.slice(6);
          if (v.params) out.params = v.params;
          return out;
        }
        const gpuOptions = () => [["", "(none)"]].concat(catalog.hardware.map(h => [h.id, h.name]));
        function charts(data) { return `<div class="charts">${Object.values(data.charts || {}).join("")}</div>`; }
        function notes(formulas) { return `<div class="notes"><p>How the numbers are computed:</p><ul>${Object.entries(formulas || {}).map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`).join("")}</ul></div>`; }
        function warnings(list) { return (list || []).length ? `<ul class="notes">${list.map(w => `<li>${esc(w)}</li>`).join("")}</ul>` : ""; }

        function mount(formHTML, run, extra = "") {
          main.innerHTML = `${extra}<form id="form" onsubmit="return false">${formHTML}</form><div id="out" data-state="loading">…</div>`;
          const form = document.getElementById("form"), out = document.getElementById("out");
          let timer;
          const go = async () => {
            const v = values(form); keepInURL(v);
            try { out.innerHTML = await run(v); out.dataset.state = "ready"; }
            catch (e) { out.innerHTML = `<p class="error" role="alert">${esc(e.message)}</p>`; out.dataset.state = "error"; }
          };
          form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(go, 250); });
          form.addEventListener("change", go);
          go();
          return form;
        }

        const pages = {
          inspect() {
            const form = mount(field("source", "Model", catalog.models.length ? "model:" + catalog.models[0].name : "", "text", [["", "(paste a config.json below)"]].concat(catalog.models.map(m => ["model:" + m.name, m.name + (m.error ? " (unreadable)" : "")]))) + `<label style="flex:1 1 100%">config.json<textarea name="config" placeholder='{"model_type": "llama", …}'>${esc(params.get("config") || "")}</textarea></label>`, async v => {
              const data = v.source ? await api("/api/inspect?model=" + encodeURIComponent(v.source.slice(6))) : v.config ? await api("/api/inspect", JSON.parse(v.config)) : null;
              if (!data) return "<p>Pick a model from the --models folders, or paste a config.json.</p>";
              const p = data.parameters, a = data.architecture;
              return `<div class="numbers">${number("parameters", group(p.total), "Σ elements of parameter tensors (tied once, buffers never)", "total")}${number("active", group(p.active), "per-token parameters (MoE)")}${number("tier", esc(data.tier.name), data.tier.strengths + "; limits: " + data.tier.limits)}${number("file", gb(data.bytes.file), "bytes on disk")}${number("bits / parameter", data.bytes.bitsPerParameter ? data.bytes.bitsPerParameter.toFixed(3) : "–", "file bytes × 8 ÷ parameters")}${number("embedding share", p.embeddingShare != null ? pct(p.embeddingShare * 100) : "–", "embedding parameters ÷ total")}</div>
                <p>${esc(a.family || a.modelType || "unknown")} · ${a.layers ?? "?"} layers · hidden ${a.hiddenSize ?? "?"} · ${a.heads ?? "?"} heads (${a.kvHeads ?? "?"} KV, head dim ${a.headDim ?? "?"}) · vocab ${group(a.vocabSize)} · context ${group(a.contextLength)} (${esc(a.source)})</p>
                ${charts(data)}${data.formula ? `<p class="notes">Formula (${esc(data.formula.family)}): ${esc(data.formula.expression)} = ${group(data.formula.total)}</p>` : ""}${warnings(data.warnings)}`;
            });
          },
          memory() {
            mount(field("source", "Model", "example:llama-3.1-8b", "text", modelOptions(true)) + field("params", "or parameters", "") + field("context", "context (tokens)", "") + field("batch", "batch", "1", "number") + field("weights", "weights", "stored", "text", [["stored", "as stored"], ["bf16", "bf16"], ["f16", "f16"], ["fp8", "fp8"], ["int8", "int8"], ["int4", "int4"], ["nf4", "nf4"], ["Q8_0", "Q8_0"], ["Q6_K", "Q6_K"], ["Q5_K_M", "Q5_K_M"], ["Q4_K_M", "Q4_K_M"], ["IQ4_XS", "IQ4_XS"], ["Q3_K_M", "Q3_K_M"], ["Q2_K", "Q2_K"]]) + field("kvCache", "KV cache", "f16", "text", ["f16", "bf16", "f32", "q8_0", "q4_0", "fp8"].map(x => [x, x])) + field("gpu", "GPU", "", "text", gpuOptions()) + field("train", "training", "false", "checkbox"), async v => {
              const q = Object.assign(source(v), { context: v.context, batch: v.batch, weights: v.weights, kvCache: v.kvCache, gpu: v.gpu, train: v.train });
              const data = await api("/api/memory?" + new URLSearchParams(Object.entries(q).filter(([, x]) => x !== "" && x != null)));
              const rows = data.estimates.map(e => `<tr><td>${group(e.context)}</td><td>${gb(e.weightsBytes)}</td><td>${gb(e.kvCacheBytes)}</td><td>${gb(e.activationBytes)}</td><td>${gb(e.overheadBytes)}</td><td><b>${gb(e.totalBytes)}</b></td><td>${e.fit ? (e.fit.fits ? "fits" : "short by " + gb(-e.fit.marginBytes)) : "–"}</td><td>${e.speed ? e.speed.decodeTokensPerSecond.toFixed(1) : "–"}</td></tr>`).join("");
              return `<div class="numbers">${number("total", gb(data.totalBytes), data.formulas.weights, "total")}${number("KV per token", group(data.kvCacheBytesPerToken) + " B", data.formulas.kvCache)}${number("parameters", compact(data.parameters), "from the source")}</div>
                <table><tr><th>context</th><th>weights</th><th>KV cache</th><th>activations</th><th>overhead</th><th>total</th><th>fit</th><th>decode tok/s</th></tr>${rows}</table>
                <p>${esc(data.estimates[0].answer)}</p>${charts(data)}${notes(data.formulas)}${warnings(data.warnings)}`;
            });
          },
          distill() {
            const examples = `<div class="examples" role="group" aria-label="Quick examples">Quick examples — click to load: ${catalog.distillExamples.map(p => `<button type="button" data-example="${esc(p.id)}">${esc(p.id)}</button>`).join("")}</div>`;
            const form = mount(field("teacherParameters", "teacher parameters", "109482240") + field("ratio", "ratio r", "1.65") + field("lambda", "λ", "1") + field("baseTokens", "base tokens", "1e9") + field("method", "method", "logit", "text", [["logit", "logit"], ["feature", "feature"], ["attention", "attention"]]) + field("temperature", "temperature T", "2") + field("gpu", "GPU for GPU-hours", "", "text", gpuOptions()), async v => {
              const body = { teacherParameters: Number(v.teacherParameters), ratio: Number(v.ratio), lambda: Number(v.lambda), baseTokens: Number(v.baseTokens), method: v.method, temperature: Number(v.temperature) };
              if (v.gpu) body.gpu = v.gpu;
              const d = await api("/api/plan/distill", body);
              return `<div class="numbers">${number("student parameters", group(d.studentParameters), d.formulas.studentParameters, "student")}${number("accuracy (estimate)", pct(d.accuracyPercent), d.formulas.accuracyPercent, "accuracy")}${number("training tokens (estimate)", compact(d.trainingTokens), d.formulas.trainingTokens, "tokens")}${number("compute", (d.compute.totalFlops / 1e18).toFixed(2) + " EFLOP", d.formulas.compute)}${d.compute.gpuHours != null ? number("GPU-hours", group(Math.round(d.compute.gpuHours)), d.formulas.compute) : ""}${number("memory to distill", gb(d.memory.totalBytes), d.formulas.memory)}</div>
                ${charts(d)}<table><tr><th>λ preset</th><th>pairs</th><th>median λ</th><th>accuracy at your r</th></tr>${d.presets.map(p => `<tr><td>${esc(p.family)}</td><td>${p.pairs}</td><td>${p.lambdaMedian.toFixed(2)}</td><td>${pct(p.accuracyPercentAtMedian)}</td></tr>`).join("")}</table>
                <ul class="notes">${d.guidance.map(g => `<li>${esc(g)}</li>`).join("")}</ul>${notes(d.formulas)}${warnings(d.warnings)}`;
            }, examples);
            main.querySelectorAll("[data-example]").forEach(b => b.addEventListener("click", () => {
              const p = catalog.distillExamples.find(x => x.id === b.dataset.example);
              form.elements.teacherParameters.value = p.teacherParameters;
              form.elements.ratio.value = String(p.teacherParameters / p.studentParameters);
              form.elements.lambda.value = p.impliedLambda != null ? p.impliedLambda : 1;
              if (p.trainingTokens) form.elements.baseTokens.value = p.trainingTokens;
              form.dispatchEvent(new Event("change"));
            }));
          },
          quantize() {
            mount(field("source", "Model", "example:llama-3.1-8b", "text", modelOptions(false)) + field("context", "context", "4096") + field("budget", "budget (e.g. 6GB)", "") + field("gpu", "GPU", "", "text", gpuOptions()), async v => {
              const d = await api("/api/plan/quantize", Object.assign(source(v), { context: Number(v.context), budget: v.budget || undefined, gpu: v.gpu || undefined }));
              const rows = d.schemes.map(s => `<tr${s.name === d.recommended ? ' style="font-weight:700"' : ""}><td>${esc(s.name)}</td><td>${esc(s.family)}</td><td>${group(s.bytes)}</td><td>${s.bitsPerWeight.toFixed(4)}</td><td>${gb(s.memoryBytes)}</td><td>${s.fits == null ? "–" : s.fits ? "yes" : "no"}</td><td>${s.quality.length && s.quality[0].delta != null ? "+" + s.quality[0].delta.toFixed(4) + " (" + esc(s.quality[0].model) + ")" : "–"}</td></tr>`).join("");
              return `${d.recommended ? `<p>Recommended: <b id="recommended">${esc(d.recommended)}</b> — ${esc(d.rule)}</p>` : ""}${charts(d)}<table><tr><th>scheme</th><th>family</th><th>bytes</th><th>bits/weight</th><th>memory</th><th>fits</th><th>published ΔPPL</th></tr>${rows}</table>${warnings(d.warnings)}`;
            });
          },
          pipeline() {
            mount(field("source", "Model", "example:llama-3.1-8b", "text", modelOptions(false)) + field("distill", "distill ratio", "2") + field("lambda", "λ", "1") + field("quantize", "quantize", "Q4_K_M") + field("twoFour", "2:4 sparsity", "false", "checkbox") + field("targetMemory", "target memory", "4GB") + field("context", "context", "4096"), async v => {
              const body = Object.assign(source(v), { context: Number(v.context), quantize: v.quantize, lambda: Number(v.lambda), twoFour: v.twoFour === "true", targetMemory: v.targetMemory || undefined });
              if (v.distill) body.distill = Number(v.distill);
              const d = await api("/api/plan/pipeline", body);
              return `<table><tr><th>step</th><th>detail</th><th>parameters</th><th>weights</th><th>memory</th><th>quality (estimate)</th><th>meets target</th></tr>${d.steps.map(s => `<tr><td>${esc(s.step)}</td><td>${esc(s.detail)}</td><td>${compact(s.parameters)}</td><td>${gb(s.weightBytes)}</td><td>${gb(s.memoryBytes)}</td><td title="${esc(s.qualityBasis)}">${pct(s.qualityPercent)}</td><td>${s.meetsTarget == null ? "–" : s.meetsTarget ? "yes" : "no"}</td></tr>`).join("")}</table>
                <p id="first-fit">${d.firstFit ? "First fits after: " + esc(d.firstFit) : "No step reaches the target."}</p><ul class="notes">${d.assumptions.map(a => `<li>${esc(a)}</li>`).join("")}</ul>${warnings(d.warnings)}`;
            });
          },
        };

        (async () => {
          try {
            const [listing, hardware] = await Promise.all([api("/api/models"), api("/api/hardware")]);
            catalog = { models: listing.models, examples: listing.examples, distillExamples: listing.distillExamples, hardware };
          } catch (e) { main.innerHTML = `<p class="error">${esc(e.message)}</p>`; return; }
          (pages[page] || pages.inspect)();
        })();
        """#
}

/// The OpenAPI 3.1 description of the JSON API (`GET /api/openapi.json`).
enum OpenAPI {
    static let document = """
        {"openapi":"3.1.0","info":{"title":"Heft","version":"0.1.0","description":"What a model weighs, and how to make it lighter. Errors are 4xx with {error, field}."},
         "paths":{
          "/api/models":{"get":{"summary":"Models under the --models folders, bundled example configs, published distillation pairs","responses":{"200":{"description":"{models, roots, examples, distillExamples}"}}}},
          "/api/hardware":{"get":{"summary":"The hardware catalog","responses":{"200":{"description":"[{id, name, memoryBytes, bandwidth, flops, source}]"}}}},
          "/api/inspect":{"get":{"summary":"Inspect a model (heft inspect --json, plus charts.anatomy)","parameters":[{"name":"model","in":"query","required":true,"schema":{"type":"string"},"description":"ROOT/PATH inside a --models folder"}],"responses":{"200":{"description":"InspectionReport"},"400":{"description":"invalid input"},"403":{"description":"outside the models folders"},"404":{"description":"not found"}}},
                          "post":{"summary":"Inspect a pasted config.json","requestBody":{"content":{"application/json":{"schema":{"type":"object"}}}},"responses":{"200":{"description":"InspectionReport"},"400":{"description":"invalid input"},"413":{"description":"body too large"}}}},
          "/api/memory":{"get":{"summary":"Memory, fit and speed (heft memory --json, plus charts.memory)","parameters":[{"name":"model","in":"query","schema":{"type":"string"}},{"name":"example","in":"query","schema":{"type":"string"}},{"name":"params","in":"query","schema":{"type":"number"}},{"name":"context","in":"query","schema":{"type":"integer"}},{"name":"batch","in":"query","schema":{"type":"integer"}},{"name":"weights","in":"query","schema":{"type":"string"}},{"name":"kvCache","in":"query","schema":{"type":"string"}},{"name":"gpu","in":"query","schema":{"type":"string"}},{"name":"train","in":"query","schema":{"type":"boolean"}}],"responses":{"200":{"description":"MemoryEstimate"},"400":{"description":"invalid input"}}}},
          "/api/plan/distill":{"post":{"summary":"Distillation plan (heft plan distill --json, plus charts)","requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"teacherParameters":{"type":"integer"},"ratio":{"type":"number"},"studentParameters":{"type":"integer"},"lambda":{"type":"number"},"baseTokens":{"type":"number"},"method":{"enum":["logit","feature","attention"]},"temperature":{"type":"number"},"example":{"type":"string"},"gpu":{"type":"string"}}}}}},"responses":{"200":{"description":"DistillPlan: studentParameters, compressionRatio, accuracyPercent, trainingTokens, …"},"400":{"description":"invalid input"}}}},
          "/api/plan/quantize":{"post":{"summary":"Every quantization scheme (heft plan quantize --json, plus charts.quantization)","requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"model":{"type":"string"},"example":{"type":"string"},"params":{"type":"number"},"context":{"type":"integer"},"budget":{"type":"string"},"gpu":{"type":"string"}}}}}},"responses":{"200":{"description":"QuantizePlan"},"400":{"description":"invalid input"}}}},
          "/api/plan/pipeline":{"post":{"summary":"Distill → quantize → prune against a target","responses":{"200":{"description":"PipelinePlan"},"400":{"description":"invalid input"}}}}
         }}
        """
}
