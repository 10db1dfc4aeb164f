// The page the password-reset mail links to (/reset-password?token=…): a new password, twice.
// Opening it changes nothing; the link works once, within an hour. Every session of the account
// ends, this browser's too: then the visitor signs in with the new password.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError, must, setCsrfToken } from '../../api/client';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Page } from '../../ui/components';
import { authMessages, resetMessages } from './messages';
import { translated } from './AuthForm';
import './auth.css';

export default function ResetPassword() {
  const t = useMessages(resetMessages);
  const a = useMessages(authMessages);
  const token = useSearchParams()[0].get('token') ?? '';
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [checked, setChecked] = useState(false);

  const change = useMutation({
    mutationFn: (newPassword: string) =>
      must(api.POST('/api/v1/auth/password-reset/confirm', { body: { token, password: newPassword } })),
    onSuccess: () => {
      // Signed out everywhere: nothing cached of a session stays.
      setCsrfToken(null);
      queryClient.clear();
    },
  });

  const passwordError = !checked ? null : !password ? t.passwordMissing : password.length < 10 ? t.passwordShort : null;
  const repeatError = checked && !passwordError && repeat !== password ? t.repeatWrong : null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (password.length >= 10 && repeat === password && !change.isPending) change.mutate(password);
  };

  if (!token || (change.error instanceof ApiError && change.error.code === 'invalid_token')) {
    return (
      <Page title={t.badTitle}>
        <p role={token ? 'alert' : undefined}>{token ? t.bad : t.missing}</p>
        <div className="actions">
          <Link className="button" to="/forgot-password">
            {t.askAgain}
          </Link>
        </div>
      </Page>
    );
  }

  if (change.isSuccess) {
    return (
      <Page title={t.doneTitle}>
        <p role="status">{t.done}</p>
        <div className="actions">
          <Link className="button" to="/signin">
            {t.signIn}
          </Link>
        </div>
      </Page>
    );
  }

  return (
    <Page title={t.resetTitle}>
      <p>{t.resetIntro}</p>
      <form onSubmit={onSubmit} noValidate>
        <Field
          label={t.password}
          type="password"
          name="new-password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint={t.passwordHint}
          error={passwordError}
          required
        />
        <Field
          label={t.repeat}
          type="password"
          name="repeat-password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          error={repeatError}
          required
        />
        <button type="submit" disabled={change.isPending} aria-busy={change.isPending || undefined}>
          {t.change}
        </button>
        <ErrorMessage error={translated(change.error, a.apiErrors)} />
      </form>
    </Page>
  );
}
