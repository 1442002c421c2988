import { useEffect, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import type { Controller } from '../app/controller';
import { canSendFile, LINES, type ChatState } from '../chat/chatMachine';
import { joinNaturally } from '../chat/interests';
import { formatSize } from '../files/size';
import { AUTO_REROLL_SECONDS, MAX_FILE_BYTES } from '../settings';
import { FileTransfers } from './FileTransfers';
import { SafetyControls } from './SafetyControls';

interface Props {
  chat: ChatState;
  /** Connection state line for text chats (video chats show it on the video). */
  status: string | null;
  canNext: boolean;
  controller: Controller;
}

const PREFIX = { you: 'You:', stranger: 'Stranger:' } as const;

export function ChatPanel({ chat, status, canNext, controller }: Props) {
  const [draft, setDraft] = useState('');
  const logRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const stickToBottom = useRef(true);
  const chatting = chat.phase === 'chatting';

  // Focus follows the chat: the message field once matched, Next once it ended.
  useEffect(() => {
    if (chat.phase === 'chatting') inputRef.current?.focus();
    else if (chat.phase === 'ended') nextRef.current?.focus();
  }, [chat.phase, chat.sessionId]);

  // A new chat starts with an empty field.
  useEffect(() => setDraft(''), [chat.sessionId]);

  // Keep the newest line in view unless the user scrolled up to read.
  useLayoutEffect(() => {
    const el = logRef.current;
    if (el && stickToBottom.current) el.scrollTop = el.scrollHeight;
  }, [chat.log, chat.strangerTyping]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!chatting || !draft.trim()) return;
    controller.send(draft);
    setDraft('');
  };

  return (
    <section className="panel" aria-label="Chat">
      {status !== null && (
        <p className={chatting ? 'panel-status panel-status--ok' : 'panel-status'} role="status" aria-live="polite">
          {status}
        </p>
      )}
      <div
        ref={logRef}
        className="log"
        role="log"
        aria-live="polite"
        aria-label="Conversation"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {chat.log.length === 0 && (
          <p className="log-empty" aria-hidden="true">
            {chat.phase === 'searching' && chat.interests.length > 0
              ? `We try to find someone who also likes ${joinNaturally(chat.interests, 'or')} first.`
              : 'Your conversation will appear here.'}
          </p>
        )}
        {chat.log.map((entry) =>
          entry.kind === 'you' || entry.kind === 'stranger' ? (
            <p key={entry.id} className={`line line--${entry.kind}`}>
              <strong className="who">{PREFIX[entry.kind]}</strong> <span className="text">{entry.text}</span>
            </p>
          ) : (
            <p key={entry.id} className={`line line--${entry.kind}`}>
              {entry.text}
            </p>
          ),
        )}
        {chatting && chat.strangerTyping && <p className="line line--typing">{LINES.typing}</p>}
      </div>
      <FileTransfers chat={chat} controller={controller} />
      <form className="composer" onSubmit={onSubmit}>
        <label htmlFor="message-input" className="visually-hidden">
          Message
        </label>
        <input
          ref={inputRef}
          id="message-input"
          type="text"
          autoComplete="off"
          enterKeyHint="send"
          placeholder={chatting ? 'Type a message' : ''}
          maxLength={chat.maxChars}
          disabled={!chatting}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            controller.input(e.target.value);
          }}
        />
        <button type="submit" className="btn btn-primary" disabled={!chatting}>
          Send
        </button>
      </form>
      <div className="panel-tools">
        <button
          type="button"
          className="btn btn-small btn-secondary"
          disabled={!canSendFile(chat)}
          aria-describedby="file-limit"
          onClick={() => fileRef.current?.click()}
        >
          Send a file
        </button>
        <input
          ref={fileRef}
          type="file"
          hidden
          tabIndex={-1}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) controller.sendFile(file);
            e.target.value = '';
          }}
        />
        <span id="file-limit" className="hint">
          Up to {formatSize(MAX_FILE_BYTES)}, sent directly to the stranger
        </span>
        <button
          type="button"
          className="btn btn-small btn-secondary tools-save"
          disabled={chat.log.length === 0}
          onClick={() => controller.saveTranscript()}
        >
          Save chat
        </button>
      </div>
      <div className="panel-controls">
        <button ref={nextRef} type="button" className="btn btn-next" disabled={!canNext} onClick={() => controller.next()}>
          Next
        </button>
        <button
          type="button"
          className={chat.stopConfirm ? 'btn btn-stop btn-really' : 'btn btn-stop'}
          onClick={() => controller.stop()}
        >
          {chat.stopConfirm ? 'Really?' : 'Stop'}
        </button>
        <span className="kbd-hint" aria-hidden="true">
          Esc: Stop, Really?, New
        </span>
        <p className="visually-hidden" aria-live="assertive">
          {chat.stopConfirm ? 'Press Really? or Escape again to end the chat.' : ''}
        </p>
      </div>
      <SafetyControls
        enabled={chat.phase === 'chatting' || (chat.phase === 'ended' && chat.leftReason !== 'you' && chat.leftReason !== 'banned')}
        sessionId={chat.sessionId}
        onReport={(reason, comment) => controller.report(reason, comment)}
        onBlock={() => controller.block()}
      />
      <div className="reroll">
        <label className="check">
          <input type="checkbox" checked={chat.autoReroll} onChange={(e) => controller.setAutoReroll(e.target.checked)} />
          Auto-reroll
        </label>
        <span className="hint">
          Find a new stranger {AUTO_REROLL_SECONDS} seconds after one leaves
        </span>
        {chat.reroll !== null && (
          <p className="reroll-count" role="status">
            New stranger in {chat.reroll} {chat.reroll === 1 ? 'second' : 'seconds'}.{' '}
            <button type="button" className="btn btn-small btn-secondary" onClick={() => controller.cancelReroll()}>
              Cancel auto-reroll
            </button>
          </p>
        )}
      </div>
    </section>
  );
}
