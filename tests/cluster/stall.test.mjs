// An instance that stops reading the log (a stalled loop, a paused VM) for less than the
// lease, while the others append more entries than the log keeps (MAXLEN ~ 10,000).
// Its users must not silently miss what happened meanwhile: the message their partner
// sent during the stall arrives, either on the same socket or, if the instance gives
// its users up, by `resume` on another instance.
//
// The stalled instance notices the trimmed gap, reloads the state from a snapshot and
// closes its sockets with 1012; the client resumes (docs/scaling.md, "Trimming and a
// lagging instance"). The log is kept short here (REDIS_LOG_MAX_ENTRIES) so that the
// filler is small enough for an ASan build on a loaded machine; it is sent in steps, each
// read back by the partner, as the instance holds back commands past half the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { freePorts, sleep, startParley, startProcess, tempDir, waitForPort } from '../deploy/lib.mjs';

const HASH_SECRET = 'cluster-stall-test-shared-secret';
const LOG_ENTRIES = 1000; // REDIS_LOG_MAX_ENTRIES
const FILLER = 1500; // entries appended after the message while the instance is stopped
const STALL_MAX_MS = 4_000; // below the 5 s lease, so nobody takes the instance for dead

let dir;
let redisPort;
let redis;
const instances = [];

const redisCli = (...args) => new Promise((resolve) => {
  execFile('redis-cli', ['-p', String(redisPort), ...args], { timeout: 5000 },
    (err, stdout) => resolve(err ? '' : stdout.trim()));
});

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function open(base) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { origin: base });
  const c = { ws, messages: [], closed: false };
  ws.on('message', (d) => c.messages.push(JSON.parse(d.toString())));
  ws.on('close', () => { c.closed = true; });
  ws.on('error', () => {});
  c.send = (o) => ws.send(JSON.stringify(o));
  c.find = (pred) => c.messages.find(pred);
  c.wait = (pred, ms, what) => until(() => c.find(pred), ms, what);
  return c;
}

before(async () => {
  dir = tempDir('cluster-stall');
  [redisPort] = await freePorts(1);
  redis = startProcess('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir, '--logfile', path.join(dir, 'redis.log')]);
  await waitForPort(redisPort, 10_000, redis, 'redis-server');
  for (const name of ['a', 'b']) {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    instances.push(await startParley(d, {
      webRoot: path.join(dir, 'no-web-client'),
      env: {
        REDIS_URL: `redis://127.0.0.1:${redisPort}`, HASH_SECRET, LOG_LEVEL: 'warn',
        REDIS_LOG_MAX_ENTRIES: String(LOG_ENTRIES),
        // One address floods on purpose: no per-address or per-user limits here.
        RATE_IDENTITIES_PER_MIN: '0', RATE_REQUESTS_PER_S: '0', MAX_CONNECTIONS_PER_ADDRESS: '0',
        RATE_MESSAGES_PER_S: '0', SPAM_STRANGERS: '0', RESUME_GRACE_S: '30',
      },
    }));
  }
  for (const inst of instances) {
    await until(async () => {
      const r = await fetch(`${inst.base}/health`).then((x) => x.json()).catch(() => ({}));
      return r.instances === 2;
    }, 15_000, 'two instances');
  }
});

after(async () => {
  for (const inst of instances) {
    try { process.kill(inst.proc.child.pid, 'SIGCONT'); } catch { /* gone */ }
    await inst.proc.stop();
  }
  if (redis) await redis.stop();
});

describe('an instance stalled past the log\'s length', () => {
  test('its users still get what their partner sent during the stall', async () => {
    const [A, B] = instances;
    const u1 = open(A.base); // the user whose instance stalls
    const u2 = open(B.base); // its partner
    const f1 = open(B.base); // a pair on B only, to fill the log
    const f2 = open(B.base);
    let filled = 0;
    let stoppedAt = 0;
    const left = () => Math.max(STALL_MAX_MS - (Date.now() - stoppedAt), 1);
    // Sends n messages from f1 in steps of 100, each step read back (f2 got it) before
    // the next: B then never holds back, and every one of them is in the log.
    const fill = async (n, label) => {
      for (let sent = 0; sent < n; sent += 100) {
        for (let i = 0; i < 100; i += 1) f1.send({ type: 'message', text: `${label} ${sent + i}` });
        filled += 100;
        await until(() => f2.messages.filter((m) => m.type === 'message').length >= filled || null,
          left(), `${label} relayed`);
      }
    };
    try {
      for (const c of [u1, u2, f1, f2]) await c.wait((m) => m.type === 'hello', 5000, 'hello');
      u1.send({ type: 'start', interests: ['stall-pair'] });
      await u1.wait((m) => m.type === 'waiting', 5000, 'u1 waiting');
      u2.send({ type: 'start', interests: ['stall-pair'] });
      await u1.wait((m) => m.type === 'matched', 10_000, 'u1 matched');
      f1.send({ type: 'start', interests: ['stall-filler'] });
      await f1.wait((m) => m.type === 'waiting', 5000, 'f1 waiting');
      f2.send({ type: 'start', interests: ['stall-filler'] });
      await f2.wait((m) => m.type === 'matched', 10_000, 'f2 matched');

      process.kill(A.proc.child.pid, 'SIGSTOP');
      stoppedAt = Date.now();
      let trimmed = false;
      try {
        // A's last XREAD may still be answered into its socket's buffer (up to 512 entries):
        // the message must come after that, or it reaches A anyway.
        await fill(600, 'first filler');
        u2.send({ type: 'message', text: 'sent while A was stopped' });
        // The id of the message's entry (redis-cli prints id, field, value per entry).
        const markerId = await until(async () => {
          const lines = (await redisCli('XREVRANGE', 'parley:log', '+', '-', 'COUNT', '50')).split('\n');
          const at = lines.findIndex((l) => l.includes('sent while A was stopped'));
          return at >= 2 ? lines[at - 2] : null;
        }, left(), 'the message in the log');
        await fill(FILLER, 'filler');
        // Until the entry of u2's message is gone from the log (or the stall would reach the lease).
        trimmed = await until(async () => {
          const first = (await redisCli('XRANGE', 'parley:log', '-', '+', 'COUNT', '1')).split('\n')[0];
          return first && markerId && first.localeCompare(markerId, 'en', { numeric: true }) > 0 ? true : null;
        }, left(), 'the log trimmed past the message').catch(() => false);
      } finally {
        process.kill(A.proc.child.pid, 'SIGCONT');
      }
      assert.ok(trimmed, `the filler did not push the message out of the log within ${STALL_MAX_MS} ms (machine too slow to show the case)`);

      // The message arrives on u1's socket, or A gave u1 up and u1 resumes on B.
      const got = await until(() => u1.find((m) => m.type === 'message') || (u1.closed && 'closed'), 10_000,
        'u1 gets the message or is let go').catch(() => null);
      if (got === 'closed') {
        const token = u1.find((m) => m.type === 'hello').token;
        const r = open(B.base);
        await r.wait((m) => m.type === 'hello', 5000, 'hello');
        r.send({ type: 'resume', token, since: 0 });
        const replayed = await r.wait((m) => m.type === 'message', 10_000, 'the message replayed on resume').catch(() => null);
        r.ws.terminate();
        assert.ok(replayed, `nothing replayed on resume: ${JSON.stringify(r.messages)}`);
        assert.equal(replayed.text, 'sent while A was stopped');
      } else {
        assert.ok(got, `u1 neither got the message nor was let go: ${JSON.stringify(u1.messages.slice(-5))}\n` +
          `instance A said: ${A.proc.output.slice(-3000)}`);
        assert.equal(got.text, 'sent while A was stopped');
      }
    } finally {
      for (const c of [u1, u2, f1, f2]) c.ws.terminate();
    }
  });
});
