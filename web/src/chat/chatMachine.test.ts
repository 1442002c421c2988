import { describe, expect, it } from 'vitest';
import { AUTO_REROLL_SECONDS, MAX_FILE_BYTES } from '../settings';
import {
  canSendFile,
  initialState,
  LINES,
  reduce,
  statusText,
  type Action,
  type ChatState,
  type Effect,
} from './chatMachine';
import type { ClientMessage, ServerMessage } from './protocol';

// ---------------------------------------------------------------------------
// helpers

interface Run {
  state: ChatState;
  effects: Effect[];
}

function run(state: ChatState, ...actions: Action[]): Run {
  const effects: Effect[] = [];
  for (const a of actions) {
    const step = reduce(state, a);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

const srv = (msg: ServerMessage): Action => ({ type: 'server', msg });
const hello = (token = 'tok-1', online = 3): Action =>
  srv({ type: 'hello', user_id: `u-${token}`, token, online });
const matched = (session_id: string, seq: number, o: Partial<{ chat_type: 'text' | 'video'; initiator: boolean; common: string[] }> = {}): Action =>
  srv({
    type: 'matched',
    seq,
    session_id,
    chat_type: o.chat_type ?? 'text',
    initiator: o.initiator ?? true,
    common_interests: o.common ?? [],
  });
const message = (text: string, seq?: number): Action => srv({ type: 'message', text, from: 'stranger', ts: 1, seq });
const left = (reason: string, seq?: number): Action => srv({ type: 'partner_left', reason, seq });
const signal = (data: Record<string, unknown>, seq?: number): Action => srv({ type: 'signal', data, seq });

const sent = (effects: Effect[]): ClientMessage[] =>
  effects.filter((e): e is Extract<Effect, { kind: 'send' }> => e.kind === 'send').map((e) => e.msg);
const kinds = (effects: Effect[]) => effects.map((e) => e.kind);
const texts = (s: ChatState) => s.log.map((l) => (l.kind === 'you' ? `You: ${l.text}` : l.kind === 'stranger' ? `Stranger: ${l.text}` : l.text));

/** Connected, greeted, and chatting by text in session s1 (seq 1). */
function textChat(initiator = true): ChatState {
  return run(
    initialState(),
    hello(),
    { type: 'ui/start', chatType: 'text', interests: [] },
    matched('s1', 1, { initiator }),
  ).state;
}

/** Connected and in a video chat in session s1 (seq 1). */
function videoChat(initiator = true): ChatState {
  let s = run(initialState(), hello(), { type: 'ui/start', chatType: 'video', interests: ['music'] }).state;
  s = run(s, { type: 'media/ready', request: s.mediaRequest }, matched('v1', 1, { chat_type: 'video', initiator })).state;
  return s;
}

// ---------------------------------------------------------------------------

describe('connection and greeting', () => {
  it('adopts the identity of hello and shows the online count', () => {
    const { state } = run(initialState(), hello('abc', 42));
    expect(state.conn).toBe('ready');
    expect(state.token).toBe('abc');
    expect(state.online).toBe(42);
  });

  it('updates the online count from online pushes and /health', () => {
    let { state } = run(initialState(), hello('abc', 1), srv({ type: 'online', count: 7 }));
    expect(state.online).toBe(7);
    state = run(state, { type: 'health', online: 9 }).state;
    expect(state.online).toBe(9);
  });

  it('keeps what is sent before hello and flushes it once greeted', () => {
    const r1 = run(initialState(), { type: 'ui/start', chatType: 'text', interests: ['chess'] });
    expect(sent(r1.effects)).toEqual([]);
    expect(r1.state.phase).toBe('searching');
    const r2 = run(r1.state, hello());
    expect(sent(r2.effects)).toEqual([{ type: 'start', chat_type: 'text', interests: ['chess'] }]);
  });
});

describe('starting a chat', () => {
  it('text chat sends start without touching the camera', () => {
    const { state, effects } = run(run(initialState(), hello()).state, {
      type: 'ui/start',
      chatType: 'text',
      interests: ['music', 'chess'],
    });
    expect(state.phase).toBe('searching');
    expect(statusText(state)).toBe('Looking for someone…');
    expect(sent(effects)).toEqual([{ type: 'start', chat_type: 'text', interests: ['music', 'chess'] }]);
    expect(kinds(effects)).not.toContain('media/acquire');
  });

  it('video chat gets the camera first, then searches', () => {
    const r1 = run(run(initialState(), hello()).state, { type: 'ui/start', chatType: 'video', interests: [] });
    expect(r1.state.phase).toBe('media');
    expect(r1.effects).toEqual([{ kind: 'media/acquire', request: r1.state.mediaRequest }]);
    expect(sent(r1.effects)).toEqual([]);
    const r2 = run(r1.state, { type: 'media/ready', request: r1.state.mediaRequest });
    expect(r2.state.phase).toBe('searching');
    expect(sent(r2.effects)).toEqual([{ type: 'start', chat_type: 'video', interests: [] }]);
  });

  it('camera refused: back to the landing view with a notice, nothing sent', () => {
    const r1 = run(run(initialState(), hello()).state, { type: 'ui/start', chatType: 'video', interests: [] });
    const r2 = run(r1.state, { type: 'media/failed', request: r1.state.mediaRequest, message: 'Camera refused.' });
    expect(r2.state.phase).toBe('landing');
    expect(r2.state.notice).toEqual({ kind: 'media', text: 'Camera refused.' });
    expect(sent(r2.effects)).toEqual([]);
    // and text chat still works from there
    const r3 = run(r2.state, { type: 'ui/start', chatType: 'text', interests: [] });
    expect(r3.state.notice).toBeNull();
    expect(sent(r3.effects)).toEqual([{ type: 'start', chat_type: 'text', interests: [] }]);
  });

  it('ignores a camera answer for an older request (user pressed Stop meanwhile)', () => {
    const r1 = run(run(initialState(), hello()).state, { type: 'ui/start', chatType: 'video', interests: [] });
    const old = r1.state.mediaRequest;
    const r2 = run(r1.state, { type: 'ui/stop' }, { type: 'media/ready', request: old });
    expect(r2.state.phase).toBe('landing');
    expect(sent(r2.effects)).toEqual([]);
    expect(kinds(r2.effects)).toContain('media/release');
  });
});

describe('matching', () => {
  it('shows the greeting line and opens no peer for text', () => {
    const { state, effects } = run(
      run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: [] }).state,
      matched('s1', 1),
    );
    expect(state.phase).toBe('chatting');
    expect(state.sessionId).toBe('s1');
    expect(texts(state)).toEqual([LINES.matched]);
    expect(LINES.matched).toBe("You're now chatting with a random stranger. Say hi!");
    expect(kinds(effects)).not.toContain('peer/open');
  });

  it('the initiator side opens its peer as initiator', () => {
    let s = run(initialState(), hello(), { type: 'ui/start', chatType: 'video', interests: [] }).state;
    s = run(s, { type: 'media/ready', request: s.mediaRequest }).state;
    const r = run(s, matched('v1', 1, { chat_type: 'video', initiator: true }));
    expect(r.effects).toContainEqual({ kind: 'peer/open', sessionId: 'v1', initiator: true, media: true });
    expect(statusText(r.state)).toBe('Connecting…');
  });

  it('the other side opens its peer as answerer', () => {
    let s = run(initialState(), hello(), { type: 'ui/start', chatType: 'video', interests: [] }).state;
    s = run(s, { type: 'media/ready', request: s.mediaRequest }).state;
    const r = run(s, matched('v1', 1, { chat_type: 'video', initiator: false }));
    expect(r.effects).toContainEqual({ kind: 'peer/open', sessionId: 'v1', initiator: false, media: true });
    expect(r.state.initiator).toBe(false);
  });

  it('a text user never opens a peer even if the server says video', () => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: [] }).state;
    const r = run(s, matched('v1', 1, { chat_type: 'video', initiator: true }));
    expect(kinds(r.effects)).not.toContain('peer/open');
  });

  it.each([
    [['music'], 'You both like music'],
    [['music', 'chess'], 'You both like music and chess'],
    [['music', 'chess', 'art'], 'You both like music, chess and art'],
  ])('common interests %j -> %s', (common, line) => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: common }).state;
    const r = run(s, matched('s1', 1, { common }));
    expect(texts(r.state)).toEqual([LINES.matched, line]);
    expect(r.state.commonInterests).toEqual(common);
  });

  it('no common interests line when there are none', () => {
    expect(texts(textChat())).toEqual([LINES.matched]);
  });

  it('shows Connected once WebRTC connects', () => {
    const s = videoChat();
    expect(statusText(run(s, { type: 'rtc/state', sessionId: 'v1', state: 'connected' }).state)).toBe('Connected');
  });
});

describe('messages and typing', () => {
  it('logs both sides with You: / Stranger:', () => {
    const r = run(textChat(), { type: 'ui/send', text: '  hi there ' }, message('hello', 2));
    expect(texts(r.state).slice(1)).toEqual(['You: hi there', 'Stranger: hello']);
    expect(sent(r.effects)).toEqual([{ type: 'message', text: 'hi there' }]);
  });

  it('ignores an empty message', () => {
    const r = run(textChat(), { type: 'ui/send', text: '   ' });
    expect(sent(r.effects)).toEqual([]);
    expect(r.state.log).toHaveLength(1);
  });

  it('enforces the message length limit in characters', () => {
    const s = textChat();
    const max = s.maxChars;
    const tooLong = run(s, { type: 'ui/send', text: 'x'.repeat(max + 1) });
    expect(sent(tooLong.effects)).toEqual([]);
    expect(tooLong.state.log.at(-1)).toMatchObject({ kind: 'error', text: LINES.tooLong(max) });
    const exact = run(s, { type: 'ui/send', text: 'x'.repeat(max) });
    expect(sent(exact.effects)).toEqual([{ type: 'message', text: 'x'.repeat(max) }]);
    // emoji count as one character each, not as two UTF-16 units
    const emoji = '😀'.repeat(max);
    expect(sent(run(s, { type: 'ui/send', text: emoji }).effects)).toEqual([{ type: 'message', text: emoji }]);
  });

  it('sends typing true once, and false after the message', () => {
    const s = textChat();
    const r1 = run(s, { type: 'ui/typing', active: true }, { type: 'ui/typing', active: true });
    expect(sent(r1.effects)).toEqual([{ type: 'typing', active: true }]);
    const r2 = run(r1.state, { type: 'ui/send', text: 'yo' });
    expect(sent(r2.effects)).toEqual([
      { type: 'message', text: 'yo' },
      { type: 'typing', active: false },
    ]);
    expect(kinds(r2.effects)).toContain('typing/reset');
    const r3 = run(s, { type: 'ui/typing', active: true }, { type: 'ui/typing', active: false });
    expect(sent(r3.effects)).toEqual([
      { type: 'typing', active: true },
      { type: 'typing', active: false },
    ]);
  });

  it('shows the stranger typing until a message arrives', () => {
    const s = run(textChat(), srv({ type: 'typing', active: true, seq: 2 })).state;
    expect(s.strangerTyping).toBe(true);
    expect(run(s, srv({ type: 'typing', active: false, seq: 3 })).state.strangerTyping).toBe(false);
    expect(run(s, message('hey', 3)).state.strangerTyping).toBe(false);
  });

  it('does not send typing or messages when no chat is on', () => {
    const s = run(initialState(), hello()).state;
    expect(run(s, { type: 'ui/typing', active: true }, { type: 'ui/send', text: 'x' }).effects).toEqual([]);
  });
});

describe('partner_left', () => {
  it.each(['left', 'next', 'disconnected', 'timeout'])('reason %s ends the chat but keeps the log', (reason) => {
    const s = run(textChat(), message('hello', 2)).state;
    const r = run(s, left(reason, 3));
    expect(r.state.phase).toBe('ended');
    expect(r.state.leftReason).toBe(reason);
    expect(texts(r.state)).toEqual([LINES.matched, 'Stranger: hello', 'Stranger has disconnected.']);
    expect(kinds(r.effects)).toContain('peer/close');
    expect(sent(r.effects)).toEqual([]);
    expect(statusText(r.state)).toBe('Chat ended');
  });

  it('closes the peer of a video chat', () => {
    const r = run(videoChat(), left('disconnected', 2));
    expect(kinds(r.effects)).toContain('peer/close');
    expect(r.state.rtc).toBe('new');
  });

  it('after the stranger left, nothing more is accepted into the chat', () => {
    const s = run(textChat(), srv({ type: 'typing', active: true, seq: 2 }), left('left', 3)).state;
    expect(s.strangerTyping).toBe(false);
    const r = run(s, message('late', 4), { type: 'ui/send', text: 'anyone?' });
    expect(texts(r.state).at(-1)).toBe('Stranger has disconnected.');
    expect(sent(r.effects)).toEqual([]);
  });
});

describe('next and stop', () => {
  it('Next during a chat sends next, clears the log and searches', () => {
    const s = run(textChat(), message('hello', 2)).state;
    const r = run(s, { type: 'ui/next' });
    expect(sent(r.effects)).toEqual([{ type: 'next' }]);
    expect(r.state.phase).toBe('searching');
    expect(r.state.log).toEqual([]);
    expect(r.state.sessionId).toBeNull();
    expect(kinds(r.effects)).toContain('peer/close');
  });

  it('Next after the stranger left starts a new search', () => {
    const s = run(textChat(), left('next', 2)).state;
    const r = run(s, { type: 'ui/next' });
    expect(sent(r.effects)).toEqual([{ type: 'start', chat_type: 'text', interests: [] }]);
    expect(r.state.phase).toBe('searching');
  });

  it('Next while searching does nothing', () => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: [] }).state;
    expect(run(s, { type: 'ui/next' }).effects).toEqual([]);
  });

  // Issue 14: Stop asks "Really?" before it ends a chat, as on Omegle. The chat then
  // stays on screen (ended); Stop once more returns to the landing view.
  it('Stop during a chat first asks Really?, sends nothing and keeps the chat', () => {
    const r = run(videoChat(), { type: 'ui/stop' });
    expect(r.state.phase).toBe('chatting');
    expect(r.state.stopConfirm).toBe(true);
    expect(r.effects).toEqual([]);
  });

  it('Really? ends the chat: stop is sent, the log stays, the camera stays on', () => {
    const s = run(videoChat(), message('hi', 2)).state;
    const r = run(s, { type: 'ui/stop' }, { type: 'ui/stop' });
    expect(r.state.phase).toBe('ended');
    expect(r.state.stopConfirm).toBe(false);
    expect(sent(r.effects)).toEqual([{ type: 'stop' }]);
    expect(kinds(r.effects)).toContain('peer/close');
    expect(kinds(r.effects)).not.toContain('media/release');
    expect(texts(r.state)).toEqual([...texts(s), LINES.youLeft]);
  });

  it('Stop on the ended chat returns to the landing view and releases the camera', () => {
    const r = run(videoChat(), { type: 'ui/stop' }, { type: 'ui/stop' }, { type: 'ui/stop' });
    expect(r.state.phase).toBe('landing');
    expect(sent(r.effects)).toEqual([{ type: 'stop' }]);
    expect(kinds(r.effects)).toEqual(expect.arrayContaining(['peer/close', 'media/release']));
    expect(r.state.chatType).toBeNull();
  });

  it('Stop while searching returns to the landing view at once (no chat to confirm)', () => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: [] }).state;
    const r = run(s, { type: 'ui/stop' });
    expect(r.state.phase).toBe('landing');
    expect(sent(r.effects)).toEqual([{ type: 'stop' }]);
  });

  it('Stop after the stranger left sends nothing (we are idle already)', () => {
    const s = run(textChat(), left('left', 2)).state;
    const r = run(s, { type: 'ui/stop' });
    expect(r.state.phase).toBe('landing');
    expect(sent(r.effects)).toEqual([]);
  });

  it('a match that crossed our Stop is ignored', () => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: [] }, { type: 'ui/stop' }).state;
    const r = run(s, matched('s9', 1));
    expect(r.state.phase).toBe('landing');
    expect(r.effects).toEqual([]);
  });
});

describe('stale events of an old session', () => {
  it('events between Next and the new match are dropped', () => {
    let s = run(videoChat(), { type: 'ui/next' }).state;
    const r = run(s, message('old message', 2), signal({ sdp: { type: 'answer', sdp: 'x' } }, 3), left('left', 4));
    expect(r.state.phase).toBe('searching');
    expect(r.state.log).toEqual([]);
    expect(kinds(r.effects)).not.toContain('peer/signal');
    s = run(r.state, matched('v2', 5, { chat_type: 'video', initiator: false })).state;
    expect(s.sessionId).toBe('v2');
    expect(texts(s)).toEqual([LINES.matched]);
  });

  it('a signal tagged with another session is dropped, ours goes to the peer', () => {
    const s = videoChat();
    expect(run(s, signal({ session_id: 'v0', candidate: { candidate: 'c' } }, 2)).effects).toEqual([]);
    const data = { session_id: 'v1', candidate: { candidate: 'c' } };
    expect(run(s, signal(data, 2)).effects).toEqual([{ kind: 'peer/signal', sessionId: 'v1', data }]);
  });

  it('WebRTC callbacks of an old peer are dropped', () => {
    const s = run(videoChat(), { type: 'ui/next' }, matched('v2', 2, { chat_type: 'video' })).state;
    const r = run(
      s,
      { type: 'rtc/state', sessionId: 'v1', state: 'connected' },
      { type: 'rtc/signal', sessionId: 'v1', data: { candidate: { candidate: 'x' } } },
    );
    expect(r.state.rtc).toBe('connecting');
    expect(r.effects).toEqual([]);
  });

  it('our outgoing signals carry the session id', () => {
    const r = run(videoChat(), { type: 'rtc/signal', sessionId: 'v1', data: { sdp: { type: 'offer', sdp: 'o' } } });
    expect(sent(r.effects)).toEqual([
      { type: 'signal', data: { sdp: { type: 'offer', sdp: 'o' }, session_id: 'v1' } },
    ]);
  });

  it('a new match while chatting replaces the old chat', () => {
    const r = run(videoChat(), matched('v2', 2, { chat_type: 'video', initiator: false }));
    expect(r.state.sessionId).toBe('v2');
    expect(kinds(r.effects)).toEqual(expect.arrayContaining(['peer/close', 'peer/open']));
    expect(kinds(r.effects).indexOf('peer/close')).toBeLessThan(kinds(r.effects).indexOf('peer/open'));
  });

  it('the same match twice (no seq) is applied once', () => {
    const once = textChat();
    const m = srv({ type: 'matched', session_id: 's1', chat_type: 'text', initiator: true, common_interests: [] });
    const r = run(once, m);
    expect(r.state.log).toEqual(once.log);
    expect(r.effects).toEqual([]);
  });
});

describe('resume after a dropped socket', () => {
  function dropped() {
    const s = run(textChat(), message('one', 2), { type: 'socket/closed' }).state;
    return s;
  }

  it('says Reconnecting… while it tries', () => {
    const s = dropped();
    expect(s.conn).toBe('reconnecting');
    expect(statusText(s)).toBe('Reconnecting…');
    expect(s.phase).toBe('chatting');
  });

  it('sends resume with the old token and since = last seq seen', () => {
    const r = run(dropped(), hello('tok-new'));
    expect(r.effects).toEqual([{ kind: 'send', msg: { type: 'resume', token: 'tok-1', since: 2 } }]);
    expect(r.state.conn).toBe('resuming');
    expect(statusText(r.state)).toBe('Reconnecting…');
    expect(r.state.token).toBe('tok-1');
  });

  it('holds messages typed meanwhile and sends them after resumed', () => {
    const s = run(dropped(), { type: 'ui/send', text: 'still there?' }).state;
    expect(texts(s).at(-1)).toBe('You: still there?');
    const r1 = run(s, hello('tok-new'));
    expect(sent(r1.effects)).toEqual([{ type: 'resume', token: 'tok-1', since: 2 }]);
    const r2 = run(r1.state, srv({ type: 'resumed', user_id: 'u', status: 'matched', session_id: 's1' }));
    expect(r2.state.conn).toBe('ready');
    expect(sent(r2.effects)).toEqual([{ type: 'message', text: 'still there?' }]);
    expect(statusText(r2.state)).toBe('Connected');
  });

  it('replayed events are not applied twice', () => {
    const s = run(
      dropped(),
      hello('tok-new'),
      srv({ type: 'resumed', user_id: 'u', status: 'matched', session_id: 's1' }),
      message('one', 2), // replay of what we had
      message('two', 3), // missed while away
      message('two', 3), // duplicate
    ).state;
    expect(texts(s)).toEqual([LINES.matched, 'Stranger: one', 'Stranger: two']);
    expect(s.lastSeq).toBe(3);
  });

  it('a partner_left replayed after resume ends the chat', () => {
    const s = run(
      dropped(),
      hello('tok-new'),
      srv({ type: 'resumed', user_id: 'u', status: 'idle', session_id: null }),
      left('disconnected', 3),
    ).state;
    expect(s.phase).toBe('ended');
    expect(texts(s).at(-1)).toBe('Stranger has disconnected.');
  });

  it('if the old participant is gone, carries on with the new identity and ends the chat', () => {
    const r = run(dropped(), hello('tok-new'), srv({ type: 'error', code: 'unauthorized', message: 'unknown token' }));
    expect(r.state.conn).toBe('ready');
    expect(r.state.token).toBe('tok-new');
    expect(r.state.lastSeq).toBe(0);
    expect(r.state.phase).toBe('ended');
    expect(texts(r.state).at(-1)).toBe(LINES.lostChat);
    expect(kinds(r.effects)).toContain('peer/close');
  });

  it('if the old participant is gone while searching, searches again', () => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: ['a'] }, { type: 'socket/closed' }).state;
    const r = run(s, hello('tok-new'), srv({ type: 'error', code: 'unauthorized', message: '' }));
    expect(sent(r.effects)).toEqual([
      { type: 'resume', token: 'tok-1', since: 0 },
      { type: 'start', chat_type: 'text', interests: ['a'] },
    ]);
    expect(r.state.phase).toBe('searching');
  });

  it('re-sends start when the server says we are idle while searching', () => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'video', interests: [] }).state;
    const s2 = run(s, { type: 'media/ready', request: s.mediaRequest }, { type: 'socket/closed' }, hello('n')).state;
    const r = run(s2, srv({ type: 'resumed', user_id: 'u', status: 'idle', session_id: null }));
    expect(sent(r.effects)).toEqual([{ type: 'start', chat_type: 'video', interests: [] }]);
  });

  it('another tab taking over stops everything for good', () => {
    const r = run(textChat(), srv({ type: 'error', code: 'replaced', message: '' }));
    expect(r.state.conn).toBe('replaced');
    expect(kinds(r.effects)).toContain('socket/close');
    expect(r.state.phase).toBe('ended');
    expect(r.state.notice).toEqual({ kind: 'error', text: LINES.replaced });
    expect(run(r.state, { type: 'socket/closed' }).state.conn).toBe('replaced');
  });
});

describe('server errors', () => {
  it('too_large shows a plain error line', () => {
    const r = run(textChat(), srv({ type: 'error', code: 'too_large', message: 'text too long' }));
    expect(r.state.log.at(-1)).toMatchObject({ kind: 'error', text: LINES.serverTooLarge });
  });

  it('payload_too_large (the server\'s name for it) reads the same', () => {
    const r = run(textChat(), srv({ type: 'error', code: 'payload_too_large', message: 'signal data is larger' }));
    expect(r.state.log.at(-1)).toMatchObject({ kind: 'error', text: LINES.serverTooLarge });
  });

  it('rate limiting asks to slow down', () => {
    const r = run(textChat(), srv({ type: 'error', code: 'rate_limited', message: '' }));
    expect(r.state.log.at(-1)?.text).toBe(LINES.rateLimited);
  });

  it('an unknown error shows its message', () => {
    const r = run(textChat(), srv({ type: 'error', code: 'bad_request', message: 'bad json' }));
    expect(r.state.log.at(-1)).toMatchObject({ kind: 'error', text: 'Something went wrong: bad json' });
  });

  it('not_matched (partner just left) adds nothing', () => {
    const s = textChat();
    const r = run(s, srv({ type: 'error', code: 'not_matched', message: 'no partner' }));
    expect(r.state.log).toEqual(s.log);
  });

  it('on the landing view an error becomes the notice', () => {
    const r = run(run(initialState(), hello()).state, srv({ type: 'error', code: 'unknown_type', message: '' }));
    expect(r.state.notice).toEqual({ kind: 'error', text: 'Something went wrong: unknown_type' });
  });
});

describe('log bounds', () => {
  it('keeps at most 500 lines', () => {
    let s = textChat();
    for (let i = 0; i < 600; i++) s = run(s, message(`m${i}`, i + 2)).state;
    expect(s.log).toHaveLength(500);
    expect(texts(s).at(-1)).toBe('Stranger: m599');
  });
});

describe('limits from the server', () => {
  it('GET /config limits replace the defaults for checking messages', () => {
    const limits = { maxMessageChars: 5, maxInterests: 2, maxInterestChars: 4, interestFallbackS: 3 };
    const s = run(textChat(), { type: 'config', limits }).state;
    expect(s.limits).toEqual(limits);
    expect(s.maxChars).toBe(5);
    const r = run(s, { type: 'ui/send', text: 'too long' });
    expect(sent(r.effects)).toEqual([]);
    const ok = run(s, { type: 'ui/send', text: 'short' });
    expect(sent(ok.effects)).toEqual([{ type: 'message', text: 'short' }]);
  });
});

// ---------------------------------------------------------------------------
// Issue 14: Esc steps, auto-reroll, stranger typing expiry, file offers and progress

describe('Esc steps through Stop -> Really? -> New', () => {
  it('first Esc asks Really?, second ends the chat, third starts a new search', () => {
    let r = run(textChat(), { type: 'ui/escape' });
    expect(r.state.phase).toBe('chatting');
    expect(r.state.stopConfirm).toBe(true);
    expect(r.effects).toEqual([]);
    r = run(r.state, { type: 'ui/escape' });
    expect(r.state.phase).toBe('ended');
    expect(sent(r.effects)).toEqual([{ type: 'stop' }]);
    expect(texts(r.state)).toContain(LINES.youLeft);
    r = run(r.state, { type: 'ui/escape' });
    expect(r.state.phase).toBe('searching');
    expect(sent(r.effects)).toEqual([{ type: 'start', chat_type: 'text', interests: [] }]);
    expect(r.state.log).toEqual([]);
  });

  it('Esc after the stranger left is New', () => {
    const r = run(textChat(), left('left', 2), { type: 'ui/escape' });
    expect(r.state.phase).toBe('searching');
  });

  it('Esc does nothing on the landing view or while searching', () => {
    const s = run(initialState(), hello(), { type: 'ui/start', chatType: 'text', interests: [] }).state;
    expect(run(s, { type: 'ui/escape' }).effects).toEqual([]);
    expect(run(s, { type: 'ui/escape' }).state.phase).toBe('searching');
    expect(run(initialState(), { type: 'ui/escape' }).state.phase).toBe('landing');
  });

  it('sending a message takes back the pending Really?', () => {
    const r = run(textChat(), { type: 'ui/escape' }, { type: 'ui/send', text: 'wait, no' });
    expect(r.state.stopConfirm).toBe(false);
    expect(r.state.phase).toBe('chatting');
  });

  it('a new match starts without a pending Really?', () => {
    const r = run(textChat(), { type: 'ui/escape' }, left('left', 2), { type: 'ui/next' }, matched('s2', 3));
    expect(r.state.stopConfirm).toBe(false);
  });
});

describe('auto-reroll after the stranger left', () => {
  const withAuto = () => run(textChat(), { type: 'ui/autoReroll', on: true }).state;

  it('is off by default: the ended chat just waits', () => {
    const r = run(textChat(), left('left', 2));
    expect(r.state.reroll).toBeNull();
    expect(run(r.state, { type: 'reroll/tick' }).state).toEqual(r.state);
  });

  it('counts down from AUTO_REROLL_SECONDS and then searches again', () => {
    let r = run(withAuto(), left('left', 2));
    expect(r.state.phase).toBe('ended');
    expect(r.state.reroll).toBe(AUTO_REROLL_SECONDS);
    for (let i = AUTO_REROLL_SECONDS - 1; i >= 1; i--) {
      r = run(r.state, { type: 'reroll/tick' });
      expect(r.state.reroll).toBe(i);
      expect(r.state.phase).toBe('ended');
    }
    r = run(r.state, { type: 'reroll/tick' });
    expect(r.state.reroll).toBeNull();
    expect(r.state.phase).toBe('searching');
    expect(sent(r.effects)).toEqual([{ type: 'start', chat_type: 'text', interests: [] }]);
  });

  it('can be cancelled; later ticks do nothing', () => {
    const s = run(withAuto(), left('left', 2)).state;
    const r = run(s, { type: 'ui/cancelReroll' }, { type: 'reroll/tick' }, { type: 'reroll/tick' });
    expect(r.state.reroll).toBeNull();
    expect(r.state.phase).toBe('ended');
    expect(r.effects).toEqual([]);
  });

  it('turning the setting off stops a running countdown', () => {
    const r = run(withAuto(), left('left', 2), { type: 'ui/autoReroll', on: false });
    expect(r.state.reroll).toBeNull();
    expect(r.state.autoReroll).toBe(false);
  });

  it('does not start when we ended the chat ourselves', () => {
    const r = run(withAuto(), { type: 'ui/stop' }, { type: 'ui/stop' });
    expect(r.state.phase).toBe('ended');
    expect(r.state.reroll).toBeNull();
  });

  it('Next or Stop during the countdown ends it', () => {
    const s = run(withAuto(), left('left', 2)).state;
    expect(run(s, { type: 'ui/next' }).state.reroll).toBeNull();
    expect(run(s, { type: 'ui/stop' }).state.reroll).toBeNull();
    expect(run(s, { type: 'ui/stop' }).state.phase).toBe('landing');
  });
});

describe('stranger typing expiry', () => {
  it('hides a typing indicator that got no update, but not a newer one', () => {
    let s = run(textChat(), srv({ type: 'typing', active: true, seq: 2 })).state;
    const gen = s.typingGen;
    s = run(s, srv({ type: 'typing', active: true, seq: 3 })).state;
    expect(run(s, { type: 'typing/expired', gen }).state.strangerTyping).toBe(true);
    expect(run(s, { type: 'typing/expired', gen: s.typingGen }).state.strangerTyping).toBe(false);
  });
});

const file = (id = 'f1', size = 3_000_000, name = 'photo.png') =>
  ({ type: 'ui/sendFile', id, name, size, mime: 'image/png' }) as const;

describe('file offers in a video chat (the data channel rides on the peer connection)', () => {
  const open = (s: ChatState) => run(s, { type: 'file/channel', sessionId: s.sessionId!, open: true }).state;

  it('a file picked before the channel opens is offered once it opens', () => {
    let r = run(videoChat(), file());
    expect(r.state.transfers).toMatchObject([{ id: 'f1', direction: 'out', status: 'pending' }]);
    expect(r.state.direct).toBe('none');
    expect(kinds(r.effects)).not.toContain('file/offer');
    r = run(r.state, { type: 'file/channel', sessionId: 'v1', open: true });
    expect(r.effects).toEqual([{ kind: 'file/offer', id: 'f1' }]);
    expect(r.state.transfers[0].status).toBe('offered');
  });

  it('offer, accept, progress, done on the sending side', () => {
    let r = run(open(videoChat()), file());
    expect(r.effects).toEqual([{ kind: 'file/offer', id: 'f1' }]);
    expect(canSendFile(r.state)).toBe(false);
    r = run(r.state, { type: 'file/accepted', sessionId: 'v1', id: 'f1' }, { type: 'file/progress', sessionId: 'v1', id: 'f1', bytes: 1_000_000 });
    expect(r.state.transfers[0]).toMatchObject({ status: 'transferring', bytes: 1_000_000 });
    r = run(r.state, { type: 'file/done', sessionId: 'v1', id: 'f1', url: 'blob:x' });
    expect(r.state.transfers[0]).toMatchObject({ status: 'done', bytes: 3_000_000 });
    expect(texts(r.state)).toContain(LINES.fileSent('photo.png', 3_000_000));
    expect(canSendFile(r.state)).toBe(true);
  });

  it('files over the limit are refused before anything is offered', () => {
    const r = run(open(videoChat()), file('big', MAX_FILE_BYTES + 1, 'movie.mkv'));
    expect(r.state.transfers).toEqual([]);
    expect(r.effects).toEqual([{ kind: 'file/forget', id: 'big' }]);
    expect(texts(r.state)).toContain(LINES.fileTooLarge('movie.mkv'));
    expect(LINES.fileTooLarge('movie.mkv')).toContain('100 MB');
  });

  it('one outgoing file at a time', () => {
    const r = run(open(videoChat()), file('a'), file('b'));
    expect(r.state.transfers.map((t) => t.id)).toEqual(['a']);
    expect(r.effects).toContainEqual({ kind: 'file/forget', id: 'b' });
  });

  it('the receiver sees the offer and nothing moves until it accepts', () => {
    const s = open(videoChat(false));
    let r = run(s, { type: 'file/offered', sessionId: 'v1', id: 'f9', name: 'notes.pdf', size: 2048, mime: 'application/pdf' });
    expect(r.state.transfers).toMatchObject([{ id: 'f9', direction: 'in', status: 'offered', bytes: 0 }]);
    expect(r.effects).toEqual([]);
    // Announced in the log (a live region) too.
    expect(texts(r.state)).toContain(LINES.fileOfferedToYou('notes.pdf', 2048));
    expect(LINES.fileOfferedToYou('notes.pdf', 2048)).toBe('The stranger offers you notes.pdf (2.0 KB). Accept or decline it below.');
    // Progress for an offer not yet accepted is ignored.
    r = run(r.state, { type: 'file/progress', sessionId: 'v1', id: 'f9', bytes: 100 });
    expect(r.state.transfers[0].bytes).toBe(0);
    r = run(r.state, { type: 'ui/acceptFile', id: 'f9' });
    expect(r.effects).toEqual([{ kind: 'file/accept', id: 'f9' }]);
    r = run(r.state, { type: 'file/progress', sessionId: 'v1', id: 'f9', bytes: 1024 });
    expect(r.state.transfers[0]).toMatchObject({ status: 'transferring', bytes: 1024 });
    r = run(r.state, { type: 'file/done', sessionId: 'v1', id: 'f9', url: 'blob:http://x/1' });
    expect(r.state.transfers[0]).toMatchObject({ status: 'done', url: 'blob:http://x/1' });
    expect(texts(r.state)).toContain(LINES.fileReceived('notes.pdf', 2048));
  });

  it('declining sends a decline and the sender learns it', () => {
    const r = run(open(videoChat(false)), { type: 'file/offered', sessionId: 'v1', id: 'f9', name: 'a.bin', size: 10, mime: '' }, { type: 'ui/declineFile', id: 'f9' });
    expect(r.effects).toEqual([{ kind: 'file/decline', id: 'f9' }]);
    expect(r.state.transfers[0].status).toBe('declined');
    const s = run(open(videoChat()), file(), { type: 'file/declined', sessionId: 'v1', id: 'f1' }).state;
    expect(s.transfers[0].status).toBe('declined');
    expect(texts(s)).toContain(LINES.fileDeclinedByStranger('photo.png'));
  });

  it('either side can cancel a running transfer', () => {
    let r = run(open(videoChat()), file(), { type: 'file/accepted', sessionId: 'v1', id: 'f1' }, { type: 'ui/cancelFile', id: 'f1' });
    expect(r.effects).toContainEqual({ kind: 'file/cancel', id: 'f1' });
    expect(r.state.transfers[0].status).toBe('cancelled');
    r = run(r.state, { type: 'file/done', sessionId: 'v1', id: 'f1', url: null });
    expect(r.state.transfers[0].status).toBe('cancelled');
    const s = run(
      open(videoChat(false)),
      { type: 'file/offered', sessionId: 'v1', id: 'f9', name: 'a.bin', size: 10, mime: '' },
      { type: 'ui/acceptFile', id: 'f9' },
      { type: 'file/cancelled', sessionId: 'v1', id: 'f9' },
    ).state;
    expect(s.transfers[0].status).toBe('cancelled');
    expect(texts(s)).toContain(LINES.fileCancelledByStranger('a.bin'));
  });

  it('an offer over the limit, or a second one at once, is declined without asking', () => {
    const s = open(videoChat(false));
    let r = run(s, { type: 'file/offered', sessionId: 'v1', id: 'x', name: 'huge', size: MAX_FILE_BYTES + 1, mime: '' });
    expect(r.effects).toEqual([{ kind: 'file/decline', id: 'x' }]);
    expect(r.state.transfers).toEqual([]);
    r = run(s, { type: 'file/offered', sessionId: 'v1', id: 'a', name: 'a', size: 1, mime: '' }, { type: 'file/offered', sessionId: 'v1', id: 'b', name: 'b', size: 1, mime: '' });
    expect(r.state.transfers.map((t) => t.id)).toEqual(['a']);
    expect(r.effects).toEqual([{ kind: 'file/decline', id: 'b' }]);
  });

  it('events of another session are dropped; the chat ending stops running transfers', () => {
    const s = run(open(videoChat()), file()).state;
    expect(run(s, { type: 'file/accepted', sessionId: 'v0', id: 'f1' }).state).toEqual(s);
    const r = run(s, left('left', 2));
    expect(r.state.transfers[0].status).toBe('cancelled');
    expect(r.state.channelOpen).toBe(false);
    // The next chat starts without the old files, and their URLs are released.
    const n = run(r.state, { type: 'ui/next' });
    expect(n.state.transfers).toEqual([]);
    expect(kinds(n.effects)).toContain('files/reset');
  });

  it('the channel closing under a transfer fails it', () => {
    const r = run(open(videoChat()), file(), { type: 'file/accepted', sessionId: 'v1', id: 'f1' }, { type: 'file/channel', sessionId: 'v1', open: false });
    expect(r.state.transfers[0].status).toBe('failed');
  });
});

describe('file sharing in a text chat asks both users for a direct connection', () => {
  const sig = (effects: Effect[]) => sent(effects).filter((m) => m.type === 'signal');

  it('picking a file asks us first; nothing is sent before we confirm', () => {
    const r = run(textChat(), file());
    expect(r.state.direct).toBe('confirm');
    expect(r.effects).toEqual([]);
  });

  it('confirm -> request to the stranger -> accept -> data-only peer connection -> offer', () => {
    let r = run(textChat(false), file(), { type: 'ui/directConfirm' });
    expect(sig(r.effects)).toEqual([{ type: 'signal', data: { kind: 'direct', action: 'request', session_id: 's1' } }]);
    expect(r.state.direct).toBe('requested');
    r = run(r.state, signal({ kind: 'direct', action: 'accept', session_id: 's1' }, 2));
    expect(r.effects).toContainEqual({ kind: 'peer/open', sessionId: 's1', initiator: false, media: false });
    expect(r.state.peerKind).toBe('data');
    // SDP and ICE of the data connection now reach the peer.
    const data = { sdp: { type: 'offer', sdp: 'o' }, session_id: 's1' };
    expect(run(r.state, signal(data, 3)).effects).toEqual([{ kind: 'peer/signal', sessionId: 's1', data }]);
    r = run(r.state, { type: 'file/channel', sessionId: 's1', open: true });
    expect(r.effects).toEqual([{ kind: 'file/offer', id: 'f1' }]);
  });

  it('the stranger is asked, and allowing opens the connection (initiator offers)', () => {
    let r = run(textChat(true), signal({ kind: 'direct', action: 'request' }, 2));
    expect(r.state.direct).toBe('asked');
    expect(r.effects).toEqual([]);
    r = run(r.state, { type: 'ui/directAllow' });
    expect(sig(r.effects)).toEqual([{ type: 'signal', data: { kind: 'direct', action: 'accept', session_id: 's1' } }]);
    expect(r.effects).toContainEqual({ kind: 'peer/open', sessionId: 's1', initiator: true, media: false });
  });

  it('refusing sends refuse, and the asking side drops its file', () => {
    let r = run(textChat(), signal({ kind: 'direct', action: 'request' }, 2), { type: 'ui/directRefuse' });
    expect(sig(r.effects)).toEqual([{ type: 'signal', data: { kind: 'direct', action: 'refuse', session_id: 's1' } }]);
    expect(kinds(r.effects)).not.toContain('peer/open');
    r = run(textChat(), file(), { type: 'ui/directConfirm' }, signal({ kind: 'direct', action: 'refuse' }, 2));
    expect(r.state.direct).toBe('none');
    expect(r.state.transfers[0].status).toBe('declined');
    expect(r.effects).toContainEqual({ kind: 'file/forget', id: 'f1' });
    expect(texts(r.state)).toContain(LINES.directRefused);
  });

  it('without agreement, SDP signals in a text chat are ignored', () => {
    const r = run(textChat(), signal({ sdp: { type: 'offer', sdp: 'o' } }, 2));
    expect(r.effects).toEqual([]);
  });

  it('a direct connection that fails fails the waiting file', () => {
    const r = run(
      textChat(),
      file(),
      { type: 'ui/directConfirm' },
      signal({ kind: 'direct', action: 'accept' }, 2),
      { type: 'rtc/state', sessionId: 's1', state: 'failed' },
    );
    expect(r.state.transfers[0].status).toBe('failed');
    expect(r.effects).toContainEqual({ kind: 'file/forget', id: 'f1' });
    expect(texts(r.state)).toContain(LINES.directFailed);
  });

  it('cancelling before asking forgets the file', () => {
    const r = run(textChat(), file(), { type: 'ui/directCancel' });
    expect(r.state.direct).toBe('none');
    expect(r.state.transfers).toEqual([]);
    expect(r.effects).toEqual([{ kind: 'file/forget', id: 'f1' }]);
  });
});

describe('TURN relay', () => {
  const turn = { urls: ['turn:127.0.0.1:3478'], username: '1000:ab', credential: 'c1', ttl_s: 600 };
  const videoMatched = (): Run => {
    let s = run(initialState(), hello(), { type: 'ui/start', chatType: 'video', interests: [] }).state;
    s = run(s, { type: 'media/ready', request: s.mediaRequest }).state;
    return run(s, srv({ type: 'matched', seq: 1, session_id: 'v1', chat_type: 'video', initiator: true, common_interests: [], turn }));
  };

  it('the peer opens with the credentials of the match', () => {
    expect(videoMatched().effects).toContainEqual({ kind: 'peer/open', sessionId: 'v1', initiator: true, media: true, turn });
  });

  it('asks for fresh credentials when told, only in that video chat', () => {
    const s = videoMatched().state;
    expect(sent(run(s, { type: 'turn/refresh', sessionId: 'v1' }).effects)).toEqual([{ type: 'turn_credentials' }]);
    expect(sent(run(s, { type: 'turn/refresh', sessionId: 'old' }).effects)).toEqual([]);
    expect(sent(run(textChat(), { type: 'turn/refresh', sessionId: 's1' }).effects)).toEqual([]);
  });

  it('hands fresh credentials of this chat to the peer', () => {
    const s = videoMatched().state;
    const fresh = { ...turn, username: '2000:cd' };
    expect(run(s, srv({ type: 'turn_credentials', session_id: 'v1', turn: fresh })).effects).toEqual([
      { kind: 'peer/turn', sessionId: 'v1', turn: fresh },
    ]);
    expect(run(s, srv({ type: 'turn_credentials', session_id: 'other', turn: fresh })).effects).toEqual([]);
  });

  it('the status says when the video goes through the relay', () => {
    const s = videoMatched().state;
    const relayed = run(s, { type: 'rtc/state', sessionId: 'v1', state: 'connected', relayed: true }).state;
    expect(statusText(relayed)).toBe('Connected through the relay');
    const direct = run(s, { type: 'rtc/state', sessionId: 'v1', state: 'connected', relayed: false }).state;
    expect(statusText(direct)).toBe('Connected');
    const again = run(relayed, { type: 'rtc/state', sessionId: 'v1', state: 'connecting' }).state;
    expect(again.relayed).toBe(false);
  });
});
