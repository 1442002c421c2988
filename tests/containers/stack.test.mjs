// The compose stack built and started by tests/containers/run.sh, checked from outside like
// a user would: only through the ports it publishes on 127.0.0.1, plus `podman inspect`
// and `podman exec` for what only the engine can tell (health, user, capabilities).
//
// Environment (set by run.sh): COMPOSE_PROJECT_NAME, HTTP_PORT, HTTPS_PORT,
// PARLEY_LOCAL_PORT, CERTS_DIR, DOCKER_HOST, CONTAINERS_CONF.
//
// The checks of one stack are in stackChecks(), so another stack (the cluster profile, with
// two parley instances and Redis, once it exists) can run the same ones through its nginx.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, request, run, sleep } from '../deploy/lib.mjs';
import { containerOf, openSocket, podman, stackChecks } from './stack-checks.mjs';

const env = process.env;
const PROJECT = env.COMPOSE_PROJECT_NAME;
const COMPOSE_FILE = 'docker/docker-compose.yml';
if (!PROJECT || !env.HTTPS_PORT || !env.DOCKER_HOST) {
  throw new Error('run this through tests/containers/run.sh (it builds and starts the stack)');
}
const ca = fs.readFileSync(path.join(env.CERTS_DIR, 'fullchain.pem'));
const marker = `parley-ct-${crypto.randomBytes(6).toString('hex')}`;

/** The README's command, spelled the way Debian's Compose v1 takes it (see run.sh). */
function readme(cmd, opts = {}) {
  assert.ok(cmd.startsWith('docker compose '), cmd);
  const args = cmd.slice('docker compose '.length).split(' ');
  return run('docker-compose', args, { cwd: repoRoot, env, timeoutMs: 120_000, ...opts });
}


/** The container of a compose service in this project. */
async function inspect(id) {
  const r = await podman(['inspect', id]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

const exec = (id, script) => podman(['exec', id, 'bash', '-c', script]);

/** Wait until every service's health check has passed (the runner's loop runs the checks). */
async function waitHealthy(services, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let states = {};
  while (Date.now() < deadline) {
    states = {};
    for (const s of services) {
      const c = await inspect(await containerOf(PROJECT, s));
      states[s] = `${c.State.Status}/${c.State.Health?.Status ?? c.State.Healthcheck?.Status ?? 'no health check'}`;
    }
    if (Object.values(states).every((v) => v === 'running/healthy')) return states;
    await sleep(1000);
  }
  throw new Error(`not healthy within ${timeoutMs} ms: ${JSON.stringify(states)}`);
}

describe(`compose stack ${PROJECT} (parley + nginx, podman)`, () => {
  const services = ['parley', 'nginx'];
  let parleyId;
  let nginxId;

  before(async () => {
    await waitHealthy(services, 120_000);
    parleyId = await containerOf(PROJECT, 'parley');
    nginxId = await containerOf(PROJECT, 'nginx');
  });

  test('every service is running and healthy', async () => {
    const states = await waitHealthy(services, 5_000);
    assert.deepEqual(Object.values(states), ['running/healthy', 'running/healthy']);
  });

  test("the images' health checks tell a dead server from a live one", async () => {
    // The same probes with a port where nothing listens must fail, or "healthy" means nothing.
    const bad = await exec(parleyId, 'bash /usr/local/bin/parley-healthcheck 5999');
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    const badNginx = await podman(['exec', '-e', 'NGINX_HTTP_LISTEN=8999', nginxId, 'bash', '/usr/local/bin/nginx-healthcheck']);
    assert.equal(badNginx.code, 1, badNginx.stdout + badNginx.stderr);
  });

  describe('through nginx over TLS', () => {
    stackChecks({ httpsPort: env.HTTPS_PORT, httpPort: env.HTTP_PORT, ca, marker });

    test('parley itself still serves /metrics on its loopback-only port', async () => {
      const r = await request(`http://127.0.0.1:${env.PARLEY_LOCAL_PORT}/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.body, /parley_/);
    });
  });

  /** Name, Uid, capability sets and NoNewPrivs of every process in a container. */
  async function processes(id) {
    const r = await exec(id, 'for s in /proc/[0-9]*/status; do echo "== $s"; grep -E "^(Name|Uid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" "$s"; done 2>/dev/null');
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('== ').filter((b) => b.includes('Name:')).map((b) => Object.fromEntries(
      b.split('\n').slice(1).filter(Boolean).map((l) => l.split(':\t').map((x) => x.trim())),
    ));
  }
  const uids = (p) => p.Uid.split(/\s+/).map(Number);

  test('parley: every process runs as uid 10001, with no capabilities and no new privileges', async () => {
    const procs = await processes(parleyId);
    assert.ok(procs.some((p) => p.Name === 'parley'), JSON.stringify(procs));
    for (const p of procs) {
      assert.deepEqual(uids(p), [10001, 10001, 10001, 10001], `${p.Name} uid`);
      for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
        assert.match(p[cap], /^0+$/, `${p.Name} ${cap} = ${p[cap]}`);
      }
      assert.equal(p.NoNewPrivs, '1', `${p.Name} NoNewPrivs`);
    }
  });

  test('nginx: workers run as uid 10002 with no capabilities; the master keeps only the four it needs', async () => {
    const procs = (await processes(nginxId)).filter((p) => p.Name === 'nginx');
    const masters = procs.filter((p) => uids(p)[0] === 0);
    const workers = procs.filter((p) => uids(p)[0] !== 0);
    assert.equal(masters.length, 1, JSON.stringify(procs));
    assert.ok(workers.length >= 1, JSON.stringify(procs));
    // CHOWN (0), DAC_OVERRIDE (1), SETGID (6), SETUID (7): nothing else, not even to bind.
    const masterCaps = (1n << 0n) | (1n << 1n) | (1n << 6n) | (1n << 7n);
    for (const cap of ['CapPrm', 'CapEff', 'CapBnd']) {
      assert.equal(BigInt(`0x${masters[0][cap]}`), masterCaps, `master ${cap} = ${masters[0][cap]}`);
    }
    for (const p of workers) {
      assert.deepEqual(uids(p), [10002, 10002, 10002, 10002], 'worker uid');
      for (const cap of ['CapPrm', 'CapEff', 'CapAmb']) assert.match(p[cap], /^0+$/, `worker ${cap} = ${p[cap]}`);
    }
    for (const p of procs) assert.equal(p.NoNewPrivs, '1');
  });

  for (const service of ['parley', 'nginx']) {
    test(`${service}: the root filesystem is read-only`, async () => {
      const id = service === 'parley' ? parleyId : nginxId;
      const c = await inspect(id);
      assert.equal(c.HostConfig.ReadonlyRootfs, true);
      const r = await exec(id, 'for d in / /usr/local/bin /etc /etc/nginx /var /app; do if [ -d "$d" ] && touch "$d/.w" 2>/dev/null; then echo "writable: $d"; fi; done; touch /tmp/.w && echo tmp-ok');
      assert.equal(r.stdout.trim(), 'tmp-ok', r.stdout + r.stderr);
    });
  }

  test('the runtime image has no compilers, build tools or apt package lists', async () => {
    const r = await exec(parleyId, [
      'for t in gcc g++ cc c++ clang cmake ninja make ld as cpp node npm apt-get-never; do command -v "$t"; done',
      'find /var/lib/apt/lists -type f ! -name lock | head -n 5',
      'ls /usr/include 2>/dev/null | head -n 5',
    ].join('; '));
    assert.equal(r.stdout.trim(), '', `found in the runtime image:\n${r.stdout}`);
  });

  test('the nginx image has no package lists and no compilers either', async () => {
    const r = await exec(nginxId, 'for t in gcc cc c++ make ld node npm; do command -v "$t"; done; find /var/lib/apt/lists -type f ! -name lock | head -n 5');
    assert.equal(r.stdout.trim(), '', r.stdout);
  });

  test('image sizes (reported; the runtime image stays small)', async () => {
    const sizes = {};
    for (const image of ['parley:local', 'parley-nginx:local', 'docker.io/library/debian:12-slim']) {
      const r = await podman(['image', 'inspect', '--format', '{{.Size}}', image]);
      assert.equal(r.code, 0, r.stderr);
      sizes[image] = Number(r.stdout.trim());
    }
    console.log(`# image sizes (MB): ${Object.entries(sizes).map(([k, v]) => `${k} ${(v / 1e6).toFixed(1)}`).join(', ')}`);
    // What parley adds to the base: its binary, two libraries and the web client.
    assert.ok(sizes['parley:local'] - sizes['docker.io/library/debian:12-slim'] < 40e6,
      `parley adds ${(sizes['parley:local'] - sizes['docker.io/library/debian:12-slim']) / 1e6} MB to the base`);
    assert.ok(sizes['parley-nginx:local'] - sizes['docker.io/library/debian:12-slim'] < 40e6, 'nginx adds little to the base');
  });

  // Last: it stops the stack.
  test('`docker compose stop`: parley closes its WebSockets with 1001 and exits 0 within the grace period', async () => {
    const c = await inspect(parleyId);
    const graceS = Number(c.Config.StopTimeout ?? 20);
    assert.ok(graceS >= 10, `stop grace period ${graceS} s`);
    // Straight to parley (its loopback-only port): nginx is stopped first, before parley.
    const origin = `http://127.0.0.1:${env.PARLEY_LOCAL_PORT}`;
    const sock = openSocket(`ws://127.0.0.1:${env.PARLEY_LOCAL_PORT}/ws`, { origin });
    await sock.opened;
    await sock.next((m) => m.type === 'hello', 5000, 'hello');
    const started = Date.now();
    const stop = await readme(`docker compose -f ${COMPOSE_FILE} stop`);
    const stopMs = Date.now() - started;
    assert.equal(stop.code, 0, stop.stderr);
    const closed = await Promise.race([sock.closed, sleep(5000).then(() => undefined)]);
    assert.ok(closed, 'the socket was closed');
    assert.equal(closed.code, 1001, `close code ${closed.code} (${closed.reason})`);
    assert.ok(closed.at - started < graceS * 1000, `closed ${closed.at - started} ms after stop began`);
    const after = await inspect(parleyId);
    assert.equal(after.State.Status, 'exited');
    assert.equal(after.State.ExitCode, 0, `parley exit code ${after.State.ExitCode}`);
    assert.equal(after.State.OOMKilled, false);
    const nginxAfter = await inspect(nginxId);
    assert.equal(nginxAfter.State.Status, 'exited');
    assert.equal(nginxAfter.State.ExitCode, 0, `nginx exit code ${nginxAfter.State.ExitCode}`);
    // Neither was killed after the grace period (that would take 10 s + 20 s).
    assert.ok(stopMs < graceS * 1000, `docker compose stop took ${stopMs} ms`);
  });
});

describe('the README\'s "Deploy with Docker" commands are the ones these tests run', () => {
  test('the commands of "First start" and "Stop and remove" are exactly those run.sh and this file run', () => {
    const readmeText = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readmeText.split(/^## /m).find((s) => s.startsWith('Deploy with Docker'));
    assert.ok(section, 'README has a "Deploy with Docker" section');
    const documented = [];
    for (const title of ['First start', 'Stop and remove']) {
      const sub = section.split(/^### /m).find((s) => s.startsWith(title));
      assert.ok(sub, `"Deploy with Docker" has a "${title}" part`);
      // The first sh block of the part: the commands themselves (later ones are variations).
      const blocks = [...sub.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).slice(0, 1);
      assert.ok(blocks.length > 0, `a sh code block under "${title}"`);
      documented.push(...blocks.flatMap((b) => b.split('\n'))
        .map((l) => l.replace(/\s+#.*$/, '').trim())
        .filter((l) => l && !l.startsWith('#')));
    }
    const sources = fs.readFileSync(path.join(repoRoot, 'tests/containers/run.sh'), 'utf8')
      + fs.readFileSync(path.join(repoRoot, 'tests/containers/stack.test.mjs'), 'utf8');
    // run.sh's readme calls, plus the stop above (its command is built from COMPOSE_FILE).
    const ran = [...sources.matchAll(/readme[ (]["']([^"'$]+)["']/g)].map((m) => m[1].trim())
      .concat(`docker compose -f ${COMPOSE_FILE} stop`);
    assert.deepEqual([...new Set(documented)].sort(), [...new Set(ran)].sort());
  });
});
