// The languages Ferry speaks (its mails, its web app, the notices connectors word): services and
// connectors both need the list, so it lives in the lower layer.

export type Locale = 'en' | 'de' | 'fr';
export const LOCALES: readonly Locale[] = ['en', 'de', 'fr'];

export const isLocale = (l: string): l is Locale => (LOCALES as readonly string[]).includes(l);

/** Text in every language Ferry speaks. */
export type Localized<T> = Record<Locale, T>;
