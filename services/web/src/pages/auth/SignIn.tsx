// Signing in: email and password, then, for an account with two-factor sign-in on, the code of the
// authenticator app (or a recovery code); then back to the page the visitor was on (or the
// dashboard). Someone already signed in who opens this page goes straight on.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useSearchParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import { common } from '../../i18n/common';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field, Page } from '../../ui/components';
import { AuthForm, translated, type Credentials } from './AuthForm';
import { authMessages } from './messages';
import { useSignedIn } from './session';
import './auth.css';

/** Where the sign-in is: the password step (back from the code step when `email` is set), or the code step. */
type Step =
  | { step: 'password'; email?: string; expired?: boolean }
  | { step: 'code'; email: string; challenge: string };

export default function SignIn() {
  const t = useMessages(authMessages);
  const c = useMessages(common);
  const [params] = useSearchParams();
  // "Sign in with this address instead" on sign-up brings the address along.
  const email = (useLocation().state as { email?: unknown } | null)?.email;
  const signedIn = useSignedIn();
  // Whether this browser is signed in already, asked without the app's 401 handling: a 401 here
  // only means "not signed in", and one arriving late would send a visitor who went on to "Forgot
  // your password?" back to this page.
  const signedInAlready = useQuery({
    queryKey: ['signin', 'signed-in'],
    queryFn: async () => (await api.GET('/api/v1/me')).response.ok,
    staleTime: 0,
    retry: false,
  });
  const [step, setStep] = useState<Step>({ step: 'password' });

  const login = useMutation({
    mutationFn: async (body: Credentials) => {
      const answer = await must(api.POST('/api/v1/auth/login', { body }));
      if ('secondFactorRequired' in answer) return answer.challenge;
      await signedIn.done(answer);
      return null;
    },
    onSuccess: (challenge, body) => {
      if (!challenge) return;
      second.reset();
      setStep({ step: 'code', email: body.email, challenge });
    },
  });

  const second = useMutation({
    mutationFn: async ({ challenge, code }: { challenge: string; code: string }) =>
      signedIn.done(await must(api.POST('/api/v1/auth/login/second-factor', { body: { challenge, code } }))),
    onError: (err) => {
      // Too late (5 minutes) or completed meanwhile: the password again.
      if (err instanceof ApiError && err.code === 'invalid_token' && step.step === 'code') {
        login.reset();
        setStep({ step: 'password', email: step.email, expired: true });
      }
    },
  });

  if (signedInAlready.data && !login.isPending && !second.isPending) return <Navigate to={signedIn.next} replace />;

  const signUpLink = params.get('next') ? `/signup?next=${encodeURIComponent(params.get('next')!)}` : '/signup';
  return (
    <Page title={t.signInTitle}>
      {params.get('reason') === 'expired' && step.step === 'password' && !step.expired && (
        <p className="notice" role="status">
          {c.sessionEnded}
        </p>
      )}
      {step.step === 'code' ? (
        <CodeForm
          submit={(code) => second.mutate({ challenge: step.challenge, code })}
          pending={second.isPending}
          error={second.error}
          back={() => {
            second.reset();
            login.reset();
            setStep({ step: 'password', email: step.email });
          }}
        />
      ) : (
        <>
          {step.expired && (
            <p className="notice warn" role="alert">
              {t.challengeExpired}
            </p>
          )}
          <AuthForm
            mode="signin"
            initialEmail={step.email ?? (typeof email === 'string' ? email : '')}
            focusPassword={step.email !== undefined}
            submit={(b) => login.mutate(b)}
            pending={login.isPending}
            error={login.error}
          />
          <p className="auth-forgot">
            <Link to="/forgot-password">{t.forgot}</Link>
          </p>
          <p className="auth-switch">
            {t.noAccount} <Link to={signUpLink}>{t.toSignUp}</Link>
          </p>
        </>
      )}
    </Page>
  );
}

/** The second step: the app's 6 digits or a recovery code. The focus starts in the field. */
function CodeForm({
  submit,
  pending,
  error,
  back,
}: {
  submit: (code: string) => void;
  pending: boolean;
  error: unknown;
  back: () => void;
}) {
  const t = useMessages(authMessages);
  const c = useMessages(common);
  const [code, setCode] = useState('');
  const [checked, setChecked] = useState(false);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (code.trim() && !pending) submit(code.trim());
  };

  return (
    <form onSubmit={onSubmit} noValidate>
      <p>{t.codeIntro}</p>
      <Field
        label={t.code}
        hint={t.codeHint}
        name="code"
        autoComplete="one-time-code"
        autoCapitalize="none"
        spellCheck={false}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={checked && !code.trim() ? t.codeMissing : null}
        required
        autoFocus
      />
      <div className="actions">
        <button type="submit" disabled={pending} aria-busy={pending || undefined}>
          {t.signIn}
        </button>
        <button type="button" className="secondary" onClick={back} disabled={pending}>
          {c.back}
        </button>
        {pending && (
          <span className="muted" role="status">
            {t.working}
          </span>
        )}
      </div>
      {error ? (
        <div className="auth-error">
          <ErrorMessage error={translated(error, t.apiErrors)} />
        </div>
      ) : null}
    </form>
  );
}
