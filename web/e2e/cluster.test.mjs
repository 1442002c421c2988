// End-to-end in cluster mode: one real redis-server and two parley instances
// pointed at it, each browser on a different instance; all inside the
// loopback-only network namespace of run-netns.sh.
//   PARLEY_BIN=/path/to/parley npm run e2e     (E2E_FILES=e2e/cluster.test.mjs for this file only)
// Both instances start before any user arrives: an instance knows only the
// users who arrived after it started (docs/scaling.md, "an instance starts late").

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  isLoopback,
  launchBrowser,
  logText,
  makeTempDir,
  removeDir,
  requirements,
  rtcReport,
  saveArtifact,
  startServer,
  until,
  videoInfo,
} from './lib.mjs';

const MATCHED = "You're now chatting with a random stranger. Say hi!";
const HASH_SECRET = 'e2e-cluster-shared-secret-0123456789';

const button = (page, name) => page.getByRole('button', { name, exact: true });
const messageField = (page) => page.getByLabel('Message', { exact: true });

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Debian's redis-server on 127.0.0.1 (inside the test's namespace), no persistence. */
async function startRedis(dir) {
  const port = await freePort();
  await mkdir(dir, { recursive: true });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
  let spawnError = null;
  child.once('error', (err) => (spawnError = err));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until('redis-server listening', async () => {
    if (spawnError) throw new Error(`cannot run redis-server (apt-get install redis-server): ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    return new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
    });
  }, { timeout: 10_000, every: 100 });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function health(server) {
  const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(3000) });
  return res.json();
}

describe('cluster mode: two browsers on two parley instances sharing one Redis', { timeout: 180_000 }, () => {
  let tmp;
  let redis;
  const servers = [];
  let A;
  let B;

  before(async () => {
    const req = await requirements();
    tmp = await makeTempDir('parley-e2e-cluster-');
    redis = await startRedis(path.join(tmp, 'redis'));
    for (const name of ['one', 'two']) {
      const dir = path.join(tmp, name);
      await mkdir(dir, { recursive: true });
      servers.push(await startServer({
        ...req,
        tmp: dir,
        // All users come from 127.0.0.1 (startServer already lifts the per-address limits
        // and REMATCH_COOLDOWN_S); the spam guard would take them for one sender too.
        env: { REDIS_URL: redis.url, HASH_SECRET, SPAM_STRANGERS: '0' },
      }));
    }
    // Ready once each instance sees both ticking in the shared log.
    for (const s of servers) await until(`${s.url} sees two instances`, async () => (await health(s)).instances === 2, { timeout: 15_000 });
    [A, B] = await Promise.all([launchBrowser('A', tmp), launchBrowser('B', tmp)]);
  });

  after(async () => {
    const consoleLines = [A, B].flatMap((p) => (p ? p.errors.map((e) => `${p.name} ${e}`) : []));
    await saveArtifact('cluster-browser-console.log', consoleLines.join('\n') + '\n').catch(() => undefined);
    await Promise.allSettled([A?.context.close(), B?.context.close()]);
    for (const [i, s] of servers.entries()) {
      await s.stop();
      await saveArtifact(`cluster-server-${i + 1}.log`, s.output).catch(() => undefined);
    }
    await redis?.stop();
    await removeDir(tmp);
  });

  test('video chat across instances: matched, each page decodes the other, text both ways', { timeout: 150_000 }, async () => {
    const [one, two] = servers;
    await Promise.all([A.page.goto(one.url), B.page.goto(two.url)]);
    await Promise.all([button(A.page, 'Video chat').waitFor(), button(B.page, 'Video chat').waitFor()]);
    await button(A.page, 'Video chat').click();
    await button(B.page, 'Video chat').click();
    for (const p of [A, B]) {
      await until(`${p.name}: matched`, async () => (await logText(p.page)).includes(MATCHED), { detail: () => logText(p.page) });
    }

    // Each page's WebSocket is on its own instance: one socket each, and both
    // instances count the two users and the one chat (cluster-wide figures).
    for (const s of servers) {
      const h = await health(s);
      assert.equal(h.this_instance.websockets, 1, `${s.url}: ${JSON.stringify(h)}`);
      assert.equal(h.sessions, 1, `${s.url}: ${JSON.stringify(h)}`);
      assert.ok(h.online >= 2, `${s.url}: ${JSON.stringify(h)}`);
    }

    // The offer, answer and ICE candidates crossed Redis; the media goes page to page.
    let last = null;
    const { a, b } = await until('both pages decoding the other one’s video over 127.0.0.1', async () => {
      const [ra, rb] = await Promise.all([rtcReport(A.page), rtcReport(B.page)]);
      last = { a: ra, b: rb };
      const ok = (r) => r.pc && r.connectionState === 'connected' && r.inVideo && r.inVideo.framesDecoded > 0 &&
        r.inVideo.frameWidth > 0 && r.pair && r.pair.state === 'succeeded' && isLoopback(r.pair.local) && isLoopback(r.pair.remote);
      // Each page decodes the stream the *other* page sends.
      const crossed = ra.inVideo && rb.inVideo && ra.inVideo.ssrc === rb.outVideoSsrc && rb.inVideo.ssrc === ra.outVideoSsrc;
      return ok(ra) && ok(rb) && crossed ? { a: ra, b: rb } : false;
    }, { detail: () => last });
    assert.equal(a.sessionId, b.sessionId, 'both pages are in the same session');
    for (const p of [A, B]) {
      const first = await until(`${p.name}: Stranger's video has frames`, async () => {
        const v = await videoInfo(p.page, "Stranger's video");
        return v && v.hasStream && v.width > 0 && !v.paused ? v : false;
      });
      await until(`${p.name}: Stranger's video time advances`, async () => {
        const v = await videoInfo(p.page, "Stranger's video");
        return v && v.time >= first.time + 0.5;
      });
    }

    // Text both ways, through the other instance.
    await messageField(A.page).fill('hello from instance one');
    await messageField(A.page).press('Enter');
    await until('B got A’s message', async () => (await logText(B.page)).includes('hello from instance one'));
    await messageField(B.page).fill('hello from instance two');
    await messageField(B.page).press('Enter');
    await until('A got B’s message', async () => (await logText(A.page)).includes('hello from instance two'));

    const [sa, sb] = await Promise.all([A.page.screenshot(), B.page.screenshot()]);
    await saveArtifact('cluster-video-chat-A.png', sa);
    await saveArtifact('cluster-video-chat-B.png', sb);
    for (const p of [A, B]) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
  });
});
