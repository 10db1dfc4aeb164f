// Which clouds can play which part on the Google Photos pages, and how a cloud is named in their lists.
import type { components } from '../../api/client';
import { useKindNoun } from '../../api/providers';
import { defineMessages, useMessages } from '../../i18n/i18n';

type Cloud = components['schemas']['Cloud'];
type Provider = components['schemas']['Provider'];

/**
 * The clouds a Takeout reader may read its exports from: those of the kinds its provider wraps, in
 * the order it lists them (Google itself delivers to Drive, Dropbox and OneDrive; S3 and a server
 * folder serve those who move the exports there themselves).
 */
export function takeoutStores(clouds: Cloud[], reader: Provider): Cloud[] {
  const order: string[] = reader.wraps;
  return clouds.filter((c) => order.includes(c.kind)).sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

/**
 * Clouds picked items can be backed up to: those whose provider says it is a destination, except
 * the picked cloud's own kind (backing up Google Photos into Google Photos keeps no second copy).
 */
export function destinations(clouds: Cloud[], providers: Provider[], pickedKind: string): Cloud[] {
  const ok = new Set<string>(providers.filter((p) => p.destination && p.kind !== pickedKind).map((p) => p.kind));
  return clouds.filter((c) => ok.has(c.kind));
}

const words = defineMessages({
  en: { other: 'cloud' },
  de: { other: 'Cloud' },
  fr: { other: 'cloud' },
});

/** "Family Dropbox (Dropbox)": a cloud's name and, when the name does not say it, its kind. */
export function useCloudLabel(): (c: Cloud) => string {
  const noun = useKindNoun();
  const t = useMessages(words);
  return (c) => {
    const kind = noun(c.kind) ?? t.other;
    return c.name.toLowerCase().includes(kind.toLowerCase()) ? c.name : `${c.name} (${kind})`;
  };
}
