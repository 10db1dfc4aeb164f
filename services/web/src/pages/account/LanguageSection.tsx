// The account's language: the app switches at once, and the choice is saved to the account so
// that Ferry's mails (which read the account's language) follow it.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { api, must, type components } from '../../api/client';
import { keys } from '../../api/queries';
import { langOf, LANGS, useLang, useMessages, type Lang } from '../../i18n/i18n';
import { ErrorMessage, Select } from '../../ui/components';
import { accountMessages, LANGUAGE_NAMES } from './messages';

type Me = components['schemas']['Me'];

export function LanguageSection({ me }: { me: Me }) {
  const t = useMessages(accountMessages);
  const heading = useId();
  const { lang, setLang } = useLang();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (locale: Lang) => must(api.PATCH('/api/v1/me', { body: { locale } })),
    onMutate: (locale) => {
      const before = lang;
      setLang(locale);
      return { before };
    },
    onSuccess: (updated) => queryClient.setQueryData(keys.me, updated),
    // Not saved: the app goes back to the language the account has.
    onError: (_err, _locale, ctx) => setLang(langOf(me.locale) ?? ctx?.before ?? 'en'),
  });

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.languageTitle}</h2>
      <Select
        label={t.language}
        value={save.isPending && save.variables ? save.variables : (langOf(me.locale) ?? lang)}
        options={LANGS.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
        onChange={(e) => save.mutate(e.target.value as Lang)}
        disabled={save.isPending}
      />
      {save.isSuccess && (
        <p className="muted" role="status">
          {t.languageSaved}
        </p>
      )}
      <ErrorMessage error={save.error} />
    </section>
  );
}
