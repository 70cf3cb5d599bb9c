/**
 * The page behind `GET /`: Orderly's dashboard, one static HTML document with inline CSS and JS,
 * no build step, no data of its own. Like `/live` it takes a bearer token (paste box, or
 * `#token=` in the URL fragment, which browsers never send to a server), reads
 * `GET /dashboard/state` once — a `403` there means "not an admin" and the page says so — and
 * then follows `GET /dashboard/stream` over an EventSource on a single-use ticket from
 * `POST /realtime/ticket`, coming back on a fresh ticket after a loss. Replay buttons call the
 * existing `POST /dlq/:id/replay`. The rate charts are SVG polylines drawn by the script.
 * Everything from the network is put on the page with `textContent` or as an attribute value,
 * never parsed as HTML.
 *
 * Its script and style are allowed by hash in the route's Content-Security-Policy, so keep them
 * in the `DASHBOARD_PAGE_SCRIPT` and `DASHBOARD_PAGE_STYLE` constants, and set no `style`
 * attribute (the policy refuses those): sizes go in SVG attributes, colours in classes.
 */

export const DASHBOARD_PAGE_STYLE = `
:root { --ok: #167a2f; --warn: #a15c00; --bad: #b3261e; --muted: #5f6368; --line: #e3e5e8; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #202124; background: #f4f5f7; }
header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.5rem; background: #1f2933; color: #fff; }
header h1 { font-size: 1.15rem; margin: 0; }
#conn { padding: .1rem .55rem; border-radius: 1rem; background: #52606d; font-size: .85rem; }
#conn[data-state="live"] { background: var(--ok); }
#conn[data-state="reconnecting"], #conn[data-state="connecting"] { background: var(--warn); }
#conn[data-state="forbidden"], #conn[data-state="refused"], #conn[data-state="offline"] { background: var(--bad); }
#at, #who { color: #cbd2d9; font-size: .85rem; }
form { display: flex; gap: .5rem; margin-left: auto; }
form input { width: 22rem; font-family: monospace; }
#notice { margin: 1rem 1.5rem 0; padding: .6rem .9rem; border-radius: .4rem; background: #fdecea; color: var(--bad); font-weight: 600; }
#toast { position: fixed; right: 1.5rem; bottom: 1.5rem; padding: .6rem .9rem; border-radius: .4rem; background: #1f2933; color: #fff; max-width: 40rem; }
#toast[data-kind="error"] { background: var(--bad); }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 1rem; padding: 1rem 1.5rem 2rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
h2 small { color: var(--muted); font-weight: 400; }
dl + h2 { margin-top: .9rem; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.1rem; }
ul.tree { padding-left: 0; }
ul.tree li { margin: .15rem 0; }
.badge { display: inline-block; min-width: 4.5rem; text-align: center; padding: 0 .4rem; border-radius: .3rem; font-size: .8rem; background: #e8eaed; }
.badge[data-status="running"], .badge[data-status="active"], .badge[data-status="ready"] { background: #e6f4ea; color: var(--ok); }
.badge[data-status="restarting"], .badge[data-status="waiting"] { background: #fef7e0; color: var(--warn); }
.badge[data-status="stopped"], .badge[data-status="error"], .badge[data-status="down"] { background: #fce8e6; color: var(--bad); }
.restarts { color: var(--muted); font-size: .85rem; }
.restarts[data-recent]:not([data-recent="0"]) { color: var(--warn); font-weight: 600; }
.error-text { color: var(--bad); font-size: .8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: .85rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
meter { width: 100%; }
.sources { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: .75rem; }
.source { border: 1px solid var(--line); border-radius: .4rem; padding: .5rem .6rem; }
.source h3 { margin: 0 0 .3rem; font-size: .95rem; display: flex; gap: .5rem; align-items: center; }
svg.spark { display: block; width: 100%; height: 64px; background: #fafbfc; border-radius: .3rem; }
svg.spark polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
svg.spark .acked { stroke: var(--ok); }
svg.spark .retried { stroke: var(--warn); }
svg.spark .deadLettered { stroke: var(--bad); }
.legend { display: flex; gap: .9rem; font-size: .8rem; color: var(--muted); margin-top: .25rem; }
.legend .acked { color: var(--ok); } .legend .retried { color: var(--warn); } .legend .deadLettered { color: var(--bad); }
#dlq td.message { max-width: 28rem; overflow-wrap: anywhere; }
#dlq tr.again td { background: #fff8e1; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); font-style: italic; }
`;

export const DASHBOARD_PAGE_SCRIPT = `
'use strict';
const params = new URLSearchParams(location.hash.slice(1));
// The token lives in memory only: off the address bar and out of the history entry at once.
if (location.hash) history.replaceState(null, '', location.pathname + location.search);
const BACKOFF_MS = [500, 1000, 2000, 5000, 10000];
const SVG = 'http://www.w3.org/2000/svg';
const KINDS = [['acked', 'acked'], ['retried', 'retried'], ['deadLettered', 'dead-lettered']];
const STATUS_ORDER = ['loading', 'new', 'pending', 'paid', 'payment_failed', 'shipped', 'cancelled'];

let token = params.get('token') || '';
/** Bumped by every start and stop, so that a ticket or timer from an earlier run opens nothing. */
let run = 0;
let source;
let attempt = 0;
let toastTimer;
/** Dead letters replayed from this page: a row that names one as its origin failed again. */
const replayed = new Set();

const byId = (id) => document.getElementById(id);

function make(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function claims(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return undefined;
  }
}

function setConn(state, text) {
  const conn = byId('conn');
  conn.dataset.state = state;
  conn.textContent = text;
}

function notice(text) {
  const box = byId('notice');
  box.hidden = !text;
  box.textContent = text || '';
}

function toast(text, kind, data) {
  const box = byId('toast');
  box.textContent = text;
  box.dataset.kind = kind;
  for (const [name, value] of Object.entries(data || {})) box.dataset[name] = value;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 8000);
}

function forbidden() {
  stop();
  setConn('forbidden', 'forbidden');
  notice('Forbidden (403): this token is not an admin’s. The dashboard shows every order, so it needs a token with role admin.');
}

function refused(why) {
  stop();
  setConn('refused', 'refused');
  notice('The token was refused (401): ' + why);
}

const authorization = () => ({ authorization: 'Bearer ' + token });

/** Reads the whole state once; false when it was refused or could not be read. */
async function refresh() {
  const mine = run;
  let response;
  try {
    response = await fetch('/dashboard/state', { headers: authorization(), cache: 'no-store' });
  } catch (error) {
    setConn('offline', 'offline');
    return false;
  }
  if (mine !== run) return false;
  if (response.status === 403) return forbidden(), false;
  if (response.status === 401) return refused((await response.json().catch(() => ({}))).message || 'expired, or not signed by this server'), false;
  if (!response.ok) return setConn('offline', 'HTTP ' + response.status), false;
  render(await response.json());
  return true;
}

/** A single-use ticket for the stream; undefined when the token is refused. */
async function ticket() {
  const response = await fetch('/realtime/ticket', { method: 'POST', headers: authorization() });
  if (response.status === 401 || response.status === 403) return undefined;
  if (!response.ok) throw new Error('HTTP ' + response.status);
  return (await response.json()).ticket;
}

async function open() {
  const mine = run;
  setConn('connecting', 'connecting');
  let t;
  try {
    t = await ticket();
  } catch (error) {
    return mine === run ? retry('no ticket: ' + (error.message || error)) : undefined;
  }
  if (mine !== run) return;
  if (t === undefined) return refused('no ticket for this token');
  const s = new EventSource('/dashboard/stream?ticket=' + encodeURIComponent(t));
  source = s;
  s.addEventListener('state', (message) => {
    if (mine !== run) return;
    attempt = 0;
    setConn('live', 'live');
    try { render(JSON.parse(message.data)); } catch (error) { setConn('live', 'live (unreadable frame)'); }
  });
  s.addEventListener('problem', () => setConn('live', 'live (the last state could not be read)'));
  s.addEventListener('error', (event) => {
    if (event instanceof MessageEvent) return;
    // The browser's own retry would reuse the spent ticket: close and come back with a new one.
    s.close();
    if (source === s) source = undefined;
    if (mine === run) retry('stream lost');
  });
}

function retry(why) {
  const delay = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)];
  setConn('reconnecting', 'reconnecting');
  byId('at').textContent = why + '; next try in ' + delay + ' ms';
  const mine = run;
  setTimeout(async () => {
    if (mine !== run) return;
    // A token that stopped being good (expired) is told apart from a lost connection here.
    if (await refresh()) open();
    else if (mine === run && byId('conn').dataset.state === 'offline') retry('server unreachable');
  }, delay);
}

async function start(event) {
  if (event) event.preventDefault();
  token = byId('token').value.trim() || token;
  byId('token').value = '';
  const who = claims(token);
  if (!who || typeof who.sub !== 'string') {
    notice('That does not look like a JWT: paste a bearer token, or open /#token=<token>.');
    return;
  }
  stop();
  run++;
  notice('');
  byId('who').textContent = who.sub + (who.role ? ' (' + who.role + ')' : '');
  if (await refresh()) open();
}

function stop() {
  run++;
  if (source) source.close();
  source = undefined;
  setConn('idle', 'not connected');
}

async function replay(button) {
  const id = button.dataset.id;
  button.disabled = true;
  button.textContent = 'Replaying…';
  let response;
  let body = {};
  try {
    response = await fetch('/dlq/' + encodeURIComponent(id) + '/replay', { method: 'POST', headers: authorization() });
    body = await response.json().catch(() => ({}));
  } catch (error) {
    response = undefined;
  }
  if (!response || !response.ok) {
    button.disabled = false;
    button.textContent = 'Replay';
    return toast('Replay of ' + id + ' failed: ' + (body.message || (response ? 'HTTP ' + response.status : 'server unreachable')), 'error', { replayed: '' });
  }
  replayed.add(id);
  const to = body.replayed || {};
  toast('Replayed ' + id + ' to ' + to.gateway + ' ' + to.channel + '; it goes through the pipeline again', 'ok', { replayed: id });
  await refresh();
}

function render(state) {
  byId('at').textContent = 'as of ' + new Date(state.at).toLocaleTimeString();
  renderTree(state.tree);
  renderOrders(state.orders);
  renderRates(state.rates);
  renderDeadLetters(state.deadLetters);
  renderStats('hub', state.hub, [['sessions', 'sessions'], ['delivered', 'frames delivered'], ['cutOff', 'cut off (slow or flooding)']]);
  renderStats('tasks', state.tasks, [['running', 'running'], ['waiting', 'waiting for a worker'], ['peakRunning', 'peak running'], ['acked', 'done'], ['retried', 'retried'], ['deadLettered', 'dead-lettered']]);
}

function renderTree(root) {
  const list = byId('tree');
  list.replaceChildren();
  if (!root) return list.append(make('li', { class: 'empty' }, 'starting'));
  list.append(treeItem(root, root.id));
}

function treeItem(node, path) {
  const li = make('li', { 'data-id': node.id, 'data-path': path, 'data-status': node.status, 'data-restarts': node.restarts });
  li.append(make('span', { class: 'badge', 'data-status': node.status }, node.status), ' ', make('strong', {}, node.id), ' ');
  if (path !== 'root') {
    const text = '↻ ' + node.restarts + (node.recentRestarts ? ' (' + node.recentRestarts + ' recent)' : '') + (node.lastExit ? ', last exit ' + node.lastExit : '');
    li.append(make('span', { class: 'restarts', 'data-recent': node.recentRestarts, title: 'restarts since start' }, text));
  }
  if (node.lastError) li.append(' ', make('span', { class: 'error-text' }, node.lastError));
  if (node.children && node.children.length) {
    const ul = make('ul');
    for (const child of node.children) ul.append(treeItem(child, path + '/' + child.id));
    li.append(ul);
  }
  return li;
}

function renderOrders(orders) {
  const body = byId('orders-body');
  body.replaceChildren();
  const counts = orders.byStatus || {};
  const statuses = Object.keys(counts).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (!statuses.length) body.append(wideRow(3, 'no live order actors'));
  for (const status of statuses) {
    const tr = make('tr', { 'data-status': status, 'data-count': counts[status] });
    const bar = make('td');
    bar.append(make('meter', { min: 0, max: Math.max(orders.live, 1), value: counts[status] }));
    tr.append(make('td', {}, status), make('td', { class: 'num' }, counts[status]), bar);
    body.append(tr);
  }
  byId('orders-summary').textContent = orders.live + ' live · ' + orders.spawned + ' spawned · ' + orders.passivated + ' passivated · ' + orders.crashed + ' crashed';
}

const rank = (status) => { const i = STATUS_ORDER.indexOf(status); return i < 0 ? STATUS_ORDER.length : i; };

function wideRow(span, text) {
  const tr = make('tr');
  tr.append(make('td', { colspan: span, class: 'empty' }, text));
  return tr;
}

function renderRates(rates) {
  byId('rate-seconds').textContent = 'per second, last ' + rates.seconds + ' s';
  const box = byId('rates');
  box.replaceChildren();
  for (const src of rates.sources) {
    const card = make('div', { class: 'source', 'data-source': src.source, 'data-status': src.status,
      'data-acked-total': src.totals.acked, 'data-retried-total': src.totals.retried, 'data-dead-lettered-total': src.totals.deadLettered });
    const h3 = make('h3');
    h3.append(make('span', {}, src.source), make('span', { class: 'badge', 'data-status': src.status }, src.status));
    if (src.detail) h3.append(make('span', { class: 'error-text' }, src.detail));
    card.append(h3, sparkline(src));
    const legend = make('div', { class: 'legend' });
    for (const [kind, label] of KINDS) {
      const series = src[kind];
      const recent = series.slice(-11, -1);
      const perSecond = recent.reduce((a, b) => a + b, 0) / Math.max(recent.length, 1);
      legend.append(make('span', { class: kind }, label + ' ' + perSecond.toFixed(1) + '/s · ' + src.totals[kind]));
    }
    card.append(legend);
    box.append(card);
  }
  if (!rates.sources.length) box.append(make('p', { class: 'empty' }, 'no sources'));
}

/** Three polylines on one scale; the last point is the current second so far. */
function sparkline(src) {
  const width = 300;
  const height = 60;
  const n = src.acked.length;
  const sum = (series) => series.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...src.acked, ...src.retried, ...src.deadLettered);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('data-max', String(max));
  svg.setAttribute('data-sum', String(sum(src.acked) + sum(src.retried) + sum(src.deadLettered)));
  const title = document.createElementNS(SVG, 'title');
  title.textContent = src.source + ': settlements per second, peak ' + max;
  svg.append(title);
  for (const [kind] of KINDS) {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', kind);
    line.setAttribute('data-sum', String(sum(src[kind])));
    line.setAttribute('points', src[kind].map((v, i) => ((i * width) / Math.max(n - 1, 1)).toFixed(1) + ',' + (height - 2 - (v / max) * (height - 6)).toFixed(1)).join(' '));
    svg.append(line);
  }
  return svg;
}

function renderDeadLetters(dlq) {
  byId('dlq-total').textContent = dlq.total + ' held' + (dlq.total > dlq.entries.length ? ', newest ' + dlq.entries.length + ' shown' : '');
  const body = byId('dlq-body');
  body.replaceChildren();
  if (!dlq.entries.length) body.append(wideRow(7, 'no dead letters'));
  for (const entry of dlq.entries) {
    const again = entry.replayedFrom !== null;
    const tr = make('tr', { 'data-id': entry.id, 'data-reason': entry.reason, 'data-replayed-from': entry.replayedFrom, class: again && replayed.has(entry.replayedFrom) ? 'again' : undefined });
    const action = make('td');
    action.append(make('button', { type: 'button', class: 'replay', 'data-id': entry.id }, 'Replay'));
    tr.append(
      make('td', { title: entry.lastFailedAt }, new Date(entry.lastFailedAt).toLocaleTimeString()),
      make('td', {}, entry.reason),
      make('td', {}, (entry.eventType || '—') + (entry.orderKey ? ' · ' + entry.orderKey : '')),
      make('td', { class: 'message' }, entry.message + (again ? ' (again, after replay of ' + entry.replayedFrom + ')' : '')),
      make('td', {}, entry.gateway + ' ' + entry.channel),
      make('td', { class: 'num' }, entry.attempts),
      action,
    );
    body.append(tr);
  }
}

function renderStats(id, stats, fields) {
  const dl = byId(id);
  dl.replaceChildren();
  if (!stats) return dl.append(make('dt', {}, 'not running'));
  for (const [key, label] of fields) {
    dl.append(make('dt', {}, label), make('dd', { 'data-field': key }, stats[key]));
  }
}

byId('connect').addEventListener('submit', start);
byId('dlq-body').addEventListener('click', (event) => {
  const button = event.target.closest('button.replay');
  if (button && !button.disabled) replay(button);
});
if (token) start();
else notice('Paste an admin token above, or open /#token=<token>.');
`;

export const DASHBOARD_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Orderly dashboard</title>
<style>${DASHBOARD_PAGE_STYLE}</style>
</head>
<body>
<header>
  <h1>Orderly</h1>
  <span id="conn" data-state="idle">not connected</span>
  <span id="who"></span>
  <span id="at"></span>
  <form id="connect" autocomplete="off">
    <input id="token" type="password" placeholder="Admin bearer token (or open /#token=...)" aria-label="Admin bearer token">
    <button type="submit">Connect</button>
  </form>
</header>
<p id="notice" role="alert" hidden></p>
<main>
  <section>
    <h2>Supervision tree <small>state, ↻ restarts</small></h2>
    <ul class="tree" id="tree"></ul>
  </section>
  <section>
    <h2>Orders <small>live actors by status</small></h2>
    <table id="orders"><tbody id="orders-body"></tbody></table>
    <p id="orders-summary" class="restarts"></p>
  </section>
  <section>
    <h2>Hub <small>WebSocket and SSE sessions</small></h2>
    <dl id="hub"></dl>
    <h2>Tasks <small>job pool</small></h2>
    <dl id="tasks"></dl>
  </section>
  <section class="wide">
    <h2>Rates per source <small id="rate-seconds"></small></h2>
    <div class="sources" id="rates"></div>
  </section>
  <section class="wide">
    <h2>Dead letters <small id="dlq-total"></small></h2>
    <table id="dlq">
      <thead><tr><th>when</th><th>reason</th><th>event · order</th><th>message</th><th>origin</th><th>attempts</th><th></th></tr></thead>
      <tbody id="dlq-body"></tbody>
    </table>
  </section>
</main>
<div id="toast" role="status" hidden></div>
<script>${DASHBOARD_PAGE_SCRIPT}</script>
</body>
</html>
`;
