// What a user of a compose stack sees through its nginx (TLS), shared by the single stack
// (stack.test.mjs) and the cluster stack (cluster.test.mjs): the same checks, whichever
// parley instance behind nginx answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { repoRoot, request, run, sleep } from '../deploy/lib.mjs';

const require = createRequire(path.join(repoRoot, 'tests', 'deploy', 'package.json'));
const WebSocket = require('ws');

/** A WebSocket whose incoming JSON messages are queued, with a bounded wait. */
export const podman = (args, timeoutMs = 30_000) => run('podman', args, { timeoutMs });

/** The one container of compose service `service` in project `project`. */
export async function containerOf(project, service) {
  const r = await podman(['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`,
    '--filter', `label=com.docker.compose.service=${service}`]);
  assert.equal(r.code, 0, r.stderr);
  const ids = r.stdout.split('\n').filter(Boolean);
  assert.equal(ids.length, 1, `one container for ${service}: ${r.stdout}`);
  return ids[0];
}

export function openSocket(url, { origin, tlsCa } = {}) {
  const ws = new WebSocket(url, { ca: tlsCa, origin, handshakeTimeout: 5000, family: 4 });
  const inbox = [];
  const waiters = new Set();
  ws.on('message', (data) => {
    let msg;
    try { msg = JSON.parse(data.toString()); } catch { msg = { unparsed: data.toString() }; }
    inbox.push(msg);
    for (const w of waiters) w();
  });
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const next = (pred, timeoutMs = 5000, what = 'message') => new Promise((resolve, reject) => {
    const check = () => {
      const i = inbox.findIndex(pred);
      if (i < 0) return false;
      const [msg] = inbox.splice(i, 1);
      cleanup();
      resolve(msg);
      return true;
    };
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(inbox)}`)); }, timeoutMs);
    const cleanup = () => { clearTimeout(timer); waiters.delete(check); };
    if (!check()) waiters.add(check);
  });
  const close = () => new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => { ws.terminate(); resolve(); }, 2000);
    ws.once('close', () => { clearTimeout(timer); resolve(); });
    try { ws.close(1000); } catch { ws.terminate(); }
  });
  return { ws, opened, next, closed, close };
}

/**
 * What a user of the stack sees through nginx at httpsPort/httpPort. Reusable for any stack
 * whose public entrance is this nginx configuration.
 */
export function stackChecks({ httpsPort, httpPort, ca, marker }) {
  const httpsBase = `https://127.0.0.1:${httpsPort}`;
  const api = (p, opts = {}) => request(`${httpsBase}${p}`, { ca, ...opts });
  const post = (p, body, token) => api(p, { method: 'POST', body, headers: token ? { Authorization: `Bearer ${token}` } : {} });

  test('the web client loads over TLS, with its script bundle', async () => {
    const page = await api('/', { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200, page.body);
    assert.match(page.headers['content-type'], /^text\/html/);
    assert.ok(page.tls?.protocol === 'TLSv1.3' || page.tls?.protocol === 'TLSv1.2', JSON.stringify(page.tls));
    assert.match(page.headers['strict-transport-security'] ?? '', /max-age=\d+/);
    assert.match(page.body, /<div id="root">/);
    // The built client (web/dist), not the source index.html: a hashed bundle that is served.
    const script = page.body.match(/<script[^>]+src="(\/assets\/[^"]+\.js)"/);
    assert.ok(script, `no built script bundle in the page:\n${page.body}`);
    const js = await api(script[1]);
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /javascript/);
    assert.ok(js.body.length > 10_000, `bundle of ${js.body.length} bytes`);
  });

  test('REST chat over TLS: two strangers match, and a long poll receives the message', async () => {
    const a = await post('/start', { interests: [] });
    assert.equal(a.status, 200, a.body);
    const b = await post('/start', {});
    assert.equal(b.status, 200, b.body);
    assert.equal(b.json.status, 'matched', b.body);
    try {
      const first = await post('/receive', { since: 0, wait: 5 }, a.json.token);
      assert.equal(first.status, 200, first.body);
      assert.ok(first.json.events.some((e) => e.type === 'matched'), first.body);
      // A long poll held open through nginx, answered when B sends.
      const started = Date.now();
      const poll = post('/receive', { since: first.json.next, wait: 20 }, a.json.token);
      await sleep(1500);
      const text = `hello from a container ${marker}`;
      const sent = await post('/send', { message: text }, b.json.token);
      assert.equal(sent.status, 200, sent.body);
      const got = await poll;
      assert.equal(got.status, 200, got.body);
      assert.ok(Date.now() - started >= 1400, 'the poll waited for the message');
      const msg = got.json.events.find((e) => e.type === 'message');
      assert.ok(msg, got.body);
      assert.equal(msg.text, text);
      assert.equal(msg.from, 'stranger');
    } finally {
      for (const t of [a.json?.token, b.json?.token].filter(Boolean)) await post('/disconnect', {}, t);
    }
  });

  test('wss: two strangers match and a WebRTC signal is relayed unchanged', async () => {
    const url = `wss://127.0.0.1:${httpsPort}/ws`;
    const s1 = openSocket(url, { tlsCa: ca, origin: httpsBase });
    const s2 = openSocket(url, { tlsCa: ca, origin: httpsBase });
    try {
      await Promise.all([s1.opened, s2.opened]);
      await s1.next((m) => m.type === 'hello', 5000, 'hello');
      await s2.next((m) => m.type === 'hello', 5000, 'hello');
      s1.ws.send(JSON.stringify({ type: 'start', chat_type: 'video', interests: [] }));
      await s1.next((m) => m.type === 'waiting' || m.type === 'matched', 5000, 'waiting');
      s2.ws.send(JSON.stringify({ type: 'start', chat_type: 'video', interests: [] }));
      const m1 = await s1.next((m) => m.type === 'matched', 5000, 'matched (1)');
      const m2 = await s2.next((m) => m.type === 'matched', 5000, 'matched (2)');
      assert.equal(m1.session_id, m2.session_id);
      assert.equal(Number(m1.initiator) + Number(m2.initiator), 1, 'exactly one initiator');
      const [caller, callee] = m1.initiator ? [s1, s2] : [s2, s1];
      const data = {
        type: 'offer',
        sdp: `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=${marker}\r\n`,
        nested: { list: [1, 'two', { three: 3 }], flag: true, nothing: null, unicode: 'é 🎥' },
      };
      caller.ws.send(JSON.stringify({ type: 'signal', data }));
      const sig = await callee.next((m) => m.type === 'signal', 5000, 'signal');
      assert.deepEqual(sig.data, data);
    } finally {
      await Promise.all([s1.close(), s2.close()]);
    }
  });

  test('http:// is redirected to the same path on https://', async () => {
    const r = await request(`http://127.0.0.1:${httpPort}/some/path?x=1`);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `https://127.0.0.1:${httpsPort}/some/path?x=1`);
  });

  test('/metrics is not exposed through nginx', async () => {
    const r = await api('/metrics');
    assert.equal(r.status, 403, r.body);
    assert.doesNotMatch(r.body, /parley_/);
  });
}
