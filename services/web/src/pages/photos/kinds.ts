// Which clouds can play which part on the Google Photos pages, and their kinds in words.
import type { components } from '../../api/client';
import { defineMessages } from '../../i18n/i18n';

type Cloud = components['schemas']['Cloud'];

/**
 * The kinds a `google-takeout` cloud may read its exports from (connectors/google-takeout: `wraps`).
 * Google itself delivers to Drive, Dropbox and OneDrive; S3 and a server folder serve those who
 * move the exports there themselves.
 */
export const TAKEOUT_STORE_KINDS = ['google-drive', 'dropbox', 'onedrive', 's3', 'local'] as const;

export const takeoutStores = (clouds: Cloud[]) =>
  clouds.filter((c) => (TAKEOUT_STORE_KINDS as readonly string[]).includes(c.kind));

/**
 * Clouds picked photos can be backed up to: those whose provider says it is a destination, except
 * Google Photos itself (backing up Google Photos into Google Photos keeps no second copy).
 */
export function destinations(clouds: Cloud[], providers: components['schemas']['Provider'][]): Cloud[] {
  const ok = new Set(providers.filter((p) => p.destination && p.kind !== 'google-photos').map((p) => p.kind));
  return clouds.filter((c) => ok.has(c.kind as components['schemas']['Provider']['kind']));
}

export const kindWords = defineMessages({
  en: {
    'google-drive': 'Google Drive',
    dropbox: 'Dropbox',
    onedrive: 'OneDrive',
    s3: 'S3 storage',
    local: 'folder on this server',
    crypt: 'encrypted folder',
    other: 'cloud',
  },
  de: {
    'google-drive': 'Google Drive',
    dropbox: 'Dropbox',
    onedrive: 'OneDrive',
    s3: 'S3-Speicher',
    local: 'Ordner auf diesem Server',
    crypt: 'verschlüsselter Ordner',
    other: 'Cloud',
  },
  fr: {
    'google-drive': 'Google Drive',
    dropbox: 'Dropbox',
    onedrive: 'OneDrive',
    s3: 'stockage S3',
    local: 'dossier sur ce serveur',
    crypt: 'dossier chiffré',
    other: 'cloud',
  },
});

/** "Family Dropbox (Dropbox)": a cloud's name and, when the name does not say it, its kind. */
export function cloudLabel(c: Cloud, words: Record<string, string>): string {
  const kind = words[c.kind] ?? words.other;
  return c.name.toLowerCase().includes(kind.toLowerCase()) ? c.name : `${c.name} (${kind})`;
}
