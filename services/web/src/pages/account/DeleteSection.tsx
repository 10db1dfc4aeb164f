// Deleting the account: a button, then what deleting does, with the password (and a code when
// two-factor sign-in is on) and the button that does it. Then the goodbye page.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, must, setCsrfToken, type components } from '../../api/client';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field } from '../../ui/components';
import { translated } from '../auth/AuthForm';
import { accountMessages } from './messages';

type Me = components['schemas']['Me'];

export function DeleteSection({ me }: { me: Me }) {
  const t = useMessages(accountMessages);
  const heading = useId();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [checked, setChecked] = useState(false);

  const remove = useMutation({
    mutationFn: (body: { password: string; code?: string }) => must(api.DELETE('/api/v1/me', { body })),
    onSuccess: async () => {
      // Away from the signed-in pages first: with the cache cleared they would ask for /me again.
      await navigate('/goodbye', { replace: true });
      setCsrfToken(null);
      queryClient.clear();
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (!password || (me.twoFactor && !code.trim()) || remove.isPending) return;
    remove.mutate(me.twoFactor ? { password, code: code.trim() } : { password });
  };

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.deleteTitle}</h2>
      <p>{t.deleteIntro}</p>
      {!open ? (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setOpen(true)}>
            {t.deleteStart}
          </button>
        </div>
      ) : (
        <form className="account-form notice warn" onSubmit={onSubmit} noValidate>
          <p>
            <strong>{t.deleteWhat}</strong>
          </p>
          <ul>
            <li>{t.deleteRuns}</li>
            <li>{t.deleteGrants}</li>
            <li>{t.deleteRecords}</li>
            <li>{t.deleteKept}</li>
            <li>{t.deleteMail(me.email)}</li>
          </ul>
          <Field
            label={t.yourPassword}
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={checked && !password ? t.passwordMissing : null}
            required
            autoFocus
          />
          {me.twoFactor && (
            <Field
              label={t.code}
              name="code"
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellCheck={false}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={checked && !code.trim() ? t.codeMissing : null}
              required
            />
          )}
          <div className="actions">
            <button
              type="submit"
              className="danger"
              disabled={remove.isPending}
              aria-busy={remove.isPending || undefined}
            >
              {t.deleteYes}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(false)} disabled={remove.isPending}>
              {t.deleteNo}
            </button>
          </div>
          <ErrorMessage error={translated(remove.error, t.apiErrors)} />
        </form>
      )}
    </section>
  );
}
