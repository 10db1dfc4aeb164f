// What signing in and signing up share once the API has said yes: keep the CSRF token for later
// changes, load the signed-in user into the cache (so the next page has it at once), and go back to
// where the visitor was headed.
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { setCsrfToken } from '../../api/client';
import { meQuery } from '../../api/queries';
import { safeNext } from './next';

export function useSignedIn() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  return {
    next,
    async done(res: { csrfToken: string }) {
      setCsrfToken(res.csrfToken);
      // A fresh /me, never one cached from before (another account, or a 401).
      await queryClient.fetchQuery({ ...meQuery, staleTime: 0 });
      navigate(next, { replace: true });
    },
  };
}
