// A forgotten password: the account's address, and Ferry mails a link to choose a new one. The
// answer is the same whether or not the address has an account: this page never tells.
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Page } from '../../ui/components';
import { authMessages, resetMessages } from './messages';
import { translated } from './AuthForm';
import './auth.css';

export default function ForgotPassword() {
  const t = useMessages(resetMessages);
  const a = useMessages(authMessages);
  const [email, setEmail] = useState('');
  const [checked, setChecked] = useState(false);
  const ask = useMutation({
    mutationFn: (address: string) => must(api.POST('/api/v1/auth/password-reset', { body: { email: address } })),
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (email.trim() && !ask.isPending) ask.mutate(email.trim());
  };

  return (
    <Page title={t.forgotTitle}>
      <p>{t.forgotIntro}</p>
      <form onSubmit={onSubmit} noValidate>
        <Field
          label={t.email}
          type="email"
          name="email"
          autoComplete="username"
          inputMode="email"
          autoCapitalize="none"
          spellCheck={false}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={checked && !email.trim() ? t.emailMissing : null}
          required
        />
        <button type="submit" disabled={ask.isPending} aria-busy={ask.isPending || undefined}>
          {t.send}
        </button>
        <div role="status">
          {ask.isSuccess && !ask.isPending && (
            <div className="notice">
              <p>{t.sent}</p>
              <p className="muted">{t.sentMore}</p>
            </div>
          )}
        </div>
        <ErrorMessage error={translated(ask.error, a.apiErrors)} />
      </form>
      <p className="auth-switch">
        <Link to="/signin">{t.toSignIn}</Link>
      </p>
    </Page>
  );
}
