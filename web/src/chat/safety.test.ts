// Report, block and a ban in the chat machine (the controls send; the chat ends at once).
import { describe, expect, it } from 'vitest';
import { initialState, LINES, reduce, type Action, type ChatState, type Effect } from './chatMachine';
import type { ClientMessage, ServerMessage } from './protocol';

function run(state: ChatState, ...actions: Action[]) {
  const effects: Effect[] = [];
  for (const a of actions) {
    const step = reduce(state, a);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}
const srv = (msg: ServerMessage): Action => ({ type: 'server', msg });
const sent = (effects: Effect[]): ClientMessage[] =>
  effects.flatMap((e) => (e.kind === 'send' ? [e.msg] : []));
const texts = (s: ChatState) => s.log.map((l) => l.text);

function textChat(): ChatState {
  return run(
    initialState(),
    srv({ type: 'hello', user_id: 'u1', token: 'tok', online: 2 }),
    { type: 'socket/open' },
    { type: 'ui/start', chatType: 'text', interests: [] },
    srv({ type: 'matched', session_id: 's1', chat_type: 'text', initiator: true, common_interests: [], seq: 1 }),
  ).state;
}

describe('report and block', () => {
  it('Report sends the reason and comment and ends the chat here at once', () => {
    const s = textChat();
    expect(s.phase).toBe('chatting');
    const r = run(s, { type: 'ui/report', reason: 'harassment', comment: '  insults  ' });
    expect(sent(r.effects)).toEqual([{ type: 'report', reason: 'harassment', comment: 'insults' }]);
    expect(r.state.phase).toBe('ended');
    expect(r.effects.map((e) => e.kind)).toContain('peer/close');
    expect(texts(r.state)).toContain(LINES.reported);
    // The server's answer changes nothing more.
    expect(reduce(r.state, srv({ type: 'reported', session_id: 's1' })).state).toEqual(r.state);
  });

  it('an empty comment is left out; a long one is cut to the limit', () => {
    expect(sent(run(textChat(), { type: 'ui/report', reason: 'spam', comment: '   ' }).effects)).toEqual([
      { type: 'report', reason: 'spam' },
    ]);
    const long = sent(run(textChat(), { type: 'ui/report', reason: 'other', comment: 'x'.repeat(900) }).effects)[0];
    expect(long).toMatchObject({ type: 'report', reason: 'other' });
    expect((long as { comment: string }).comment.length).toBe(500);
  });

  it('Block sends block and ends the chat', () => {
    const r = run(textChat(), { type: 'ui/block' });
    expect(sent(r.effects)).toEqual([{ type: 'block' }]);
    expect(r.state.phase).toBe('ended');
    expect(texts(r.state)).toContain(LINES.blocked);
  });

  it('after the stranger left, the stranger can still be reported', () => {
    const ended = run(textChat(), srv({ type: 'partner_left', reason: 'left', seq: 2 })).state;
    expect(ended.phase).toBe('ended');
    const r = run(ended, { type: 'ui/report', reason: 'nudity', comment: '' });
    expect(sent(r.effects)).toEqual([{ type: 'report', reason: 'nudity' }]);
    expect(texts(r.state)).toContain(LINES.reported);
  });

  it('nothing is sent without a stranger', () => {
    const landing = run(initialState(), { type: 'ui/report', reason: 'spam', comment: '' }, { type: 'ui/block' });
    expect(sent(landing.effects)).toEqual([]);
  });

  it('a ban ends the chat and says why', () => {
    const r = run(textChat(), srv({ type: 'error', code: 'banned', message: 'this address is banned' }));
    expect(r.state.phase).toBe('ended');
    expect(r.state.notice).toEqual({ kind: 'error', text: LINES.banned });
  });
});
