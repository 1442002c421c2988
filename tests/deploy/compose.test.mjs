// docker/docker-compose.yml checked by Debian's docker-compose (1.29, `config` validates the
// file against its Compose-spec schema and resolves env_file/interpolation), and
// docker/Dockerfile checked statically (no Docker engine here): its stages, its non-root
// runtime, the context paths it copies, and its runtime libraries against `ldd`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { commandExists, dockerDir, parleyBinary, repoRoot, run } from './lib.mjs';

const COMPOSE_FILE = path.join(dockerDir, 'docker-compose.yml');
// DEPLOY_ENV_EXAMPLE: another settings file to validate against (default: the repository's).
const ENV_EXAMPLE = process.env.DEPLOY_ENV_EXAMPLE || path.join(repoRoot, '.env.example');
const hasCompose = commandExists('docker-compose');
if (!hasCompose) {
  console.log('# docker-compose is not installed (apt-get install docker-compose): compose checks are SKIPPED');
}

/** Environment for docker-compose without any of the compose file's knobs set by the caller. */
function composeEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['PARLEY_ENV_FILE', 'HTTP_PORT', 'HTTPS_PORT', 'PARLEY_LOCAL_PORT', 'CERTS_DIR',
    'PARLEY_SUBNET', 'PARLEY_PROXY_IP', 'BIND_ADDRESS', 'NOFILE_LIMIT', 'COMPOSE_FILE', 'COMPOSE_PROJECT_NAME']) delete env[k];
  return { ...env, PARLEY_ENV_FILE: ENV_EXAMPLE, ...extra };
}

async function composeConfig(extraEnv) {
  const r = await run('docker-compose', ['-f', COMPOSE_FILE, 'config'], { env: composeEnv(extraEnv), cwd: repoRoot });
  return { ...r, doc: r.code === 0 ? YAML.parse(r.stdout) : undefined };
}

/** A published port as {host_ip, published, target}, from the short ("IP:PUB:TARGET/tcp") or long form. */
function portOf(p) {
  if (typeof p !== 'string') return { host_ip: p.host_ip, published: String(p.published), target: String(p.target) };
  const parts = p.replace(/\/(tcp|udp)$/, '').split(':');
  const [target, published, hostIp] = parts.reverse();
  return { host_ip: hostIp, published, target };
}
const portPairs = (ports) => ports.map(portOf).map((p) => `${p.published}:${p.target}`).sort();

function envKeys(file) {
  return fs.readFileSync(file, 'utf8').split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/^export\s+/, '').split('=')[0].trim());
}

describe('docker-compose.yml', { skip: hasCompose ? false : 'docker-compose is not installed' }, () => {
  test('.env.example exists at the repository root (the compose file reads it as .env)', () => {
    assert.ok(fs.existsSync(ENV_EXAMPLE), `${ENV_EXAMPLE} missing`);
  });

  test('docker-compose config accepts it with .env.example; parley listens on 0.0.0.0:5000', async () => {
    const r = await composeConfig();
    assert.equal(r.code, 0, r.stderr);
    const { parley, nginx } = r.doc.services;
    assert.ok(parley && nginx, 'services parley and nginx');
    assert.equal(parley.environment.HOST, '0.0.0.0');
    assert.equal(String(parley.environment.PORT), '5000');
    assert.equal(parley.environment.WEB_ROOT, '/app/web');
    assert.equal(parley.restart, 'unless-stopped');
    assert.ok(parley.stop_grace_period, 'stop_grace_period');
    assert.ok(parley.ulimits?.nofile?.soft >= 4096, 'ulimits nofile');
    assert.ok(parley.healthcheck?.test?.join(' ').includes('parley-healthcheck'), 'health check');
    assert.equal(parley.build.context, repoRoot, 'build context = repository root');
    assert.equal(parley.build.dockerfile, 'docker/Dockerfile');
    // Every setting of .env.example reaches the container (env_file), except the ones the
    // container fixes itself.
    for (const key of envKeys(ENV_EXAMPLE)) assert.ok(key in parley.environment, `${key} from .env.example`);
    // Direct access to parley only from the host itself.
    assert.ok(parley.ports.every((p) => String(typeof p === 'string' ? p : p.host_ip).startsWith('127.0.0.1')),
      JSON.stringify(parley.ports));
  });

  test('nginx runs by default, built from docker/nginx.Dockerfile, with the template, the certificates and ports 80/443', async () => {
    const r = await composeConfig();
    assert.equal(r.code, 0, r.stderr);
    const { nginx } = r.doc.services;
    assert.equal(nginx.profiles, undefined, 'not behind a profile');
    assert.equal(nginx.build?.context, repoRoot, 'build context = repository root');
    assert.equal(nginx.build?.dockerfile, 'docker/nginx.Dockerfile');
    // Unprivileged nginx: it listens on 8080/8443 in the container, published as 80/443.
    assert.equal(String(nginx.environment.NGINX_HTTP_LISTEN), '8080');
    assert.equal(String(nginx.environment.NGINX_HTTPS_LISTEN), '8443');
    assert.equal(nginx.read_only, true);
    assert.deepEqual(nginx.cap_drop, ['ALL']);
    // Only what the master needs to read the key and start the workers as nginx.
    assert.deepEqual([...nginx.cap_add].sort(), ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID']);
    assert.equal(nginx.restart, 'unless-stopped');
    assert.equal(nginx.depends_on.parley.condition, 'service_healthy');
    const vols = nginx.volumes.map(String);
    assert.ok(vols.includes(`${path.join(dockerDir, 'nginx.conf.template')}:/etc/nginx/templates/default.conf.template:ro`), vols.join('\n'));
    assert.ok(vols.includes(`${path.join(dockerDir, 'certs')}:/etc/nginx/certs:ro`), vols.join('\n'));
    assert.ok(vols.includes(`${path.join(dockerDir, 'nginx-main.conf')}:/etc/nginx/nginx.conf:ro`), vols.join('\n'));
    assert.deepEqual(portPairs(nginx.ports), ['443:8443', '80:8080']);
    assert.equal(nginx.environment.PARLEY_UPSTREAM, 'parley:5000');
    assert.equal(String(nginx.environment.PUBLIC_HTTPS_PORT), '443');
    assert.equal(nginx.environment.TLS_CERT_DIR, '/etc/nginx/certs');
    // The template's placeholders are all given a value in the container.
    const template = fs.readFileSync(path.join(dockerDir, 'nginx.conf.template'), 'utf8');
    for (const [, name] of template.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)) {
      assert.ok(name in nginx.environment, `nginx environment sets ${name}`);
    }
    // parley believes X-Forwarded-For from nginx's fixed address only.
    assert.equal(r.doc.services.parley.environment.TRUSTED_PROXIES, nginx.networks.parley_net.ipv4_address);
  });

  test('coturn: Debian\'s package, turnserver.conf, the secret from .env, TURN and relay ports published', async () => {
    const r = await composeConfig();
    assert.equal(r.code, 0, r.stderr);
    const { coturn } = r.doc.services;
    assert.ok(coturn, 'service coturn');
    assert.equal(coturn.build.dockerfile, 'coturn.Dockerfile');
    const dockerfile = fs.readFileSync(path.join(dockerDir, 'coturn.Dockerfile'), 'utf8');
    assert.match(dockerfile, /apt-get install[^\n]*\bcoturn\b/);
    assert.ok(coturn.volumes.map(String).includes(`${path.join(dockerDir, 'turnserver.conf')}:/etc/parley/turnserver.conf:ro`));
    // TURN_SECRET comes from the same settings file as parley's, into a config copy on the tmpfs.
    assert.ok('TURN_SECRET' in coturn.environment, 'TURN_SECRET from .env');
    const command = [coturn.entrypoint, coturn.command].flat().join(' ');
    assert.match(command, /static-auth-secret=\$\$?\{?TURN_SECRET/);
    assert.match(command, /turnserver -c \/tmp\/turnserver\.conf/);
    assert.equal(coturn.read_only, true);
    assert.deepEqual(coturn.cap_drop, ['ALL']);
    // The relay range published is exactly turnserver.conf's min-port..max-port.
    const conf = fs.readFileSync(path.join(dockerDir, 'turnserver.conf'), 'utf8');
    const setting = (name) => Number(new RegExp(`^${name}=(\\d+)$`, 'm').exec(conf)?.[1]);
    const published = new Set(coturn.ports.map((p) => `${p.published}/${p.protocol ?? 'tcp'}`));
    assert.ok(setting('max-port') > setting('min-port'), 'a relay port range');
    for (let port = setting('min-port'); port <= setting('max-port'); port++) assert.ok(published.has(`${port}/udp`), `relay port ${port}/udp`);
    assert.ok(published.has(`${setting('listening-port')}/udp`) && published.has(`${setting('listening-port')}/tcp`), 'TURN port');
    // The compose network itself is in a denied range: the relay cannot reach parley or nginx.
    assert.match(conf, /^denied-peer-ip=172\.16\.0\.0-172\.31\.255\.255$/m);
    assert.doesNotMatch(conf, /^denied-peer-ip=.*(\/|#)/m, 'no CIDR and no trailing comment (coturn drops them)');
    assert.doesNotMatch(conf, /^(allow-loopback-peers|static-auth-secret)/m);
  });

  test('HTTPS on another host port moves the redirect target with it', async () => {
    const r = await composeConfig({ HTTPS_PORT: '8443', HTTP_PORT: '8080' });
    assert.equal(r.code, 0, r.stderr);
    const { nginx } = r.doc.services;
    assert.equal(String(nginx.environment.PUBLIC_HTTPS_PORT), '8443');
    assert.deepEqual(portPairs(nginx.ports), ['8080:8080', '8443:8443']);
    assert.ok(nginx.ports.map(portOf).every((p) => (p.host_ip ?? '0.0.0.0') === '0.0.0.0'), 'public by default');
    const local = await composeConfig({ BIND_ADDRESS: '127.0.0.1' });
    assert.ok(local.doc.services.nginx.ports.map(portOf).every((p) => p.host_ip === '127.0.0.1'), JSON.stringify(local.doc.services.nginx.ports));
  });

  test('a missing .env is reported, not silently ignored', async () => {
    const r = await composeConfig({ PARLEY_ENV_FILE: '/nonexistent/parley.env' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /env file/i);
  });
});

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function dockerfileInstructions(text) {
  const joined = text.replace(/\\\n/g, ' ');
  return joined.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [, op, rest] = /^(\S+)\s*(.*)$/.exec(l);
      return { op: op.toUpperCase(), args: rest };
    });
}

function stages(instructions) {
  const argDefaults = {};
  const out = [];
  for (const ins of instructions) {
    if (ins.op === 'ARG' && out.length === 0) {
      const [k, v] = ins.args.split('=');
      argDefaults[k] = v?.replace(/^"|"$/g, '');
    }
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(ins.args);
      const image = m[1].replace(/\$\{(\w+)\}/g, (_, k) => argDefaults[k] ?? '');
      out.push({ image, name: m[2], body: [] });
    } else if (out.length) {
      out[out.length - 1].body.push(ins);
    }
  }
  return out;
}

/** .dockerignore rules: [{negate, re}] in file order (Docker: the last matching rule wins). */
function parseDockerignore(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((line) => {
    const negate = line.startsWith('!');
    const pattern = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, '')).replace(/\/+$/, '');
    let re = '';
    for (let i = 0; i < pattern.length; i += 1) {
      const c = pattern[i];
      if (c === '*' && pattern[i + 1] === '*') {
        re += '.*';
        i += 1;
        if (pattern[i + 1] === '/') i += 1;
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return { negate, re: new RegExp(`^${re}$`) };
  });
}

/** Is `file` (relative to the context) left out? A rule matching a parent folder counts. */
function isIgnored(rules, file) {
  const parts = file.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
  }
  return ignored;
}

describe('Dockerfile', () => {
  const text = fs.readFileSync(path.join(dockerDir, 'Dockerfile'), 'utf8');
  const all = stages(dockerfileInstructions(text));
  const byName = Object.fromEntries(all.map((s) => [s.name, s]));
  const runtime = all[all.length - 1];
  const runs = (stage) => stage.body.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');

  test('three stages: web client, release server, slim runtime, all from debian:12-slim', () => {
    // One base for the whole stack, Debian's Node.js included (no node: image).
    assert.deepEqual(all.map((s) => s.image), ['debian:12-slim', 'debian:12-slim', 'debian:12-slim']);
    assert.ok(byName.web, 'web stage');
    assert.match(runs(byName.web), /apt-get install[^&]*\bnodejs\b[^&]*\bnpm\b/);
    // The same scripts the README's commands use (scripts/run.sh).
    assert.match(runs(byName.web), /npm ci/);
    assert.match(runs(byName.web), /bash scripts\/web-build\.sh/);
    assert.ok(byName.server, 'server stage');
    assert.match(runs(byName.server), /bash scripts\/setup\.sh --server-build/);
    assert.match(runs(byName.server), /bash scripts\/build-server\.sh release/);
    const runScript = fs.readFileSync(path.join(repoRoot, 'scripts/run.sh'), 'utf8');
    assert.match(runScript, /bash scripts\/setup\.sh/);
    assert.match(runScript, /bash scripts\/build-server\.sh release/);
    assert.match(runScript, /bash scripts\/web-build\.sh/);
    assert.equal(runtime.image, 'debian:12-slim');
  });

  test('no compiler and no apt lists are left in the runtime stage', () => {
    const r = runs(runtime);
    assert.doesNotMatch(r, /\b(g\+\+|gcc|clang|cmake|build-essential)\b/);
    for (const install of r.split('\n').filter((l) => /apt-get update/.test(l))) {
      assert.match(install, /rm -rf \/var\/lib\/apt\/lists\/\*/, 'lists removed in the same layer');
    }
  });

  test('the nginx image: debian:12-slim, Debian nginx, unprivileged workers, health check, the template at start-up', () => {
    const nginxText = fs.readFileSync(path.join(dockerDir, 'nginx.Dockerfile'), 'utf8');
    const [stage, ...more] = stages(dockerfileInstructions(nginxText));
    assert.equal(more.length, 0);
    assert.equal(stage.image, 'debian:12-slim');
    const get = (op) => stage.body.filter((i) => i.op === op).map((i) => i.args);
    assert.match(get('RUN').join('\n'), /apt-get install[^&]*\bnginx\b/);
    assert.match(get('RUN').join('\n'), /rm -rf \/var\/lib\/apt\/lists\/\*/);
    // The master reads the key as root (as in the official image); the workers are uid 10002.
    assert.match(get('RUN').join('\n'), /useradd[^&]*--uid 10002[^&]*\bnginx\b/);
    assert.match(fs.readFileSync(path.join(dockerDir, 'nginx-main.conf'), 'utf8'), /^user nginx;/m);
    assert.match(get('HEALTHCHECK').join(' '), /nginx-healthcheck/);
    assert.match(get('ENTRYPOINT').join(' '), /nginx-entrypoint/);
    for (const c of get('COPY')) {
      const src = c.split(/\s+/).filter((p) => !p.startsWith('--'))[0];
      assert.ok(fs.existsSync(path.join(repoRoot, src)), `${src} missing`);
    }
  });

  test('the runtime stage runs parley as a non-root user with web/dist, port 5000 and a health check', () => {
    const get = (op) => runtime.body.filter((i) => i.op === op).map((i) => i.args);
    const user = get('USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
    assert.deepEqual(get('EXPOSE'), ['5000']);
    assert.equal(get('HEALTHCHECK').length, 1);
    assert.match(get('HEALTHCHECK')[0], /parley-healthcheck/);
    const copies = get('COPY');
    assert.ok(copies.some((c) => /--from=web\s+\S*web\/dist\s+\/app\/web/.test(c)), copies.join('\n'));
    assert.ok(copies.some((c) => /--from=server\s+\S*build\/release\/parley\s/.test(c)), copies.join('\n'));
    assert.ok(copies.some((c) => /^docker\/healthcheck\.sh\s+\/usr\/local\/bin\/parley-healthcheck$/.test(c)), copies.join('\n'));
    assert.match(get('ENV').join(' '), /WEB_ROOT=\/app\/web/);
    assert.match(get('ENTRYPOINT').join(' '), /\/usr\/local\/bin\/parley/);
  });

  test('every file it copies from the build context exists in the repository', () => {
    const missing = [];
    for (const stage of all) {
      for (const ins of stage.body) {
        if (ins.op !== 'COPY' || /--from=/.test(ins.args)) continue;
        const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) {
          if (!fs.existsSync(path.join(repoRoot, src))) missing.push(`${stage.name}: ${src}`);
        }
      }
    }
    assert.deepEqual(missing, [], `COPY sources missing from the repository:\n${missing.join('\n')}`);
  });

  test('the runtime stage installs every shared library the release binary needs', async () => {
    let bin = path.join(repoRoot, 'build', 'release', 'parley');
    if (!fs.existsSync(bin)) bin = parleyBinary();
    assert.ok(bin && fs.existsSync(bin), 'a parley binary to inspect (build/release/parley or PARLEY_BIN)');
    const ldd = await run('ldd', [bin]);
    assert.equal(ldd.code, 0, ldd.stderr);
    assert.doesNotMatch(ldd.stdout, /not found/, ldd.stdout);
    const libs = [...ldd.stdout.matchAll(/=>\s+(\/\S+)/g)].map((m) => m[1])
      // Sanitizer runtimes only appear in asan/tsan builds, never in the release image.
      .filter((lib) => !/lib(a|ub|t|l)san/.test(path.basename(lib)));
    const pkgOf = async (file) => {
      let r = await run('dpkg', ['-S', file]);
      if (r.code !== 0) r = await run('dpkg', ['-S', fs.realpathSync(file)]);
      if (r.code !== 0) r = await run('dpkg', ['-S', `*/${path.basename(fs.realpathSync(file))}`]);
      assert.equal(r.code, 0, `no Debian package owns ${file}`);
      return r.stdout.split(':')[0].trim();
    };
    const needed = new Set();
    for (const lib of libs) needed.add(await pkgOf(lib));

    // What debian:12-slim already has: the Essential set plus apt, and their dependencies.
    const status = await run('dpkg-query', ['-W', '-f', '${Package}\t${Essential}\t${Pre-Depends}, ${Depends}\n']);
    const deps = new Map();
    const essential = [];
    for (const line of status.stdout.split('\n').filter(Boolean)) {
      const [name, ess, rest] = line.split('\t');
      deps.set(name, rest.split(/[,|]/).map((d) => d.trim().split(/[\s:(]/)[0]).filter(Boolean));
      if (ess === 'yes') essential.push(name);
    }
    const base = new Set();
    const queue = [...essential, 'apt'];
    while (queue.length) {
      const p = queue.pop();
      if (base.has(p) || !deps.has(p)) continue;
      base.add(p);
      queue.push(...deps.get(p));
    }

    const installLine = runs(runtime).match(/apt-get install[^&]*/)?.[0] ?? '';
    const installed = new Set(installLine.split(/\s+/).filter((w) => /^[a-z0-9][a-z0-9.+-]+$/.test(w)));
    const missing = [...needed].filter((p) => !installed.has(p) && !base.has(p));
    assert.deepEqual(missing, [], `runtime stage lacks packages for: ${missing.join(', ')} (ldd: ${libs.join(' ')})`);
    const unneeded = [...installed].filter((p) => /^lib/.test(p) && !needed.has(p));
    assert.deepEqual(unneeded, [], `runtime stage installs libraries the binary does not link: ${unneeded.join(', ')}`);
  });

  test('.dockerignore keeps build outputs, dependencies and secrets out of the context', () => {
    const file = path.join(repoRoot, '.dockerignore');
    assert.ok(fs.existsSync(file), '.dockerignore at the repository root');
    const rules = parseDockerignore(fs.readFileSync(file, 'utf8'));
    const excluded = ['.git/HEAD', 'build/release/parley', 'web/node_modules/vite/package.json', 'web/dist/index.html',
      'tests/deploy/node_modules/ws/package.json', '.env', 'docker/certs/privkey.pem'];
    const kept = ['CMakeLists.txt', 'CMakePresets.json', 'include/parley/config/config.hpp', 'src/CMakeLists.txt',
      'scripts/setup.sh', 'web/package.json', 'web/package-lock.json', 'web/index.html', 'docker/healthcheck.sh'];
    assert.deepEqual(excluded.filter((p) => !isIgnored(rules, p)), [], 'must not be sent to the Docker daemon');
    assert.deepEqual(kept.filter((p) => isIgnored(rules, p)), [], 'the image build needs these');
  });

  test('the set-up script the server stage runs exists', () => {
    for (const [, script] of runs(byName.server).matchAll(/bash\s+(scripts\/\S+)/g)) {
      assert.ok(fs.existsSync(path.join(repoRoot, script)), `${script} missing`);
    }
  });
});

describe('docker-compose.cluster.yml (cluster mode)', { skip: hasCompose ? false : 'docker-compose is not installed' }, () => {
  const CLUSTER_FILE = path.join(dockerDir, 'docker-compose.cluster.yml');
  async function clusterConfig() {
    const r = await run('docker-compose', ['-f', COMPOSE_FILE, '-f', CLUSTER_FILE, 'config'],
      { env: composeEnv(), cwd: repoRoot });
    return { ...r, doc: r.code === 0 ? YAML.parse(r.stdout) : undefined };
  }

  test('Redis, two parley instances on it, nginx balancing both', async () => {
    const r = await clusterConfig();
    assert.equal(r.code, 0, r.stderr);
    const { redis, parley, nginx } = r.doc.services;
    const second = r.doc.services['parley-b'];
    assert.ok(redis && parley && second && nginx);
    for (const instance of [parley, second]) {
      assert.equal(instance.environment.REDIS_URL, 'redis://redis:6379');
      assert.ok(instance.networks.parley_net.aliases.includes('parley-cluster'));
      assert.equal(instance.depends_on.redis.condition, 'service_healthy');
      assert.equal(instance.read_only, true);
      assert.deepEqual(instance.cap_drop, ['ALL']);
    }
    // One name for both: nginx resolves it per request and takes the addresses in turn.
    assert.equal(nginx.environment.PARLEY_UPSTREAM, 'parley-cluster:5000');
    // Redis only on the private network; no persistence, so no chat text reaches a disk.
    assert.equal(redis.ports, undefined);
    assert.equal(redis.read_only, true);
    const dockerfile = fs.readFileSync(path.join(dockerDir, 'redis.Dockerfile'), 'utf8');
    assert.match(dockerfile, /--save", ""/);
    assert.match(dockerfile, /--appendonly", "no"/);
    assert.match(dockerfile, /^FROM \$\{DEBIAN_IMAGE\}/m);
  });

  test('the nginx template resolves the upstream per request (so both addresses are used)', () => {
    const template = fs.readFileSync(path.join(dockerDir, 'nginx.conf.template'), 'utf8');
    assert.match(template, /set \$parley_upstream "\$\{PARLEY_UPSTREAM\}";/);
    assert.match(template, /proxy_pass http:\/\/\$parley_upstream;/);
    assert.match(template, /resolver \$\{NGINX_RESOLVER\}/);
  });
});
