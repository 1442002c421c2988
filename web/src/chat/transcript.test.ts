import { describe, expect, it } from 'vitest';
import { transcriptFileName, transcriptText } from './transcript';

describe('transcript', () => {
  const at = new Date(2026, 11, 1, 9, 5);
  it('lists the conversation with who said what', () => {
    const text = transcriptText(
      [
        { id: 1, kind: 'system', text: "You're now chatting with a random stranger. Say hi!" },
        { id: 2, kind: 'you', text: 'hi' },
        { id: 3, kind: 'stranger', text: 'hello there' },
      ],
      'text',
      at,
    );
    expect(text).toBe(
      "parley: Text chat with a random stranger\nSaved 2026-12-01 09:05\n\n* You're now chatting with a random stranger. Say hi!\nYou: hi\nStranger: hello there\n",
    );
  });
  it('names the file after the time', () => {
    expect(transcriptFileName(at)).toBe('parley-chat-20261201-0905.txt');
  });
});
