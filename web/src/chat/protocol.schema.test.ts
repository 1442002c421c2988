// The client's protocol checked against the one machine-readable definition the
// server follows too (docs/protocol.schema.json), so the two cannot drift apart.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import {
  encodeClientMessage,
  HANDLED_ERROR_CODES,
  MAX_REPORT_COMMENT_CHARS,
  REPORT_REASONS,
  parseClientLimits,
  parseTurnAvailable,
  validateServerMessage,
  type ClientMessage,
} from './protocol';

const schema = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../docs/protocol.schema.json', import.meta.url)), 'utf8'),
);
const ajv = new Ajv2020({ strict: true });
ajv.addSchema(schema);
const validate = (def: string) => {
  const v = ajv.getSchema(`${schema.$id}#/$defs/${def}`);
  if (!v) throw new Error(`no ${def} in the schema`);
  return v;
};

/** Every server message type the schema defines, from server_message's oneOf (events included). */
function serverTypes(): string[] {
  const names = (oneOf: { $ref: string }[]): string[] =>
    oneOf.flatMap(({ $ref }) => {
      const name = $ref.split('/').pop() as string;
      const def = schema.$defs[name];
      return def.oneOf ? names(def.oneOf) : [name];
    });
  return names(schema.$defs.server_message.oneOf);
}

describe('protocol.ts against docs/protocol.schema.json', () => {
  it('every command the client can build is a valid client_command', () => {
    const commands: ClientMessage[] = [
      { type: 'start', chat_type: 'video', interests: ['music', 'chess'] },
      { type: 'start', chat_type: 'text', interests: [] },
      { type: 'resume', token: 'abc123', since: 4 },
      { type: 'resume', token: 'abc123' },
      { type: 'message', text: 'hello' },
      { type: 'typing', active: true },
      { type: 'signal', data: { sdp: { type: 'offer', sdp: 'v=0' }, session_id: 's1' } },
      { type: 'next' },
      { type: 'stop' },
      { type: 'turn_credentials' },
      { type: 'report', reason: 'harassment', comment: 'insults' },
      { type: 'report', reason: 'spam' },
      { type: 'block' },
    ];
    const v = validate('client_command');
    for (const c of commands) {
      expect(v(JSON.parse(encodeClientMessage(c))), `${JSON.stringify(c)}: ${ajv.errorsText(v.errors)}`).toBe(true);
    }
  });

  it('the client understands every server message the schema defines, with the same fields', () => {
    const types = serverTypes();
    expect(types.sort()).toEqual(
      ['blocked', 'error', 'hello', 'matched', 'message', 'online', 'partner_left', 'reported', 'resumed', 'signal', 'turn_credentials', 'typing', 'waiting'].sort(),
    );
    for (const type of types) {
      const examples: unknown[] = schema.$defs[type].examples ?? [];
      expect(examples.length, `the schema has no example of ${type}`).toBeGreaterThan(0);
      for (const example of examples) {
        const parsed = validateServerMessage(example);
        expect(parsed, `client refused ${JSON.stringify(example)}`).not.toBeNull();
        // Nothing the server sends is lost, and the client expects nothing it does not send.
        expect(Object.keys(parsed as object).sort()).toEqual(Object.keys(example as object).sort());
      }
    }
  });

  it('reads TURN credentials exactly as the schema defines them, and turn_available of /config', () => {
    const example = schema.$defs.turn_credentials.examples[0];
    const parsed = validateServerMessage(example);
    expect(parsed).toEqual(example);
    expect(Object.keys(schema.$defs.turn.properties).sort()).toEqual(Object.keys(example.turn).sort());
    expect(parseTurnAvailable(schema.$defs.rest_config.examples[0])).toBe(false);
    expect(parseTurnAvailable({ ...schema.$defs.rest_config.examples[0], turn_available: true })).toBe(true);
  });

  it('offers exactly the report reasons of the schema', () => {
    expect([...REPORT_REASONS]).toEqual(schema.$defs.report_reason.enum);
    expect(MAX_REPORT_COMMENT_CHARS).toBe(schema.$defs.report_comment.maxLength);
  });

  it('every error code the client reacts to is one the server can send', () => {
    for (const code of HANDLED_ERROR_CODES) expect(schema.$defs.error_code.enum).toContain(code);
  });

  it('reads the limits of GET /config as the schema defines them', () => {
    const example = schema.$defs.rest_config.examples[0];
    expect(validate('rest_config')(example)).toBe(true);
    expect(parseClientLimits({ ...example, limits: { ...example.limits, max_message_chars: 140, max_interests: 3 } })).toEqual({
      maxMessageChars: 140,
      maxInterests: 3,
      maxInterestChars: example.limits.max_interest_chars,
      interestFallbackS: example.limits.interest_fallback_s,
    });
  });
});
