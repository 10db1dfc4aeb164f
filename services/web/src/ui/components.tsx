// The few building blocks every page uses, so pages look and behave alike: a page frame with its
// heading, fields with labels and their errors, an error box that shows the API's message, empty
// states that say what to do next, and a progress bar.
import { useEffect, useId, useRef, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../api/client';
import { common } from '../i18n/common';
import { useMessages } from '../i18n/i18n';

// Whether the document has shown a page yet: its first page keeps the browser's own start (the
// skip link first), as any web page does.
let shownAPage = false;

/**
 * A page: its title becomes the document's title and its one h1. When the app goes from one page
 * to another, the focus moves to the new page's h1, as a page load puts a screen reader at the
 * top and the keyboard's next Tab into the new page; unless the page has put the focus in itself.
 */
export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    document.title = `${title} · Ferry`;
  }, [title]);
  useEffect(() => {
    if (opened.current) return; // StrictMode's second run of the same page
    opened.current = true;
    const first = !shownAPage;
    shownAPage = true;
    if (first) return;
    const active = document.activeElement;
    if (
      active &&
      active !== document.body &&
      active.closest('main') &&
      h1.current?.closest('main') === active.closest('main')
    )
      return;
    h1.current?.focus();
  }, []);
  return (
    <>
      <div className="page-head">
        <h1 ref={h1} tabIndex={-1}>
          {title}
        </h1>
        {actions && <div className="actions">{actions}</div>}
      </div>
      {children}
    </>
  );
}

/** The message of an error as a person should read it: the API's own words, never a stack. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong. Try again in a moment.';
}

/** An error beside what caused it, announced to screen readers. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useMessages(common);
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <p>{messageOf(error)}</p>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          {t.retry}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const t = useMessages(common);
  return (
    <p className="muted" role="status">
      {t.loading}
    </p>
  );
}

/** What an empty list says, with the button or link that fills it. */
export function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
      {action && <div className="actions">{action}</div>}
    </div>
  );
}

type FieldProps = { label: string; hint?: ReactNode; error?: string | null } & InputHTMLAttributes<HTMLInputElement>;

/** A labelled input; its hint and its error are read with it. */
export function Field({ label, hint, error, id, ...input }: FieldProps) {
  const auto = useId();
  const fieldId = id ?? auto;
  const described =
    [hint ? `${fieldId}-hint` : '', error ? `${fieldId}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={fieldId}>{label}</label>
      <input id={fieldId} aria-describedby={described} aria-invalid={error ? true : undefined} {...input} />
      {hint && (
        <p className="hint" id={`${fieldId}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${fieldId}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

type SelectProps = {
  label: string;
  hint?: ReactNode;
  options: { value: string; label: string }[];
} & SelectHTMLAttributes<HTMLSelectElement>;

export function Select({ label, hint, options, id, ...select }: SelectProps) {
  const auto = useId();
  const fieldId = id ?? auto;
  return (
    <div className="field">
      <label htmlFor={fieldId}>{label}</label>
      <select id={fieldId} aria-describedby={hint ? `${fieldId}-hint` : undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint && (
        <p className="hint" id={`${fieldId}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** A labelled bar; `value` and `max` in any unit, `text` says them in words. */
export function ProgressBar({ label, value, max, text }: { label: string; value: number; max: number; text?: string }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div className="progress">
      <div className="progress-label">
        <span>{label}</span>
        {text && <span className="muted">{text}</span>}
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        aria-valuetext={text}
      >
        <div className="fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function NotFound() {
  const t = useMessages(common);
  return (
    <Page title={t.notFoundTitle}>
      <p>{t.notFoundText}</p>
      <p>
        <Link to="/">{t.toDashboard}</Link>
      </p>
    </Page>
  );
}
