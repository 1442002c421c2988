import { useEffect, useState, type FormEvent } from 'react';
import { MAX_REPORT_COMMENT_CHARS, REPORT_REASONS, type ReportReason } from '../chat/protocol';

interface Props {
  /** A stranger to report or block: in a chat, or in the one that just ended. */
  enabled: boolean;
  /** Changes with every chat: an open report form closes. */
  sessionId: string | null;
  onReport(reason: ReportReason, comment: string): void;
  onBlock(): void;
}

const LABELS: Record<ReportReason, string> = {
  spam: 'Spam',
  nudity: 'Nudity',
  harassment: 'Harassment',
  underage: 'Under 18',
  other: 'Something else',
};

/** Report (with a reason and an optional comment) and Block the stranger. */
export function SafetyControls({ enabled, sessionId, onReport, onBlock }: Props) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ReportReason | ''>('');
  const [comment, setComment] = useState('');

  useEffect(() => {
    setOpen(false);
    setReason('');
    setComment('');
  }, [sessionId]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason) return;
    onReport(reason, comment);
    setOpen(false);
  };

  return (
    <div className="safety-controls">
      <button
        type="button"
        className="btn btn-small btn-secondary"
        disabled={!enabled}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        Report stranger
      </button>
      <button type="button" className="btn btn-small btn-secondary" disabled={!enabled} onClick={onBlock}>
        Block stranger
      </button>
      {open && enabled && (
        <form className="report-form" aria-label="Report the stranger" onSubmit={submit}>
          <label>
            Reason{' '}
            <select value={reason} required onChange={(e) => setReason(e.target.value as ReportReason)}>
              <option value="" disabled>
                Choose a reason
              </option>
              {REPORT_REASONS.map((r) => (
                <option key={r} value={r}>
                  {LABELS[r]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Comment (optional){' '}
            <input
              type="text"
              value={comment}
              maxLength={MAX_REPORT_COMMENT_CHARS}
              onChange={(e) => setComment(e.target.value)}
            />
          </label>
          <button type="submit" className="btn btn-small btn-stop" disabled={!reason}>
            Send report
          </button>
          <button type="button" className="btn btn-small btn-secondary" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </form>
      )}
    </div>
  );
}
