// Cluster mode for real: one redis-server (Debian's) and three parley processes on
// loopback, all pointed at it. Every wait is bounded; every process is stopped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import {
  freePorts, request, sleep, startParley, startProcess, tempDir, waitForPort,
} from '../deploy/lib.mjs';

const HASH_SECRET = 'cluster-test-shared-secret';
const ADMIN_TOKEN = 'cluster-test-admin-token';
const RESUME_GRACE_S = 3;
const LEASE_S = 5; // chat_service's instance lease

let dir;
let redisPort;
let redis;
const instances = []; // {proc, port, base}

function startRedis() {
  const proc = startProcess('redis-server', [
    '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--logfile', path.join(dir, 'redis.log'),
  ]);
  return waitForPort(redisPort, 10_000, proc, 'redis-server').then(() => proc);
}

function redisCli(...args) {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-p', String(redisPort), ...args], { timeout: 5000 },
      (err, stdout) => resolve(err ? `ERR ${err.message}` : stdout.trim()));
  });
}

async function startInstance(i) {
  const instanceDir = path.join(dir, `parley-${i}`);
  await import('node:fs').then((fs) => fs.mkdirSync(instanceDir, { recursive: true }));
  return startParley(instanceDir, {
    webRoot: path.join(dir, 'no-web-client'),
    env: {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      HASH_SECRET,
      ADMIN_TOKEN,
      RESUME_GRACE_S: String(RESUME_GRACE_S),
      INTEREST_FALLBACK_S: '1',
      LOG_LEVEL: 'warn',
      // Every simulated user comes from 127.0.0.1: no per-address limits here
      // (tests/reliability checks those).
      RATE_IDENTITIES_PER_MIN: '0',
      RATE_REQUESTS_PER_S: '0',
      MAX_CONNECTIONS_PER_ADDRESS: '0',
    },
  });
}

async function health(base) {
  return (await request(`${base}/health`, { timeoutMs: 3000 })).json;
}

/** Waits until `check()` is truthy (bounded); returns its value. */
async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function post(base, route, body = {}, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return request(`${base}${route}`, { method: 'POST', body, headers, timeoutMs: 15_000 });
}

/** A WebSocket client that records every message; `next(type)` waits for one. */
class Client {
  static async open(base) {
    const c = new Client();
    c.ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { origin: base });
    c.messages = [];
    c.waiters = [];
    c.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      c.messages.push(m);
      c.waiters = c.waiters.filter((w) => !w(m));
    });
    c.closed = new Promise((resolve) => c.ws.on('close', resolve));
    c.ws.on('error', () => {});
    c.hello = await c.next('hello');
    return c;
  }
  send(obj) { this.ws.send(JSON.stringify(obj)); }
  of(type) { return this.messages.filter((m) => m.type === type); }
  // The `seen`-th (from 0) message of `type`, now or when it arrives.
  next(type, timeoutMs = 10_000, seen = 0) {
    return new Promise((resolve, reject) => {
      if (this.of(type).length > seen) return resolve(this.of(type)[seen]);
      const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`)), timeoutMs);
      this.waiters.push((m) => {
        if (m.type !== type || this.of(type).length <= seen) return false;
        clearTimeout(timer);
        resolve(this.of(type)[seen]);
        return true;
      });
    });
  }
  close() { this.ws.terminate(); }
}

before(async () => {
  dir = tempDir('cluster');
  [redisPort] = await freePorts(1);
  redis = await startRedis();
  for (let i = 0; i < 3; i += 1) instances.push(await startInstance(i));
  // Ready once each instance sees all three ticking.
  for (const inst of instances) {
    await until(async () => (await health(inst.base)).instances === 3, 15_000, 'three instances');
  }
});

after(async () => {
  for (const inst of instances) await inst.proc.stop();
  if (redis) await redis.stop();
});

describe('partners on different instances', () => {
  test('a REST user on A and a WebSocket user on B match and chat both ways', async () => {
    const [A, B] = instances;
    const started = (await post(A.base, '/start', { interests: ['cluster-rest-ws'] })).json;
    assert.equal(started.status, 'waiting');
    const ws = await Client.open(B.base);
    ws.send({ type: 'start', interests: ['cluster-rest-ws'] });
    const matched = await ws.next('matched');
    // A long poll on A is woken by a message sent through B.
    const poll = post(A.base, '/receive', { since: 1, wait: 10 }, started.token);
    await sleep(200);
    const t0 = Date.now();
    ws.send({ type: 'message', text: 'from the websocket on B' });
    const polled = (await poll).json;
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(polled.session_id, matched.session_id);
    assert.deepEqual(polled.events.map((e) => e.text), ['from the websocket on B']);
    // And back: REST through C (any instance serves any request).
    const sent = await post(instances[2].base, '/send', { message: 'from REST via C' }, started.token);
    assert.equal(sent.status, 200);
    const got = await ws.next('message');
    assert.equal(got.text, 'from REST via C');
    assert.equal(got.seq, matched.seq + 1);
    ws.close();
  });

  test('two WebSocket users on different instances exchange offer, answer and candidates in order, unchanged', async () => {
    const x = await Client.open(instances[0].base);
    const y = await Client.open(instances[1].base);
    x.send({ type: 'start', chat_type: 'video', interests: ['cluster-signal'] });
    y.send({ type: 'start', chat_type: 'video', interests: ['cluster-signal'] });
    const [mx, my] = await Promise.all([x.next('matched'), y.next('matched')]);
    assert.equal(mx.session_id, my.session_id);
    assert.notEqual(mx.initiator, my.initiator);
    const [offerer, answerer] = mx.initiator ? [x, y] : [y, x];
    const offer = { type: 'offer', sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n${'a=x\r\n'.repeat(100)}` };
    offerer.send({ type: 'signal', data: offer });
    const candidates = [];
    for (let i = 0; i < 20; i += 1) {
      candidates.push({ candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
      offerer.send({ type: 'signal', data: candidates[i] });
    }
    const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
    answerer.send({ type: 'signal', data: answer });
    await until(() => answerer.of('signal').length === 21, 10_000, 'all signals');
    const got = answerer.of('signal');
    assert.deepEqual(got[0].data, offer);
    assert.deepEqual(got.slice(1).map((s) => s.data), candidates);
    for (let i = 1; i < got.length; i += 1) assert.equal(got[i].seq, got[i - 1].seq + 1);
    assert.deepEqual((await offerer.next('signal')).data, answer);
    x.close();
    y.close();
  });
});

describe('many users at once', () => {
  test('500 users spread over three instances end in consistent pairs', async () => {
    const topics = ['a', 'b', 'c', 'd'];
    const starts = await Promise.all(Array.from({ length: 500 }, (_, i) => {
      const interests = i % 5 === 0 ? [] : [topics[i % 4], topics[(i * 7) % 4]];
      return post(instances[i % 3].base, '/start', { interests: interests.map((t) => `load-${t}`) });
    }));
    for (const s of starts) assert.equal(s.status, 200, s.body);
    const users = starts.map((s) => s.json);
    // Each learns its match (after the 1 s interest fallback at most).
    const matched = await Promise.all(users.map(async (u, i) => {
      const r = await post(instances[(i + 1) % 3].base, '/receive', { since: 0, wait: 10 }, u.token);
      return r.json.events.find((e) => e.type === 'matched');
    }));
    const bySession = new Map();
    matched.forEach((m, i) => {
      assert.ok(m, `user ${i} matched`);
      if (!bySession.has(m.session_id)) bySession.set(m.session_id, []);
      bySession.get(m.session_id).push({ i, initiator: m.initiator });
    });
    for (const [session, members] of bySession) {
      assert.equal(members.length, 2, `chat ${session} has two people`);
      assert.notEqual(members[0].i, members[1].i);
      assert.equal(members.filter((m) => m.initiator).length, 1, 'one initiator');
    }
    assert.equal(bySession.size, 250);
    // Every instance counts the same service.
    const counts = await Promise.all(instances.map((inst) => health(inst.base)));
    for (const h of counts) assert.ok(h.sessions >= 250, JSON.stringify(h));
    await Promise.all(users.map((u, i) => post(instances[i % 3].base, '/disconnect', {}, u.token)));
  });
});

describe('an instance dies (SIGKILL)', () => {
  test('its users resume elsewhere with missed events once; a user who does not come back is gone for its partner', async () => {
    const [A, B, C] = instances;
    const stay = await Client.open(A.base); // partner of the one who resumes
    const back = await Client.open(C.base); // resumes on B
    stay.send({ type: 'start', interests: ['cluster-kill-1'] });
    back.send({ type: 'start', interests: ['cluster-kill-1'] });
    const left = await Client.open(A.base); // partner of the one who never comes back
    const gone = await Client.open(C.base);
    left.send({ type: 'start', interests: ['cluster-kill-2'] });
    gone.send({ type: 'start', interests: ['cluster-kill-2'] });
    const [mBack, mStay] = await Promise.all([back.next('matched'), stay.next('matched'), left.next('matched'), gone.next('matched')]);
    stay.send({ type: 'message', text: 'before the crash' });
    await back.next('message');
    const since = back.of('message')[0].seq;

    C.proc.child.kill('SIGKILL');
    await C.proc.exitPromise;
    stay.send({ type: 'message', text: 'during the crash 1' });
    stay.send({ type: 'message', text: 'during the crash 2' });
    await sleep(300);

    const again = await Client.open(B.base);
    again.send({ type: 'resume', token: back.hello.token, since });
    const resumed = await again.next('resumed');
    assert.equal(resumed.session_id, mBack.session_id, 'same chat');
    await until(() => again.of('message').length >= 2, 5000, 'missed messages');
    await sleep(300);
    assert.deepEqual(again.of('message').map((m) => m.text), ['during the crash 1', 'during the crash 2'], 'once each, in order');
    again.send({ type: 'message', text: 'I am back' });
    assert.equal((await stay.next('message', 5000, 0)).text, 'I am back');
    assert.equal(stay.of('partner_left').length, 0, 'the partner noticed nothing but a pause');
    assert.equal(mStay.session_id, mBack.session_id);

    // The one who never resumes: its partner is told within grace + lease + a little.
    const t0 = Date.now();
    const departure = await left.next('partner_left', (RESUME_GRACE_S + LEASE_S + 4) * 1000);
    assert.equal(departure.reason, 'disconnected');
    assert.ok(Date.now() - t0 < (RESUME_GRACE_S + LEASE_S + 4) * 1000);
    const h = await health(A.base);
    assert.equal(h.instances, 2, 'the dead instance is no longer counted');

    // Nothing the dead instance held stays forever: the shared log and, for a
    // minute at most, snapshots shared with instances that started late.
    const keys = (await redisCli('--scan')).split('\n').filter(Boolean);
    assert.ok(keys.includes('parley:log'), keys.join());
    for (const key of keys) {
      assert.ok(key === 'parley:log' || key.startsWith('parley:log:snapshot:'), key);
      const ttl = Number(await redisCli('TTL', key));
      assert.ok(ttl > 0 && ttl <= 60, `${key} TTL ${ttl}`);
    }
    for (const c of [stay, again, left]) c.close();
    instances[2] = await startInstance(2); // for the tests after (it serves new users)
  });
});

describe('Redis restarted under load', () => {
  test('errors are fast and clear while it is down, and the service recovers by itself', async () => {
    const [A, B] = instances;
    const x = await Client.open(A.base);
    const y = await Client.open(B.base);
    x.send({ type: 'start', interests: ['cluster-redis-down'] });
    y.send({ type: 'start', interests: ['cluster-redis-down'] });
    await Promise.all([x.next('matched'), y.next('matched')]);

    await redis.stop(0); // SIGKILL-like: SIGTERM then SIGKILL at once
    await sleep(300);
    const t0 = Date.now();
    const refused = await post(A.base, '/start', {});
    assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms`);
    assert.equal(refused.status, 503);
    assert.equal(refused.json.error.code, 'unavailable');
    x.send({ type: 'message', text: 'while redis is down' });
    const error = await x.next('error');
    assert.equal(error.code, 'unavailable');
    const h = await health(B.base);
    assert.equal(h.status, 'ok', 'the instances stay up');

    redis = await startRedis(); // empty: no persistence
    // The service recovers by itself: the chat goes on, new users match.
    await until(async () => (await post(B.base, '/start', { interests: ['after-restart'] })).status === 200, 15_000, 'recovery');
    x.send({ type: 'message', text: 'redis is back' });
    assert.equal((await y.next('message', 5000, 0)).text, 'redis is back');
    assert.equal(y.of('partner_left').length, 0, 'the chat survived the outage');
    x.close();
    y.close();
  });
});

describe('an instance that starts late', () => {
  test('loads the running instances\' state: old users resume on it, its queue is theirs, bans are shared', async () => {
    const [A, B] = instances;
    const p = await Client.open(A.base);
    const q = await Client.open(B.base);
    p.send({ type: 'start', interests: ['cluster-late'] });
    q.send({ type: 'start', interests: ['cluster-late'] });
    const [mp] = await Promise.all([p.next('matched'), q.next('matched')]);
    q.send({ type: 'message', text: 'before D' });
    await p.next('message');
    const since = p.of('message')[0].seq;
    // Video: every other test's REST users wait for text chats, and with the
    // 1 s interest fallback they would take this one.
    const waiter = (await post(A.base, '/start_video', { interests: ['cluster-late-rest'] })).json;
    assert.equal(waiter.status, 'waiting');

    const D = await startInstance(3);
    try {
      await until(async () => (await health(D.base)).instances === 4, 20_000, 'D loaded and ticking');

      // A user from before D resumes on D: same chat, missed events, both ways.
      p.close();
      q.send({ type: 'message', text: 'while p is away' });
      await sleep(300);
      const again = await Client.open(D.base);
      again.send({ type: 'resume', token: p.hello.token, since });
      assert.equal((await again.next('resumed')).session_id, mp.session_id);
      assert.equal((await again.next('message')).text, 'while p is away');
      again.send({ type: 'message', text: 'from D' });
      assert.equal((await q.next('message', 5000, 0)).text, 'from D');

      // A REST user from before D is known there, and D's queue is the cluster's.
      const polled = await post(D.base, '/receive', { wait: 0 }, waiter.token);
      assert.equal(polled.status, 200, JSON.stringify(polled.json));
      assert.equal(polled.json.status, 'waiting', 'D sees the REST user still waiting');
      const newcomer = await Client.open(D.base);
      newcomer.send({ type: 'start', chat_type: 'video', interests: ['cluster-late-rest'] });
      await newcomer.next('matched');
      await until(async () => {
        const r = await post(A.base, '/receive', { wait: 0 }, waiter.token);
        return r.json.events.some((e) => e.type === 'matched');
      }, 5000, 'the REST user matched with the newcomer');

      // An operator's ban made through D is listed with the same id on A; lifted through B.
      const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
      const made = await request(`${D.base}/admin/bans`, { method: 'POST', headers: admin, body: { address: '203.0.113.7', duration_s: 600, reason: 'test' }, timeoutMs: 5000 });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      const listed = await request(`${A.base}/admin/bans`, { headers: admin, timeoutMs: 5000 });
      assert.deepEqual(listed.json.bans.map((b) => b.id), [made.json.id]);
      const lifted = await request(`${B.base}/admin/bans/${made.json.id}`, { method: 'DELETE', headers: admin, timeoutMs: 5000 });
      assert.equal(lifted.status, 200);
      await until(async () => (await request(`${D.base}/admin/bans`, { headers: admin, timeoutMs: 5000 })).json.bans.length === 0, 3000, 'lifted on D');
      for (const c of [again, q, newcomer]) c.close();
    } finally {
      await D.proc.stop();
    }
  });
});
