// Changing the password: the current one, then the new one twice. This browser stays signed in;
// every other session of the account ends (the Sessions list shows it).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, must } from '../../api/client';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field } from '../../ui/components';
import { translated } from '../auth/AuthForm';
import { accountMessages } from './messages';
import { sessionsKey } from './SessionsSection';

export function PasswordSection({ email }: { email: string }) {
  const t = useMessages(accountMessages);
  const heading = useId();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [checked, setChecked] = useState(false);

  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      must(api.POST('/api/v1/me/password', { body })),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setRepeat('');
      setChecked(false);
      return queryClient.invalidateQueries({ queryKey: sessionsKey });
    },
  });

  const currentError = checked && !current ? t.currentMissing : null;
  const nextError = !checked ? null : !next ? t.newMissing : next.length < 10 ? t.newShort : null;
  const repeatError = checked && !nextError && repeat !== next ? t.repeatWrong : null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    change.reset();
    if (current && next.length >= 10 && repeat === next && !change.isPending)
      change.mutate({ currentPassword: current, newPassword: next });
  };

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.passwordTitle}</h2>
      <form className="account-form" onSubmit={onSubmit} noValidate>
        {/* For password managers: which account's password this is. */}
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
        <Field
          label={t.currentPassword}
          type="password"
          name="current-password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={currentError}
          required
        />
        <Field
          label={t.newPassword}
          type="password"
          name="new-password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          hint={t.newPasswordHint}
          error={nextError}
          required
        />
        <Field
          label={t.repeatPassword}
          type="password"
          name="repeat-password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          error={repeatError}
          required
        />
        <button type="submit" disabled={change.isPending} aria-busy={change.isPending || undefined}>
          {t.changePassword}
        </button>
        <p className="muted" role="status">
          {change.isSuccess ? t.passwordChanged : ''}
        </p>
        <ErrorMessage error={translated(change.error, t.apiErrors)} />
      </form>
    </section>
  );
}
