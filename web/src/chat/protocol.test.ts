import { describe, expect, it } from 'vitest';
import {
  charCount,
  checkOutgoingMessage,
  encodeClientMessage,
  MAX_FRAME_CHARS,
  MAX_MESSAGE_CHARS,
  parseHealthOnline,
  parseIceConfig,
  parseServerMessage,
  parseTurn,
  turnRefreshDelayMs,
  validateServerMessage,
  wsUrl,
} from './protocol';

const p = (o: unknown) => parseServerMessage(JSON.stringify(o));

describe('parseServerMessage', () => {
  it('reads hello', () => {
    expect(p({ type: 'hello', user_id: 'u1', token: 't1', online: 5 })).toEqual({
      type: 'hello',
      user_id: 'u1',
      token: 't1',
      online: 5,
    });
  });

  it('rejects hello without a token', () => {
    expect(p({ type: 'hello', user_id: 'u1' })).toBeNull();
  });

  it('reads matched with its seq, initiator and common interests', () => {
    expect(
      p({ type: 'matched', seq: 4, session_id: 's', chat_type: 'video', initiator: false, common_interests: ['music', 7, ''] }),
    ).toEqual({ type: 'matched', seq: 4, session_id: 's', chat_type: 'video', initiator: false, common_interests: ['music'] });
  });

  it('rejects matched without a boolean initiator or a known chat type', () => {
    expect(p({ type: 'matched', session_id: 's', chat_type: 'video', initiator: 'yes' })).toBeNull();
    expect(p({ type: 'matched', session_id: 's', chat_type: 'audio', initiator: true })).toBeNull();
    expect(p({ type: 'matched', chat_type: 'text', initiator: true })).toBeNull();
  });

  it('treats missing common_interests as none', () => {
    expect(p({ type: 'matched', session_id: 's', chat_type: 'text', initiator: true })).toMatchObject({
      common_interests: [],
    });
  });

  it('reads message, typing, signal and partner_left', () => {
    expect(p({ type: 'message', seq: 2, text: 'hi', from: 'stranger', ts: 1700000000000 })).toEqual({
      type: 'message',
      seq: 2,
      text: 'hi',
      from: 'stranger',
      ts: 1700000000000,
    });
    expect(p({ type: 'typing', seq: 3, active: true })).toEqual({ type: 'typing', seq: 3, active: true });
    expect(p({ type: 'signal', seq: 4, data: { sdp: { type: 'offer', sdp: 'v=0' } } })).toEqual({
      type: 'signal',
      seq: 4,
      data: { sdp: { type: 'offer', sdp: 'v=0' } },
    });
    for (const reason of ['left', 'next', 'disconnected', 'timeout']) {
      expect(p({ type: 'partner_left', seq: 5, reason })).toEqual({ type: 'partner_left', seq: 5, reason });
    }
  });

  it('rejects malformed events', () => {
    expect(p({ type: 'message', text: 5 })).toBeNull();
    expect(p({ type: 'typing', active: 'yes' })).toBeNull();
    expect(p({ type: 'signal', data: 'sdp' })).toBeNull();
    expect(p({ type: 'signal', data: [1] })).toBeNull();
    expect(p({ type: 'message', text: 'x', seq: -1 })).toBeNull();
    expect(p({ type: 'message', text: 'x', seq: 1.5 })).toBeNull();
    expect(p({ type: 'online', count: 'many' })).toBeNull();
  });

  it('reads errors, waiting, resumed and online', () => {
    expect(p({ type: 'error', code: 'too_large', message: 'too long' })).toEqual({
      type: 'error',
      code: 'too_large',
      message: 'too long',
    });
    expect(p({ type: 'error' })).toEqual({ type: 'error', code: 'unknown', message: '' });
    expect(p({ type: 'waiting', chat_type: 'text' })).toEqual({ type: 'waiting', chat_type: 'text' });
    expect(p({ type: 'resumed', user_id: 'u', status: 'matched', session_id: 's' })).toEqual({
      type: 'resumed',
      user_id: 'u',
      status: 'matched',
      session_id: 's',
    });
    expect(p({ type: 'online', count: 12 })).toEqual({ type: 'online', count: 12 });
  });

  it('returns null for non-JSON, non-objects, unknown types and oversized frames', () => {
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage('[1,2]')).toBeNull();
    expect(parseServerMessage('null')).toBeNull();
    expect(parseServerMessage(42)).toBeNull();
    expect(p({ type: 'surprise' })).toBeNull();
    expect(p({ notype: true })).toBeNull();
    const big = JSON.stringify({ type: 'message', text: 'x'.repeat(MAX_FRAME_CHARS) });
    expect(parseServerMessage(big)).toBeNull();
  });
});

describe('client messages', () => {
  it('encodes as one JSON object', () => {
    expect(JSON.parse(encodeClientMessage({ type: 'start', chat_type: 'video', interests: ['a'] }))).toEqual({
      type: 'start',
      chat_type: 'video',
      interests: ['a'],
    });
    expect(JSON.parse(encodeClientMessage({ type: 'resume', token: 't', since: 9 }))).toEqual({
      type: 'resume',
      token: 't',
      since: 9,
    });
  });

  it('checks the message length in code points', () => {
    expect(charCount('a😀b')).toBe(3);
    expect(checkOutgoingMessage('  hi  ')).toEqual({ ok: true, text: 'hi' });
    expect(checkOutgoingMessage(' \n ')).toEqual({ ok: false, reason: 'empty' });
    expect(checkOutgoingMessage('x'.repeat(MAX_MESSAGE_CHARS))).toMatchObject({ ok: true });
    expect(checkOutgoingMessage('x'.repeat(MAX_MESSAGE_CHARS + 1))).toEqual({ ok: false, reason: 'too_long' });
    expect(checkOutgoingMessage('abcd', 3)).toEqual({ ok: false, reason: 'too_long' });
  });
});

describe('endpoints', () => {
  it('uses ws: or wss: on the page origin', () => {
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws');
    expect(wsUrl({ protocol: 'https:', host: 'parley.example' })).toBe('wss://parley.example/ws');
  });

  it('reads ICE servers from /config and drops malformed ones', () => {
    expect(parseIceConfig({ ice_servers: [] })).toEqual([]);
    expect(
      parseIceConfig({
        ice_servers: [
          { urls: ['stun:stun.example.org:3478'] },
          { urls: 'turn:t.example.org', username: 'u', credential: 'c' },
          { urls: [] },
          { nope: 1 },
          'x',
        ],
      }),
    ).toEqual([
      { urls: ['stun:stun.example.org:3478'] },
      { urls: 'turn:t.example.org', username: 'u', credential: 'c' },
    ]);
    expect(parseIceConfig(null)).toEqual([]);
  });

  it('reads the online count from /health', () => {
    expect(parseHealthOnline({ status: 'ok', online: 4 })).toBe(4);
    expect(parseHealthOnline({ status: 'ok' })).toBeNull();
  });
});

describe('TURN credentials', () => {
  const turn = { urls: ['turn:t.example:3478', 'stun:not-turn'], username: '1000:ab', credential: 'c', ttl_s: 600 };
  it('keeps only turn URLs and refuses incomplete credentials', () => {
    expect(parseTurn(turn)).toEqual({ ...turn, urls: ['turn:t.example:3478'] });
    expect(parseTurn({ ...turn, credential: 1 })).toBeNull();
    expect(parseTurn({ ...turn, urls: ['stun:x'] })).toBeNull();
    expect(parseTurn({ ...turn, ttl_s: 0 })).toBeNull();
    const m = validateServerMessage({ type: 'matched', seq: 1, session_id: 'a', chat_type: 'video', initiator: true, common_interests: [], turn: { ...turn, ttl_s: 'x' } });
    expect(m && 'turn' in m).toBe(false);
  });
  it('asks for fresh ones a minute before they expire, never sooner than 10 s', () => {
    expect(turnRefreshDelayMs(21600)).toBe(21540_000);
    expect(turnRefreshDelayMs(600)).toBe(540_000);
    expect(turnRefreshDelayMs(60)).toBe(54_000);
    expect(turnRefreshDelayMs(5)).toBe(10_000);
  });
});
