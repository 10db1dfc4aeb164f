// The app speaks English, German and French, chosen as the mails choose: the account's locale once
// signed in, the browser's languages before. Each page keeps its words beside it in a catalog of
// all three languages (`defineMessages`), typed so that a missing translation does not build.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export const LANGS = ['en', 'de', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

/** The language of a locale such as "de-CH" or "fr", when the app speaks it. */
export function langOf(locale: string | null | undefined): Lang | null {
  const l = (locale ?? '').slice(0, 2).toLowerCase();
  return (LANGS as readonly string[]).includes(l) ? (l as Lang) : null;
}

function browserLang(): Lang {
  for (const l of navigator.languages ?? [navigator.language]) {
    const found = langOf(l);
    if (found) return found;
  }
  return 'en';
}

const LangContext = createContext<{ lang: Lang; setLang: (l: Lang) => void }>({ lang: 'en', setLang: () => {} });

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useState<Lang>(browserLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo(() => ({ lang, setLang }), [lang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export const useLang = () => useContext(LangContext);

/** A page's words in the three languages; German and French must have every key English has. */
export function defineMessages<T>(catalog: { en: T; de: NoInfer<T>; fr: NoInfer<T> }): Record<Lang, T> {
  return catalog;
}

/** The words of a catalog in the current language. */
export function useMessages<T>(catalog: Record<Lang, T>): T {
  return catalog[useLang().lang];
}

const LOCALES: Record<Lang, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR' };

/** Numbers, sizes, dates and durations in the current language. */
export function useFormat() {
  const { lang } = useLang();
  return useMemo(() => format(lang), [lang]);
}

export function format(lang: Lang) {
  const locale = LOCALES[lang];
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  // French counts octets.
  const units = lang === 'fr' ? ['o', 'Ko', 'Mo', 'Go', 'To'] : ['B', 'KB', 'MB', 'GB', 'TB'];
  return {
    number: (n: number) => number.format(n),
    // Binary multiples under the names people know (as Windows and the cloud providers show them):
    // a 5 GB plan is 5 GiB and reads "5 GB", not "5.4 GB".
    bytes(n: number) {
      let v = n;
      let u = 0;
      while (Math.abs(v) >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
      }
      return `${number.format(v)} ${units[u]}`;
    },
    dateTime: (iso: string | Date) => dateTime.format(new Date(iso)),
    date: (iso: string | Date) => date.format(new Date(iso)),
    duration(seconds: number) {
      const s = Math.max(0, Math.round(seconds));
      const h = Math.floor(s / 3600);
      const m = Math.floor((s % 3600) / 60);
      const rest = s % 60;
      return h ? `${h} h ${m} min` : m ? `${m} min ${rest} s` : `${rest} s`;
    },
  };
}
