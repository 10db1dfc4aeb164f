// Suspending an account, after a step that says what it does and takes an optional reason for the
// user's mail; or, suspended, since when and why, and resuming it. The server's refusal (your own
// account, already suspended) is shown beside the buttons.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, must } from '../../api/client';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage } from '../../ui/components';
import { TextArea } from '../tasks/parts';
import { adminWords } from './messages';
import { adminKeys, type AdminUser } from './queries';

export function Suspension({ user }: { user: AdminUser }) {
  const t = useMessages(adminWords);
  const f = useFormat();
  const heading = useId();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);

  const changed = (updated: AdminUser, said: string) => {
    queryClient.setQueryData(adminKeys.user(user.id), updated);
    void queryClient.invalidateQueries({ queryKey: adminKeys.all });
    setAsking(false);
    setReason('');
    setDone(said);
  };
  const suspend = useMutation({
    mutationFn: () =>
      must(
        api.POST('/api/v1/admin/users/{id}/suspend', {
          params: { path: { id: user.id } },
          body: reason.trim() ? { reason: reason.trim() } : {},
        }),
      ),
    onSuccess: (updated) => changed(updated, t.nowSuspended),
  });
  const resume = useMutation({
    mutationFn: () => must(api.POST('/api/v1/admin/users/{id}/resume', { params: { path: { id: user.id } } })),
    onSuccess: (updated) => changed(updated, t.nowActive),
  });
  const start = () => {
    setDone(null);
    suspend.reset();
    resume.reset();
    setAsking(true);
  };

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.suspensionTitle}</h2>
      <p className="muted" role="status">
        {done ?? ''}
      </p>
      {user.suspendedAt ? (
        <>
          <p>
            <span className="badge bad">{t.suspendedBadge}</span> {t.suspendedSince(f.dateTime(user.suspendedAt))}
          </p>
          <p>{user.suspendedReason ? t.reasonWas(user.suspendedReason) : t.noReason}</p>
          <p>{t.resumeText}</p>
          <button type="button" onClick={() => resume.mutate()} disabled={resume.isPending}>
            {t.resume}
          </button>
          <ErrorMessage error={resume.error} />
        </>
      ) : asking ? (
        <div className="notice warn admin-ask" role="group" aria-labelledby={`${heading}-ask`}>
          <h3 id={`${heading}-ask`}>{t.suspendQuestion(user.email)}</h3>
          <p>{t.suspendWhat}</p>
          <ul>
            {t.suspendEffects.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
          <TextArea
            label={t.reason}
            hint={t.reasonHint}
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
            autoFocus
          />
          <div className="actions">
            <button type="button" className="danger" onClick={() => suspend.mutate()} disabled={suspend.isPending}>
              {t.suspendYes}
            </button>
            <button type="button" className="secondary" onClick={() => setAsking(false)} disabled={suspend.isPending}>
              {t.suspendNo}
            </button>
          </div>
          <ErrorMessage error={suspend.error} />
        </div>
      ) : (
        <>
          <p>{t.activeText}</p>
          <button type="button" className="danger" onClick={start}>
            {t.suspend}
          </button>
        </>
      )}
    </section>
  );
}
