// docs/protocol.schema.json and docs/openapi.yaml, checked against themselves,
// against the router's route table, and against every message the real server
// sent in the C++ integration tests (PARLEY_WIRE_LOG, one JSON line each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import YAML from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'docs/protocol.schema.json'), 'utf8'));
const openapi = YAML.parse(readFileSync(join(root, 'docs/openapi.yaml'), 'utf8'));

const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addSchema(schema);
const validator = (def) => {
  const v = ajv.getSchema(`${schema.$id}#/$defs/${def}`);
  assert.ok(v, `no definition ${def}`);
  return v;
};
const check = (def, value, where) => {
  const v = validator(def);
  assert.ok(v(value), `${where}: not a valid ${def}: ${JSON.stringify(value)}\n${ajv.errorsText(v.errors)}`);
};

// Which definition answers which route (see src/server/rest_router.cpp).
const restAnswers = {
  '/': 'rest_health', '/health': 'rest_health', '/config': 'rest_config',
  '/start': 'rest_started', '/start_video': 'rest_started', '/send': 'rest_state',
  '/signal': 'rest_state', '/typing': 'rest_state', '/next': 'rest_state',
  '/receive': 'rest_receive', '/disconnect': 'rest_disconnected',
  '/turn_credentials': 'rest_turn_credentials', '/report': 'rest_state', '/block': 'rest_state',
};
// The admin API (src/server/admin_router.cpp), by method and path.
const adminAnswer = (method, path) =>
  path === '/admin/reports' ? 'admin_reports'
  : path === '/admin/bans' ? (method === 'POST' ? 'admin_ban' : 'admin_bans')
  : path.startsWith('/admin/bans/') ? 'admin_lifted' : undefined;
const adminDefs = ['admin_reports', 'admin_bans', 'admin_ban', 'admin_lifted'];

test('the schema compiles in strict mode and every example is valid', () => {
  let examples = 0;
  for (const [name, def] of Object.entries(schema.$defs)) {
    for (const example of def.examples ?? []) {
      check(name, example, `example of ${name}`);
      examples++;
    }
  }
  assert.ok(examples >= 10, `only ${examples} examples`);
});

test('the schema refuses what the server must never send', () => {
  const server = validator('server_message');
  assert.equal(server({ type: 'hello', user_id: 'ab' }), false);  // no token
  assert.equal(server({ type: 'matched', seq: 1, session_id: 'ab', chat_type: 'text', initiator: true, common_interests: [], extra: 1 }), false);
  assert.equal(server({ type: 'signal', seq: 0, data: {} }), false);
  assert.equal(server({ type: 'partner_left', seq: 2, reason: 'gone' }), false);
  assert.equal(server({ type: 'error', code: 'internal_error', message: '' }), false);
  const client = validator('client_command');
  assert.equal(client({ type: 'message', text: '' }), false);
  assert.equal(client({ type: 'message', text: 'x'.repeat(2001) }), false);
  assert.equal(client({ type: 'start', interests: Array(11).fill('a') }), false);
  assert.equal(client({ type: 'receive' }), false);  // REST only
  assert.ok(client({ type: 'turn_credentials' }));
  // TURN credentials: well-formed only, and never a secret-looking extra field.
  const turn = { urls: ['turn:t.example:3478'], username: '1795661600:00ff', credential: 'bcfuD9iP3bcMacx0ZkLw2nSlGvk=', ttl_s: 600 };
  assert.ok(server({ type: 'turn_credentials', session_id: 'ab', turn }));
  assert.equal(server({ type: 'turn_credentials', session_id: 'ab', turn: { ...turn, secret: 'x' } }), false);
  assert.equal(server({ type: 'turn_credentials', session_id: 'ab', turn: { ...turn, urls: ['stun:s.example'] } }), false);
  assert.equal(validator('rest_config')({ ice_servers: [], turn_available: true, turn, limits: {} }), false);
  assert.ok(client({ type: 'signal', data: { candidate: null }, session_id: 'ab' }));
});

test('openapi.yaml refers only to definitions that exist and lists every route', () => {
  const refs = [];
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else walk(value);
      }
    }
  };
  walk(openapi);
  const external = refs.filter((r) => r.startsWith('protocol.schema.json#/$defs/'));
  assert.ok(external.length >= 10, 'openapi.yaml should take its bodies from the schema');
  for (const ref of external) {
    const name = ref.slice('protocol.schema.json#/$defs/'.length);
    assert.ok(schema.$defs[name], `${ref} does not exist`);
  }
  for (const ref of refs.filter((r) => r.startsWith('#/'))) {
    const target = ref.slice(2).split('/').reduce((node, key) => node?.[key], openapi);
    assert.ok(target, `${ref} does not exist`);
  }
  assert.equal(openapi.openapi, '3.1.0');
  const router = readFileSync(join(root, 'src/server/rest_router.cpp'), 'utf8');
  const routes = [...router.matchAll(/\{"(\/[a-z_]*)", http::verb::(get|post)/g)].map((m) => [m[1], m[2]]);
  assert.ok(routes.length >= 12, 'route table not found in rest_router.cpp');
  for (const [path, method] of routes) {
    assert.ok(openapi.paths[path]?.[method], `openapi.yaml lacks ${method.toUpperCase()} ${path}`);
  }
  const admin = Object.keys(openapi.paths).filter((p) => p.startsWith('/admin/'));
  assert.deepEqual(admin.sort(), ['/admin/bans', '/admin/bans/{id}', '/admin/reports']);
  assert.equal(Object.keys(openapi.paths).length - admin.length, routes.length, 'openapi.yaml lists routes the router does not have');
});

test('every message the server sent in the integration tests is valid', () => {
  const path = process.env.PARLEY_WIRE_LOG;
  assert.ok(path, 'PARLEY_WIRE_LOG is not set: run through tests/protocol/run.sh');
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const wsTypes = new Map();
  const restDefs = new Map();
  lines.forEach((line, i) => {
    const where = `wire log line ${i + 1} (${line.transport}${line.path ? ' ' + line.method + ' ' + line.path + ' ' + line.status : ''})`;
    if (line.transport === 'websocket') {
      check('server_message', line.message, where);
      wsTypes.set(line.message.type, (wsTypes.get(line.message.type) ?? 0) + 1);
      return;
    }
    const def = line.status >= 400 ? 'rest_error' : (restAnswers[line.path] ?? adminAnswer(line.method, line.path));
    assert.ok(def, `${where}: a JSON answer from a route the schema does not know`);
    check(def, line.body, where);
    restDefs.set(def, (restDefs.get(def) ?? 0) + 1);
    if (def === 'rest_receive') {
      for (const e of line.body.events) wsTypes.set(`rest:${e.type}`, 1);
    }
  });
  console.log(`validated ${lines.length} messages: websocket ${JSON.stringify(Object.fromEntries(wsTypes))}, rest ${JSON.stringify(Object.fromEntries(restDefs))}`);
  // A validator that saw nothing proves nothing: every message kind must have been seen.
  for (const type of ['hello', 'waiting', 'resumed', 'online', 'error', 'turn_credentials', 'matched', 'message', 'typing', 'signal', 'partner_left', 'reported', 'blocked']) {
    assert.ok(wsTypes.get(type) > 0, `no ${type} frame in the wire log`);
  }
  for (const type of ['matched', 'message', 'typing', 'signal', 'partner_left']) {
    assert.ok(wsTypes.get(`rest:${type}`), `no ${type} event in a /receive answer`);
  }
  for (const def of new Set([...Object.values(restAnswers), 'rest_error', ...adminDefs])) {
    assert.ok(restDefs.get(def) > 0, `no ${def} answer in the wire log`);
  }
});
