// The email-and-password form of both sign-in and sign-up. Empty fields (and, for a new account, a
// password too short) are told beside the field before anything is sent; what the API refuses
// (wrong password, too many tries, an address already taken) is told in its own words under the form.
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../api/client';
import { ErrorMessage, Field } from '../../ui/components';
import { useMessages } from '../../i18n/i18n';
import { authMessages } from './messages';

export interface Credentials {
  email: string;
  password: string;
}

/** The API's refusal, in the app's language where the API's English has a translation here. */
export function translated(error: unknown, words: Record<string, string> | null): unknown {
  if (!(error instanceof ApiError) || !words || !(error.code in words)) return error;
  return new ApiError(error.status, error.code, words[error.code]);
}

export function AuthForm({
  mode,
  submit,
  pending,
  error,
  afterError,
  initialEmail = '',
  focusPassword = false,
}: {
  mode: 'signin' | 'signup';
  submit: (c: Credentials) => void;
  pending: boolean;
  error: unknown;
  /** Shown under the API's message, e.g. a way out of it. */
  afterError?: ReactNode;
  initialEmail?: string;
  /** Puts the focus in the password field (back from the second step, the address kept). */
  focusPassword?: boolean;
}) {
  const t = useMessages(authMessages);
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [checked, setChecked] = useState(false);

  const emailError = checked && !email.trim() ? t.emailMissing : null;
  const passwordError = !checked
    ? null
    : !password
      ? t.passwordMissing
      : mode === 'signup' && password.length < 10
        ? t.passwordShort
        : null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    const ok = email.trim() && password && (mode === 'signin' || password.length >= 10);
    if (ok && !pending) submit({ email: email.trim(), password });
  };

  return (
    <form onSubmit={onSubmit} noValidate>
      <Field
        label={t.email}
        type="email"
        name="email"
        autoComplete={mode === 'signin' ? 'username' : 'email'}
        inputMode="email"
        autoCapitalize="none"
        spellCheck={false}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={emailError}
        required
      />
      <Field
        label={t.password}
        type="password"
        name="password"
        autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        hint={mode === 'signup' ? t.newPasswordHint : undefined}
        error={passwordError}
        required
        autoFocus={focusPassword}
      />
      <button type="submit" disabled={pending} aria-busy={pending || undefined}>
        {mode === 'signin' ? t.signIn : t.createAccount}
      </button>
      {pending && (
        <span className="muted auth-working" role="status">
          {t.working}
        </span>
      )}
      {error ? (
        <div className="auth-error">
          <ErrorMessage error={translated(error, t.apiErrors)} />
          {afterError}
        </div>
      ) : null}
    </form>
  );
}
