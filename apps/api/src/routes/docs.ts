import { buildOpenApiDocument } from "@sensorium/api-contract";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";

export const API_VERSION = "3.5.0";

/**
 * /openapi.json and an interactive reference at /docs. The page is self-contained (no CDN: the
 * API must work in air-gapped networks): it reads /openapi.json and lets you send each request.
 */
export function registerDocs(app: Hono<AppEnv>) {
	const document = buildOpenApiDocument(API_VERSION);
	app.get("/openapi.json", (c) => c.json(document));
	app.get("/docs", (c) => c.html(DOCS_PAGE));
	app.get("/docs/docs.css", (c) => c.body(DOCS_CSS, 200, { "content-type": "text/css; charset=utf-8" }));
	app.get("/docs/docs.js", (c) => c.body(DOCS_JS, 200, { "content-type": "text/javascript; charset=utf-8" }));
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sensorium Scan API</title>
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/docs.js" defer></script></head><body>
<header><h1>Sensorium Scan API</h1><div>Wire-compatible with the AgileSec Scan API v3 · <a class="light" href="/openapi.json">openapi.json</a></div></header>
<main>
<p><label for="token">isg-api-token</label><input id="token" type="password" autocomplete="off" placeholder="isg_…"></p>
<div id="routes">Loading…</div>
</main>
</body></html>`;

// Served as files, not inline: the Content-Security-Policy allows scripts and styles from this origin only.
const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#0b3d60;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}
main{max-width:1000px;margin:0 auto;padding:16px}
label{font-weight:600}input,textarea{font:13px ui-monospace,monospace;width:100%;box-sizing:border-box;padding:6px;border:1px solid #c9d1d9;border-radius:6px}
details{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:8px 0}summary{padding:10px 12px;cursor:pointer}
.m{display:inline-block;min-width:64px;font:600 12px ui-monospace,monospace;text-transform:uppercase}
.get{color:#0969da}.post{color:#1a7f37}.delete{color:#cf222e}.body{padding:0 12px 12px}
pre{background:#0d1117;color:#e6edf3;padding:10px;border-radius:6px;overflow:auto;max-height:360px}
button{background:#0b3d60;color:#fff;border:0;border-radius:6px;padding:6px 14px;cursor:pointer}
h2{margin-top:24px;font-size:17px}
a.light{color:#9cd}
`;

const DOCS_JS = `const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"})[c]);
fetch("/openapi.json").then((r) => r.json()).then((doc) => {
  const byTag = {};
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) (byTag[op.tags[0]] ??= []).push({ path, method, op });
  const root = document.getElementById("routes");
  root.innerHTML = "";
  let n = 0;
  for (const [tag, routes] of Object.entries(byTag)) {
    root.insertAdjacentHTML("beforeend", "<h2>" + esc(tag) + "</h2>");
    for (const { path, method, op } of routes) {
      const i = n++;
      const params = (op.parameters || []).map((p) => '<p><label for="p' + i + p.name + '">' + esc(p.name) + " (" + p.in + ")</label>" +
        '<input id="p' + i + p.name + '" data-in="' + p.in + '" data-name="' + esc(p.name) + '" placeholder="' + esc(p.description || "") + '"></p>').join("");
      const example = op.requestBody ? JSON.stringify(op.requestBody.content["application/json"].example || {}, null, 2) : null;
      root.insertAdjacentHTML("beforeend", '<details><summary><span class="m ' + method + '">' + method + "</span> <code>" + esc(path) + "</code> — " + esc(op.summary) + "</summary>" +
        '<div class="body">' + (op.description ? "<p>" + esc(op.description) + "</p>" : "") + params +
        (example !== null ? '<p><label for="b' + i + '">Body</label><textarea id="b' + i + '" rows="8">' + esc(example) + "</textarea></p>" : "") +
        '<button data-i="' + i + '" data-path="' + esc(path) + '" data-method="' + method + '">Send</button><pre id="r' + i + '" hidden></pre></div></details>');
    }
  }
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const i = button.dataset.i;
    let url = button.dataset.path;
    const query = new URLSearchParams();
    for (const input of document.querySelectorAll('[id^="p' + i + '"]')) {
      if (input.dataset.in === "path") url = url.replace("{" + input.dataset.name + "}", encodeURIComponent(input.value));
      else if (input.value) query.set(input.dataset.name, input.value);
    }
    if ([...query].length) url += "?" + query;
    const body = document.getElementById("b" + i);
    const out = document.getElementById("r" + i);
    out.hidden = false;
    out.textContent = "…";
    const res = await fetch(url, { method: button.dataset.method.toUpperCase(), headers: { "isg-api-token": document.getElementById("token").value, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? body.value : undefined });
    const text = await res.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
    out.textContent = res.status + " " + res.statusText + "\\n\\n" + shown;
  });
});
`;
