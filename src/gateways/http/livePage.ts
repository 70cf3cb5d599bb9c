/**
 * The page behind `GET /live`: one static HTML document with inline CSS and JS, no build step,
 * no data of its own. It takes a bearer token (paste box, or `#token=` in the URL fragment,
 * which browsers never send to a server or put in its logs), trades it for single-use tickets
 * with `POST /realtime/ticket`, and follows the same topic twice: over a WebSocket (`/ws`) and
 * over an EventSource (`/events/stream`), one list each. Everything that comes from the network
 * is put on the page with `textContent`, never parsed as HTML.
 *
 * Reconnects fetch a fresh ticket each time (a ticket works once, so the EventSource's own
 * retry, which reuses the URL, would only be refused). The WebSocket resumes with `since`. A new
 * EventSource cannot set `Last-Event-ID`, so it sends its last id as `?lastEventId=`; the SSE
 * route reads only the header so far, so until it reads the query too an SSE reconnect starts
 * live and the WebSocket list is the one without gaps.
 *
 * Its scripts and styles are allowed by hash in the route's Content-Security-Policy, so keep
 * them in the `LIVE_PAGE_SCRIPT` and `LIVE_PAGE_STYLE` constants.
 */

export const LIVE_PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
form { display: flex; gap: .5rem; margin-bottom: 1rem; }
form input { flex: 1; font-family: monospace; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.state { font-weight: 600; }
.state[data-state="open"] { color: #167a2f; }
.state[data-state="closed"], .state[data-state="refused"] { color: #b3261e; }
ol { font-family: monospace; padding-left: 1.5rem; }
li.note { color: #8a5a00; }
#who { color: #555; }
`;

export const LIVE_PAGE_SCRIPT = `
'use strict';
const params = new URLSearchParams(location.hash.slice(1));
// The token lives in memory only: off the address bar and out of the history entry at once.
if (location.hash) history.replaceState(null, '', location.pathname + location.search);
/** Bound on each list: older lines are dropped. \`#max=\` changes it. */
const MAX_ITEMS = Math.min(Math.max(Number(params.get('max')) || 200, 10), 5000);
const BACKOFF_MS = [500, 1000, 2000, 5000, 10000];

let token = params.get('token') || '';
let topic = '';
let stopped = true;
/** Bumped by every start and stop, so that a ticket or timer from an earlier run opens nothing. */
let run = 0;

function claims(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return undefined;
  }
}

/** A single-use ticket for the real-time endpoints; undefined when the token is refused. */
async function ticket() {
  const response = await fetch('/realtime/ticket', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  if (response.status === 401 || response.status === 403) return undefined;
  if (!response.ok) throw new Error('ticket: HTTP ' + response.status);
  return (await response.json()).ticket;
}

/** One transport's view: its state line, its list and the last sequence number it has seen. */
function channel(name) {
  const stateEl = document.getElementById(name + '-state');
  const list = document.getElementById(name + '-list');
  const view = {
    name,
    lastSeq: undefined,
    attempt: 0,
    setState(state, detail) {
      stateEl.dataset.state = state;
      stateEl.textContent = detail ? state + ' (' + detail + ')' : state;
    },
    add(text, data, className) {
      const li = document.createElement('li');
      li.textContent = text;
      Object.assign(li.dataset, data);
      if (className) li.className = className;
      list.append(li);
      while (list.children.length > MAX_ITEMS) list.firstElementChild.remove();
    },
    /** Applies one server frame, as parsed JSON; frames at or below the last seq are repeats. */
    frame(frame) {
      if (frame.type === 'event') {
        if (view.lastSeq !== undefined && frame.seq <= view.lastSeq) return;
        view.lastSeq = frame.seq;
        const order = (frame.event && frame.event.snapshot) || {};
        view.add(order.orderId + '  ' + order.status + '  seq ' + frame.seq + '  via ' + name, {
          orderId: String(order.orderId), status: String(order.status), seq: String(frame.seq),
        });
      } else if (frame.type === 'subscribed') {
        view.lastSeq = Math.max(view.lastSeq ?? frame.seq, frame.seq);
        view.attempt = 0;
        view.setState('open', frame.topic + ' from seq ' + frame.seq);
      } else if (frame.type === 'reset') {
        view.lastSeq = Math.max(view.lastSeq ?? frame.seq, frame.seq);
        view.add('reset at seq ' + frame.seq + ': some changes are no longer in the history', { note: 'reset' }, 'note');
      } else if (frame.type === 'error') {
        view.add('error ' + frame.code + ': ' + frame.message, { note: 'error' }, 'note');
      }
    },
    /** Calls open() again after a growing, bounded delay, unless the user stopped. */
    retry(why) {
      if (stopped) return;
      const delay = BACKOFF_MS[Math.min(view.attempt++, BACKOFF_MS.length - 1)];
      view.setState('reconnecting', why + '; next try in ' + delay + ' ms');
      const mine = run;
      setTimeout(() => { if (mine === run) view.open(); }, delay);
    },
    async connect(openWith) {
      view.setState('connecting');
      const mine = run;
      let t;
      try {
        t = await ticket();
      } catch (error) {
        return mine === run ? view.retry(String(error.message || error)) : undefined;
      }
      if (mine !== run) return;
      if (t === undefined) return view.setState('refused', 'the token was not accepted');
      openWith(t);
    },
  };
  return view;
}

const ws = channel('ws');
const sse = channel('sse');
let socket;
let source;

ws.open = () => ws.connect((t) => {
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?ticket=' + encodeURIComponent(t);
  const s = new WebSocket(url);
  const mine = run;
  socket = s;
  s.onopen = () => s.send(JSON.stringify(ws.lastSeq === undefined ? { type: 'subscribe', topic } : { type: 'subscribe', topic, since: ws.lastSeq }));
  s.onmessage = (message) => {
    try { ws.frame(JSON.parse(message.data)); } catch { ws.add('unreadable frame', { note: 'error' }); }
  };
  s.onclose = (close) => {
    if (socket === s) socket = undefined;
    if (mine !== run) return stopped ? ws.setState('closed') : undefined;
    ws.retry('closed ' + close.code + (close.reason ? ' ' + close.reason : ''));
  };
});

sse.open = () => sse.connect((t) => {
  let url = '/events/stream?topic=' + encodeURIComponent(topic) + '&ticket=' + encodeURIComponent(t);
  if (sse.lastSeq !== undefined) url += '&lastEventId=' + sse.lastSeq;
  const s = new EventSource(url);
  source = s;
  s.onopen = () => sse.setState('connecting', 'stream open, subscribing');
  for (const type of ['event', 'subscribed', 'reset']) {
    s.addEventListener(type, (message) => {
      try { sse.frame(JSON.parse(message.data)); } catch { sse.add('unreadable frame', { note: 'error' }); }
    });
  }
  s.addEventListener('error', (event) => {
    // An \`event: error\` frame from the hub arrives here too, as a MessageEvent with data.
    if (event instanceof MessageEvent) {
      try { sse.frame(JSON.parse(event.data)); } catch { sse.add('unreadable frame', { note: 'error' }); }
      return;
    }
    // The browser's own retry would reuse the spent ticket: close and come back with a new one.
    s.close();
    if (source === s) source = undefined;
    sse.retry('stream lost');
  });
});

function start(event) {
  if (event) event.preventDefault();
  token = document.getElementById('token').value.trim() || token;
  const who = claims(token);
  if (!who || typeof who.sub !== 'string') {
    document.getElementById('who').textContent = 'That does not look like a JWT.';
    return;
  }
  stop();
  stopped = false;
  run++;
  topic = who.role === 'admin' ? 'admin:all' : 'user:' + who.sub;
  document.getElementById('who').textContent = 'Following ' + topic + ' as ' + who.sub + (who.role ? ' (' + who.role + ')' : '');
  ws.lastSeq = undefined;
  sse.lastSeq = undefined;
  ws.open();
  sse.open();
}

function stop() {
  stopped = true;
  run++;
  if (socket) socket.close(1000, 'stopped by the user');
  if (source) source.close();
  source = undefined;
  if (!socket) ws.setState('closed');
  sse.setState('closed');
}

/** Drops both connections and comes back, resuming from the last sequence numbers seen. */
function reconnect() {
  if (stopped) return;
  if (socket) socket.close(4000, 'reconnect');
  if (source) { source.close(); source = undefined; sse.retry('reconnect'); }
}

document.getElementById('connect').addEventListener('submit', start);
document.getElementById('stop').addEventListener('click', stop);
document.getElementById('reconnect').addEventListener('click', reconnect);
if (token) start();
`;

export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Orderly live</title>
<style>${LIVE_PAGE_STYLE}</style>
</head>
<body>
<h1>Orderly live</h1>
<form id="connect" autocomplete="off">
  <input id="token" type="password" placeholder="Paste a bearer token (or open /live#token=...)" aria-label="Bearer token">
  <button type="submit">Connect</button>
  <button type="button" id="reconnect">Reconnect</button>
  <button type="button" id="stop">Stop</button>
</form>
<p id="who">Not connected.</p>
<div class="columns">
  <section>
    <h2>WebSocket: <span class="state" id="ws-state" data-state="closed">closed</span></h2>
    <ol id="ws-list"></ol>
  </section>
  <section>
    <h2>EventSource: <span class="state" id="sse-state" data-state="closed">closed</span></h2>
    <ol id="sse-list"></ol>
  </section>
</div>
<script>${LIVE_PAGE_SCRIPT}</script>
</body>
</html>
`;
