// docker/nginx.conf.template run for real: Debian's nginx (foreground, everything in a temp
// dir) terminates TLS with a certificate made by docker/make-cert.sh and proxies to a real
// parley (PARLEY_BIN, else build/{release,asan,debug}/parley). A second nginx from the same
// template proxies to a header-echo server, to see exactly what nginx forwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';
import {
  NGINX_BIN, directive, dockerDir, locationBlock, nginxSeconds, freePorts, request, run,
  startNginx, startParley, tempDir, templatePlaceholders,
} from './lib.mjs';

const TEMPLATE = fs.readFileSync(path.join(dockerDir, 'nginx.conf.template'), 'utf8');
const MAKE_CERT = path.join(dockerDir, 'make-cert.sh');
const HEALTHCHECK = path.join(dockerDir, 'healthcheck.sh');

/** A WebSocket whose incoming JSON messages are queued, with a bounded wait. */
function openSocket(url, { ca, origin }) {
  const ws = new WebSocket(url, { ca, origin, handshakeTimeout: 5000, family: 4 });
  const inbox = [];
  const waiters = new Set();
  ws.on('message', (data) => {
    let msg;
    try { msg = JSON.parse(data.toString()); } catch { msg = { unparsed: data.toString() }; }
    inbox.push(msg);
    for (const w of waiters) w();
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
  });
  const next = (pred, timeoutMs = 5000, what = 'message') => new Promise((resolve, reject) => {
    const check = () => {
      const i = inbox.findIndex(pred);
      if (i >= 0) {
        const [msg] = inbox.splice(i, 1);
        cleanup();
        resolve(msg);
        return true;
      }
      return false;
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(inbox)}`));
    }, timeoutMs);
    const cleanup = () => { clearTimeout(timer); waiters.delete(check); };
    if (!check()) waiters.add(check);
  });
  return { ws, opened, next, inbox };
}

function closeSocket(sock) {
  return new Promise((resolve) => {
    if (sock.ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => { sock.ws.terminate(); resolve(); }, 2000);
    sock.ws.once('close', () => { clearTimeout(timer); resolve(); });
    try { sock.ws.close(1000); } catch { sock.ws.terminate(); }
  });
}

describe('make-cert.sh', () => {
  let dir;
  before(() => { dir = tempDir('cert'); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('makes a self-signed cert for localhost, 127.0.0.1 and ::1 with a private key', async () => {
    const out = path.join(dir, 'a');
    const r = await run('bash', [MAKE_CERT, out]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const cert = new crypto.X509Certificate(fs.readFileSync(path.join(out, 'fullchain.pem')));
    assert.match(cert.subjectAltName, /DNS:localhost/);
    assert.match(cert.subjectAltName, /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName, /IP Address:0:0:0:0:0:0:0:1|IP Address:::1/i);
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.ok(cert.checkHost('localhost'));
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(new Date(cert.validTo) > new Date(Date.now() + 30 * 86400e3), 'valid for at least 30 days');
    const key = crypto.createPrivateKey(fs.readFileSync(path.join(out, 'privkey.pem')));
    assert.ok(cert.checkPrivateKey(key), 'key matches certificate');
    assert.equal(fs.statSync(path.join(out, 'privkey.pem')).mode & 0o077, 0, 'private key readable by owner only');
  });

  test('running it again keeps the existing certificate byte for byte', async () => {
    const out = path.join(dir, 'b');
    assert.equal((await run('bash', [MAKE_CERT, out])).code, 0);
    const before1 = fs.readFileSync(path.join(out, 'fullchain.pem'));
    const before2 = fs.readFileSync(path.join(out, 'privkey.pem'));
    const r = await run('bash', [MAKE_CERT, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(path.join(out, 'fullchain.pem')), before1);
    assert.deepEqual(fs.readFileSync(path.join(out, 'privkey.pem')), before2);
  });

  test('a certificate it did not make is left alone unless --force', async () => {
    const out = path.join(dir, 'c');
    fs.mkdirSync(out);
    const made = await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-nodes', '-days', '30', '-subj', '/CN=chat.example.org', '-keyout', path.join(out, 'privkey.pem'),
      '-out', path.join(out, 'fullchain.pem')]);
    assert.equal(made.code, 0, made.stderr);
    const real = fs.readFileSync(path.join(out, 'fullchain.pem'));
    const r = await run('bash', [MAKE_CERT, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(path.join(out, 'fullchain.pem')), real, 'real certificate untouched');
    const forced = await run('bash', [MAKE_CERT, '--force', out]);
    assert.equal(forced.code, 0, forced.stderr);
    const cert = new crypto.X509Certificate(fs.readFileSync(path.join(out, 'fullchain.pem')));
    assert.ok(cert.checkHost('localhost'), '--force replaced it');
  });

  test('a half-installed pair (key without certificate) is an error, not overwritten', async () => {
    const out = path.join(dir, 'd');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'privkey.pem'), 'not a key\n');
    const r = await run('bash', [MAKE_CERT, out]);
    assert.notEqual(r.code, 0);
    assert.equal(fs.readFileSync(path.join(out, 'privkey.pem'), 'utf8'), 'not a key\n');
  });
});

describe('nginx in front of parley (TLS)', () => {
  let dir;
  let ca;
  let parley;
  let nginx;
  let httpPort;
  let httpsPort;
  let httpsBase;
  let httpsOrigin;
  const marker = `parley-deploy-marker-${crypto.randomBytes(6).toString('hex')}`;
  const acmeToken = `token-${crypto.randomBytes(6).toString('hex')}`;

  before(async () => {
    dir = tempDir('nginx');
    const certDir = path.join(dir, 'certs');
    const made = await run('bash', [MAKE_CERT, certDir]);
    assert.equal(made.code, 0, `make-cert.sh failed: ${made.stderr}${made.stdout}`);
    ca = fs.readFileSync(path.join(certDir, 'fullchain.pem'));

    const webRoot = path.join(dir, 'web');
    fs.mkdirSync(webRoot, { mode: 0o755 });
    fs.writeFileSync(path.join(webRoot, 'index.html'),
      `<!doctype html><html><head><title>parley</title></head><body>${marker}</body></html>\n`);
    const acmeRoot = path.join(dir, 'acme');
    fs.mkdirSync(path.join(acmeRoot, '.well-known', 'acme-challenge'), { recursive: true, mode: 0o755 });
    fs.chmodSync(acmeRoot, 0o755);
    fs.chmodSync(path.join(acmeRoot, '.well-known'), 0o755);
    fs.chmodSync(path.join(acmeRoot, '.well-known', 'acme-challenge'), 0o755);
    fs.writeFileSync(path.join(acmeRoot, '.well-known', 'acme-challenge', acmeToken), `${acmeToken}.thumbprint`, { mode: 0o644 });

    [httpPort, httpsPort] = await freePorts(2);
    httpsBase = `https://127.0.0.1:${httpsPort}`;
    httpsOrigin = httpsBase;

    parley = await startParley(dir, {
      webRoot,
      env: {
        // Only the 127.0.0.1 origin: the localhost one must pass through the Host header.
        ALLOWED_ORIGINS: httpsOrigin,
        TRUSTED_PROXIES: '127.0.0.1',
        ADMIN_TOKEN: 'deploy-test-admin-token-0123456789',
      },
    });
    nginx = await startNginx(dir, {
      PARLEY_UPSTREAM: `127.0.0.1:${parley.port}`,
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
      NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
      PUBLIC_HTTPS_PORT: httpsPort,
      TLS_CERT_DIR: certDir,
      ACME_WEBROOT: acmeRoot,
    }, { readyPorts: [httpPort, httpsPort] });
  });

  after(async () => {
    await nginx?.proc.stop();
    await parley?.proc.stop();
    if (process.env.KEEP_TMP) {
      console.log(`kept ${dir}`);
    } else if (dir) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const api = (p, opts = {}) => request(`${httpsBase}${p}`, { ca, ...opts });
  const post = (p, body, token) => api(p, {
    method: 'POST', body, headers: token ? { Authorization: `Bearer ${token}` } : {},
  });

  test('nginx -t accepts nginx-main.conf + the rendered template without warnings', (t) => {
    const out = nginx.check.stderr + nginx.check.stdout;
    assert.match(out, /syntax is ok/);
    // The one warning that depends on this machine, not on the files: worker_connections
    // (16384) above the soft open-file limit of the test process (compose sets 65536).
    const lines = out.split('\n').filter((l) => {
      if (!/exceed open file resource limit/.test(l)) return true;
      t.diagnostic(`ignored (ulimit -n of this shell): ${l.trim()}`);
      return false;
    });
    assert.doesNotMatch(lines.join('\n'), /\[(warn|emerg|alert|crit)\]/, out);
    assert.doesNotMatch(nginx.conf, /\$\{[A-Z]/, 'every placeholder filled in');
  });

  test('plain HTTP gets a 301 to the same path and query on HTTPS', async () => {
    const r = await request(`http://127.0.0.1:${httpPort}/some/page?x=1&y=2`);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `https://127.0.0.1:${httpsPort}/some/page?x=1&y=2`);
    const api1 = await request(`http://localhost:${httpPort}/start`, { method: 'POST', body: {} });
    assert.equal(api1.status, 301, 'the API is not served over plain HTTP either');
    assert.equal(api1.headers.location, `https://localhost:${httpsPort}/start`);
  });

  test("plain HTTP still answers Let's Encrypt challenges and the local health probe", async () => {
    const r = await request(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/${acmeToken}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, `${acmeToken}.thumbprint`);
    const missing = await request(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/nope`);
    assert.equal(missing.status, 404);
    const health = await request(`http://127.0.0.1:${httpPort}/nginx-health`);
    assert.equal(health.status, 200);
    assert.equal(health.body.trim(), 'ok');
    // Any other client address (127.0.0.2 is loopback too, but not the container's own).
    const remote = await request(`http://127.0.0.1:${httpPort}/nginx-health`, { socketOptions: { localAddress: '127.0.0.2' } });
    assert.equal(remote.status, 403);
  });

  test('HTTPS answers carry HSTS and no nginx version', async () => {
    const r = await api('/health');
    assert.equal(r.status, 200);
    const hsts = r.headers['strict-transport-security'];
    assert.ok(hsts, 'Strict-Transport-Security header present');
    const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1]);
    assert.ok(maxAge >= 15_552_000, `HSTS max-age of at least 180 days, got ${hsts}`);
    assert.equal(r.headers.server, 'nginx', 'server_tokens off');
    const notFound = await api('/no-such-endpoint-xyz', { method: 'POST', body: {} });
    assert.ok(notFound.headers['strict-transport-security'], 'HSTS on error answers too');
  });

  test('TLS 1.3 and 1.2 are accepted, TLS 1.1 is refused', async () => {
    const r13 = await api('/health');
    assert.equal(r13.tls.protocol, 'TLSv1.3');
    const r12 = await api('/health', { socketOptions: { maxVersion: 'TLSv1.2' } });
    assert.equal(r12.status, 200);
    assert.equal(r12.tls.protocol, 'TLSv1.2');
    const old = await new Promise((resolve) => {
      const sock = tls.connect({
        host: '127.0.0.1', port: httpsPort, ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT:@SECLEVEL=0', timeout: 5000,
      });
      sock.once('secureConnect', () => { const p = sock.getProtocol(); sock.destroy(); resolve(p); });
      sock.once('error', (e) => resolve(`error: ${e.code || e.message}`));
      sock.once('timeout', () => { sock.destroy(); resolve('timeout'); });
    });
    assert.match(old, /^error/, `TLS <= 1.1 handshake must fail, got ${old}`);
  });

  test('the certificate made by make-cert.sh verifies for 127.0.0.1', async () => {
    // `ca` pins the test certificate; a name mismatch or a broken chain would throw.
    const r = await api('/health');
    assert.equal(r.json?.status, 'ok');
    await assert.rejects(request(`${httpsBase}/health`, { timeoutMs: 5000 }), /self[- ]signed|unable to verify|certificate/i,
      'without the CA the self-signed certificate is not trusted (proves TLS is really on)');
  });

  test('REST chat through the proxy: match, then a long poll receives the message', async () => {
    const a = await post('/start', { interests: [] });
    assert.equal(a.status, 200, a.body);
    assert.ok(a.json.token);
    const b = await post('/start', {});
    assert.equal(b.status, 200, b.body);
    assert.equal(b.json.status, 'matched', b.body);

    // A's first receive shows the match; its `next` is the cursor for the long poll.
    const first = await post('/receive', { since: 0, wait: 5 }, a.json.token);
    assert.equal(first.status, 200, first.body);
    assert.ok(first.json.events.some((e) => e.type === 'matched'), first.body);

    // Long poll through nginx's /receive location, answered when B sends.
    const poll = post('/receive', { since: first.json.next, wait: 20 }, a.json.token);
    await new Promise((r) => setTimeout(r, 300));
    const text = `hello over TLS ${marker}`;
    const sent = await post('/send', { message: text }, b.json.token);
    assert.equal(sent.status, 200, sent.body);
    const got = await poll;
    assert.equal(got.status, 200, got.body);
    const msg = got.json.events.find((e) => e.type === 'message');
    assert.ok(msg, got.body);
    assert.equal(msg.text, text);
    assert.equal(msg.from, 'stranger');

    for (const t of [a.json.token, b.json.token]) await post('/disconnect', {}, t);
  });

  test('WebSocket over wss: two strangers match and a signal is relayed unchanged', async () => {
    const url = `wss://127.0.0.1:${httpsPort}/ws`;
    const s1 = openSocket(url, { ca, origin: httpsOrigin });
    const s2 = openSocket(url, { ca, origin: httpsOrigin });
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
      assert.equal(m1.chat_type, 'video');
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
      await Promise.all([closeSocket(s1), closeSocket(s2)]);
    }
  });

  test("the page's own origin is accepted through the Host header nginx passes on", async () => {
    // https://localhost:<port> is not in ALLOWED_ORIGINS; parley accepts it only because
    // Host (localhost:<port>) reaches it unchanged.
    const s = openSocket(`wss://localhost:${httpsPort}/ws`, { ca, origin: `https://localhost:${httpsPort}` });
    try {
      await s.opened;
      const hello = await s.next((m) => m.type === 'hello', 5000, 'hello');
      assert.ok(hello.token);
    } finally {
      await closeSocket(s);
    }
  });

  test('a WebSocket from a foreign origin is still refused behind the proxy', async () => {
    const s = openSocket(`wss://127.0.0.1:${httpsPort}/ws`, { ca, origin: 'https://evil.example' });
    try {
      await assert.rejects(s.opened, (err) => err.status === 403);
    } finally {
      s.ws.terminate();
    }
  });

  test('the web client is served through the proxy', async () => {
    const r = await api('/', { headers: { Accept: 'text/html' } });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.ok(r.body.includes(marker), 'index.html of WEB_ROOT');
  });

  test('bodies over 64 KiB (MAX_BODY_BYTES) get a JSON 413 from nginx; up to 64 KiB reach parley', async () => {
    // nginx judges Content-Length before reading the body: it must answer although only
    // the headers and 1 KiB of a 64 KiB + 1 byte body were sent (parley, behind it, would
    // only see the request once nginx had buffered it all).
    const raw = await new Promise((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port: httpsPort, ca });
      let reply = '';
      const timer = setTimeout(() => { sock.destroy(); resolve(reply || 'no answer within 3 s'); }, 3000);
      sock.once('secureConnect', () => {
        sock.write(['POST /send HTTP/1.1', `Host: 127.0.0.1:${httpsPort}`, 'Content-Type: application/json',
          `Content-Length: ${64 * 1024 + 1}`, '', ''].join('\r\n'));
        sock.write(`{"message":"${'x'.repeat(1024)}`);
      });
      sock.on('data', (d) => {
        reply += d.toString();
        if (/\r\n\r\n[\s\S]*\}\s*$/.test(reply)) { clearTimeout(timer); sock.destroy(); resolve(reply); }
      });
      sock.on('error', (e) => { clearTimeout(timer); reply ? resolve(reply) : reject(e); });
    });
    assert.match(raw, /^HTTP\/1\.1 413 /, raw.slice(0, 300));
    assert.match(raw, /content-type: application\/json/i);
    assert.equal(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code, 'payload_too_large');

    // A whole body of 64 KiB + 1 byte: refused by nginx with the same JSON (never a 502).
    const pad = (n) => JSON.stringify({ message: 'x'.repeat(n - '{"message":""}'.length) });
    const over = pad(64 * 1024 + 1);
    assert.equal(Buffer.byteLength(over), 64 * 1024 + 1);
    for (let i = 0; i < 5; i += 1) {
      const r = await api('/send', { method: 'POST', body: over });
      assert.equal(r.status, 413, r.body);
      assert.equal(r.json?.error?.code, 'payload_too_large', r.body);
    }
    // Exactly 64 KiB passes nginx and is parley's to judge (no token here: 401, not 413/502).
    const max = pad(64 * 1024);
    const r = await api('/send', { method: 'POST', body: max });
    assert.equal(r.status, 401, r.body);
    assert.equal(r.json?.error?.code, 'unauthorized', r.body);
  });

  test('/metrics is not served to the internet, but parley still has it', async () => {
    const r = await api('/metrics');
    assert.equal(r.status, 403);
    const direct = await request(`${parley.base}/metrics`);
    assert.equal(direct.status, 200);
  });

  test('/admin/ is not served to the internet, even with the token, but parley has it', async () => {
    const headers = { authorization: 'Bearer deploy-test-admin-token-0123456789' };
    for (const p of ['/admin/bans', '/admin/reports', '/admin', '/admin/bans/x', '/ADMIN/bans'.toLowerCase()]) {
      const r = await api(p, { headers });
      assert.equal(r.status, 404, `${p}: ${r.body}`);
      assert.equal(r.json?.error?.code, 'not_found', r.body);
    }
    const viaProxy = await api('/admin/bans', { method: 'POST', headers, body: { address: '1.2.3.4', duration_s: 60, reason: 'x' } });
    assert.equal(viaProxy.status, 404);
    const direct = await request(`${parley.base}/admin/bans`, { headers });
    assert.equal(direct.status, 200, direct.body);
    assert.deepEqual(direct.json, { bans: [] });
  });

  test('docker/healthcheck.sh reports parley healthy, and unhealthy when nothing listens', async () => {
    const ok = await run('bash', [HEALTHCHECK, String(parley.port)], { timeoutMs: 10_000 });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const [closed] = await freePorts(1);
    const bad = await run('bash', [HEALTHCHECK, String(closed)], { timeoutMs: 10_000 });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    const notParley = await run('bash', [HEALTHCHECK, String(httpPort)], { timeoutMs: 10_000 });
    assert.equal(notParley.code, 1, 'a 301 from nginx is not "healthy"');
  });

  test('nginx logged no errors while proxying', () => {
    const log = nginx.proc.readErrorLog();
    assert.doesNotMatch(log, /\[(emerg|alert|crit)\]/, log);
    assert.equal(nginx.proc.exited, false, 'nginx still running');
  });
});

describe('what nginx forwards (header-echo upstream)', () => {
  let dir;
  let echo;
  let nginx;
  let ca;
  let httpPort;
  let httpsPort;
  let upgrades = [];

  before(async () => {
    dir = tempDir('echo');
    const certDir = path.join(dir, 'certs');
    const made = await run('bash', [MAKE_CERT, certDir]);
    assert.equal(made.code, 0, made.stderr);
    ca = fs.readFileSync(path.join(certDir, 'fullchain.pem'));
    echo = http.createServer((req, res) => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    echo.on('upgrade', (req, socket) => {
      upgrades.push(req.headers);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
    [httpPort, httpsPort] = await freePorts(2);
    const acme = path.join(dir, 'acme');
    fs.mkdirSync(acme, { mode: 0o755 });
    nginx = await startNginx(dir, {
      PARLEY_UPSTREAM: `127.0.0.1:${echo.address().port}`,
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
      NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
      // As in production behind port 443 (compose publishes 443 -> 443).
      PUBLIC_HTTPS_PORT: 443,
      TLS_CERT_DIR: certDir,
      ACME_WEBROOT: acme,
    }, { readyPorts: [httpPort, httpsPort] });
  });

  after(async () => {
    await nginx?.proc.stop();
    if (echo) {
      echo.closeAllConnections?.();
      await new Promise((resolve) => echo.close(resolve));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('client address, scheme and host reach parley; a spoofed X-Forwarded-For does not', async () => {
    const r = await request(`https://127.0.0.1:${httpsPort}/health?probe=1`, {
      ca, headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Real-IP': '6.6.6.6', 'X-Forwarded-Proto': 'http' },
    });
    assert.equal(r.status, 200);
    const seen = r.json.headers;
    assert.equal(r.json.url, '/health?probe=1');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-real-ip'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen.host, `127.0.0.1:${httpsPort}`);
    assert.equal(seen['x-forwarded-host'], `127.0.0.1:${httpsPort}`);
    assert.equal(seen.upgrade, undefined, 'no Upgrade header on plain requests');
    assert.notEqual(seen.connection, 'upgrade');
  });

  test('with the public HTTPS port 443 redirects carry no port', async () => {
    const r = await request(`http://127.0.0.1:${httpPort}/a/b?c=d`);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://127.0.0.1/a/b?c=d');
    const echoed = await request(`https://127.0.0.1:${httpsPort}/x`, { ca });
    assert.equal(echoed.json.headers['x-forwarded-port'], '443');
  });

  test('the WebSocket handshake reaches parley with Upgrade/Connection intact', async () => {
    upgrades = [];
    const status = await new Promise((resolve, reject) => {
      const req = https.request(`https://127.0.0.1:${httpsPort}/ws`, {
        ca, agent: false, headers: {
          Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'), Origin: `https://127.0.0.1:${httpsPort}`,
        },
      });
      const timer = setTimeout(() => req.destroy(new Error('no upgrade answer')), 5000);
      req.on('upgrade', (res, socket) => { clearTimeout(timer); socket.destroy(); resolve(res.statusCode); });
      req.on('response', (res) => { clearTimeout(timer); res.resume(); resolve(res.statusCode); });
      req.on('error', (e) => { clearTimeout(timer); reject(e); });
      req.end();
    });
    assert.equal(status, 101);
    assert.equal(upgrades.length, 1);
    assert.equal(upgrades[0].upgrade, 'websocket');
    assert.equal(upgrades[0].connection, 'upgrade');
    assert.equal(upgrades[0].origin, `https://127.0.0.1:${httpsPort}`, 'Origin passed through for the origin check');
    assert.equal(upgrades[0]['x-forwarded-proto'], 'https');
  });

  test('/ws and /receive outlive their idle periods (timeouts in the proxied locations)', () => {
    const ws = locationBlock(nginx.conf, '= /ws');
    const receive = locationBlock(nginx.conf, '= /receive');
    assert.ok(ws && receive, 'locations = /ws and = /receive exist');
    assert.ok(nginxSeconds(directive(ws, 'proxy_read_timeout')) >= 3600, '/ws read timeout >= 1 h');
    assert.ok(nginxSeconds(directive(ws, 'proxy_send_timeout')) >= 3600, '/ws send timeout >= 1 h');
    // Long polls wait up to RECEIVE_MAX_WAIT_S = 30 s; the proxy must wait longer.
    assert.ok(nginxSeconds(directive(receive, 'proxy_read_timeout')) > 30, '/receive read timeout > 30 s');
    for (const block of [ws, receive]) assert.match(directive(block, 'proxy_pass'), /^http:\/\//);
    assert.equal(directive(nginx.conf, 'proxy_http_version'), '1.1');
  });

  test('the template has exactly the documented placeholders', () => {
    assert.deepEqual(templatePlaceholders(TEMPLATE).sort(), [
      'ACME_WEBROOT', 'NGINX_HTTPS_LISTEN', 'NGINX_HTTP_LISTEN', 'NGINX_RESOLVER',
      'PARLEY_UPSTREAM', 'PUBLIC_HTTPS_PORT', 'TLS_CERT_DIR',
    ]);
  });
});

test('the nginx binary under test', async () => {
  const r = await run(NGINX_BIN, ['-v']);
  assert.equal(r.code, 0, `${NGINX_BIN} -v failed: ${r.stderr}`);
  const m = /nginx\/(\d+)\.(\d+)/.exec(r.stderr + r.stdout);
  assert.ok(m, r.stderr);
  // -e (error log before the config is read) needs nginx >= 1.19.5.
  assert.ok(Number(m[1]) > 1 || Number(m[2]) >= 20, `nginx ${m[0]} is too old`);
});
