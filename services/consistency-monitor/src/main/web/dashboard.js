// The consistency monitor's dashboard: live numbers over server-sent events (/api/stream), charts with Chart.js
// (bundled into this file at build time, no CDN), divergence view and lookups through /api.
import { Chart, LineController, LineElement, PointElement, LinearScale, Legend, Tooltip } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en');
const pct = (x) => (100 * x).toFixed(2) + ' %';
const time = (ms) => new Date(ms).toLocaleTimeString();

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];

// Tick steps: the window or a round time above it, the first that keeps the x axis to about 8 labels.
const STEPS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400].map((s) => s * 1000);
const tickStep = (span, windowMs) => [windowMs, ...STEPS.filter((s) => s > windowMs)].find((s) => span / s <= 8)
  || STEPS[STEPS.length - 1];

// x is time (ms), so the spacing of points is the time between them; null values (no latency or consistency in an
// idle window) are gaps. Straight segments: a curve would overshoot between windows (below zero throughput).
function lineChart(id, datasets, yMax) {
  return new Chart($(id), {
    type: 'line',
    data: { datasets: datasets.map((label, i) => ({ label, data: [], tension: 0, pointRadius: 2,
      borderColor: COLORS[i], backgroundColor: COLORS[i] })) },
    options: { animation: false, maintainAspectRatio: false,
      plugins: { tooltip: { callbacks: { title: (items) => time(items[0].parsed.x) } } },
      scales: { x: { type: 'linear', ticks: { callback: (v) => time(v) } },
        y: { beginAtZero: true, ...(yMax ? { max: yMax } : {}) } } },
  });
}

const charts = {
  throughput: lineChart('throughput', ['tokens/s', 'completions/s']),
  latency: lineChart('latency', ['p50', 'p99', 'mean']),
  consistency: lineChart('consistency', ['consistency'], 1),
};

// The server sends every window from the first with completions to now's, idle ones at zero throughput.
function setSeries(chart, points, windowMs, fields) {
  const x = chart.options.scales.x;
  x.min = points.length ? points[0].start : undefined;
  x.max = points.length ? points[points.length - 1].start : undefined;
  x.ticks.stepSize = tickStep(points.length ? x.max - x.min : 0, windowMs);
  fields.forEach((f, i) => { chart.data.datasets[i].data = points.map((p) => ({ x: p.start, y: p[f] })); });
  chart.update('none');
}

function render(o) {
  const t = o.total;
  $('rate').textContent = t.repeated === 0 ? '–' : pct(t.consistencyRate);
  $('completions').textContent = fmt.format(t.completions);
  $('errors').textContent = fmt.format(t.errors);
  $('cancelled').textContent = fmt.format(t.cancelled);
  $('fingerprints').textContent = fmt.format(t.fingerprints);
  $('repeated').textContent = fmt.format(t.repeated);
  $('divergent').textContent = fmt.format(t.divergent);
  $('divergences').textContent = fmt.format(t.divergences);
  setSeries(charts.throughput, o.series, o.windowMs, ['tokensPerSecond', 'completionsPerSecond']);
  setSeries(charts.latency, o.series, o.windowMs, ['latencyP50Ms', 'latencyP99Ms', 'latencyMeanMs']);
  setSeries(charts.consistency, o.series, o.windowMs, ['consistencyRate']);
  fillRows('breakdown', o.breakdown, (r) => [r.model, r.engine, r.profile, r.backend, fmt.format(r.completions),
    fmt.format(r.fingerprints), fmt.format(r.repeated), fmt.format(r.divergent),
    r.repeated === 0 ? '–' : pct(r.consistencyRate)]);
  fillRows('divergences-list', o.divergences, (d) => [time(d.detectedAt), d.fingerprint.slice(0, 16) + '…', d.model,
    d.profile, d.distinctOutputs, d.completions], (d) => showFingerprint(d.fingerprint));
  $('no-divergences').style.display = o.divergences.length ? 'none' : '';
  const unreachable = o.unreachable.length ? ` (missing ${o.unreachable.length} instance(s))` : '';
  $('status').textContent = 'live · updated ' + time(o.at) + unreachable;
  $('status').className = 'status live';
}

const shown = {};

// Rebuilds a table only when its rows changed, so a row stays clickable between pushes.
function fillRows(tableId, items, cells, onClick) {
  const rows = items.map(cells);
  const signature = JSON.stringify(rows);
  if (shown[tableId] === signature) return;
  shown[tableId] = signature;
  const body = document.querySelector('#' + tableId + ' tbody');
  body.replaceChildren(...items.map((item) => {
    const tr = document.createElement('tr');
    cells(item).forEach((c) => { const td = document.createElement('td'); td.textContent = c; tr.appendChild(td); });
    if (onClick) { tr.className = 'clickable'; tr.addEventListener('click', () => onClick(item)); }
    return tr;
  }));
}

async function getJson(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  if (r.status === 404) return null;
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || 'HTTP ' + r.status);
  return r.json();
}

async function showFingerprint(fp) {
  try {
    const v = await getJson('/api/fingerprints/' + encodeURIComponent(fp));
    renderDetail(v, fp);
  } catch (e) { $('detail').textContent = e.message; }
}

function tokens(out, from, diffAt) {
  const box = document.createElement('div');
  out.tokenIds.slice(from).forEach((id, i) => {
    const s = document.createElement('span');
    const pos = from + i;
    s.className = 'tok' + (pos === diffAt ? ' diff' : '');
    // The token's text when the monitor has the model's tokenizer (spaces and newlines made visible), else its id.
    const t = out.tokenTexts ? out.tokenTexts[pos] : null;
    s.textContent = t == null ? id : t.replace(/ /g, '\u00b7').replace(/\n/g, '\u21b5') || '\u2205';
    s.title = 'position ' + pos + ', token id ' + id;
    box.appendChild(s);
  });
  return box;
}

function text(out, charAt) {
  const p = document.createElement('div');
  p.className = 'text';
  if (charAt < 0) { p.textContent = out.text; return p; }
  const from = Math.max(0, charAt - 200);
  p.append((from > 0 ? '…' : '') + out.text.slice(from, charAt));
  const m = document.createElement('mark');
  m.textContent = out.text.slice(charAt, charAt + 1) || '⏎';
  p.append(m, out.text.slice(charAt + 1));
  return p;
}

function renderDetail(v, key) {
  const d = $('detail');
  d.replaceChildren();
  if (!v) { d.textContent = 'Nothing known about ' + key; return; }
  const head = document.createElement('p');
  head.innerHTML = '';
  head.append('fingerprint ', Object.assign(document.createElement('span'), { className: 'mono', textContent: v.fingerprint }),
    ` · ${v.model} · ${v.profile} · ${v.completions} completions · ${v.outputs.length} distinct output(s)`);
  d.appendChild(head);
  const first = v.outputs[0];
  const other = v.outputs.find((o) => o.firstDifference >= 0) || null;
  const at = other ? other.firstDifference : -1;
  const from = Math.max(0, at - 8);
  const side = document.createElement('div');
  side.className = 'side';
  [first, other].filter(Boolean).forEach((o, i) => {
    const col = document.createElement('div');
    col.className = i === 0 ? 'expected' : 'actual';
    const p = o.producers[0] || {};
    col.innerHTML = '';
    col.append(Object.assign(document.createElement('h2'), { textContent: (i === 0 ? 'first output' : 'different output')
      + ` ×${o.count}` }));
    col.append(Object.assign(document.createElement('div'), { className: 'muted', textContent:
      `${p.engine} ${p.version} · ${p.backend} · ${p.profile} · worker ${p.worker} · request ${o.requestId} · hash ${o.outputHash.slice(0, 16)}…` }));
    if (at >= 0) col.append(Object.assign(document.createElement('div'), { className: 'muted',
      textContent: `tokens from position ${from}; first difference at ${at}` }));
    col.append(tokens(o, from, at), text(o, other ? other.textDifference : -1));
    side.appendChild(col);
  });
  d.appendChild(side);
}

$('lookup').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const key = $('lookup-id').value.trim();
  if (!key) return;
  try {
    if (/^[0-9a-f]{64}$/.test(key)) return renderDetail(await getJson('/api/fingerprints/' + key), key);
    const r = await getJson('/api/requests/' + encodeURIComponent(key));
    renderDetail(r && r.view, key);
  } catch (e) { $('detail').textContent = e.message; }
});

function connect() {
  const es = new EventSource('/api/stream');
  es.onmessage = (ev) => render(JSON.parse(ev.data));
  es.onerror = () => { $('status').textContent = 'reconnecting…'; $('status').className = 'status'; };
}
connect();
