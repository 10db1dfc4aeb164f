// Live progress of a run: the server-sent events of GET /runs/:id/events written into the query
// cache, so every view of the run (this page, the dashboard) moves without reloading.
//
// The stream is open only while the run is queued or running and the page shows it: an account
// may hold at most 10 streams, so it is closed when the run ends or the page goes away. A lost
// connection is retried with growing pauses, and the run is read again meanwhile so the page
// catches up on what happened while it was away.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { keys } from '../../api/queries';
import { isActive, type Run } from './status';

export type StreamState = { state: 'live' } | { state: 'reconnecting' } | { state: 'closed'; message: string };

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export function useRunEvents(runId: string, taskId: string | undefined, active: boolean): StreamState {
  const queryClient = useQueryClient();
  const [stream, setStream] = useState<StreamState>({ state: 'live' });

  useEffect(() => {
    if (!active) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let delay = FIRST_RETRY_MS;
    let stopped = false;

    let ended = false;
    const finished = () => {
      if (ended) return;
      ended = true;
      stop();
      // The final state carries what the stream does not: the notifications sent.
      void queryClient.invalidateQueries({ queryKey: keys.runs });
      if (taskId) void queryClient.invalidateQueries({ queryKey: keys.taskRuns(taskId) });
      void queryClient.invalidateQueries({ queryKey: keys.me });
    };

    const connect = () => {
      if (stopped) return;
      const es = new EventSource(`/api/v1/runs/${encodeURIComponent(runId)}/events`);
      source = es;
      es.addEventListener('progress', (e) => {
        const run = JSON.parse((e as MessageEvent<string>).data) as Run;
        queryClient.setQueryData<Run>(keys.run(runId), (old) => (old ? { ...old, ...run } : run));
        delay = FIRST_RETRY_MS;
        setStream((s) => (s.state === 'live' ? s : { state: 'live' }));
        // The last progress event already tells the end; "end" follows it.
        if (!isActive(run.status)) finished();
      });
      es.addEventListener('end', finished);
      es.addEventListener('closed', (e) => {
        stop();
        let message = '';
        try {
          message =
            (JSON.parse((e as MessageEvent<string>).data) as { error?: { message?: string } }).error?.message ?? '';
        } catch {
          // a cut without words: the reread below tells what there is to tell
        }
        setStream({ state: 'closed', message });
        // A session that ended shows as a 401 on this read, which takes the app back to sign-in.
        void queryClient.invalidateQueries({ queryKey: keys.run(runId) });
      });
      es.onerror = () => {
        // EventSource would retry on its own at a fixed pace, and not at all after a refusal
        // (429: too many streams): retry here instead, waiting longer each time.
        es.close();
        if (stopped) return;
        setStream({ state: 'reconnecting' });
        void queryClient.invalidateQueries({ queryKey: keys.run(runId) });
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      };
    };

    const stop = () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };

    setStream({ state: 'live' });
    connect();
    return stop;
  }, [runId, taskId, active, queryClient]);

  return active ? stream : stream.state === 'closed' ? stream : { state: 'live' };
}
