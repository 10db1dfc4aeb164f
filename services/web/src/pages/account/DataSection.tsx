// Everything of the account as one JSON file, downloaded: fetched with the session, then saved.
import { useMutation } from '@tanstack/react-query';
import { useId } from 'react';
import { api, must } from '../../api/client';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage } from '../../ui/components';
import { saveFile } from './download';
import { accountMessages } from './messages';

export function DataSection() {
  const t = useMessages(accountMessages);
  const heading = useId();
  const exported = useMutation({
    mutationFn: () => must(api.GET('/api/v1/me/export', { parseAs: 'blob' })),
    onSuccess: (data: Blob) => saveFile(data, `ferry-${new Date().toISOString().slice(0, 10)}.json`),
  });
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.dataTitle}</h2>
      <p>{t.dataIntro}</p>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => exported.mutate()}
          disabled={exported.isPending}
          aria-busy={exported.isPending || undefined}
        >
          {t.download}
        </button>
        <span className="muted" role="status">
          {exported.isPending ? t.downloading : ''}
        </span>
      </div>
      <ErrorMessage error={exported.error} />
    </section>
  );
}
