// Changing the account's address: the new one and the password. Nothing changes until the link
// mailed to the new address is followed; the old address is told at once.
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, must } from '../../api/client';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field } from '../../ui/components';
import { accountMessages } from './messages';

export function ChangeAddress({ email }: { email: string }) {
  const t = useMessages(accountMessages);
  const [open, setOpen] = useState(false);
  const [next, setNext] = useState('');
  const [password, setPassword] = useState('');
  const [checked, setChecked] = useState(false);
  const change = useMutation({
    mutationFn: (body: { email: string; password: string }) => must(api.POST('/api/v1/me/email', { body })),
    onSuccess: () => {
      setPassword('');
      setOpen(false);
    },
  });
  const nextError = checked && !/^[^\s@]+@[^\s@]+$/.test(next.trim()) ? t.newAddressMissing : null;
  const passwordError = checked && !password ? t.currentMissing : null;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    change.reset();
    if (!nextError && /^[^\s@]+@[^\s@]+$/.test(next.trim()) && password && !change.isPending)
      change.mutate({ email: next.trim(), password });
  };

  if (!open)
    return (
      <>
        {change.isSuccess && (
          <p className="notice" role="status">
            {t.addressLinkSent(change.data.sentTo, email)}
          </p>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setOpen(true)}>
            {t.changeAddress}
          </button>
        </div>
      </>
    );
  return (
    <form className="account-form" onSubmit={onSubmit} noValidate>
      <Field
        label={t.newAddress}
        type="email"
        name="email"
        autoComplete="email"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        hint={t.newAddressHint}
        error={nextError}
        required
        autoFocus
      />
      <Field
        label={t.currentPassword}
        type="password"
        name="current-password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={passwordError}
        required
      />
      <div className="actions">
        <button type="submit" disabled={change.isPending}>
          {t.sendAddressLink}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          {t.cancel}
        </button>
      </div>
      <ErrorMessage error={change.error} />
    </form>
  );
}
