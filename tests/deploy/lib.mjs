// Helpers for the deployment tests: temp dirs, free ports, child processes that are always
// reaped, small HTTP(S) client, the nginx template renderer. Everything is bounded in time.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const dockerDir = path.join(repoRoot, 'docker');
export const NGINX_BIN = process.env.NGINX_BIN || '/usr/sbin/nginx';

export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `parley-deploy-${prefix}-`));
  // nginx workers drop to an unprivileged user when the master runs as root: they must be
  // able to walk into the directory (temp paths are created and chowned by the master).
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Run a command to completion (bounded); resolves {code, stdout, stderr}, never rejects. */
export function run(cmd, args, { timeoutMs = 30_000, env, cwd } = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, env, cwd, maxBuffer: 16 << 20, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) code = typeof err.code === 'number' ? err.code : (err.killed ? 'timeout' : String(err.code));
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
  });
}

export function commandExists(cmd) {
  return (process.env.PATH || '').split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Distinct free TCP ports on 127.0.0.1 (held open together so they differ). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const srv = net.createServer();
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/**
 * A child process in its own process group with captured output. stop() sends SIGTERM to
 * the group, waits, then SIGKILLs what is left; it is safe to call more than once.
 */
export function startProcess(cmd, args, { env, cwd } = {}) {
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, output: '', exited: false, exitCode: null, signal: null };
  const onData = (d) => {
    proc.output += d.toString();
    if (proc.output.length > 1 << 20) proc.output = proc.output.slice(-(1 << 19));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  proc.exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exited = true;
      proc.exitCode = code;
      proc.signal = signal;
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      proc.output += `\n[spawn error] ${err.message}\n`;
      proc.exited = true;
      resolve({ code: null, signal: null, error: err });
    });
  });
  proc.stop = async (graceMs = 5000) => {
    const killGroup = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    if (!proc.exited) {
      killGroup('SIGTERM');
      await Promise.race([proc.exitPromise, sleep(graceMs)]);
    }
    // Also sweeps nginx workers left behind if the master had to be killed.
    killGroup('SIGKILL');
    await Promise.race([proc.exitPromise, sleep(1000)]);
  };
  return proc;
}

/** Wait until `proc.output` matches `re`; rejects on exit or timeout. */
export async function waitForOutput(proc, re, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = proc.output.match(re);
    if (m) return m;
    if (proc.exited) throw new Error(`${what} exited (code ${proc.exitCode}, signal ${proc.signal}) before ready:\n${proc.output}`);
    await sleep(50);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms:\n${proc.output}`);
}

export async function waitForPort(port, timeoutMs, proc, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc?.exited) throw new Error(`${what} exited (code ${proc.exitCode}) before listening:\n${proc.output}`);
    const ok = await new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.setTimeout(500);
      sock.once('connect', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => { sock.destroy(); resolve(false); });
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what}: nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/**
 * One HTTP(S) request without connection reuse. Resolves {status, headers, body, json,
 * tls}; rejects on network errors and after timeoutMs.
 */
export function request(url, { method = 'GET', headers = {}, body, ca, timeoutMs = 10_000, socketOptions = {} } = {}) {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const payload = body === undefined ? undefined
    : (typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  const hdrs = { ...headers };
  if (payload !== undefined) {
    if (!Object.keys(hdrs).some((k) => k.toLowerCase() === 'content-type')) hdrs['Content-Type'] = 'application/json';
    hdrs['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = lib.request(u, {
      method, headers: hdrs, agent: false, ca, timeout: timeoutMs, family: 4, ...socketOptions,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        const tls = res.socket && typeof res.socket.getProtocol === 'function'
          ? { protocol: res.socket.getProtocol() } : undefined;
        resolve({ status: res.statusCode, headers: res.headers, body: text, json, tls });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: socket idle for ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Names of the placeholders the template uses, in order of first appearance. */
export function templatePlaceholders(text) {
  return [...new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]))];
}

/**
 * Render docker/nginx.conf.template the way the nginx image's envsubst step does: replace
 * ${NAME} for the given names and nothing else. Throws if a placeholder has no value.
 */
export function renderTemplate(text, values) {
  const missing = templatePlaceholders(text).filter((name) => !(name in values));
  if (missing.length) throw new Error(`nginx.conf.template needs values for: ${missing.join(', ')}`);
  return text.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_, name) => String(values[name]));
}

/**
 * docker/nginx-main.conf made runnable outside the container: the `user` line goes (nginx
 * keeps its built-in default when started as root, and would warn otherwise), pid, logs and
 * the conf.d include point into `dir`, and temp files go there too (Debian's nginx would
 * use /var/lib/nginx). Each substitution must hit exactly once, so a drifting file fails loudly.
 */
export function renderMainConf(text, dir, siteFile) {
  const p = (name) => path.join(dir, name);
  const subs = [
    [/^user\s+[^;]+;[^\n]*\n/m, ''],
    [/^(\s*pid\s+)\/tmp\/nginx\/nginx\.pid;/m, `$1${p('nginx.pid')};`],
    [/^(\s*error_log\s+)\/var\/log\/nginx\/error\.log(\s|;)/m, `$1${p('error.log')}$2`],
    [/^(\s*access_log\s+)\/var\/log\/nginx\/access\.log(\s|;)/m, `$1${p('access.log')}$2`],
    [/^(\s*)include\s+\/etc\/nginx\/conf\.d\/\*\.conf;/m, [
      `$1client_body_temp_path ${p('tmp/client_body')};`,
      `$1proxy_temp_path ${p('tmp/proxy')};`,
      `$1fastcgi_temp_path ${p('tmp/fastcgi')};`,
      `$1uwsgi_temp_path ${p('tmp/uwsgi')};`,
      `$1scgi_temp_path ${p('tmp/scgi')};`,
      `$1include ${siteFile};`,
    ].join('\n')],
  ];
  let out = text;
  for (const [re, replacement] of subs) {
    const hits = out.match(new RegExp(re.source, `${re.flags}g`))?.length ?? 0;
    if (hits !== 1) throw new Error(`docker/nginx-main.conf: expected exactly one match of ${re}, found ${hits}`);
    out = out.replace(re, replacement);
  }
  return out;
}

/** nginx command-line arguments for a config below `dir` (prefix, error log, config). */
export function nginxArgs(dir) {
  return ['-p', `${dir}/`, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'];
}

/**
 * Render the project's template with the given values into `dir`, next to the project's main
 * conf (see renderMainConf), check both with `nginx -t` and start nginx in the foreground.
 * Resolves {proc, conf (rendered site text), check (the -t output)}.
 */
export async function startNginx(dir, values, { readyPorts = [] } = {}) {
  const template = fs.readFileSync(path.join(dockerDir, 'nginx.conf.template'), 'utf8');
  const rendered = renderTemplate(template, values);
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  fs.chmodSync(path.join(dir, 'tmp'), 0o755);
  fs.writeFileSync(path.join(dir, 'parley.conf'), rendered);
  const main = fs.readFileSync(path.join(dockerDir, 'nginx-main.conf'), 'utf8');
  fs.writeFileSync(path.join(dir, 'nginx.conf'), renderMainConf(main, dir, path.join(dir, 'parley.conf')));
  const check = await run(NGINX_BIN, ['-t', ...nginxArgs(dir)], { timeoutMs: 15_000 });
  if (check.code !== 0) throw new Error(`nginx -t rejected the rendered template:\n${check.stderr}${check.stdout}`);
  const proc = startProcess(NGINX_BIN, nginxArgs(dir));
  try {
    for (const port of readyPorts) await waitForPort(port, 10_000, proc, 'nginx');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  proc.readErrorLog = () => {
    try { return fs.readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { return ''; }
  };
  return { proc, conf: rendered, check };
}

/** Parse an nginx time value ("65s", "1h", "90", "1m30s") into seconds. */
export function nginxSeconds(value) {
  const units = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2592000, y: 31536000 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d|w|M|y)?/g;
  let m;
  let consumed = '';
  while ((m = re.exec(value)) !== null) {
    total += Number(m[1]) * units[m[2] || 's'];
    consumed += m[0];
  }
  if (consumed !== value) throw new Error(`not an nginx time: ${value}`);
  return total;
}

/** The body of `location <spec> { ... }` in a rendered config (no nested braces inside). */
export function locationBlock(conf, spec) {
  const escaped = spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = conf.match(new RegExp(`location\\s+${escaped}\\s*\\{([^{}]*)\\}`));
  return m ? m[1] : undefined;
}

/** Value of `directive` inside a block text, or undefined. */
export function directive(block, name) {
  const m = block.match(new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm'));
  return m ? m[1].trim() : undefined;
}

/** Which parley binary to run (PARLEY_BIN, else the newest of build/{release,asan,debug}). */
export function parleyBinary() {
  if (process.env.PARLEY_BIN) return process.env.PARLEY_BIN;
  for (const preset of ['release', 'asan', 'debug']) {
    const p = path.join(repoRoot, 'build', preset, 'parley');
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Copy the binary (it may be rebuilt under us) and start it on an ephemeral loopback port.
 * Resolves {proc, port, base}.
 */
export async function startParley(dir, { webRoot, env = {} }) {
  const src = parleyBinary();
  if (!src || !fs.existsSync(src)) {
    throw new Error('no parley binary: build one (cmake --preset release && cmake --build --preset release) or set PARLEY_BIN');
  }
  const bin = path.join(dir, 'parley');
  fs.copyFileSync(src, bin);
  fs.chmodSync(bin, 0o755);
  const childEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  for (const k of ['HOST', 'PORT', 'WEB_ROOT']) delete childEnv[k];
  const proc = startProcess(bin, ['--host', '127.0.0.1', '--port', '0', '--web-root', webRoot], { env: childEnv, cwd: dir });
  let m;
  try {
    m = await waitForOutput(proc, /listening on http:\/\/[^ ]*:(\d+)/, 15_000, 'parley');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const port = Number(m[1]);
  return { proc, port, base: `http://127.0.0.1:${port}` };
}
