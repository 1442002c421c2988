// The cluster stack (docker-compose.yml + docker-compose.cluster.yml: Redis, two parley
// instances, nginx balancing across them) built and started by tests/containers/run.sh,
// checked from outside: through nginx over TLS, and through each instance's own
// loopback-only port to see which instance served what.
//
// Environment (set by run.sh): COMPOSE_PROJECT_NAME, HTTP_PORT, HTTPS_PORT,
// PARLEY_LOCAL_PORT, PARLEY_B_LOCAL_PORT, CERTS_DIR, DOCKER_HOST, CONTAINERS_CONF.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { request, sleep } from '../deploy/lib.mjs';
import { containerOf, openSocket, podman, stackChecks } from './stack-checks.mjs';

const env = process.env;
const PROJECT = env.COMPOSE_PROJECT_NAME;
if (!PROJECT || !env.HTTPS_PORT || !env.PARLEY_B_LOCAL_PORT || !env.DOCKER_HOST) {
  throw new Error('run this through tests/containers/run.sh (it builds and starts the cluster stack)');
}
const ca = fs.readFileSync(path.join(env.CERTS_DIR, 'fullchain.pem'));
const marker = `parley-cl-${crypto.randomBytes(6).toString('hex')}`;
const httpsBase = `https://127.0.0.1:${env.HTTPS_PORT}`;
// Each instance straight, on its loopback-only port (no TLS, not through nginx).
const instances = { parley: `http://127.0.0.1:${env.PARLEY_LOCAL_PORT}`, 'parley-b': `http://127.0.0.1:${env.PARLEY_B_LOCAL_PORT}` };

const api = (p, opts = {}) => request(`${httpsBase}${p}`, { ca, ...opts });
const post = (p, body, token) => api(p, { method: 'POST', body, headers: token ? { Authorization: `Bearer ${token}` } : {} });
const healthOf = async (base) => (await request(`${base}/health`)).json;

/** parley_http_requests_total{status_class="2xx"} of one instance. */
async function served2xx(base) {
  const r = await request(`${base}/metrics`);
  assert.equal(r.status, 200, r.body);
  const m = /^parley_http_requests_total\{status_class="2xx"\} (\d+)$/m.exec(r.body);
  assert.ok(m, r.body);
  return Number(m[1]);
}

async function until(what, fn, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

async function state(service) {
  const i = await podman(['inspect', await containerOf(PROJECT, service)]);
  const c = JSON.parse(i.stdout)[0];
  return `${c.State.Status}/${c.State.Health?.Status ?? c.State.Healthcheck?.Status ?? 'no health check'}`;
}

describe(`cluster stack ${PROJECT} (redis + parley + parley-b + nginx, podman)`, () => {
  const services = ['redis', 'parley', 'parley-b', 'nginx'];

  before(async () => {
    let states = {};
    await until('every service healthy', async () => {
      for (const s of services) states[s] = await state(s);
      return Object.values(states).every((v) => v === 'running/healthy');
    }, 150_000).catch((err) => { throw new Error(`${err.message}: ${JSON.stringify(states)}`); });
    // Each instance sees the other ticking in the shared log.
    for (const base of Object.values(instances)) {
      await until(`${base} sees two instances`, async () => (await healthOf(base)).instances === 2, 20_000);
    }
  });

  test('/health through nginx counts the cluster: two instances', async () => {
    const r = await api('/health');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.instances, 2, r.body);
    assert.equal(typeof r.json.this_instance?.websockets, 'number', r.body);
  });

  test('nginx spreads REST requests and WebSockets over both instances', async () => {
    const before = {};
    for (const [name, base] of Object.entries(instances)) before[name] = await served2xx(base);
    const n = 24;
    for (let i = 0; i < n; i += 1) assert.equal((await api('/health')).status, 200);
    const delta = {};
    for (const [name, base] of Object.entries(instances)) delta[name] = (await served2xx(base)) - before[name];
    // Each figure includes the previous /metrics read of that instance (counted once it
    // was answered): one more than what came through nginx.
    const viaNginx = Object.fromEntries(Object.entries(delta).map(([k, v]) => [k, v - 1]));
    console.log(`# ${n} GET /health through nginx landed: ${JSON.stringify(viaNginx)}`);
    // The containers' health checks (parley's own and nginx's, through nginx, every
    // 15 s each) are counted too when they fall in this window: a few more at most.
    const total = viaNginx.parley + viaNginx['parley-b'];
    assert.ok(total >= n && total <= n + 4, `${n} requests sent, ${total} counted: ${JSON.stringify(delta)}`);
    for (const name of Object.keys(instances)) assert.ok(viaNginx[name] >= 1, `no request reached ${name}: ${JSON.stringify(viaNginx)}`);

    const sockets = [];
    try {
      for (let i = 0; i < 8; i += 1) {
        const s = openSocket(`wss://127.0.0.1:${env.HTTPS_PORT}/ws`, { tlsCa: ca, origin: httpsBase });
        sockets.push(s);
        await s.opened;
        await s.next((m) => m.type === 'hello', 5000, 'hello');
      }
      const held = {};
      for (const [name, base] of Object.entries(instances)) held[name] = (await healthOf(base)).this_instance.websockets;
      console.log(`# 8 WebSockets through nginx are held: ${JSON.stringify(held)}`);
      assert.equal(held.parley + held['parley-b'], 8, JSON.stringify(held));
      for (const name of Object.keys(instances)) assert.ok(held[name] >= 1, `no WebSocket on ${name}: ${JSON.stringify(held)}`);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  });

  test('a REST user and a WebSocket user match through nginx and chat both ways; /health counts them on both instances', async () => {
    const interest = `cluster-${marker}`;
    const rest = await post('/start', { interests: [interest] });
    assert.equal(rest.status, 200, rest.body);
    assert.equal(rest.json.status, 'waiting', rest.body);
    const token = rest.json.token;
    const ws = openSocket(`wss://127.0.0.1:${env.HTTPS_PORT}/ws`, { tlsCa: ca, origin: httpsBase });
    try {
      await ws.opened;
      await ws.next((m) => m.type === 'hello', 5000, 'hello');
      ws.ws.send(JSON.stringify({ type: 'start', chat_type: 'text', interests: [interest] }));
      const matched = await ws.next((m) => m.type === 'matched', 10_000, 'matched');
      assert.deepEqual(matched.common_interests, [interest]);

      // Cluster-wide counts: both instances report the chat, whichever holds the users.
      const counts = await until('both instances count the chat', async () => {
        const hs = await Promise.all(Object.values(instances).map(healthOf));
        return hs.every((h) => h.sessions >= 1 && h.online >= 2 && h.sessions === hs[0].sessions && h.online === hs[0].online) && hs;
      });
      console.log(`# /health of each instance: ${JSON.stringify(counts.map((h) => ({ online: h.online, sessions: h.sessions, this_instance: h.this_instance })))}`);

      // WebSocket -> a long poll held by nginx on whichever instance, woken from the other.
      const first = await post('/receive', { since: 0, wait: 5 }, token);
      assert.equal(first.status, 200, first.body);
      assert.ok(first.json.events.some((e) => e.type === 'matched'), first.body);
      const poll = post('/receive', { since: first.json.next, wait: 20 }, token);
      await sleep(1000);
      ws.ws.send(JSON.stringify({ type: 'message', text: `from wss ${marker}` }));
      const got = await poll;
      assert.equal(got.status, 200, got.body);
      const msg = got.json.events.find((e) => e.type === 'message');
      assert.ok(msg, got.body);
      assert.equal(msg.text, `from wss ${marker}`);

      // REST -> WebSocket, several sends (each may land on either instance), in order.
      for (let i = 0; i < 4; i += 1) {
        const sent = await post('/send', { message: `from rest ${i}` }, token);
        assert.equal(sent.status, 200, sent.body);
      }
      const texts = [];
      for (let i = 0; i < 4; i += 1) texts.push((await ws.next((m) => m.type === 'message', 10_000, `message ${i}`)).text);
      assert.deepEqual(texts, [0, 1, 2, 3].map((i) => `from rest ${i}`));
    } finally {
      await post('/disconnect', {}, token);
      await ws.close();
    }
  });

  test('Redis is on the private network only, not root, and keeps nothing on disk', async () => {
    const id = await containerOf(PROJECT, 'redis');
    const c = JSON.parse((await podman(['inspect', id])).stdout)[0];
    const published = Object.values(c.NetworkSettings?.Ports ?? {}).filter((v) => v && v.length > 0);
    assert.deepEqual(published, [], `redis publishes ${JSON.stringify(c.NetworkSettings?.Ports)}`);
    assert.equal(c.HostConfig.ReadonlyRootfs, true);
    const r = await podman(['exec', id, 'sh', '-c',
      'id -u; redis-cli config get save | tail -n 1; redis-cli config get appendonly | tail -n 1']);
    assert.equal(r.code, 0, r.stderr);
    const [uid, save, appendonly] = r.stdout.split('\n');
    assert.notEqual(uid, '0', 'redis runs as root');
    assert.equal(save, '', 'no RDB snapshots');
    assert.equal(appendonly, 'no');
  });

  describe('the single stack\'s checks, through the cluster\'s nginx', () => {
    stackChecks({ httpsPort: env.HTTPS_PORT, httpPort: env.HTTP_PORT, ca, marker });
  });
});
