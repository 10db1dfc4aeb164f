// The frame of every signed-in page: a skip link, the navigation, sign-out, and the page itself.
// A signed-out visitor is sent to sign-in and comes back here afterwards.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, useEffect } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { api, ApiError, must, setCsrfToken } from '../api/client';
import { meQuery } from '../api/queries';
import { common } from '../i18n/common';
import { langOf, useLang, useMessages } from '../i18n/i18n';
import { ErrorMessage, Loading } from './components';

/** Where sign-in returns to: the page the visitor was on. */
export function signInPath(location: { pathname: string; search: string }, reason?: 'expired'): string {
  const next = location.pathname + location.search;
  const params = new URLSearchParams();
  if (next !== '/' && !next.startsWith('/signin')) params.set('next', next);
  if (reason) params.set('reason', reason);
  const q = params.toString();
  return q ? `/signin?${q}` : '/signin';
}

export function SignedInLayout() {
  const t = useMessages(common);
  const me = useQuery(meQuery);
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { setLang } = useLang();
  const lang = langOf(me.data?.locale);
  useEffect(() => {
    if (lang) setLang(lang);
  }, [lang, setLang]);

  const signOut = useMutation({
    mutationFn: () => must(api.POST('/api/v1/auth/logout')),
    onSettled: () => {
      setCsrfToken(null);
      queryClient.clear();
      navigate('/signin');
    },
  });

  if (me.isPending) return <Loading />;
  if (me.error instanceof ApiError && me.error.status === 401) return <Navigate to={signInPath(location)} replace />;
  if (me.error) return <ErrorMessage error={me.error} onRetry={() => me.refetch()} />;

  const links = [
    { to: '/', label: t.dashboard, end: true },
    { to: '/clouds', label: t.clouds },
    { to: '/tasks', label: t.tasks },
    { to: '/account', label: t.account },
    // The operator's console, for administrators only (the API refuses everyone else anyway).
    ...(me.data.admin ? [{ to: '/admin', label: t.admin }] : []),
  ];
  return (
    <>
      <a className="skip" href="#main">
        {t.skip}
      </a>
      <header className="top">
        <span className="brand" aria-hidden="true">
          Ferry
        </span>
        <nav aria-label={t.nav}>
          <ul>
            {links.map((l) => (
              <li key={l.to}>
                <NavLink to={l.to} end={l.end}>
                  {l.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          {t.signOut}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </>
  );
}

/** Sign-in and sign-up: no navigation, just the form. */
export function SignedOutLayout() {
  const t = useMessages(common);
  return (
    <>
      <a className="skip" href="#main">
        {t.skip}
      </a>
      <main id="main" tabIndex={-1} className="narrow">
        <p className="brand big" aria-hidden="true">
          Ferry
        </p>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </>
  );
}
