// Pairs each media file of a Google Takeout export with its JSON sidecar.
//
// Takeout names a sidecar after the item's original name, not after the file in the archive, and
// then mangles it (as the open-source importers immich-go and GooglePhotosTakeoutHelper found):
//   * `IMG_1.JPG.json` (until late 2024), `IMG_1.JPG.supplemental-metadata.json` (since);
//   * the name before `.json` is clipped to 46 UTF-16 units (51 with `.json`), so the clip falls in
//     `.supplemental-metadata` (`….supplemen.json`, `….s.json`, `…..json`) or in the name itself;
//   * the second `IMG_1.JPG` of a folder is stored as `IMG_1(1).JPG`, and its sidecar carries the
//     index after the (clipped) name: `IMG_1.JPG(1).json`, `IMG_1.JPG.supplemental-metadata(1).json`;
//   * edited copies (`IMG_1-edited.JPG`, `-bearbeitet`, `-modifié`…) have no sidecar of their own;
//   * an item uploaded without an extension gets one in the archive, not in its sidecar's name;
//   * long media names are clipped in the archive too, while the sidecar's `title` keeps the name;
//   * archives made on macOS hold NFD names, the JSON's `title` is NFC.
// A file and its sidecar share a folder but not necessarily a part, so matching runs over the whole
// set (and earlier sets), one folder at a time.
import { isNonItemJson } from './metadata.ts';
import { yielder } from './yield-point.ts';

export interface SidecarEntry {
  /** The archive path, e.g. `Takeout/Google Photos/Photos from 2023/IMG_1.JPG.json`. */
  path: string;
  /** The JSON's `title` when the caller has read it: needed for media names clipped in the archive. */
  title?: string;
}

/** Localized suffixes Google Photos gives edited copies (GPTH's list, extended), NFC and lower case. */
export const EDITED_SUFFIXES: readonly string[] = [
  '-edited',
  '-effects',
  '-smile',
  '-mix', // en
  '-bearbeitet', // de
  '-modifié', // fr
  '-modificato', // it
  '-ha editado',
  '-editado', // es, pt
  '-editat', // ca, ro
  '-bewerkt', // nl
  '-edytowane', // pl
  '-upraveno', // cs
  '-redigerad', // sv
  '-redigeret', // da
  '-redigert', // nb
  '-muokattu', // fi
  '-szerkesztett', // hu
  '-düzenlendi', // tr
  '-отредактировано', // ru
  '-змінено', // uk
  '-編集済み', // ja
  '-편집됨', // ko
  '-已编辑', // zh-CN
  '-已編輯', // zh-TW
  '-đã chỉnh sửa', // vi
  '-diedit', // id
  '-แก้ไขแล้ว', // th
  '-संपादित', // hi
  '-تم التعديل', // ar
]
  .map((s) => s.normalize('NFC'))
  .sort((a, b) => b.length - a.length);

function splitExt(name: string): [stem: string, ext: string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/**
 * The original an edited copy was made from: `IMG_1-edited.jpg` → `IMG_1.jpg`,
 * `IMG_1-bearbeitet(1).jpg` → `IMG_1(1).jpg`; undefined for a name that is not an edited copy.
 */
export function editedOriginal(name: string): string | undefined {
  const [stem, ext] = splitExt(name.normalize('NFC'));
  const m = /^(.*?)(\(\d+\))?$/s.exec(stem)!;
  const core = m[1];
  const index = m[2] ?? '';
  for (const suffix of EDITED_SUFFIXES) {
    if (core.length > suffix.length && core.slice(-suffix.length).toLowerCase() === suffix) {
      return core.slice(0, -suffix.length) + index + ext;
    }
  }
  return undefined;
}

/** `IMG_1(2).JPG` → [`IMG_1.JPG`, '(2)']: the last `(n)` that ends the name or precedes a dot. */
function splitIndex(name: string): [base: string, index: string] | undefined {
  let last: RegExpExecArray | undefined;
  for (const m of name.matchAll(/\(\d+\)(?=\.|$)/g)) last = m;
  if (!last || last.index === 0) return undefined;
  return [name.slice(0, last.index) + name.slice(last.index + last[0].length), last[0]];
}

const LIMIT = 46; // the sidecar's name before `.json`; 51 with it
const SUPPLEMENTAL = '.supplemental-metadata';

/**
 * The clips Takeout may have applied to `base`. Google clips at 46 UTF-16 units (an emoji counts two);
 * importers have also met clips one character shorter and clips by code points or UTF-8 bytes, so
 * those are tried too. Only clips that change `base` are returned.
 */
function clips(base: string): string[] {
  const out = new Set<string>();
  const units = (s: string) => s.length;
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  const points = [...base];
  /** The whole code points that fit in LIMIT, each costing `size` (counted as it goes: names may be 64 KiB long). */
  const keepWhile = (size: (p: string) => number) => {
    let s = '';
    let used = 0;
    for (const p of points) {
      used += size(p);
      if (used > LIMIT) break;
      s += p;
    }
    return s;
  };
  if (units(base) > LIMIT) {
    out.add(base.slice(0, LIMIT)); // may split a surrogate pair, as a Java substring would
    const whole = keepWhile(units);
    out.add(whole);
    out.add([...whole].slice(0, -1).join(''));
  }
  if (points.length > LIMIT) out.add(points.slice(0, LIMIT).join(''));
  if (bytes(base) > LIMIT) out.add(keepWhile(bytes));
  out.delete(base);
  out.delete('');
  return [...out];
}

/** Every sidecar name Takeout may have given the item named `title`, stored as duplicate `index`. */
function sidecarNames(title: string, index: string, clipped: boolean): string[] {
  const names: string[] = [];
  for (const base of [title + SUPPLEMENTAL, title]) {
    if (!clipped) names.push(`${base + index}.json`);
    else for (const c of clips(base)) names.push(`${c + index}.json`);
  }
  if (clipped) {
    // A shorter path limit elsewhere has clipped `.supplemental-metadata` at other lengths
    // (`.supplemental-me.json`, `..json`); the whole name is still there, so this stays safe.
    for (let k = 0; k < SUPPLEMENTAL.length; k++) names.push(`${title + SUPPLEMENTAL.slice(0, k) + index}.json`);
  }
  return names;
}

interface Sidecar {
  path: string;
  name: string; // NFC basename
  title?: string; // NFC
  index: string; // '(n)' before `.json`, or ''
  used: boolean;
}

interface Media {
  key: string; // NFC path: one logical file, however often (and in whichever form) it was listed
  paths: string[];
  name: string; // NFC basename
  sidecar?: Sidecar;
}

interface Folder {
  media: Media[];
  byName: Map<string, Sidecar[]>;
  /** Rule 5's look-ups: sidecars by `index` and title, and by index sorted by title (for prefixes). */
  byTitle: Map<string, Sidecar[]>;
  titlesByIndex: Map<string, Sidecar[]>;
}

const titleKey = (index: string, title: string) => `${index}\0${title}`;

function split(path: string): [dir: string, name: string] {
  const slash = path.lastIndexOf('/');
  return [path.slice(0, slash + 1), path.slice(slash + 1)];
}

// Below this length a media name is not taken for a clipped one: `IMG_1.jpg` must not match `IMG_12.jpg`.
const MIN_CLIPPED_MEDIA_NAME = 40;

/**
 * How much of a name its pairing key keeps (UTF-16 units): no more than the shortest clip Takeout
 * may make (46 UTF-8 bytes: 15 CJK characters), and no more than the stem a clipped media name
 * must have for rule 5. Google's clipped names have stems of 40 and more.
 */
const KEY_UNITS = 15;

/**
 * The key that brings together the names that can be paired: a folder's media and sidecars may be
 * matched a key at a time (build.ts), a sidecar's name and its title linking their two keys, and each
 * rule gives what it gives over the whole folder. The key is the name up to its first `.` or `(`, or
 * to an edited copy's suffix, within its first KEY_UNITS units. Why every pair the rules may make
 * shares it: the two names of such a pair share a start, and after it each has a `.`, a `(`, its end
 * or an edited suffix (rules 1, 3, 4, 6 and rule 5's whole titles), or the start is at least
 * KEY_UNITS long (rule 2's clips, rule 5's clipped names). A cut inside the shared start is made in
 * both names, as no suffix holds a `.`, a `(` or a `-` past its first character.
 */
export function pairingKey(name: string): string {
  const head = name.slice(0, KEY_UNITS);
  const clipped = name.length > KEY_UNITS;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === '.' || c === '(') return head.slice(0, i);
    if (c !== '-') continue;
    const rest = head.slice(i);
    for (const suffix of EDITED_SUFFIXES) {
      // A suffix the key's end cuts short counts: the same name with more after its key would show it whole.
      const shown = rest.slice(0, suffix.length).toLowerCase();
      if (shown === suffix || (clipped && i + suffix.length > KEY_UNITS && suffix.startsWith(shown))) {
        return head.slice(0, i);
      }
    }
  }
  return head;
}

/**
 * Pairs media with sidecars: `media` and `sidecars` are archive paths over every part of the set (and
 * earlier sets). Returns media path → sidecar path for the media that have one. Rules, in order, each
 * over all media before the next (so an exact pairing is never taken by a looser one):
 *   1. exact: `name.ext.json`, `name.ext.supplemental-metadata.json`;
 *   2. the 46-unit clip of either, computed from the media's name;
 *   3. the `(n)` index moved from the media's name to the sidecar's;
 *   4. the media's name without its extension (items uploaded without one);
 *   5. the sidecar's `title`: equal to the name, or — for names clipped in the archive — starting
 *      with the media's stem and having the same extension;
 *   6. edited copies share their original's sidecar (the only rule that reuses one).
 * Apart from rule 6, a sidecar goes to at most one media file. Rules 2–4 first try only sidecars whose
 * title (if known) agrees, so two long names with a common 46-character start are told apart.
 */
export async function matchSidecars(media: string[], sidecars: SidecarEntry[]): Promise<Map<string, string>> {
  // Every step is a look-up in a map, never a scan of the folder per file: an export may hold a
  // folder of 100,000 files, and a crafted one many more.
  const y = yielder();
  const folders = new Map<string, Folder>();
  const folder = (dir: string) => {
    let f = folders.get(dir);
    if (!f) folders.set(dir, (f = { media: [], byName: new Map(), byTitle: new Map(), titlesByIndex: new Map() }));
    return f;
  };
  const add = <K>(map: Map<K, Sidecar[]>, key: K, s: Sidecar) => {
    const list = map.get(key);
    if (list) list.push(s);
    else map.set(key, [s]);
  };

  // The same sidecar may be listed by several sets, and in NFD by one and NFC by another: keep one.
  const seenSidecars = new Set<string>();
  for (const s of sidecars) {
    await y.tick();
    const nfc = s.path.normalize('NFC');
    const [dir, rawName] = split(nfc);
    if (!/\.json$/i.test(rawName) || isNonItemJson(rawName)) continue;
    if (seenSidecars.has(nfc)) continue;
    seenSidecars.add(nfc);
    const name = rawName.replace(/\.json$/i, '.json');
    const entry: Sidecar = {
      path: s.path,
      name,
      title: s.title === undefined ? undefined : s.title.normalize('NFC'),
      index: /(\(\d+\))\.json$/.exec(name)?.[1] ?? '',
      used: false,
    };
    const f = folder(dir);
    add(f.byName, name, entry);
    if (entry.title !== undefined) {
      add(f.byTitle, titleKey(entry.index, entry.title), entry);
      add(f.titlesByIndex, entry.index, entry);
    }
  }
  for (const f of folders.values())
    for (const list of f.titlesByIndex.values()) list.sort((a, b) => compare(a.title!, b.title!));

  const logical = new Map<string, Media>();
  for (const path of media) {
    await y.tick();
    const key = path.normalize('NFC');
    const existing = logical.get(key);
    if (existing) {
      if (!existing.paths.includes(path)) existing.paths.push(path);
      continue;
    }
    const [dir, name] = split(key);
    const m: Media = { key, paths: [path], name };
    logical.set(key, m);
    folder(dir).media.push(m);
  }

  const ordered = [...folders.values()];
  for (const f of ordered) f.media.sort((a, b) => compare(a.key, b.key));

  /** Claims the first unused sidecar with one of `names` (and an agreeing title, if `titles` is given). */
  const claim = (f: Folder, m: Media, names: string[], titles?: string[]) => {
    for (const n of names) {
      for (const s of f.byName.get(n) ?? []) {
        if (s.used) continue;
        if (titles && s.title !== undefined && !titles.includes(s.title)) continue;
        s.used = true;
        m.sidecar = s;
        return true;
      }
    }
    return false;
  };

  /** Runs one rule over every unmatched media file of every folder. */
  const pass = async (rule: (f: Folder, m: Media) => void) => {
    for (const f of ordered) {
      for (const m of f.media) {
        await y.tick();
        if (!m.sidecar) rule(f, m);
      }
    }
  };

  // 1. exact
  await pass((f, m) => claim(f, m, sidecarNames(m.name, '', false)));
  // 2. clipped, 3. index moved, 4. no extension: each first with agreeing titles, then without
  const clipped = (f: Folder, m: Media, strict: boolean) =>
    claim(f, m, sidecarNames(m.name, '', true), strict ? [m.name] : undefined);
  const indexed = (f: Folder, m: Media, strict: boolean) => {
    const split = splitIndex(m.name);
    if (!split) return;
    const [base, index] = split;
    claim(f, m, [...sidecarNames(base, index, false), ...sidecarNames(base, index, true)], strict ? [base] : undefined);
  };
  const noExtension = (f: Folder, m: Media, strict: boolean) => {
    const [stem, ext] = splitExt(m.name);
    if (!ext) return;
    const candidates: [string, string][] = [[stem, '']];
    const split = splitIndex(m.name);
    if (split) candidates.push([splitExt(split[0])[0], split[1]]);
    for (const [title, index] of candidates) {
      const names = [...sidecarNames(title, index, false), ...sidecarNames(title, index, true)];
      if (claim(f, m, names, strict ? [title, title + ext] : undefined)) return;
    }
  };
  for (const rule of [clipped, indexed, noExtension]) {
    await pass((f, m) => rule(f, m, true));
    await pass((f, m) => rule(f, m, false));
  }
  // 5. the sidecar's title
  await pass((f, m) => {
    const found = byTitle(f, m.name, (s) => !s.used);
    if (found) {
      found.used = true;
      m.sidecar = found;
    }
  });

  const result = new Map<string, string>();
  for (const f of ordered) {
    for (const m of f.media) if (m.sidecar) for (const p of m.paths) result.set(p, m.sidecar.path);
  }

  // 6. edited copies: the original's sidecar, whether the original is in this folder or not
  for (const [dir, f] of folders) {
    for (const m of f.media) {
      await y.tick();
      if (m.sidecar) continue;
      const original = editedOriginal(m.name);
      if (!original) continue;
      const twin = logical.get(dir + original);
      let s = twin?.sidecar;
      if (!s && !twin) s = lookup(f, original);
      if (s) for (const p of m.paths) result.set(p, s.path);
    }
  }
  return result;
}

/** Rule 5: an unused sidecar whose title is `name`, or the whole name of which `name` is a clip. */
function byTitle(f: Folder, name: string, usable: (s: Sidecar) => boolean): Sidecar | undefined {
  const forms: [string, string][] = [[name, '']];
  const split = splitIndex(name);
  if (split) forms.push(split);
  for (const [title, index] of forms) {
    const [stem, ext] = splitExt(title);
    const exact = (f.byTitle.get(titleKey(index, title)) ?? []).filter(usable);
    // A clip that very many titles share says nothing: only whole titles count then. A stem shorter than a
    // pairing key is no clip Google makes (its clipped names keep 40 and more), and would cross keys.
    const longer =
      [...title].length < MIN_CLIPPED_MEDIA_NAME || stem.length < KEY_UNITS
        ? []
        : (startingWith(f.titlesByIndex.get(index) ?? [], stem) ?? []);
    const clippedHits = longer.filter((s) => {
      if (!usable(s) || s.title === title) return false;
      const [tStem, tExt] = splitExt(s.title!);
      return tExt.toLowerCase() === ext.toLowerCase() && tStem.length > stem.length && tStem.startsWith(stem);
    });
    const hits = [...exact, ...clippedHits];
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) {
      // Several whole names start with this clipped one: only a sidecar named after its own title counts.
      if (exact.length) return exact[0];
      const named = hits.filter((s) => {
        const t = s.title!;
        return [...sidecarNames(t, index, false), ...sidecarNames(t, index, true)].includes(s.name);
      });
      if (named.length === 1) return named[0];
      return undefined; // ambiguous: no sidecar beats a wrong one
    }
  }
  return undefined;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** More sidecars than this whose titles start alike: too many to tell which a clipped name is. */
const MAX_PREFIX_HITS = 64;

/**
 * The sidecars of `sorted` (by title) whose title starts with `prefix`, found by binary search;
 * undefined when there are more than MAX_PREFIX_HITS.
 */
function startingWith(sorted: Sidecar[], prefix: string): Sidecar[] | undefined {
  let lo = 0;
  for (let hi = sorted.length; lo < hi; ) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].title! < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: Sidecar[] = [];
  for (let i = lo; i < sorted.length && sorted[i].title!.startsWith(prefix); i++) {
    if (out.length === MAX_PREFIX_HITS) return undefined;
    out.push(sorted[i]);
  }
  return out;
}

/** The sidecar rules 1–5 would give a file named `name` in `f`, among the sidecars nobody claimed. */
function lookup(f: Folder, name: string): Sidecar | undefined {
  const free = (names: string[]) => {
    for (const n of names) for (const s of f.byName.get(n) ?? []) if (!s.used) return s;
    return undefined;
  };
  const split = splitIndex(name);
  const [stem, ext] = splitExt(name);
  return (
    free(sidecarNames(name, '', false)) ??
    free(sidecarNames(name, '', true)) ??
    (split
      ? free([...sidecarNames(split[0], split[1], false), ...sidecarNames(split[0], split[1], true)])
      : undefined) ??
    (ext ? free([...sidecarNames(stem, '', false), ...sidecarNames(stem, '', true)]) : undefined) ??
    byTitle(f, name, (s) => !s.used)
  );
}
