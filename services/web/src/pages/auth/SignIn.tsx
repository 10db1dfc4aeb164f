// Signing in: email and password, then back to the page the visitor was on (or the dashboard).
// Someone already signed in who opens this page goes straight on.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, Navigate, useLocation, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { meQuery } from '../../api/queries';
import { common } from '../../i18n/common';
import { useMessages } from '../../i18n/i18n';
import { Page } from '../../ui/components';
import { AuthForm, type Credentials } from './AuthForm';
import { authMessages } from './messages';
import { useSignedIn } from './session';
import './auth.css';

export default function SignIn() {
  const t = useMessages(authMessages);
  const c = useMessages(common);
  const [params] = useSearchParams();
  // "Sign in with this address instead" on sign-up brings the address along.
  const email = (useLocation().state as { email?: unknown } | null)?.email;
  const signedIn = useSignedIn();
  // A 401 here only means "not signed in": no retry, and the app's expired-session handling
  // leaves the sign-in page alone.
  const me = useQuery({ ...meQuery, retry: false });

  const login = useMutation({
    mutationFn: async (body: Credentials) => signedIn.done(await must(api.POST('/api/v1/auth/login', { body }))),
  });

  if (me.data && !login.isPending) return <Navigate to={signedIn.next} replace />;

  const signUpLink = params.get('next') ? `/signup?next=${encodeURIComponent(params.get('next')!)}` : '/signup';
  return (
    <Page title={t.signInTitle}>
      {params.get('reason') === 'expired' && (
        <p className="notice" role="status">
          {c.sessionEnded}
        </p>
      )}
      <AuthForm
        mode="signin"
        initialEmail={typeof email === 'string' ? email : ''}
        submit={(b) => login.mutate(b)}
        pending={login.isPending}
        error={login.error}
      />
      <p className="auth-switch">
        {t.noAccount} <Link to={signUpLink}>{t.toSignUp}</Link>
      </p>
    </Page>
  );
}
