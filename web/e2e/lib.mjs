// Helpers for the end-to-end tests: the parley server, headless Chromium
// browsers (playwright-core, the system's /usr/bin/chromium) and bounded polling.

import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = path.join(WEB_DIR, 'e2e', 'artifacts');
export const WAIT_MS = Number(process.env.E2E_WAIT_MS ?? 45_000);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value, or throws after `timeout` ms with `what`. */
export async function until(what, fn, { timeout = WAIT_MS, every = 250, detail } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastErr;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      let info = lastErr ? ` (last error: ${lastErr.message})` : ` (last value: ${JSON.stringify(last)})`;
      if (detail) info += `\n  state: ${JSON.stringify(await Promise.resolve(detail()).catch((e) => String(e)))}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${info}`);
    }
    await sleep(every);
  }
}

export async function makeTempDir(prefix) {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Checks PARLEY_BIN and web/dist, with a clear message when either is missing. */
export async function requirements() {
  const bin = process.env.PARLEY_BIN;
  if (!bin) throw new Error('PARLEY_BIN is not set: point it at the parley server binary');
  const abs = path.resolve(WEB_DIR, bin);
  const st = await stat(abs).catch(() => null);
  if (!st || !st.isFile()) throw new Error(`PARLEY_BIN=${bin}: no such file (${abs})`);
  if (!(st.mode & 0o111)) throw new Error(`PARLEY_BIN=${abs} is not executable`);
  const dist = path.join(WEB_DIR, 'dist');
  if (!(await stat(path.join(dist, 'index.html')).catch(() => null))) {
    throw new Error(`${dist}/index.html is missing: run "npm run build" first`);
  }
  await stat(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  });
  return { bin: abs, dist };
}

function sanitizerEnv() {
  const out = {};
  for (const [k, v] of Object.entries(process.env)) if (/^(A|UB|L|T|M)SAN_OPTIONS$/.test(k)) out[k] = v;
  return out;
}

/**
 * Starts the server on an ephemeral port (a private copy of the binary, so a
 * rebuild during the run does no harm) and resolves once it is listening.
 */
export async function startServer({ bin, dist, tmp, args = [], env = {} }) {
  const copy = path.join(tmp, 'parley');
  await copyFile(bin, copy);
  const child = spawn(copy, ['--host', '127.0.0.1', '--port', '0', '--web-root', dist, ...args], {
    cwd: tmp, // no stray .env is picked up
    // Only what the test sets (the server reads every setting from the environment
    // too), plus the sanitizer options of an ASan/UBSan build.
    // REMATCH_COOLDOWN_S=0: these tests pair the same two pages again on purpose;
    // the safety test sets its own.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...sanitizerEnv(), LOG_LEVEL: 'info', REMATCH_COOLDOWN_S: '0',
      // Every page comes from 127.0.0.1 and reconnects on purpose: the per-address
      // limits are tested in tests/reliability and tests/server, not here.
      RATE_IDENTITIES_PER_MIN: '0', RATE_REQUESTS_PER_S: '0', MAX_CONNECTIONS_PER_ADDRESS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not say "listening on" within 15 s:\n${output}`)), 15_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const m = /listening on http:\/\/[^ ]*:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({ code, sig }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${sig}):\n${output}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get output() {
      return output;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      const res = await exited;
      clearTimeout(timer);
      return res;
    },
  };
}

// The recipe of shared/notes/webrtc-e2e.md. --allow-loopback-in-peer-connection
// is the flag that matters: without it there are no ICE candidates on `lo`.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** Counts getUserMedia calls and RTCPeerConnections, and records page errors. */
function instrument() {
  const c = (window.__e2e = { gum: 0, pcs: 0, streams: [] });
  const md = navigator.mediaDevices;
  if (md && typeof md.getUserMedia === 'function') {
    const orig = md.getUserMedia.bind(md);
    md.getUserMedia = (...args) => {
      c.gum++;
      return orig(...args).then((stream) => {
        c.streams.push(stream);
        return stream;
      });
    };
  }
  const Orig = window.RTCPeerConnection;
  if (Orig) {
    window.RTCPeerConnection = new Proxy(Orig, {
      construct(target, args, newTarget) {
        c.pcs++;
        return Reflect.construct(target, args, newTarget);
      },
    });
  }
}

/** One Chromium process with a fresh profile in its own temp dir. */
export async function launchBrowser(name, tmp, viewport = { width: 1200, height: 720 }, { ageConfirmed = true } = {}) {
  const dir = path.join(tmp, `browser-${name}`);
  await mkdir(dir, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, '.config'),
    XDG_CACHE_HOME: path.join(dir, '.cache'),
    XDG_RUNTIME_DIR: path.join(dir, '.run'),
  };
  await mkdir(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    env,
    args: CHROMIUM_ARGS,
    viewport,
    timeout: 30_000,
  });
  context.setDefaultTimeout(WAIT_MS);
  await context.addInitScript(instrument);
  // The age and rules gate (web/src/app/ageGate.ts) is passed once per device: these
  // pages have passed it, unless a test checks the gate itself.
  if (ageConfirmed) {
    await context.addInitScript(() => {
      try {
        window.localStorage.setItem('parley.ageConfirmed', '1');
      } catch {
        // about:blank and opaque origins have no storage
      }
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  const watch = (p) => {
    p.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    p.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
  };
  watch(page);
  context.on('page', watch);
  return { name, context, page, errors };
}

/** The peer connection of the page: state, stats that prove media flows, ICE pair. */
export function rtcReport(page) {
  return page.evaluate(async () => {
    const pc = window.__parley && window.__parley.pc;
    if (!pc) return { pc: false, sessionId: window.__parley ? window.__parley.sessionId : null };
    const stats = await pc.getStats();
    const byId = new Map();
    stats.forEach((s) => byId.set(s.id, s));
    const out = { pc: true, sessionId: window.__parley.sessionId, connectionState: pc.connectionState, inVideo: null, inAudio: null, outVideoSsrc: null, pair: null, localCandidates: [] };
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.inVideo = { framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, ssrc: s.ssrc };
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out.inAudio = { packetsReceived: s.packetsReceived || 0 };
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.outVideoSsrc = s.ssrc;
      if (s.type === 'local-candidate') {
        out.localCandidates.push(s.address || s.ip || '');
        (out.localCandidateTypes ||= []).push(s.candidateType);
      }
      if (s.type === 'transport' && s.selectedCandidatePairId) {
        const p = byId.get(s.selectedCandidatePairId);
        if (p) {
          const l = byId.get(p.localCandidateId) || {};
          const r = byId.get(p.remoteCandidateId) || {};
          out.pair = { state: p.state, nominated: !!p.nominated, local: l.address || l.ip, remote: r.address || r.ip, protocol: l.protocol, localType: l.candidateType, remoteType: r.candidateType };
        }
      }
    });
    return out;
  });
}

/** The <video> labelled `label`: its size and playback position. */
export function videoInfo(page, label) {
  return page.evaluate((label) => {
    const v = [...document.querySelectorAll('video')].find((el) => el.getAttribute('aria-label') === label);
    if (!v) return null;
    return { width: v.videoWidth, height: v.videoHeight, time: v.currentTime, paused: v.paused, hasStream: !!v.srcObject };
  }, label);
}

export const logText = (page) => page.getByRole('log').innerText();

export function isLoopback(addr) {
  return addr === '127.0.0.1' || addr === '::1' || addr === '[::1]';
}

/** A TCP pipe in front of the server whose connections the test can cut abruptly. */
export async function startDropProxy(targetPort) {
  const pairs = new Set();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const done = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    url: `http://127.0.0.1:${server.address().port}`,
    /** Cuts every connection without a WebSocket close frame, and refuses new ones. */
    dropAll() {
      refusing = true;
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy ? client.resetAndDestroy() : client.destroy();
        upstream.resetAndDestroy ? upstream.resetAndDestroy() : upstream.destroy();
      }
      pairs.clear();
    },
    accept() {
      refusing = false;
    },
    close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export async function saveArtifact(name, data) {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await writeFile(file, data);
  return file;
}

export async function removeDir(dir) {
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}

// axe-core (npm) in the page. page.evaluate goes through DevTools, so the page's
// CSP (script-src 'self') does not stop it.
let axeSource = null;
export async function axeViolations(page, context = 'document') {
  if (!axeSource) {
    const { readFile } = await import('node:fs/promises');
    axeSource = await readFile(path.join(WEB_DIR, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  }
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  return page.evaluate(async (ctx) => {
    const res = await window.axe.run(ctx === 'document' ? document : document.querySelector(ctx), { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  }, context);
}

/** Bytes and messages through the page's RTCDataChannel(s), from getStats. */
export function dataChannelStats(page) {
  return page.evaluate(async () => {
    const pc = window.__parley && window.__parley.pc;
    if (!pc) return null;
    const out = { bytesSent: 0, bytesReceived: 0, messagesSent: 0, messagesReceived: 0, state: null };
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'data-channel') return;
      out.bytesSent += s.bytesSent || 0;
      out.bytesReceived += s.bytesReceived || 0;
      out.messagesSent += s.messagesSent || 0;
      out.messagesReceived += s.messagesReceived || 0;
      out.state = s.state;
    });
    return out;
  });
}

/** A free UDP port on 127.0.0.1 whose next `span` ports are free too (for coturn's relay range). */
async function freeUdpRange(span) {
  const dgram = await import('node:dgram');
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const sockets = [];
    let ok = true;
    for (let p = base; p <= base + span && ok; p++) {
      const sock = dgram.createSocket('udp4');
      ok = await new Promise((resolve) => {
        sock.once('error', () => resolve(false));
        sock.bind(p, '127.0.0.1', () => resolve(true));
      });
      sockets.push(sock);
    }
    await Promise.all(sockets.map((s) => new Promise((r) => { try { s.close(r); } catch { r(); } })));
    if (ok) return base;
  }
  throw new Error('no free UDP port range for coturn');
}

/**
 * Debian's coturn (turnserver) on 127.0.0.1 with the TURN REST API's shared secret, as in
 * shared/notes/coturn.md; it runs in the test's own network namespace. Stopped by stop().
 */
export async function startCoturn({ tmp, secret }) {
  const base = await freeUdpRange(40);
  const dir = path.join(tmp, 'coturn');
  await mkdir(dir, { recursive: true });
  const conf = [
    'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `listening-port=${base}`,
    `min-port=${base + 1}`, `max-port=${base + 40}`, 'use-auth-secret', `static-auth-secret=${secret}`,
    'realm=parley.test', 'allow-loopback-peers', 'no-cli', 'no-tls', 'no-dtls', 'no-tcp', 'relay-threads=1',
    `userdb=${dir}/turndb`, `pidfile=${dir}/turnserver.pid`, `log-file=${dir}/turnserver.log`, 'simple-log', 'no-stdout-log',
  ].join('\n') + '\n';
  await writeFile(path.join(dir, 'turnserver.conf'), conf);
  const child = spawn('turnserver', ['-c', path.join(dir, 'turnserver.conf')], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
  let spawnError = null;
  child.once('error', (err) => (spawnError = err));
  // Listening once the port is taken.
  const dgram = await import('node:dgram');
  await until('coturn listening', async () => {
    if (spawnError) throw new Error(`cannot run turnserver (apt-get install coturn): ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`turnserver exited with ${child.exitCode}`);
    const sock = dgram.createSocket('udp4');
    const free = await new Promise((resolve) => {
      sock.once('error', () => resolve(false));
      sock.bind(base, '127.0.0.1', () => resolve(true));
    });
    await new Promise((r) => sock.close(r));
    return !free;
  }, { timeout: 10_000, every: 100 });
  return {
    port: base,
    url: `turn:127.0.0.1:${base}?transport=udp`,
    logDir: dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
