// A token just created: shown this once, with a copy button and the warning that it will not be
// shown again. It lives only in this component's props: leaving the page forgets it.
import { useEffect, useRef, useState } from 'react';
import type { components } from '../../api/client';
import { useMessages } from '../../i18n/i18n';
import { accountMessages } from './messages';

type Created = { name: string; token: string } & Partial<components['schemas']['Token']>;

export function NewToken({ token, onDone }: { token: Created; onDone: () => void }) {
  const t = useMessages(accountMessages);
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  // Focus moves to the new token so keyboard and screen reader users land on it.
  useEffect(() => box.current?.focus(), []);

  const copy = async () => {
    input.current?.select();
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <div className="notice warn new-token" ref={box} tabIndex={-1} role="group" aria-labelledby="new-token-title">
      <h3 id="new-token-title">{t.newTokenTitle(token.name)}</h3>
      <p>{t.newTokenWarning}</p>
      <div className="field">
        <label htmlFor="new-token-value">{t.newTokenLabel}</label>
        <div className="token-copy">
          <input
            id="new-token-value"
            ref={input}
            readOnly
            value={token.token}
            spellCheck={false}
            autoComplete="off"
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" onClick={() => void copy()}>
            {t.copy}
          </button>
        </div>
      </div>
      <p role="status" className="muted">
        {copied === 'yes' ? t.copied : copied === 'failed' ? t.copyFailed : ''}
      </p>
      <button type="button" className="secondary" onClick={onDone}>
        {t.newTokenDone}
      </button>
    </div>
  );
}
