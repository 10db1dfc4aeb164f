// Creating an account: email and password, in the language the app speaks now (Ferry's mails
// follow it), then on to the dashboard, or to the page the visitor was headed for.
import { useMutation } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import { useLang, useMessages } from '../../i18n/i18n';
import { Page } from '../../ui/components';
import { AuthForm, type Credentials } from './AuthForm';
import { authMessages } from './messages';
import { useSignedIn } from './session';
import './auth.css';

export default function SignUp() {
  const t = useMessages(authMessages);
  const { lang } = useLang();
  const [params] = useSearchParams();
  const signedIn = useSignedIn();

  const signup = useMutation({
    mutationFn: async (body: Credentials) =>
      signedIn.done(await must(api.POST('/api/v1/auth/signup', { body: { ...body, locale: lang } }))),
  });

  const withNext = (path: string) => {
    const q = new URLSearchParams();
    if (params.get('next')) q.set('next', params.get('next')!);
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  };
  const taken = signup.error instanceof ApiError && signup.error.code === 'email_taken';

  return (
    <Page title={t.signUpTitle}>
      <p>{t.signUpIntro}</p>
      <AuthForm
        mode="signup"
        submit={(b) => signup.mutate(b)}
        pending={signup.isPending}
        error={signup.error}
        afterError={
          taken ? (
            <p>
              <Link to={withNext('/signin')} state={{ email: signup.variables?.email }}>
                {t.taken}
              </Link>
            </p>
          ) : null
        }
      />
      <p className="auth-switch">
        {t.haveAccount} <Link to={withNext('/signin')}>{t.toSignIn}</Link>
      </p>
    </Page>
  );
}
