#!/usr/bin/env python3
"""Real-browser test of `heft serve` (Debian's chromium, headless, driven over the DevTools protocol).

Starts `heft serve` on the fixture GGUF folder, loads every page, waits for the results, checks the rendered
numbers and each chart's SVG marks, clicks a quick example, and saves a screenshot of each page into
docs/screenshots/. Prints "N passed, N failed" and exits non-zero on any failure.
    .fixtures/.venv/bin/python Tests/Browser/browser_test.py
"""
import base64, json, math, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request
import websocket  # websocket-client

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shots = os.path.join(root, "docs", "screenshots")
os.makedirs(shots, exist_ok=True)


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def start_hub():
    """A stand-in Hugging Face Hub for the Hub-id checks: the revision API and `resolve` with byte ranges, serving
    the real all-MiniLM-L6-v2 checkpoint. The server, not the browser, talks to it."""
    import http.server, threading
    folder = os.path.join(root, ".fixtures", "all-MiniLM-L6-v2")
    files = {name: os.path.join(folder, name) for name in ("config.json", "model.safetensors")}
    commit = "abcdef0123456789abcdef0123456789abcdef01"

    class Hub(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/api/models/sentence-transformers/all-MiniLM-L6-v2/revision/main":
                body = json.dumps({"sha": commit, "siblings": [{"rfilename": n, "size": os.path.getsize(p)} for n, p in files.items()]}).encode()
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                return
            prefix = f"/sentence-transformers/all-MiniLM-L6-v2/resolve/{commit}/"
            name = path[len(prefix):] if path.startswith(prefix) else None
            if name not in files:
                self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
                return
            size = os.path.getsize(files[name])
            start, end = 0, size - 1
            if self.headers.get("Range", "").startswith("bytes="):
                a, b = self.headers["Range"][6:].split("-")
                start, end = int(a), min(int(b or size - 1), size - 1)
                self.send_response(206); self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(end - start + 1)); self.end_headers()
            with open(files[name], "rb") as f:
                f.seek(start); self.wfile.write(f.read(end - start + 1))

    hub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{hub.server_address[1]}"


port, debug_port = free_port(), free_port()
hub_cache = tempfile.mkdtemp()
# A partial download: the first 6 MB of a 25 MB GGUF, served from a third folder (its header is whole).
partial_root = os.path.join(tempfile.mkdtemp(), "partial")
os.makedirs(partial_root)
with open(os.path.join(root, ".fixtures", "gguf", "all-MiniLM-L6-v2.Q8_0.gguf"), "rb") as f, \
        open(os.path.join(partial_root, "minilm-partial.gguf"), "wb") as out:
    out.write(f.read(6_000_000))
server = subprocess.Popen([os.path.join(root, ".build", "debug", "heft"), "serve", "--port", str(port), "--models", os.path.join(root, ".fixtures", "gguf"),
                          "--models", os.path.join(root, ".fixtures", "llamacpp"), "--models", partial_root,
                          "--models", os.path.join(root, ".fixtures", "extra")],
                          env={**os.environ, "HF_ENDPOINT": start_hub(), "HEFT_CACHE": hub_cache, "HF_TOKEN": ""},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
profile = tempfile.mkdtemp()
browser = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--remote-debugging-port={debug_port}",
                            f"--user-data-dir={profile}", "--window-size=1200,1400", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
passed, failed = 0, 0


def precision3(x):
    """JavaScript's x.toPrecision(3) for 1 <= x < 1000, as the web app formats estimates."""
    import math
    return f"{x:.{max(0, 2 - int(math.floor(math.log10(abs(x)))))}f}"


def real_rate(x):
    """The web app's rate(): three significant digits with thousands separators (4,980, 43.6)."""
    if x is None:
        return "–"
    import math
    rounded = float(f"{x:.3g}")
    digits = max(0, 2 - int(math.floor(math.log10(abs(rounded))))) if rounded else 0
    text = f"{rounded:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def wait_http(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=2).read()
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


class Tab:
    def __init__(self):
        target = json.loads(urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{debug_port}/json/new?about:blank", method="PUT")).read())
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30)
        self.next = 0
        self.call("Page.enable"); self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1200, height=1400, deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        self.next += 1
        self.ws.send(json.dumps({"id": self.next, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next:
                return message.get("result", {})

    def eval(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True).get("result", {}).get("value")

    def wait(self, expression, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.eval(expression):
                return True
            time.sleep(0.1)
        return False

    def load(self, path):
        self.call("Page.navigate", url=f"http://127.0.0.1:{port}{path}")
        return self.wait("document.querySelector('#out') && document.querySelector('#out').dataset.state === 'ready'")

    def text(self, selector):
        return self.eval(f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent")

    def marks(self, chart, mark):
        return self.eval(f"document.querySelectorAll('svg[data-chart=\"{chart}\"] [data-mark=\"{mark}\"]').length")

    def chart_problems(self):
        """Every chart on the page: text boxes that overlap; the ticks of every axis (linear: one step of 1, 2 or 5 ×
        10^n and one label format; log10: consecutive decades labelled 10ⁿ; log2: powers of two at one ratio);
        a legend entry for each colour of a chart that uses more than one; shortened labels that stay distinct."""
        return self.eval("""(() => {
          const problems = [];
          for (const svg of document.querySelectorAll('svg[data-chart]')) {
            const id = svg.dataset.chart;
            const boxes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => [t, t.getBBox()]);
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
              const [a, p] = boxes[i], [b, q] = boxes[j];
              const w = Math.min(p.x + p.width, q.x + q.width) - Math.max(p.x, q.x);
              const h = Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y);
              if (w > 1 && h > 1) problems.push(`${id}: '${a.textContent}' overlaps '${b.textContent}'`);
            }
            const axes = {};
            for (const t of svg.querySelectorAll('[data-mark=tick],[data-mark=logtick],[data-mark=log2tick]')) {
              const key = t.dataset.axis + ' ' + t.dataset.mark;
              (axes[key] = axes[key] || []).push([Number(t.dataset.value), t.textContent]);
            }
            if (!Object.keys(axes).some(k => k.startsWith('y '))) problems.push(`${id}: no value ticks on the y axis`);
            for (const [key, ticks] of Object.entries(axes)) {
              ticks.sort((x, y) => x[0] - y[0]);
              const values = ticks.map(t => t[0]), labels = ticks.map(t => t[1]);
              if (values.some(v => !isFinite(v))) problems.push(`${id} ${key}: a tick without a value`);
              if (key.endsWith(' tick')) {
                const steps = values.slice(1).map((v, i) => v - values[i]);
                for (const step of steps) {
                  const m = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
                  if (![1, 2, 5, 10].some(r => Math.abs(m - r) < 1e-6)) problems.push(`${id} ${key}: step ${step} is not 1, 2 or 5 × 10^n`);
                  if (Math.abs(step - steps[0]) > 1e-9 * Math.abs(steps[0])) problems.push(`${id} ${key}: uneven steps ${steps}`);
                }
                const decimals = new Set(labels.map(l => (l.split('.')[1] || '').length));
                if (decimals.size > 1) problems.push(`${id} ${key}: mixed label formats ${labels.join(' / ')}`);
                labels.forEach((l, i) => {
                  const read = Number(l.replace(/,/g, '').replace('−', '-'));
                  if (Math.abs(read - values[i]) > 1e-9 * Math.max(1, Math.abs(values[i]))) problems.push(`${id} ${key}: label ${l} is not its value ${values[i]}`);
                });
              } else if (key.endsWith(' logtick')) {
                values.forEach((v, i) => {
                  const e = Math.round(Math.log10(v));
                  if (Math.abs(v - Math.pow(10, e)) > 1e-9 * v) problems.push(`${id} ${key}: ${v} is not a decade`);
                  const sup = String(e).replace(/-/g, '⁻').replace(/[0-9]/g, d => '⁰¹²³⁴⁵⁶⁷⁸⁹'[d]);
                  if (labels[i] !== '10' + sup) problems.push(`${id} ${key}: ${labels[i]} is not written 10${sup}`);
                  if (i > 0 && Math.abs(v / values[i - 1] - 10) > 1e-6) problems.push(`${id} ${key}: decades skipped at ${v}`);
                });
              } else {
                values.forEach((v, i) => {
                  if (Math.abs(Math.log2(v) - Math.round(Math.log2(v))) > 1e-9) problems.push(`${id} ${key}: ${v} is not a power of two`);
                  if (i > 1 && Math.abs(v / values[i - 1] - values[1] / values[0]) > 1e-9) problems.push(`${id} ${key}: uneven ratio at ${v}`);
                });
              }
            }
            const colours = new Set();
            for (const e of svg.querySelectorAll('[data-mark]:not([data-mark=legend])')) {
              for (const a of ['fill', 'stroke']) { const c = e.getAttribute(a); if (c && c !== 'none') colours.add(c); }
            }
            const legend = new Set([...svg.querySelectorAll('[data-mark=legend]')].map(e => e.dataset.colour));
            if (colours.size > 1) for (const c of colours) if (!legend.has(c)) problems.push(`${id}: colour ${c} has no legend entry`);
            const shortened = [...svg.querySelectorAll('text')].map(t => t.textContent).filter(t => t.includes('…'));
            if (new Set(shortened).size !== shortened.length) problems.push(`${id}: shortened labels repeat: ${shortened}`);
          }
          return problems;
        })()""") or []

    def keyed(self):
        """Every number the page keeps with its JSON key: {key: exact value}."""
        return self.eval("Object.fromEntries([...document.querySelectorAll('#out [data-key]')].map(e => [e.dataset.key, JSON.parse(e.dataset.value)]))") or {}

    def screenshot(self, name, limit=3000):
        """The page, at most `limit` px tall (long tables are folded; a longer page is cut at the limit)."""
        height = min(limit, self.eval("document.documentElement.scrollHeight") or 1400)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": 1200, "height": height, "scale": 1}).get("data", "")
        with open(os.path.join(shots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(data))


try:
    wait_http(f"http://127.0.0.1:{port}/api/models")
    wait_http(f"http://127.0.0.1:{debug_port}/json/version")
    tab = Tab()

    check("inspect loads", tab.load("/inspect"))
    check("inspect total", tab.text("#total") == "22,565,376", tab.text("#total"))
    check("inspect anatomy chart", tab.marks("anatomy", "bar") == 5)
    check("charts readable on inspect", not tab.chart_problems(), str(tab.chart_problems()))
    tab.screenshot("inspect")

    # A Hub id: the server reads the checkpoint's headers from the stand-in Hub; the page shows the same report.
    check("inspect of a Hub id loads", tab.load("/inspect?model=hf:sentence-transformers/all-MiniLM-L6-v2"))
    check("inspect of a Hub id total", tab.text("#total") == "22,713,216", tab.text("#total"))
    check("inspect of a Hub id says where it was read", "read remotely" in (tab.text("#out") or ""))
    tab.screenshot("inspect-hub")
    check("memory with a typed Hub id", tab.load("/memory?example=llama-2-7b&context=4096"))
    tab.eval("""(() => { const i = document.querySelector('input[name=hub]'); i.value = 'sentence-transformers/all-MiniLM-L6-v2';
      i.dispatchEvent(new Event('input', {bubbles: true})); i.dispatchEvent(new Event('change', {bubbles: true})); })()""")
    check("memory of a typed Hub id", tab.wait("document.querySelector('#out').dataset.state === 'ready' && "
                                                "document.querySelector('#out').textContent.includes('sentence-transformers/all-MiniLM-L6-v2')"),
          (tab.text("#out") or "")[:200])
    check("a typed Hub id is kept in the URL", "model=hf%3Asentence-transformers" in (tab.eval("location.search") or ""), tab.eval("location.search"))

    heft = os.path.join(root, ".build", "debug", "heft")
    def cli(*args):
        return json.loads(subprocess.run([heft, *args, "--json"], capture_output=True, text=True, check=True).stdout)

    check("memory loads", tab.load("/memory?example=llama-2-7b&context=4096&gpu=rtx-4090"))
    check("memory total", (tab.text("#total") or "").endswith(" GB"), tab.text("#total"))
    check("memory KV per token", tab.eval("document.body.textContent.includes('524,288 B')"))
    check("memory chart", tab.marks("memory", "segment") == 4 and tab.marks("memory", "capacity") == 1)
    check("charts readable on " + "memory", not tab.chart_problems(), str(tab.chart_problems()))
    served = cli("memory", "--example", "llama-2-7b", "--context", "4096", "--gpu", "rtx-4090")
    check("memory total equals the CLI", tab.text("#total") == precision3(served['totalBytes'] / 1e9) + " GB", f"{tab.text('#total')} vs {served['totalBytes']}")
    check("memory KV per token equals the CLI", tab.eval(f"document.body.textContent.includes('{served['kvCacheBytesPerToken']:,} B')"))
    tab.screenshot("memory")
    # A GGUF file is sized as llama.cpp allocates it: its buffers are listed as the command line lists them.
    check("memory attention types", tab.eval("document.querySelectorAll('#attention-variants tr').length") == 3)  # MHA (this model), MQA
    check("memory custom architecture", tab.load("/memory?params=7B&layers=32&hidden=4096&heads=32&kvHeads=8&context=4096"))
    mqa = tab.eval("[...document.querySelectorAll('#attention-variants tr')].map(r => r.textContent)")
    # 32 layers × 2 × 1 KV head × 128 × 2 bytes = 16,384 B per token with one KV head; 131,072 with 8.
    check("memory MQA per token by hand", any("MQA" in r and "16,384 B" in r for r in mqa or []) and any("131,072 B" in r for r in mqa or []), str(mqa))
    check("models page", tab.load("/models") and tab.eval("document.querySelectorAll('#models tr').length") > 8)
    listed = tab.eval("[...document.querySelectorAll('#models tr')].find(r => r.textContent.includes('gemma-3-270m'))?.textContent")
    check("models page names the file type", listed is not None and "Q4_K_M" in listed, str(listed))
    tab.screenshot("models")

    check("memory training loads", tab.load("/memory?example=llama-2-7b&train=true&context=2048&gpu=a100-80gb"))
    heads = tab.eval("[...document.querySelectorAll('#estimates th')].map(h => h.textContent)")
    check("memory training columns", "gradients" in heads and "optimizer state" in heads and "decode tok/s" not in heads
          and "KV cache" not in heads, str(heads))
    trained = cli("memory", "--example", "llama-2-7b", "--train", "--context", "2048", "--gpu", "a100-80gb")
    parts = trained["weightsBytes"] + trained["gradientsBytes"] + trained["optimizerBytes"] + trained["activationBytes"] + trained["overheadBytes"]
    check("memory training columns add up", parts == trained["totalBytes"], f"{parts} vs {trained['totalBytes']}")
    check("memory serving latency", tab.load("/memory?example=llama-2-7b&context=4096&gpu=rtx-4090")
          and "between tokens" in tab.eval("[...document.querySelectorAll('#estimates th')].map(h => h.textContent)"))

    check("memory llama.cpp", tab.load("/memory?model=llamacpp/gemma-3-270m-q4_k_m.gguf&context=4096"))
    check("memory buffers", tab.eval("document.querySelectorAll('#buffers tr').length") == 7, tab.eval("document.body.textContent.slice(0, 300)"))
    check("memory repack", tab.eval("document.querySelector('#buffers').textContent.includes('CPU_REPACK')"))
    check("charts readable on memory-llamacpp", not tab.chart_problems(), str(tab.chart_problems()))
    tab.screenshot("memory-llamacpp")

    # Paste a recorded llama.cpp log: its buffers beside Heft's, as `heft memory --log` prints them.
    log_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Data", "llamacpp", "logs",
                            "gemma-3-270m-q4_k_m-c4096-ub512-np1-faon-kvf16.log")
    with open(log_path, encoding="utf-8") as f:
        recorded = f.read()
    tab.eval("(() => { const t = document.querySelector('textarea[name=log]'); t.value = " + json.dumps(recorded)
             + "; t.dispatchEvent(new Event('change', {bubbles: true})); })()")
    check("memory log comparison", tab.wait("document.querySelectorAll('#comparison tr').length >= 5"),
          tab.eval("document.querySelector('#out').textContent.slice(0, 300)"))
    check("memory log model buffers equal", tab.eval("[...document.querySelectorAll('#comparison tr')].some(r => r.textContent.startsWith('model') && r.textContent.endsWith('0.00 %'))"))
    check("memory log stays out of the URL", "log=" not in (tab.eval("location.search") or ""))
    tab.screenshot("memory-log")

    # Inspect's whole report, and a real file dropped onto the page (the browser sends its header only).
    check("inspect full report", tab.load("/inspect?model=gguf/all-MiniLM-L6-v2.Q4_0.gguf"))
    check("inspect tables", all(tab.eval(f"!!document.querySelector('#{t}')") for t in ["by-kind", "by-location", "storage", "tensors"]))
    tensors = tab.eval("document.querySelectorAll('#tensors tr').length") - 1
    tab.eval("(() => { const f = document.querySelector('#tensor-filter'); f.value = 'attn_q.'; f.dispatchEvent(new Event('input', {bubbles: true})); })()")
    shown = tab.eval("[...document.querySelectorAll('#tensors tr')].slice(1).filter(r => !r.hidden).length")
    check("inspect tensor filter", 0 < shown < tensors and shown == 12, f"{shown} of {tensors}")
    for path, total in [(os.path.join(root, ".fixtures", "gguf", "all-MiniLM-L6-v2.Q8_0.gguf"), None),
                        (os.path.join(root, ".fixtures", "all-MiniLM-L6-v2", "model.safetensors"), "22,713,216")]:
        expected = total or f"{cli('inspect', path)['parameters']['total']:,}"
        tab.load("/inspect?model=gguf/all-MiniLM-L6-v2.Q4_0.gguf")
        box = tab.eval("(() => { const r = document.querySelector('#drop').getBoundingClientRect(); return [r.x + 20, r.y + 10]; })()")
        data = {"items": [], "files": [path], "dragOperationsMask": 1}
        for kind in ["dragEnter", "dragOver", "drop"]:
            tab.call("Input.dispatchDragEvent", type=kind, x=box[0], y=box[1], data=data)
        dropped = tab.wait(f"document.querySelector('#total') && document.querySelector('#total').textContent === {json.dumps(expected)}"
                           f" && document.body.textContent.includes({json.dumps(os.path.basename(path))})", seconds=20)
        check(f"drop {os.path.basename(path)}", dropped, tab.eval("document.querySelector('#out').textContent.slice(0, 300)"))
    tab.screenshot("inspect-drop")

    check("distill loads", tab.load("/distill"))
    check("distill default pair (DistilBERT)", tab.text("#student") == "66,362,880", tab.text("#student"))
    tab.eval("document.querySelector('[data-pair=\"minilm\"]').click()")
    check("quick example loads MiniLM", tab.wait("document.querySelector('#student') && document.querySelector('#student').textContent === '22,713,216'"), tab.text("#student"))
    check("URL keeps the state", "pair=minilm" in (tab.eval("location.search") or ""))
    check("accuracy chart marks", tab.marks("accuracy-ratio", "pair") >= 20 and tab.marks("accuracy-ratio", "plan") == 1)
    check("teacher-student bars", tab.marks("teacher-student", "bar") == 2)
    check("distill methods table", tab.eval("document.querySelectorAll('#methods tr').length") == 4)
    distilled = cli("plan", "distill", "--pair", "minilm")
    check("distill student equals the CLI", tab.text("#student") == f"{distilled['studentParameters']:,}", tab.text("#student"))
    check("distill with a served model as teacher", tab.load("/distill?model=gguf/all-MiniLM-L6-v2.Q8_0.gguf&ratio=2"))
    check("distill teacher's size", tab.eval("document.body.textContent.includes('11,282,688')"),
          tab.eval("document.querySelector('#student') && document.querySelector('#student').textContent"))
    check("charts readable on " + "distill", not tab.chart_problems(), str(tab.chart_problems()))
    tab.screenshot("distill")

    check("quantize loads", tab.load("/quantize?example=llama-3.1-8b&context=4096&budget=6GB"))
    check("quantize recommends the lowest published ΔPPL that fits", tab.text("#recommended") == "Q4_K_S", tab.text("#recommended"))
    check("quantize chart", tab.marks("quantization", "scheme") >= 15)
    planned = cli("plan", "quantize", "--example", "llama-3.1-8b", "--context", "4096", "--budget", "6GB")
    check("quantize recommendation equals the CLI", tab.text("#recommended") == planned["recommended"], planned["recommended"])
    rows = tab.eval("[...document.querySelectorAll('#schemes tr')].slice(1).map(r => [r.children[0].textContent, r.children[2].textContent])")
    check("quantize bytes equal the CLI", rows and all(b == f"{s['bytes']:,}" for (n, b), s in zip(rows, planned["schemes"])), str(rows[:3]))
    check("quantize Q4_K_M bytes", tab.eval("document.body.textContent.includes('4,912,898,304')"))
    check("quantize marks the recommended scheme", tab.marks("quantization", "recommended") == 1)
    check("charts readable on " + "quantize", not tab.chart_problems(), str(tab.chart_problems()))
    check("quantize with a GPU loads", tab.load("/quantize?example=llama-3.1-8b&context=4096&budget=6GB&gpu=rtx-4090"))
    planned = cli("plan", "quantize", "--example", "llama-3.1-8b", "--context", "4096", "--budget", "6GB", "--gpu", "rtx-4090")
    heads = tab.eval("[...document.querySelectorAll('#schemes th')].map(h => h.textContent)") or []
    column = heads.index("decode tok/s") if "decode tok/s" in heads else None
    decode = tab.eval(f"[...document.querySelectorAll('#schemes tr')].slice(1).map(r => r.children[{column}].textContent)") if column is not None else []
    check("quantize decode column equals the CLI", decode and decode == [real_rate(s["decodeTokensPerSecond"]) for s in planned["schemes"]],
          str(decode[:5]))
    check("charts readable on quantize with a GPU", not tab.chart_problems(), str(tab.chart_problems()))
    tab.screenshot("quantize")

    check("pipeline loads", tab.load("/pipeline?example=llama-3.1-8b&distill=2&quantize=Q4_K_M&targetMemory=4GB&context=4096&lambda=1"))
    check("pipeline first fit", tab.text("#first-fit") == "First fits after: quantize", tab.text("#first-fit"))
    piped = cli("plan", "pipeline", "--example", "llama-3.1-8b", "--distill", "2", "--quantize", "Q4_K_M", "--target-memory", "4GB", "--context", "4096", "--lambda", "1")
    check("pipeline first fit equals the CLI", tab.text("#first-fit") == f"First fits after: {piped['firstFit']}", str(piped.get("firstFit")))
    check("pipeline parameters equal the CLI", tab.eval("[...document.querySelectorAll('tr')].slice(1).map(r => r.children[2].textContent).join('|')")
          == "|".join(precision3(s['parameters'] / 1e9) + "B" if s['parameters'] >= 1e9 else precision3(s['parameters'] / 1e6) + "M" for s in piped["steps"]))
    tab.screenshot("pipeline")

    # Context scaling: the sweep, against the CLI's JSON for the same input.
    check("context loads", tab.load("/context?example=llama-3.1-8b&gpu=rtx-4090"))
    sweep = cli("memory", "--example", "llama-3.1-8b", "--gpu", "rtx-4090", "--sweep")["sweep"]
    expected = f"Longest context that fits: {sweep['largestFitting']:,} with FlashAttention, {sweep['largestFittingStandard']:,} with standard attention"
    check("context longest fit equals the CLI", tab.text("#longest") == expected, tab.text("#longest"))
    check("context table rows", tab.eval("document.querySelectorAll('#sweep tr').length") == len(sweep["points"]) + 1)
    check("context chart points", tab.marks("sweep", "point") == 2 * len(sweep["points"]))
    check("charts readable on " + "context", not tab.chart_problems(), str(tab.chart_problems()))
    tab.screenshot("context")

    # Gradient accumulation, against the CLI: the answer's numbers, every row of the table, and a ZeRO stage that
    # fits nothing.
    check("batch loads", tab.load("/batch?example=llama-3.1-8b&sequenceLength=4096&targetBatch=64&gpu=a100-80gbx8&zero=2"))
    plan = cli("plan", "batch", "--example", "llama-3.1-8b", "--sequence-length", "4096", "--target-batch", "64", "--gpu", "a100-80gbx8", "--zero", "2")
    shown = {k: tab.text(f"#{i}") for k, i in [("microBatch", "micro-batch"), ("accumulationSteps", "steps"), ("effectiveBatch", "effective")]}
    check("batch micro-batch, steps and effective batch equal the CLI",
          shown == {"microBatch": f"{plan['microBatch']:,}", "accumulationSteps": f"{plan['accumulationSteps']:,}",
                    "effectiveBatch": f"{plan['effectiveBatch']:,} sequences"}, str(shown))
    kept = tab.keyed()
    check("batch keeps the CLI's numbers", all(kept[k] == plan[k] for k in ["microBatch", "accumulationSteps", "effectiveBatch", "perDeviceBytes", "capacityBytes"])
          and abs(kept["stepSeconds"] - plan["stepSeconds"]) < 1e-9, str(kept))
    check("batch step time has a unit", (tab.text("#step-time") or "").endswith(" s"), tab.text("#step-time"))
    cells = tab.eval("[...document.querySelectorAll('#batch-rows tr')].slice(1).map(r => [...r.children].map(c => c.textContent))")
    expected = [[str(r["zeroStage"]), r["checkpointing"]] + ([f"{r['microBatch']:,}", f"{r['accumulationSteps']:,}", f"{r['effectiveBatch']:,}"]
                if r["microBatch"] else ["does not fit", "–", "–"]) for r in plan["rows"]]
    check("batch table rows equal the CLI", cells and [c[:5] for c in cells] == expected, str(cells[:4]))
    check("batch table step times have units", all((c[6].endswith(" s") or c[6].endswith(" min") or c[6].endswith(" ms")) if r["microBatch"] else c[6] == "–"
                                                   for c, r in zip(cells, plan["rows"])), str([c[6] for c in cells]))
    check("batch chart bars", tab.marks("batch", "bar") == 12)
    check("batch chart marks what does not fit", tab.marks("batch", "empty") == sum(1 for r in plan["rows"] if not r["microBatch"]))
    check("charts readable on " + "batch", not tab.chart_problems(), str(tab.chart_problems()))
    tab.screenshot("batch")
    check("batch with a ZeRO stage that fits nothing", tab.load("/batch?example=llama-3.1-8b&sequenceLength=4096&targetBatch=64&gpu=a100-80gbx8&zero=0"))
    fitting = [r for r in plan["rows"] if r["microBatch"]]
    best = min(fitting, key=lambda r: (r["stepSeconds"], r["zeroStage"]))
    named = f"ZeRO-{best['zeroStage']}, " + ("no recomputation" if best["checkpointing"] == "none" else best["checkpointing"] + " recomputation")
    check("batch says the stage fits nothing", "fits nothing" in (tab.text("#batch-answer") or ""), tab.text("#batch-answer"))
    check("batch points at the best row that fits", tab.text("#best") == named, f"{tab.text('#best')} vs {named}")
    check("batch micro-batch does not fit", tab.text("#micro-batch") == "does not fit", tab.text("#micro-batch"))
    tab.screenshot("batch-unfit")

    # Compare, against the CLI.
    check("compare loads", tab.load("/compare?models=example:llama-3.1-8b,example:mistral-7b&gpu=rtx-4090&context=8192"))
    compared = cli("compare", "example:llama-3.1-8b", "example:mistral-7b", "--gpu", "rtx-4090", "--context", "8192")
    cells = tab.eval("[...document.querySelectorAll('#compare tr')].slice(1).map(r => r.children[5].textContent)")
    check("compare KV per token equals the CLI", cells == [f"{r['kvCacheBytesPerToken']:,} B" for r in compared["rows"]], str(cells))
    check("compare chart bars", tab.marks("compare", "bar") == 4)
    check("charts readable on " + "compare", not tab.chart_problems(), str(tab.chart_problems()))
    tab.screenshot("compare")

    # The plans drawn field by field: every page answers, keeps its inputs, shows each number the page keys with
    # the CLI's JSON value for the same input, and its main result as the CLI computes it.
    def at(document, key):
        for part in key.split("."):
            document = document.get(part) if isinstance(document, dict) else None
        return document

    def same(a, b):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            return abs(a - b) <= 1e-9 * max(1, abs(b))
        return a == b

    def real(x):
        """The web app's real(): three significant digits, grouped, or m × 10ⁿ below 10⁻³."""
        import math
        if x == 0:
            return "0"
        if 1e-3 <= abs(x) < 1e15:
            digits = max(0, 2 - int(math.floor(math.log10(abs(float(f"{x:.3g}"))))))
            text = f"{float(f'{x:.3g}'):,.{digits}f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        m, e = f"{x:.2e}".split("e")
        return f"{float(m):g} × 10" + str(int(e)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))

    for path, main in [
            ("/prune?example=llama-2-7b&dropLayers=8", lambda d: [("#params-after", f"{d['structured']['parametersAfter']:,}")]),
            ("/prune?example=llama-2-7b&sparsity=0.5&twoFour=true", lambda d: [("[data-key='sparse.prunedParameters'] b", f"{d['sparse']['prunedParameters']:,}")]),
            ("/lowrank?example=llama-2-7b&rank=256&embeddingRank=128", lambda d: [("#params-after", f"{d['parametersAfter']:,}")]),
            ("/lora?example=llama-2-7b&rank=16", lambda d: [("#trainable", f"{d['trainableParameters']:,}"), ("#share", real(d["trainablePercent"]) + " %")]),
            ("/advise?task=complex&memory=24GB&gpu=rtx-4090&tokensPerSecond=30", lambda d: [("#tier", d["tier"]), ("#decision-flow li:last-child", d["decisionFlow"][-1])]),
            ("/stats?model=gguf/all-MiniLM-L6-v2.Q4_0.gguf", lambda d: [("#verdict", d["damage"]["verdict"]), ("#elements", f"{d['global']['elements']:,}")]),
            ("/batch?example=qwen2-0.5b&sequenceLength=2048&targetBatch=32&gpu=rtx-4090", lambda d: [("#micro-batch", f"{d['microBatch']:,}")])]:
        name = path.split("?")[0].strip("/")
        check(f"{path} loads", tab.load(path))
        check(f"{path} answers", tab.eval("document.getElementById('out').dataset.state") == "ready", (tab.text("#out") or "")[:200])
        asked = [pair.split("=") for pair in path.split("?")[1].split("&")]
        kept = all(tab.eval(f"new URLSearchParams(location.search).get({json.dumps(k)})") == v for k, v in asked)
        check(f"{path} keeps its inputs", kept, tab.eval("location.search"))
        check(f"{path} charts readable", not tab.chart_problems(), str(tab.chart_problems()))
        command = {"prune": ["plan", "prune"], "lowrank": ["plan", "lowrank"], "lora": ["plan", "lora"], "advise": ["advise"], "stats": ["stats"],
                   "batch": ["plan", "batch"]}
        args = list(command[name])
        for k, v in asked:
            if k == "model":
                args.append(os.path.join(root, ".fixtures", v))
            elif v == "true":
                args.append("--" + "".join("-" + c.lower() if c.isupper() else c for c in k))
            else:
                args += ["--" + "".join("-" + c.lower() if c.isupper() else c for c in k), v]
        answer = cli(*args)
        keyed = tab.keyed()
        wrong = {k: (v, at(answer, k)) for k, v in keyed.items() if not same(v, at(answer, k))}
        check(f"{path} keyed numbers equal the CLI ({len(keyed)})", len(keyed) >= 4 and not wrong, str(wrong))
        results = [(selector, tab.text(selector), text) for selector, text in main(answer)]
        check(f"{path} main result equals the CLI", all(shown == text for _, shown, text in results), str(results))
        words = tab.eval("[...document.querySelectorAll('#out .numbers span, #out th, #form label')].map(e => e.firstChild && e.firstChild.textContent)") or []
        camel = [w for w in words if w and re.search(r"\b[a-z]+[A-Z][a-z]", w)]
        check(f"{path} labels are plain words", not camel, str(camel))
        raw = tab.eval(r"(document.querySelector('#out').innerText.match(/\d\.0*[1-9]\d{4,}|\d{9,}(?![\d,])/g) || [])")
        check(f"{path} no raw long numbers", not raw, str(raw))
        tab.screenshot(name if "sparsity" not in path else "prune-sparsity")
    check("stats histogram", tab.load("/stats?model=gguf/all-MiniLM-L6-v2.Q4_0.gguf") and tab.marks("histogram", "bin") >= 10,
          tab.marks("histogram", "bin"))

    # The values the weights hold (min, max, mean, σ, |max|) read as the command line's text prints them: the same
    # number to four significant digits, whichever notation each uses (0.0000002241 there, 2.241 × 10⁻⁷ here).
    def number(text):
        text = text.replace(",", "").replace("−", "-")
        if " × 10" not in text:
            return float(text)
        mantissa, power = text.split(" × 10")
        return float(mantissa) * 10 ** int(power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))

    for model in ["gguf/all-MiniLM-L6-v2.Q4_0.gguf", "gguf/all-MiniLM-L6-v2.F32.gguf", "gguf/all-MiniLM-L6-v2.BF16.gguf", "extra/minilm-mlx"]:
        tab.load(f"/stats?model={model}")
        text = subprocess.run([heft, "stats", os.path.join(root, ".fixtures", model)], capture_output=True, text=True, check=True).stdout.splitlines()
        line = next(l for l in text if l.startswith("Values"))
        # Packed weights: the page says which tensors were decoded, and how, as the command line does.
        decoded = [" ".join(l.split()) for l in text if l.startswith("Dequantized")]
        listed = tab.eval("[...document.querySelectorAll('#dequantized li')].map(e => e.textContent)") or []
        check(f"stats of {model}: the dequantized tensors as the command line says", decoded == listed and (len(decoded) == 3) == model.endswith("mlx"),
              str((decoded, listed)))
        printed = dict(zip(["min", "max", "mean", "std", "absMax"], re.findall(r"(?:min|max|mean|std|\|max\|) (\S+)", line)))
        shown = {"min": tab.text("#min"), "max": tab.text("#max"), "mean": tab.text("#mean"), "std": tab.text("#std"),
                 "absMax": tab.text("[data-key='global.absMax'] b")}
        wrong = {k: (shown[k], v) for k, v in printed.items() if shown[k] is None or not math.isclose(number(shown[k]), float(v), rel_tol=1e-12)}
        check(f"stats of {model}: the values equal the command line's text", len(printed) == 5 and not wrong, str((printed, shown)))
    tab.screenshot("stats-mlx")
    check("prune folds the published results", tab.load("/prune?example=llama-2-7b&dropLayers=8")
          and tab.eval("document.querySelectorAll('#references tr').length") == len(cli("plan", "prune", "--example", "llama-2-7b", "--drop-layers", "8")["references"]) + 1
          and tab.eval("!document.querySelector('.fold details').open && document.documentElement.scrollHeight < 3000"),
          tab.eval("document.documentElement.scrollHeight"))
    check("advise estimate shown in three digits", tab.load("/advise?task=complex&memory=24GB")
          and tab.eval("[...document.querySelectorAll('#largest td')].some(c => c.textContent === '11.4B parameters' && c.querySelector('[title=\"11,352,075,193 (estimate)\"]'))"),
          tab.eval("document.querySelector('#largest') && document.querySelector('#largest').textContent"))

    # A partial download: Inspect says what is missing.
    check("inspect of a partial download loads", tab.load("/inspect?model=partial/minilm-partial.gguf"))
    partial = cli("inspect", os.path.join(partial_root, "minilm-partial.gguf"))["missing"]
    check("inspect shows the missing bytes", f"{partial['bytes']:,} bytes of tensor data are missing" in (tab.text("#missing") or ""), tab.text("#missing"))
    tab.screenshot("inspect-partial")
finally:
    browser.terminate(); server.terminate()
    shutil.rmtree(profile, ignore_errors=True)
    shutil.rmtree(os.path.dirname(partial_root), ignore_errors=True)

print(f"browser: {passed} passed, {failed} failed")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
