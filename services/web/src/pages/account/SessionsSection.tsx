// The browsers signed in to the account: which browser on which system, from which address, when
// signed in and last used, this one marked. Any other one can be ended, or all of them at once.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, must, type components } from '../../api/client';
import { useFormat, useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading } from '../../ui/components';
import { accountMessages } from './messages';

type Session = components['schemas']['Session'];

export const sessionsKey = ['sessions'] as const;

const sessionsQuery = {
  queryKey: sessionsKey,
  queryFn: () => must(api.GET('/api/v1/sessions')),
};

// The first that matches wins: Edge and Opera say "Chrome" too, Chrome says "Safari".
const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrom(e|ium)\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** "Firefox on Windows" from a User-Agent header; what is not a browser shows as it is, shortened. */
export function deviceOf(userAgent: string | null, t: Pick<typeof accountMessages.en, 'browserOn' | 'unknownBrowser'>) {
  if (!userAgent) return t.unknownBrowser;
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return t.browserOn(browser, system);
  if (browser || system) return (browser ?? system)!;
  return userAgent.length > 40 ? `${userAgent.slice(0, 40)}…` : userAgent;
}

export function SessionsSection() {
  const t = useMessages(accountMessages);
  const heading = useId();
  const queryClient = useQueryClient();
  const sessions = useQuery(sessionsQuery);
  const [said, setSaid] = useState<string | null>(null);

  const endOthers = useMutation({
    mutationFn: () => must(api.DELETE('/api/v1/sessions')),
    onSuccess: (answer) => {
      setSaid(t.endedOthers(answer.ended));
      return queryClient.invalidateQueries({ queryKey: sessionsKey });
    },
  });

  const items = sessions.data?.items ?? [];
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.sessionsTitle}</h2>
      <p>{t.sessionsIntro}</p>
      {sessions.isPending ? (
        <Loading />
      ) : sessions.error ? (
        <ErrorMessage error={sessions.error} onRetry={() => sessions.refetch()} />
      ) : (
        <ul className="sessions">
          {items.map((s) => (
            <SessionItem key={s.id} session={s} onEnded={() => setSaid(t.sessionEnded)} />
          ))}
        </ul>
      )}
      <p className="muted" role="status">
        {said ?? ''}
      </p>
      {items.some((s) => !s.current) && (
        <div className="actions">
          <button
            type="button"
            className="secondary"
            onClick={() => endOthers.mutate()}
            disabled={endOthers.isPending}
            aria-busy={endOthers.isPending || undefined}
          >
            {t.endOthers}
          </button>
        </div>
      )}
      <ErrorMessage error={endOthers.error} />
    </section>
  );
}

function SessionItem({ session, onEnded }: { session: Session; onEnded: () => void }) {
  const t = useMessages(accountMessages);
  const f = useFormat();
  const queryClient = useQueryClient();
  const device = deviceOf(session.userAgent, t);
  const end = useMutation({
    mutationFn: () => must(api.DELETE('/api/v1/sessions/{id}', { params: { path: { id: session.id } } })),
    onSuccess: () => {
      onEnded();
      return queryClient.invalidateQueries({ queryKey: sessionsKey });
    },
  });
  return (
    <li>
      <div className="session-about">
        <p className="session-device">
          <strong title={session.userAgent ?? undefined}>{device}</strong>{' '}
          {session.current && <span className="badge ok">{t.thisDevice}</span>}
        </p>
        <p className="muted">
          {session.ip && (
            <>
              {t.sessionIp}: {session.ip}
              <br />
            </>
          )}
          {t.sessionCreated}: {f.dateTime(session.createdAt)}
          <br />
          {t.sessionLastUsed}: {f.dateTime(session.lastUsedAt ?? session.createdAt)}
        </p>
        <ErrorMessage error={end.error} />
      </div>
      {!session.current && (
        <button
          type="button"
          className="secondary"
          aria-label={t.endSessionLabel(device, f.dateTime(session.createdAt))}
          onClick={() => end.mutate()}
          disabled={end.isPending}
        >
          {t.endSession}
        </button>
      )}
    </li>
  );
}
