// "Save chat": the conversation as a plain text file, made in the browser. The server
// keeps nothing, so this is the only copy there is.

import type { ChatType } from './protocol';
import type { LogEntry } from './chatMachine';

const pad = (n: number) => String(n).padStart(2, '0');

function stamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function transcriptText(log: readonly LogEntry[], chatType: ChatType | null, savedAt: Date): string {
  const kind = chatType === 'video' ? 'Video chat' : 'Text chat';
  const lines = [`parley: ${kind} with a random stranger`, `Saved ${stamp(savedAt)}`, ''];
  for (const e of log) {
    if (e.kind === 'you') lines.push(`You: ${e.text}`);
    else if (e.kind === 'stranger') lines.push(`Stranger: ${e.text}`);
    else lines.push(`* ${e.text}`);
  }
  return lines.join('\n') + '\n';
}

export function transcriptFileName(savedAt: Date): string {
  const d = savedAt;
  return `parley-chat-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}.txt`;
}
