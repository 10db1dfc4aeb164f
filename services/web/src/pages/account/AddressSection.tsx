// The account's address; where this Ferry wants it confirmed and it is not yet, what to do about
// it and a button that mails a new link; and changing it.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { api, ApiError, must, type components } from '../../api/client';
import { keys } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage } from '../../ui/components';
import { ChangeAddress } from './ChangeAddress';
import { accountMessages } from './messages';

type Me = components['schemas']['Me'];

export function AddressSection({ me }: { me: Me }) {
  const t = useMessages(accountMessages);
  const heading = useId();
  const queryClient = useQueryClient();
  const resend = useMutation({
    mutationFn: () => must(api.POST('/api/v1/auth/verify')),
    onError: (err) => {
      // 409: confirmed meanwhile (in another tab, say): show it as it is now.
      if (err instanceof ApiError && err.status === 409) void queryClient.invalidateQueries({ queryKey: keys.me });
    },
  });
  const needsConfirming = me.emailVerificationRequired && !me.emailVerified;

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.addressTitle}</h2>
      <p className="account-address">
        <strong>{me.email}</strong>{' '}
        {me.emailVerified ? (
          <span className="badge ok">{t.confirmed}</span>
        ) : needsConfirming ? (
          <span className="badge warn">{t.unconfirmed}</span>
        ) : null}
      </p>
      {needsConfirming && (
        <div className="notice warn">
          <p>{t.unconfirmedText(me.email)}</p>
          {resend.isSuccess ? (
            <p role="status">{t.resent(resend.data.sentTo)}</p>
          ) : (
            <div className="actions">
              <button type="button" className="secondary" onClick={() => resend.mutate()} disabled={resend.isPending}>
                {t.resend}
              </button>
            </div>
          )}
          <ErrorMessage error={resend.error} />
        </div>
      )}
      <ChangeAddress email={me.email} />
    </section>
  );
}
