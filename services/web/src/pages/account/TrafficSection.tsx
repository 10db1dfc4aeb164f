// This month's traffic: what Ferry has copied against the account's monthly allowance, and the
// day the allowance starts again.
import { useId } from 'react';
import type { components } from '../../api/client';
import { useFormat, useLang, useMessages } from '../../i18n/i18n';
import { ProgressBar } from '../../ui/components';
import { accountMessages } from './messages';

type Usage = components['schemas']['Me']['usage'];

const DAY_LOCALES = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' } as const;

export function TrafficSection({ usage }: { usage: Usage }) {
  const t = useMessages(accountMessages);
  const heading = useId();
  const f = useFormat();
  const { lang } = useLang();
  // The period ends at midnight UTC on the 1st: that day, said in UTC, is the day it starts again
  // (in the browser's own zone west of UTC it would read as the last day of the month).
  const renews = new Intl.DateTimeFormat(DAY_LOCALES[lang], { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(usage.periodEnd),
  );
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.trafficTitle}</h2>
      <ProgressBar
        label={t.traffic}
        value={usage.usedBytes}
        max={usage.limitBytes}
        text={t.trafficText(f.bytes(usage.usedBytes), f.bytes(usage.limitBytes))}
      />
      <p className="muted">{t.trafficExplain(renews)}</p>
    </section>
  );
}
