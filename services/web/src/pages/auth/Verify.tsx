// The page the confirmation mail links to (/verify?token=…). Opening it changes nothing (mail
// scanners open every link); it names the address, and only pressing Confirm confirms it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import { keys } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading, Page } from '../../ui/components';
import { verifyMessages } from './messages';
import './auth.css';

const JSON_PLEASE = { accept: 'application/json' };

/** These routes answer a page to browsers and JSON to us; a page here means something is off. */
function json<T extends object>(answer: string | T): T {
  if (typeof answer === 'string')
    throw new ApiError(0, 'not_json', 'Ferry answered in a way this page does not understand. Reload the page.');
  return answer;
}

export default function Verify() {
  const t = useMessages(verifyMessages);
  const token = useSearchParams()[0].get('token') ?? '';
  const queryClient = useQueryClient();

  const pending = useQuery({
    queryKey: ['verify', token],
    queryFn: async () =>
      json(await must(api.GET('/api/v1/auth/verify', { params: { query: { token } }, headers: JSON_PLEASE }))),
    enabled: token !== '',
    staleTime: Infinity,
    retry: false,
  });
  // Whether this browser is signed in, asked without the app's 401 handling: someone who is not
  // is offered "Sign in" rather than being sent there.
  const signedIn = useQuery({
    queryKey: ['verify', 'signed-in'],
    queryFn: async () => (await api.GET('/api/v1/me')).response.ok,
    staleTime: Infinity,
    retry: false,
  });

  const confirm = useMutation({
    mutationFn: async () =>
      json(await must(api.POST('/api/v1/auth/verify/confirm', { body: { token }, headers: JSON_PLEASE }))),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.me }),
  });

  const onward = signedIn.data ? (
    <Link className="button" to="/account">
      {t.toAccount}
    </Link>
  ) : (
    <Link className="button" to={`/signin?next=${encodeURIComponent('/account')}`}>
      {t.toSignIn}
    </Link>
  );

  const unusable = (error: unknown) => error instanceof ApiError && error.code === 'invalid_token';
  if (!token || unusable(pending.error) || unusable(confirm.error)) {
    return (
      <Page title={t.badTitle}>
        {token ? (
          <>
            <p>{t.bad}</p>
            <p>{t.badWhat}</p>
          </>
        ) : (
          <p>{t.missing}</p>
        )}
        <div className="actions">{onward}</div>
      </Page>
    );
  }

  if (confirm.data) {
    return (
      <Page title={t.doneTitle}>
        <p role="status">{t.done(confirm.data.email)}</p>
        <div className="actions">{onward}</div>
      </Page>
    );
  }

  return (
    <Page title={t.title}>
      {pending.isPending ? (
        <Loading />
      ) : pending.error ? (
        <ErrorMessage error={pending.error} onRetry={() => pending.refetch()} />
      ) : (
        <>
          <p>{t.intro(pending.data.email)}</p>
          <p>{t.why}</p>
          <div className="actions">
            <button
              type="button"
              onClick={() => confirm.mutate()}
              disabled={confirm.isPending}
              aria-busy={confirm.isPending || undefined}
            >
              {t.confirm}
            </button>
          </div>
          <ErrorMessage error={confirm.error} />
        </>
      )}
    </Page>
  );
}
