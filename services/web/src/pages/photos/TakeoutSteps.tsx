// How to set up Google Takeout's scheduled export. Once a Takeout reader exists the server's own
// steps (GET /clouds/:id/takeout `setup`, written in English, naming the folder it reads) are shown
// to English readers; other languages, and everyone before such a reader exists, read the same
// steps from this page's catalog.
import type { components } from '../../api/client';
import { useLang, useMessages } from '../../i18n/i18n';
import { photos } from './messages';

export const SETUP_URL = 'https://takeout.google.com/takeout/custom/photos';

/** A step's text with its web addresses as links (the server writes them out in full). */
function Linked({ text }: { text: string }) {
  const parts = text.split(/(https:\/\/[^\s)]+[^\s).,;])/);
  return (
    <>
      {parts.map((p, i) =>
        i % 2 ? (
          <a key={i} href={p} target="_blank" rel="noopener noreferrer">
            {p}
          </a>
        ) : (
          p
        ),
      )}
    </>
  );
}

/** `heading: false` where something else titles the steps (the summary of a <details>). */
export default function TakeoutSteps({
  status,
  folder,
  heading = true,
}: {
  status?: components['schemas']['ExportStatus'];
  folder: string;
  heading?: boolean;
}) {
  const t = useMessages(photos);
  const { lang } = useLang();
  const steps = status && lang === 'en' ? status.setup : t.ownSteps(folder);
  return (
    <section className="takeout-steps">
      {heading && <h3>{t.stepsTitle}</h3>}
      <ol>
        {steps.map((s, i) => (
          <li key={i}>
            <Linked text={s} />
          </li>
        ))}
      </ol>
      <p>
        <a
          className="button secondary"
          href={status?.setupUrl && /^https:\/\//.test(status.setupUrl) ? status.setupUrl : SETUP_URL}
          target="_blank"
          rel="noopener noreferrer"
        >
          {t.openTakeout}
        </a>
      </p>
    </section>
  );
}
