import { useEffect, useRef, useState } from 'react';
import type { Notice } from '../chat/chatMachine';
import type { ChatType } from '../chat/protocol';
import { addInterests, type InterestLimits } from '../chat/interests';
import { DATA_SAVER } from '../settings';
import { ageConfirmed, browserStore, confirmAge } from '../app/ageGate';
import { InterestsField } from './InterestsField';
import { OnlineCount } from './OnlineCount';

interface Props {
  offline: boolean;
  dataSaver: boolean;
  onDataSaverChange(on: boolean): void;
  online: number | null;
  notice: Notice | null;
  interests: string[];
  /** The server's limits on interests (GET /config). */
  limits: InterestLimits;
  onInterestsChange(list: string[]): void;
  onStart(chatType: ChatType, interests: string[]): void;
  onDismissNotice(): void;
  /** "Hide my IP address" (video through the TURN relay only). */
  hideIp: boolean;
  /** Whether the server has a relay; null until it has said. */
  turnAvailable: boolean | null;
  onHideIpChange(on: boolean): void;
}

export function Landing({
  offline,
  dataSaver,
  onDataSaverChange,
  online,
  notice,
  interests,
  limits,
  onInterestsChange,
  onStart,
  onDismissNotice,
  hideIp,
  turnAvailable,
  onHideIpChange,
}: Props) {
  const [draft, setDraft] = useState('');
  const [adult, setAdult] = useState(() => ageConfirmed(browserStore()));
  // Confirmed on an earlier visit: the gate is not shown again on this device.
  const [gatePassed] = useState(adult);
  const textButton = useRef<HTMLButtonElement>(null);

  const mediaProblem = notice?.kind === 'media';

  // After the camera was refused, text chat is the way forward: put the focus on it.
  useEffect(() => {
    if (mediaProblem) textButton.current?.focus();
  }, [mediaProblem, notice]);

  const start = (chatType: ChatType) => {
    if (!adult) return;
    const list = draft.trim() ? addInterests(interests, draft, limits) : interests;
    if (list !== interests) onInterestsChange(list);
    setDraft('');
    onStart(chatType, list);
  };

  return (
    <main className="landing">
      <header className="landing-head">
        <h1 className="brand">parley</h1>
        <p className="tagline">Talk to a random stranger, by text or video.</p>
        <OnlineCount online={online} />
      </header>

      {offline && (
        <p className="offline-banner" role="alert">
          You're offline. parley is ready, but chatting needs the network: it connects by itself when the network is
          back.
        </p>
      )}

      {notice && (
        <div className="notice" role="alert">
          <p>{notice.text}</p>
          {mediaProblem && <p>You can use text chat instead: it needs no camera.</p>}
          <button type="button" className="link-button" onClick={onDismissNotice} aria-label="Dismiss this notice">
            Dismiss
          </button>
        </div>
      )}

      <section className="start-card" aria-label="Start chatting">
        <InterestsField
          interests={interests}
          limits={limits}
          onChange={onInterestsChange}
          draft={draft}
          onDraftChange={setDraft}
        />
        <div className="hide-ip">
          <label>
            <input
              type="checkbox"
              checked={hideIp && turnAvailable !== false}
              disabled={turnAvailable === false}
              onChange={(e) => onHideIpChange(e.target.checked)}
              aria-describedby="hide-ip-help"
            />{' '}
            Hide my IP address
          </label>
          <p id="hide-ip-help" className="fine-print">
            {turnAvailable === false
              ? 'Unavailable: this server has no relay (TURN) server, so video goes directly between you and the stranger.'
              : 'Video then goes through our relay server, so the stranger never learns your IP address (it may be a little slower).'}
          </p>
        </div>
        {!gatePassed && (
          <div className="age-gate">
            <label className="check">
              <input
                type="checkbox"
                checked={adult}
                onChange={(e) => {
                  setAdult(e.target.checked);
                  if (e.target.checked) confirmAge(browserStore());
                }}
                aria-describedby="age-gate-help"
              />{' '}
              I am 18 or older and I accept the rules
            </label>
            <p id="age-gate-help" className="fine-print">
              Rules: no nudity, no harassment, no spam, nobody under 18. Report or block anyone who breaks them.
            </p>
          </div>
        )}
        <div className="start-buttons">
          <button
            ref={textButton}
            type="button"
            className={mediaProblem ? 'btn btn-primary' : 'btn btn-secondary'}
            disabled={!adult}
            onClick={() => start('text')}
          >
            Text chat
          </button>
          <button type="button" className={mediaProblem ? 'btn btn-secondary' : 'btn btn-primary'} disabled={!adult} onClick={() => start('video')}>
            Video chat
          </button>
        </div>
        <div className="landing-options">
          <label className="check">
            <input type="checkbox" checked={dataSaver} onChange={(e) => onDataSaverChange(e.target.checked)} />
            Data saver
          </label>
          <span className="hint">
            Video you send is capped at {DATA_SAVER.maxWidth} px wide and {DATA_SAVER.maxFramerate} frames a second, for
            mobile data
          </span>
        </div>
      </section>

      <section className="terms" aria-labelledby="terms-title">
        <h2 id="terms-title">Before you start</h2>
        <ul>
          <li>You must be 18 or older to use parley.</li>
          <li>Be kind. No harassment, hate or nudity.</li>
          <li>You can leave any time: Next finds someone new, Stop ends the chat (Esc steps through Stop, Really?, New).</li>
        </ul>
        <p className="fine-print">
          Chats are anonymous and not stored. Video and files go directly between you and the stranger; "Save chat"
          makes the only copy, on your device.
        </p>
      </section>
    </main>
  );
}
