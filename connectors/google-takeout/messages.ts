// What a Takeout source tells its owner, in every language Ferry speaks: an export that did not
// come, and a yearly schedule that runs out (Google runs one for a year and does not renew it).
import type { Locale, Localized } from '../locale.ts';
import type { CloudNotice, NoticeMail } from '../types.ts';

/** Google Takeout's form for a Google Photos export. */
export const SETUP_URL = 'https://takeout.google.com/takeout/custom/photos';

interface Words {
  subject: {
    exportLate(cloud: string): string;
    scheduleEnding(cloud: string, date: string): string;
  };
  /**
   * A Takeout export did not come: what happened, then what to check.
   * `delivery`: the cloud the exports go to, when known.
   */
  exportLate(cloud: string, date: string): string;
  exportLateChecks(cloud: string, delivery: string | null): string[];
  exportLateRenew: string;
  /** The yearly Takeout schedule runs out: how to set up the next one, as Google's form asks. */
  scheduleEnding(cloud: string, date: string, delivery: string | null): string;
  setupAction: string;
}

const en: Words = {
  subject: {
    exportLate: (cloud) => `Ferry: the Google Takeout export for '${cloud}' is late`,
    scheduleEnding: (cloud, date) => `Ferry: your Google Takeout schedule for '${cloud}' ends on ${date}`,
  },
  exportLate: (cloud, date) =>
    `The Google Takeout export expected around ${date} has not arrived in '${cloud}'. ` +
    `Google's export may have failed, or the schedule may have stopped. Please check:`,
  exportLateChecks: (cloud, delivery) => [
    'that your scheduled export is still active at takeout.google.com (your exports are listed there);',
    `that ${delivery ? `'${delivery}'` : `the cloud '${cloud}' reads`} has room for the export: ` +
      `an export that does not fit is not delivered;`,
    `that the archives go to the folder '${cloud}' reads.`,
  ],
  exportLateRenew: 'If the schedule has stopped, set up a new one; Ferry picks up its exports by itself.',
  scheduleEnding: (cloud, date, delivery) =>
    `Your Google Takeout schedule ends on ${date}: set up a new one (Google Photos only, every 2 months, ` +
    `.zip, 50 GB, delivered to ${delivery ? `'${delivery}'` : `the cloud '${cloud}' reads`}) so your ` +
    `backups keep coming. Google runs a schedule for one year (six exports) and does not renew it; ` +
    `Ferry picks up the new schedule's exports from the same folder by itself.`,
  setupAction: 'Set up the export in Google Takeout',
};

const de: Words = {
  subject: {
    exportLate: (cloud) => `Ferry: Der Google-Takeout-Export für „${cloud}“ ist überfällig`,
    scheduleEnding: (cloud, date) => `Ferry: Ihr Google-Takeout-Zeitplan für „${cloud}“ endet am ${date}`,
  },
  exportLate: (cloud, date) =>
    `Der Google-Takeout-Export, der um den ${date} erwartet wurde, ist in „${cloud}“ nicht angekommen. ` +
    `Vielleicht ist Googles Export fehlgeschlagen oder der Zeitplan ist abgelaufen. Bitte prüfen Sie:`,
  exportLateChecks: (cloud, delivery) => [
    'ob Ihr geplanter Export auf takeout.google.com noch aktiv ist (dort sind Ihre Exporte aufgeführt);',
    `ob ${delivery ? `„${delivery}“` : `die Cloud, die „${cloud}“ liest,`} Platz für den Export hat: ` +
      `Ein Export, der nicht hineinpasst, wird nicht geliefert;`,
    `ob die Archive in dem Ordner landen, den „${cloud}“ liest.`,
  ],
  exportLateRenew:
    'Ist der Zeitplan abgelaufen, richten Sie einen neuen ein; Ferry übernimmt dessen Exporte von selbst.',
  scheduleEnding: (cloud, date, delivery) =>
    `Ihr Google-Takeout-Zeitplan endet am ${date}: Richten Sie einen neuen ein (nur Google Fotos, alle 2 Monate, ` +
    `.zip, 50 GB, Lieferung an ${delivery ? `„${delivery}“` : `die Cloud, die „${cloud}“ liest`}), ` +
    `damit Ihre Sicherungen weiter ankommen. Google führt einen Zeitplan ein Jahr lang aus (sechs Exporte) ` +
    `und verlängert ihn nicht; Ferry übernimmt die Exporte des neuen von selbst aus demselben Ordner.`,
  setupAction: 'Export in Google Takeout einrichten',
};

const fr: Words = {
  subject: {
    exportLate: (cloud) => `Ferry : l'export Google Takeout pour « ${cloud} » est en retard`,
    scheduleEnding: (cloud, date) =>
      `Ferry : votre export programmé Google Takeout pour « ${cloud} » se termine le ${date}`,
  },
  exportLate: (cloud, date) =>
    `L'export Google Takeout attendu vers le ${date} n'est pas arrivé dans « ${cloud} ». ` +
    `L'export de Google a peut-être échoué, ou l'export programmé a pris fin. Vérifiez :`,
  exportLateChecks: (cloud, delivery) => [
    'que votre export programmé est toujours actif sur takeout.google.com (vos exports y sont listés) ;',
    `que ${delivery ? `« ${delivery} »` : `le cloud que lit « ${cloud} »`} a assez ` +
      `de place pour l'export : un export qui n'y tient pas n'est pas livré ;`,
    `que les archives arrivent dans le dossier que lit « ${cloud} ».`,
  ],
  exportLateRenew: "Si l'export programmé a pris fin, créez-en un nouveau ; Ferry en reprend les exports de lui-même.",
  scheduleEnding: (cloud, date, delivery) =>
    `Votre export programmé Google Takeout se termine le ${date} : créez-en un nouveau (Google Photos uniquement, ` +
    `tous les 2 mois, .zip, 50 Go, livré dans ${delivery ? `« ${delivery} »` : `le cloud que lit « ${cloud} »`}) ` +
    `pour que vos sauvegardes continuent d'arriver. Google n'exécute un export programmé que pendant un an (six ` +
    `exports) et ne le renouvelle pas ; Ferry reprend de lui-même les exports du nouveau dans le même dossier.`,
  setupAction: "Configurer l'export dans Google Takeout",
};

/** A date as the mail's language writes it: "12 July 2026". */
const dateIn = (lang: Locale, d: Date) =>
  new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(d);

function inEveryLanguage(mail: (w: Words, lang: Locale) => NoticeMail): Localized<NoticeMail> {
  const words: Localized<Words> = { en, de, fr };
  return { en: mail(words.en, 'en'), de: mail(words.de, 'de'), fr: mail(words.fr, 'fr') };
}

/** The export expected around `expected` has not come. */
export function exportLate(
  key: string,
  expected: Date,
  names: { cloud: string; delivery: string | null },
): CloudNotice {
  return {
    key,
    mail: inEveryLanguage((w, lang) => ({
      subject: w.subject.exportLate(names.cloud),
      body: [
        w.exportLate(names.cloud, dateIn(lang, expected)),
        w.exportLateChecks(names.cloud, names.delivery),
        w.exportLateRenew,
      ],
      action: { label: w.setupAction, url: SETUP_URL },
    })),
  };
}

/** The yearly schedule runs out on `ends`. */
export function scheduleEnding(
  key: string,
  ends: Date,
  names: { cloud: string; delivery: string | null },
): CloudNotice {
  return {
    key,
    mail: inEveryLanguage((w, lang) => {
      const date = dateIn(lang, ends);
      return {
        subject: w.subject.scheduleEnding(names.cloud, date),
        body: [w.scheduleEnding(names.cloud, date, names.delivery)],
        action: { label: w.setupAction, url: SETUP_URL },
      };
    }),
  };
}
