// The app's entry: one query client (server state lives there, not in components), the language,
// and the router. A 401 from any call ends the session in the app: back to sign-in, then back here.
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { ApiError, onSignedOut } from './api/client';
import { keys } from './api/queries';
import { LangProvider } from './i18n/i18n';
import { router } from './routes';
import { signInPath } from './ui/Layout';
import './ui/styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // An API error is an answer, not a blip: only network failures and 5xx are retried.
      retry: (count, err) => count < 2 && (!(err instanceof ApiError) || err.status === 0 || err.status >= 500),
      refetchOnWindowFocus: true,
    },
  },
  queryCache: new QueryCache(),
  mutationCache: new MutationCache(),
});

onSignedOut(() => {
  const { pathname, search } = window.location;
  if (pathname === '/signin' || pathname === '/signup') return;
  // "Your session has ended" only for someone who had one; the cache is cleared once sign-in is
  // shown, or the layout, refetching /me, would race this navigation with one that drops the reason.
  const hadSession = queryClient.getQueryData(keys.me) !== undefined;
  void router
    .navigate(signInPath({ pathname, search }, hadSession ? 'expired' : undefined), { replace: true })
    .then(() => queryClient.clear());
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <LangProvider>
        <RouterProvider router={router} />
      </LangProvider>
    </QueryClientProvider>
  </StrictMode>,
);
