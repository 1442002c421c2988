import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { addInterests, removeInterest, type InterestLimits } from '../chat/interests';

interface Props {
  interests: string[];
  limits: InterestLimits;
  onChange(list: string[]): void;
  /** Text typed but not yet turned into a chip (it still counts when starting). */
  draft: string;
  onDraftChange(text: string): void;
}

export function InterestsField({ interests, limits, onChange, draft, onDraftChange }: Props) {
  // After a chip is removed, the focus goes to its neighbour (or to the field).
  const [focusTag, setFocusTag] = useState<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusTag === null) return;
    (buttons.current.get(focusTag) ?? inputRef.current)?.focus();
    setFocusTag(null);
  }, [focusTag]);

  const commit = (text: string) => {
    onChange(addInterests(interests, text, limits));
    onDraftChange('');
  };

  const onInput = (text: string) => {
    if (text.includes(',')) {
      const cut = text.lastIndexOf(',');
      onChange(addInterests(interests, text.slice(0, cut), limits));
      onDraftChange(text.slice(cut + 1).trimStart());
    } else {
      onDraftChange(text);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (draft.trim()) commit(draft);
    } else if (e.key === 'Backspace' && draft === '' && interests.length > 0) {
      e.preventDefault();
      onChange(interests.slice(0, -1));
    }
  };

  const full = interests.length >= limits.maxInterests;

  return (
    <div className="interests">
      <label htmlFor="interests-input" className="field-label">
        Interests <span className="optional">(optional)</span>
      </label>
      <div className="chip-input">
        {interests.length > 0 && (
          <ul className="chips">
            {interests.map((tag) => (
              <li key={tag} className="chip">
                <span>{tag}</span>
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove ${tag}`}
                  ref={(el) => {
                    if (el) buttons.current.set(tag, el);
                    else buttons.current.delete(tag);
                  }}
                  onClick={() => {
                    const i = interests.indexOf(tag);
                    const rest = removeInterest(interests, tag);
                    setFocusTag(rest[Math.min(i, rest.length - 1)] ?? '');
                    onChange(rest);
                  }}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <input
          ref={inputRef}
          id="interests-input"
          type="text"
          autoComplete="off"
          enterKeyHint="done"
          placeholder={full ? 'That is plenty of interests' : interests.length ? 'Add more…' : 'music, chess, travel'}
          disabled={full && draft === ''}
          value={draft}
          maxLength={200}
          aria-describedby="interests-hint"
          onChange={(e) => onInput(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => draft.trim() && commit(draft)}
        />
      </div>
      <p id="interests-hint" className="hint">
        Separate them with commas. We try to pair you with someone who shares one.
      </p>
    </div>
  );
}
