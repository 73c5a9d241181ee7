// Draws distro/grafana/hostdns.json's panels from a Prometheus, the way Grafana would ask:
// the same expressions, $instance as the regex given (default .*), $__rate_interval as four
// scrape intervals, $__range as the range shown. document.title becomes "ready" when done.
"use strict";

const params = new URLSearchParams(location.search);
const prom = params.get("prom") || "http://127.0.0.1:9090";
const range = Number(params.get("range") || 600);
const step = Math.max(1, Math.round(range / 120));
const scrape = Number(params.get("scrape") || 5);
const end = Math.floor(Date.now() / 1000);
const colors = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#fade2a"];

function expand(expr) {
  return expr.replaceAll("$instance", params.get("instance") || ".*")
    .replaceAll("$__rate_interval", `${Math.max(4 * scrape, step)}s`)
    .replaceAll("$__range", `${range}s`);
}

async function ask(path, q) {
  const r = await fetch(`${prom}/api/v1/${path}?${new URLSearchParams(q)}`);
  const body = await r.json();
  if (body.status !== "success") throw new Error(body.error || r.statusText);
  return body.data.result;
}

function seriesName(metric, target) {
  if (target.legendFormat) {
    return target.legendFormat.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => metric[k] ?? "");
  }
  const labels = Object.entries(metric).filter(([k]) => k !== "__name__").map(([k, v]) => `${k}="${v}"`);
  return labels.length ? `{${labels.join(", ")}}` : expand(target.expr).slice(0, 60);
}

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (a >= 1e3) return (v / 1e3).toFixed(1) + "k";
  if (a > 0 && a < 0.01) return v.toExponential(1);
  return Number(v.toFixed(2)).toString();
}

function chart(lines, height) {
  const w = 600, h = Math.max(60, height), left = 40, bottom = 14;
  let max = 0;
  for (const l of lines) for (const [, v] of l.points) if (isFinite(v)) max = Math.max(max, v);
  max = max || 1;
  const x = t => left + (t - (end - range)) / range * (w - left - 4);
  const y = v => (h - bottom) - v / max * (h - bottom - 6);
  let svg = `<svg viewBox="0 0 ${w} ${h}" width="100%" height="${h}" preserveAspectRatio="none">`;
  for (const f of [0, 0.5, 1]) {
    svg += `<line x1="${left}" x2="${w}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#2a2d33"/>`;
    svg += `<text x="2" y="${y(max * f) + 3}">${fmt(max * f)}</text>`;
  }
  svg += `<text x="${left}" y="${h - 2}">-${Math.round(range / 60)}m</text><text x="${w - 24}" y="${h - 2}">now</text>`;
  lines.forEach((l, i) => {
    const pts = l.points.filter(([, v]) => isFinite(v)).map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length) svg += `<polyline fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.5" points="${pts.join(" ")}"/>`;
  });
  return svg + "</svg>";
}

async function timeseries(panel, el) {
  const lines = [];
  for (const t of panel.targets) {
    const res = await ask("query_range", { query: expand(t.expr), start: end - range, end, step });
    for (const s of res) lines.push({ name: seriesName(s.metric, t), points: s.values.map(([ts, v]) => [ts, Number(v)]) });
  }
  if (!lines.length) { el.innerHTML += `<div class="none">no data</div>`; return; }
  el.innerHTML += chart(lines, panel.gridPos.h * 30 - 60) + `<div class="legend">` +
    lines.slice(0, 8).map((l, i) => `<span style="color:${colors[i % colors.length]}">&#9644; ${l.name}</span>`).join("") + `</div>`;
}

async function stat(panel, el) {
  const out = [];
  for (const t of panel.targets) {
    for (const s of await ask("query", { query: expand(t.expr), time: end })) {
      out.push(`<div><span class="stat">${fmt(Number(s.value[1]))}</span> <span class="legend">${seriesName(s.metric, t)}</span></div>`);
    }
  }
  el.innerHTML += out.join("") || `<div class="none">no data</div>`;
}

async function table(panel, el) {
  const rows = [];
  for (const t of panel.targets) rows.push(...await ask("query", { query: expand(t.expr), time: end }));
  if (!rows.length) { el.innerHTML += `<div class="none">no data</div>`; return; }
  const keys = [...new Set(rows.flatMap(r => Object.keys(r.metric)))].filter(k => k !== "__name__");
  el.innerHTML += `<table><tr>${keys.map(k => `<th>${k}</th>`).join("")}</tr>` +
    rows.map(r => `<tr>${keys.map(k => `<td>${r.metric[k] ?? ""}</td>`).join("")}</tr>`).join("") + `</table>`;
}

async function main() {
  const dash = await (await fetch("../hostdns.json")).json();
  document.getElementById("title").textContent = `${dash.title} (preview: Prometheus ${prom}, last ${Math.round(range / 60)} min)`;
  const grid = document.getElementById("grid");
  const draw = { timeseries, stat, table };
  for (const panel of dash.panels) {
    if (panel.type === "row") { grid.insertAdjacentHTML("beforeend", `<h2>${panel.title}</h2>`); continue; }
    const el = document.createElement("div");
    el.className = "panel";
    el.style.gridColumn = `span ${panel.gridPos?.w || 12}`;
    el.style.minHeight = `${(panel.gridPos?.h || 8) * 30}px`;
    el.innerHTML = `<h3>${panel.title}</h3>`;
    grid.appendChild(el);
    try {
      await (draw[panel.type] || timeseries)(panel, el);
    } catch (e) {
      el.innerHTML += `<div class="none">error: ${e.message}</div>`;
    }
  }
  document.title = "ready";
}

main();
