// Google Takeout: media ↔ JSON sidecar pairing over real-world names (immich-go's and GPTH's cases,
// Takeout's 46-unit clip, moved "(n)" indexes, localized edited copies, NFD archives, names clipped in
// the archive), album metadata, localized folders, and the sidecar fields we read.
import { expect, test } from '@jest/globals';
import {
  EDITED_SUFFIXES,
  editedOriginal,
  matchSidecars,
  pairingKey,
  type SidecarEntry,
} from '../../connectors/google-takeout/sidecars.ts';
import {
  googlePhotosRoot,
  isAlbumJson,
  isAlbumMetadataName,
  itemDate,
  keepItem,
  parseAlbum,
  parseSidecar,
} from '../../connectors/google-takeout/metadata.ts';

interface Case {
  what: string;
  media: string[];
  sidecars: (string | { name: string; title: string })[];
  /** media name → sidecar name; media not listed must stay unmatched. */
  expect: Record<string, string>;
}

const FAMILY = 'Familienfeier bei Oma und Opa im Sommer 2019 in Berlin 1.jpg'; // 60 characters
const FAMILY_ARCHIVED = 'Familienfeier bei Oma und Opa im Sommer 201.jpg'; // the archive's 47
const FAMILY_SIDECAR = 'Familienfeier bei Oma und Opa im Sommer 2019 i.json'; // title + suffix, clipped to 46
const EMOJI = '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg';

const cases: Case[] = [
  {
    what: 'new naming, exact',
    media: ['PXL_20231006_063000139.jpg'],
    sidecars: ['PXL_20231006_063000139.jpg.supplemental-metadata.json'],
    expect: { 'PXL_20231006_063000139.jpg': 'PXL_20231006_063000139.jpg.supplemental-metadata.json' },
  },
  {
    what: 'old naming, exact',
    media: ['IMG_1234.JPG'],
    sidecars: ['IMG_1234.JPG.json'],
    expect: { 'IMG_1234.JPG': 'IMG_1234.JPG.json' },
  },
  {
    what: 'dots inside the name (Pixel motion photo)',
    media: ['PXL_20231118_035751175.MP.jpg'],
    sidecars: ['PXL_20231118_035751175.MP.jpg.json'],
    expect: { 'PXL_20231118_035751175.MP.jpg': 'PXL_20231118_035751175.MP.jpg.json' },
  },
  {
    what: 'a "~2" copy is an ordinary name with its own sidecar',
    media: ['IMG20240221145914.jpg', 'IMG20240221145914~2.jpg'],
    sidecars: [
      'IMG20240221145914.jpg.supplemental-metadata.json',
      'IMG20240221145914~2.jpg.supplemental-metadata.json',
    ],
    expect: {
      'IMG20240221145914.jpg': 'IMG20240221145914.jpg.supplemental-metadata.json',
      'IMG20240221145914~2.jpg': 'IMG20240221145914~2.jpg.supplemental-metadata.json',
    },
  },
  {
    what: 'clip inside ".supplemental-metadata": .supplemental-me.json (30-character name)',
    media: ['Screenshot_20190317-234331.jpg'],
    sidecars: ['Screenshot_20190317-234331.jpg.supplemental-me.json'],
    expect: { 'Screenshot_20190317-234331.jpg': 'Screenshot_20190317-234331.jpg.supplemental-me.json' },
  },
  {
    what: 'clip to .supplemen.json (36-character name)',
    media: ['PXL_20231006_063000139.PORTRAIT1.jpg'],
    sidecars: ['PXL_20231006_063000139.PORTRAIT1.jpg.supplemen.json'],
    expect: { 'PXL_20231006_063000139.PORTRAIT1.jpg': 'PXL_20231006_063000139.PORTRAIT1.jpg.supplemen.json' },
  },
  {
    what: 'clip to .s.json (44-character name)',
    media: ['Screenshot_20231006-063000_Google Maps~2.png'],
    sidecars: ['Screenshot_20231006-063000_Google Maps~2.png.s.json'],
    expect: { 'Screenshot_20231006-063000_Google Maps~2.png': 'Screenshot_20231006-063000_Google Maps~2.png.s.json' },
  },
  {
    what: 'clip to ..json (45-character name)',
    media: ['Screenshot_20231006-063000_Google Maps~12.png'],
    sidecars: ['Screenshot_20231006-063000_Google Maps~12.png..json'],
    expect: { 'Screenshot_20231006-063000_Google Maps~12.png': 'Screenshot_20231006-063000_Google Maps~12.png..json' },
  },
  {
    what: 'a 47-character name: the clip falls inside the name (new naming)',
    media: ['05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg'],
    sidecars: ['05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json'],
    expect: {
      '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg': '05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jp.json',
    },
  },
  {
    what: 'a 48-character name clipped inside its extension (old naming)',
    media: ['13039_327707840323_537645323_9470255_27214_n.jpg'],
    sidecars: ['13039_327707840323_537645323_9470255_27214_n.j.json'],
    expect: {
      '13039_327707840323_537645323_9470255_27214_n.jpg': '13039_327707840323_537645323_9470255_27214_n.j.json',
    },
  },
  {
    what: 'a 51-character name clipped before its extension',
    media: ['PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg'],
    sidecars: ['PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json'],
    expect: {
      'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg': 'PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json',
    },
  },
  {
    what: 'the clip counts UTF-16 units: an emoji counts two',
    media: [EMOJI],
    sidecars: ['😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋.json'],
    expect: { [EMOJI]: '😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋.json' },
  },
  {
    what: '(n) duplicate, old naming: the index moves behind the extension',
    media: ['IMG_3479.JPG', 'IMG_3479(1).JPG'],
    sidecars: ['IMG_3479.JPG.json', 'IMG_3479.JPG(1).json'],
    expect: { 'IMG_3479.JPG': 'IMG_3479.JPG.json', 'IMG_3479(1).JPG': 'IMG_3479.JPG(1).json' },
  },
  {
    what: '(n) duplicate, new naming: the index follows .supplemental-metadata',
    media: ['IMG_3479(1).JPG', 'IMG_3479(2).JPG', 'IMG_3479.JPG'],
    sidecars: [
      'IMG_3479.JPG.supplemental-metadata(2).json',
      'IMG_3479.JPG.supplemental-metadata.json',
      'IMG_3479.JPG.supplemental-metadata(1).json',
    ],
    expect: {
      'IMG_3479.JPG': 'IMG_3479.JPG.supplemental-metadata.json',
      'IMG_3479(1).JPG': 'IMG_3479.JPG.supplemental-metadata(1).json',
      'IMG_3479(2).JPG': 'IMG_3479.JPG.supplemental-metadata(2).json',
    },
  },
  {
    what: '(n) duplicate of a HEIC',
    media: ['IMG_2710(1).HEIC'],
    sidecars: ['IMG_2710.HEIC(1).json'],
    expect: { 'IMG_2710(1).HEIC': 'IMG_2710.HEIC(1).json' },
  },
  {
    what: '(n) index after a clipped name',
    media: ['13039_327707840323_537645323_9470255_27214_n(1).jpg'],
    sidecars: ['13039_327707840323_537645323_9470255_27214_n.j(1).json'],
    expect: {
      '13039_327707840323_537645323_9470255_27214_n(1).jpg': '13039_327707840323_537645323_9470255_27214_n.j(1).json',
    },
  },
  {
    what: '(n) index with a three-digit number after a clipped name',
    media: ['Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg'],
    sidecars: ['Backyard_ceremony_wedding_photography_xxxxxxx_(494).json'],
    expect: {
      'Backyard_ceremony_wedding_photography_xxxxxxx_m(494).jpg':
        'Backyard_ceremony_wedding_photography_xxxxxxx_(494).json',
    },
  },
  {
    what: '(n) duplicate of a Google creation',
    media: ['DSC_0245-COLLAGE(1).jpg'],
    sidecars: ['DSC_0245-COLLAGE.jpg.supplemental-metadata(1).json'],
    expect: { 'DSC_0245-COLLAGE(1).jpg': 'DSC_0245-COLLAGE.jpg.supplemental-metadata(1).json' },
  },
  {
    what: '(n) inside a name without extension',
    media: ['21.12(1).11 - 1'],
    sidecars: ['21.12.11 - 1.supplemental-metadata(1).json'],
    expect: { '21.12(1).11 - 1': '21.12.11 - 1.supplemental-metadata(1).json' },
  },
  {
    what: 'a name that really contains "(2)" keeps its own sidecar',
    media: ['image(2).png'],
    sidecars: ['image(2).png.supplemental-metadata.json', 'image.png.supplemental-metadata(2).json'],
    expect: { 'image(2).png': 'image(2).png.supplemental-metadata.json' },
  },
  {
    what: "an original does not take its duplicate's sidecar",
    media: ['DSC_0103.JPG'],
    sidecars: ['DSC_0103.JPG(1).json'],
    expect: {},
  },
  {
    what: "a duplicate does not take its original's sidecar",
    media: ['DSC_0104(1).JPG'],
    sidecars: ['DSC_0104.JPG.json'],
    expect: {},
  },
  {
    what: "a German edited copy shares the original's sidecar",
    media: ['IMG_20190714_123000.jpg', 'IMG_20190714_123000-bearbeitet.jpg'],
    sidecars: ['IMG_20190714_123000.jpg.json'],
    expect: {
      'IMG_20190714_123000.jpg': 'IMG_20190714_123000.jpg.json',
      'IMG_20190714_123000-bearbeitet.jpg': 'IMG_20190714_123000.jpg.json',
    },
  },
  {
    what: "a French edited copy in NFD shares the original's sidecar",
    media: ['PXL_20220405_090123740.PORTRAIT.jpg', 'PXL_20220405_090123740.PORTRAIT-modifie\u0301.jpg'],
    sidecars: ['PXL_20220405_090123740.PORTRAIT.jpg.json'],
    expect: {
      'PXL_20220405_090123740.PORTRAIT.jpg': 'PXL_20220405_090123740.PORTRAIT.jpg.json',
      'PXL_20220405_090123740.PORTRAIT-modifie\u0301.jpg': 'PXL_20220405_090123740.PORTRAIT.jpg.json',
    },
  },
  {
    what: 'an edited copy of another picture gets nothing',
    media: ['PXL_20220405_090123741.PORTRAIT-modifié.jpg'],
    sidecars: ['PXL_20220405_090123740.PORTRAIT.jpg.json'],
    expect: {},
  },
  {
    what: "an Italian edited copy alone in an album uses the original's sidecar",
    media: ['IMG_0001-modificato.jpg'],
    sidecars: ['IMG_0001.jpg.supplemental-metadata.json'],
    expect: { 'IMG_0001-modificato.jpg': 'IMG_0001.jpg.supplemental-metadata.json' },
  },
  {
    what: "edited copies of a duplicate share the duplicate's sidecar",
    media: ['IMG_1234.jpg', 'IMG_1234(1).jpg', 'IMG_1234-edited(1).jpg', 'IMG_1234-effects(1).jpg'],
    sidecars: ['IMG_1234.jpg.supplemental-metadata.json', 'IMG_1234.jpg.supplemental-metadata(1).json'],
    expect: {
      'IMG_1234.jpg': 'IMG_1234.jpg.supplemental-metadata.json',
      'IMG_1234(1).jpg': 'IMG_1234.jpg.supplemental-metadata(1).json',
      'IMG_1234-edited(1).jpg': 'IMG_1234.jpg.supplemental-metadata(1).json',
      'IMG_1234-effects(1).jpg': 'IMG_1234.jpg.supplemental-metadata(1).json',
    },
  },
  {
    what: 'a Japanese edited copy of a long, clipped name',
    media: ['IMG_20190714_123000_Reise nach München 12.jpg', 'IMG_20190714_123000_Reise nach München 12-編集済み.jpg'],
    sidecars: ['IMG_20190714_123000_Reise nach München 12.jpg..json'],
    expect: {
      'IMG_20190714_123000_Reise nach München 12.jpg': 'IMG_20190714_123000_Reise nach München 12.jpg..json',
      'IMG_20190714_123000_Reise nach München 12-編集済み.jpg': 'IMG_20190714_123000_Reise nach München 12.jpg..json',
    },
  },
  {
    what: "a sidecar without the media's extension (new naming)",
    media: ['Peanut Butter Balls.jpg'],
    sidecars: ['Peanut Butter Balls.supplemental-metadata.json'],
    expect: { 'Peanut Butter Balls.jpg': 'Peanut Butter Balls.supplemental-metadata.json' },
  },
  {
    what: "a sidecar without the media's extension (old naming)",
    media: ['Sonnenuntergang.jpg'],
    sidecars: [{ name: 'Sonnenuntergang.json', title: 'Sonnenuntergang' }],
    expect: { 'Sonnenuntergang.jpg': 'Sonnenuntergang.json' },
  },
  {
    what: 'NFD name in the archive, NFC sidecar',
    media: ['Cafe\u0301.jpg'],
    sidecars: ['Café.jpg.supplemental-metadata.json'],
    expect: { 'Cafe\u0301.jpg': 'Café.jpg.supplemental-metadata.json' },
  },
  {
    what: 'NFC name, NFD sidecar',
    media: ['Ålesund.jpg'],
    sidecars: ['A\u030Alesund.jpg.json'],
    expect: { 'Ålesund.jpg': 'A\u030Alesund.jpg.json' },
  },
  {
    what: "a media name clipped to 47 characters in the archive: the sidecar's title has the whole name",
    media: [FAMILY_ARCHIVED],
    sidecars: [{ name: FAMILY_SIDECAR, title: FAMILY }],
    expect: { [FAMILY_ARCHIVED]: FAMILY_SIDECAR },
  },
  {
    what: 'a clipped media name that two titles continue is left unmatched',
    media: [FAMILY_ARCHIVED],
    sidecars: [
      { name: FAMILY_SIDECAR, title: FAMILY },
      {
        name: 'Familienfeier bei Oma und Opa im Sommer 2018 i.json',
        title: 'Familienfeier bei Oma und Opa im Sommer 2018 in Berlin 1.jpg',
      },
    ],
    expect: {},
  },
  {
    what: 'a short name is never taken for a clipped one',
    media: ['IMG_1.jpg'],
    sidecars: [{ name: 'IMG_12.jpg.json', title: 'IMG_12.jpg' }],
    expect: {},
  },
  {
    what: "the sidecar's title finds a sidecar with an unexpected name",
    media: ['Scan 7.tif'],
    sidecars: [{ name: 'Scan 7.tif.supplemental-metadata-1.json', title: 'Scan 7.tif' }],
    expect: { 'Scan 7.tif': 'Scan 7.tif.supplemental-metadata-1.json' },
  },
  {
    what: 'live photo: the video has no sidecar and takes none',
    media: ['IMG_0042.HEIC', 'IMG_0042.MOV'],
    sidecars: ['IMG_0042.HEIC.supplemental-metadata.json'],
    expect: { 'IMG_0042.HEIC': 'IMG_0042.HEIC.supplemental-metadata.json' },
  },
  {
    what: 'two media wanting the same extension-less sidecar: one gets it',
    media: ['photo.jpg', 'photo.png'],
    sidecars: ['photo.json'],
    expect: { 'photo.jpg': 'photo.json' },
  },
  {
    what: 'album and other JSON files are never sidecars',
    media: ['metadata.jpg', 'Metadaten.png', 'print-subscriptions.gif'],
    sidecars: ['metadata.json', 'Metadaten.json', 'print-subscriptions.json'],
    expect: {},
  },
  {
    what: 'media without any sidecar',
    media: ['VID_20200930_155021.mp4'],
    sidecars: [],
    expect: {},
  },
  {
    what: 'sidecar name in upper case .JSON',
    media: ['DSC00107.JPG'],
    sidecars: ['DSC00107.JPG.JSON'],
    expect: { 'DSC00107.JPG': 'DSC00107.JPG.JSON' },
  },
];

function folderOf(i: number): string {
  return `Takeout/Google Photos/Album ${i}/`;
}

function run(c: Case, dir: string): Promise<Map<string, string>> {
  const sidecars: SidecarEntry[] = c.sidecars.map((s) =>
    typeof s === 'string' ? { path: dir + s } : { path: dir + s.name, title: s.title },
  );
  return matchSidecars(
    c.media.map((m) => dir + m),
    sidecars,
  );
}

function check(c: Case, dir: string, got: Map<string, string>) {
  for (const m of c.media) {
    const want = c.expect[m];
    expect(got.get(dir + m)).toBe(want === undefined ? undefined : dir + want);
  }
}

test('the name table has the clipped lengths it claims', () => {
  expect(FAMILY.length).toBe(60);
  expect(FAMILY_ARCHIVED.length).toBe(47);
  expect(FAMILY_SIDECAR.length).toBe(51);
  expect(FAMILY.startsWith(FAMILY_ARCHIVED.slice(0, -4))).toBeTruthy();
  expect('05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg'.length).toBe(47);
  expect('Screenshot_20231006-063000_Google Maps~2.png.s'.length).toBe(46);
  expect('PXL_20231006_063000139.PORTRAIT1.jpg.supplemen'.length).toBe(46);
  expect(cases.length).toBeGreaterThanOrEqual(30);
});

for (const [i, c] of cases.entries()) {
  test(`sidecar: ${c.what}`, async () => {
    const dir = folderOf(i);
    check(c, dir, await run(c, dir));
  });
}

test('the whole table as one set gives the same pairs, and no sidecar serves two originals', async () => {
  const media: string[] = [];
  const sidecars: SidecarEntry[] = [];
  for (const [i, c] of cases.entries()) {
    const dir = folderOf(i);
    media.push(...c.media.map((m) => dir + m));
    sidecars.push(
      ...c.sidecars.map((s) => (typeof s === 'string' ? { path: dir + s } : { path: dir + s.name, title: s.title })),
    );
  }
  // Listed in reverse, as parts may arrive in any order.
  const got = await matchSidecars(media.toReversed(), sidecars.toReversed());
  for (const [i, c] of cases.entries()) check(c, folderOf(i), got);
  const owners = new Map<string, string>();
  for (const [m, s] of got) {
    if (editedOriginal(m.slice(m.lastIndexOf('/') + 1))) continue;
    expect(owners.get(s)).toBe(undefined);
    owners.set(s, m);
  }
});

/**
 * The folder matched a pairing key at a time, as a catalogue build does: names grouped by their
 * keys, a sidecar's name and title joining their two groups.
 */
async function matchedByKey(media: string[], sidecars: SidecarEntry[]) {
  const parent = new Map<string, string>();
  const root = (k: string): string => {
    const p = parent.get(k) ?? k;
    return p === k ? k : root(p);
  };
  const keyOf = (path: string) => {
    const nfc = path.normalize('NFC');
    const slash = nfc.lastIndexOf('/');
    return `${nfc.slice(0, slash + 1)}\0${pairingKey(nfc.slice(slash + 1))}`;
  };
  for (const s of sidecars) {
    if (s.title === undefined) continue;
    const dir = s.path.normalize('NFC').slice(0, s.path.normalize('NFC').lastIndexOf('/') + 1);
    const [a, b] = [root(keyOf(s.path)), root(keyOf(dir + s.title.normalize('NFC')))];
    if (a !== b) parent.set(a, b);
  }
  const groups = new Map<string, { media: string[]; sidecars: SidecarEntry[] }>();
  const group = (path: string) => {
    const k = root(keyOf(path));
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { media: [], sidecars: [] }));
    return g;
  };
  for (const m of media) group(m).media.push(m);
  for (const s of sidecars) group(s.path).sidecars.push(s);
  const got = new Map<string, string>();
  for (const g of groups.values()) for (const [m, s] of await matchSidecars(g.media, g.sidecars)) got.set(m, s);
  return { got, groups: groups.size };
}

test('matched a pairing key at a time, the name table in one folder gives what the whole folder gives', async () => {
  const dir = 'Takeout/Google Photos/Photos from 2019/';
  const media = cases.flatMap((c) => c.media.map((m) => dir + m));
  const sidecars = cases.flatMap((c) =>
    c.sidecars.map((s) => (typeof s === 'string' ? { path: dir + s } : { path: dir + s.name, title: s.title })),
  );
  const whole = await matchSidecars(media, sidecars);
  const { got, groups } = await matchedByKey(media, sidecars);
  expect(whole.size).toBeGreaterThan(30);
  expect(groups).toBeGreaterThan(30);
  expect(Object.fromEntries(got)).toEqual(Object.fromEntries(whole));
});

test('matched a pairing key at a time, made-up folders of awkward names give what the whole folder gives', async () => {
  // A seeded generator: the same folders every run.
  let seed = 19;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const pieces = [
    'IMG',
    '_',
    '2019',
    '0',
    '1',
    'a',
    'B',
    ' ',
    '-',
    '.',
    '(',
    ')',
    '(1)',
    '(2)',
    '~2',
    'Café',
    'Cafe\u0301',
    '漢字写真',
    '😀',
    '-edi',
    '-EDITED',
    'x'.repeat(12),
    'Familienfeier bei Oma und Opa',
    ...EDITED_SUFFIXES,
  ];
  const exts = ['.jpg', '.JPG', '.mp4', '', '.MP.jpg', '.heic', '.jpg.jpg', '.', `.${'e'.repeat(30)}`];
  const clip = (name: string, units: number) => name.slice(0, units);
  let compared = 0;
  let paired = 0;
  for (let folder = 0; folder < 150; folder++) {
    const dir = `Takeout/Google Photos/Album ${folder}/`;
    const media: string[] = [];
    const sidecars: SidecarEntry[] = [];
    for (let item = 0, n = 5 + Math.floor(rand() * 30); item < n; item++) {
      let title = '';
      for (let k = 1 + Math.floor(rand() * 5); k > 0; k--) title += pick(pieces);
      title += pick(exts);
      const [stem, ext] =
        title.lastIndexOf('.') > 0
          ? [title.slice(0, title.lastIndexOf('.')), title.slice(title.lastIndexOf('.'))]
          : [title, ''];
      const index = rand() < 0.2 ? `(${1 + Math.floor(rand() * 3)})` : '';
      // The archive's name: clipped to 47 with its extension kept, maybe a duplicate's index, maybe an edited copy.
      const archived = (s: string) => ((s + ext).length > 47 ? clip(s, Math.max(1, 47 - ext.length)) + ext : s + ext);
      media.push(dir + archived(stem + index));
      if (rand() < 0.3) media.push(dir + archived(stem + pick(EDITED_SUFFIXES) + index));
      if (rand() < 0.15) continue; // no sidecar
      const base = rand() < 0.6 ? `${title}.supplemental-metadata` : title;
      const cut = rand() < 0.4 ? 15 + Math.floor(rand() * 32) : 46;
      const name = `${clip(base, cut) + index}.json`;
      const told = rand();
      sidecars.push({
        path: dir + name,
        // Mostly the item's name; now and then none, or another item's (a crafted or renamed one).
        title: told < 0.7 ? title : told < 0.85 ? undefined : pick(pieces) + pick(exts),
      });
    }
    const whole = await matchSidecars(media, sidecars);
    const { got } = await matchedByKey(media, sidecars);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(whole));
    compared += media.length;
    paired += whole.size;
  }
  expect(compared).toBeGreaterThan(2000);
  expect(paired).toBeGreaterThan(compared / 2);
});

test('no edited suffix holds a dot, a parenthesis or a dash past its first character (pairingKey relies on it)', () => {
  for (const s of EDITED_SUFFIXES) expect([s, /^-[^.(-]+$/.test(s)]).toEqual([s, true]);
});

test('sidecars pair only within their folder; the year folder and an album each use their own', async () => {
  const year = 'Takeout/Google Photos/Photos from 2019/';
  const album = 'Takeout/Google Photos/Urlaub am Meer/';
  const got = await matchSidecars(
    [`${year}IMG_1.jpg`, `${album}IMG_1.jpg`, 'Takeout/Google Photos/Photos from 2020/IMG_2.jpg'],
    [
      { path: `${album}IMG_1.jpg.json` },
      { path: `${year}IMG_1.jpg.supplemental-metadata.json` },
      { path: 'Takeout/Google Photos/Photos from 2021/IMG_2.jpg.json' },
    ],
  );
  expect(Object.fromEntries(got)).toEqual({
    [`${year}IMG_1.jpg`]: `${year}IMG_1.jpg.supplemental-metadata.json`,
    [`${album}IMG_1.jpg`]: `${album}IMG_1.jpg.json`,
  });
});

test('the same file listed by several sets, in NFD and NFC, is one file with one sidecar', async () => {
  const dir = 'Takeout/Google Photos/Photos from 2019/';
  const nfd = `${dir}Cafe\u0301 de Flore.jpg`;
  const nfc = `${dir}Café de Flore.jpg`;
  const got = await matchSidecars(
    [nfd, nfc, nfd],
    [{ path: `${dir}Café de Flore.jpg.json` }, { path: `${dir}Cafe\u0301 de Flore.jpg.json` }],
  );
  expect(got.get(nfd)).toBe(got.get(nfc));
  expect(got.get(nfd)).toBeTruthy();
  expect(got.size).toBe(2);
});

test('editedOriginal', () => {
  expect(editedOriginal('IMG_20190714_123000-bearbeitet.jpg')).toBe('IMG_20190714_123000.jpg');
  expect(editedOriginal('IMG_1-EDITED.JPG')).toBe('IMG_1.JPG');
  expect(editedOriginal('IMG_1-edited(2).jpg')).toBe('IMG_1(2).jpg');
  expect(editedOriginal('PXL_1.PORTRAIT-modifie\u0301.jpg')).toBe('PXL_1.PORTRAIT.jpg');
  expect(editedOriginal('IMG_1-ha editado.jpg')).toBe('IMG_1.jpg');
  expect(editedOriginal('IMG_1-editado.jpg')).toBe('IMG_1.jpg');
  expect(editedOriginal('IMG_1-edytowane.png')).toBe('IMG_1.png');
  expect(editedOriginal('IMG_1-bewerkt.jpg')).toBe('IMG_1.jpg');
  expect(editedOriginal('scan-edited')).toBe('scan');
  expect(editedOriginal('-edited.jpg')).toBe(undefined);
  expect(editedOriginal('IMG_1.jpg')).toBe(undefined);
  expect(editedOriginal('edited-IMG_1.jpg')).toBe(undefined);
  expect(editedOriginal('IMG_1~2.jpg')).toBe(undefined);
});

test('localized Google Photos roots and special folders', () => {
  const at = (p: string) => googlePhotosRoot(p);
  expect(at('Takeout/Google Photos/Photos from 2023/IMG_1.jpg')).toEqual({
    root: 'Takeout/Google Photos',
    folder: 'Photos from 2023',
    kind: 'year',
  });
  expect(at('Takeout/Google Fotos/Urlaub 2019/IMG_1.jpg')).toEqual({
    root: 'Takeout/Google Fotos',
    folder: 'Urlaub 2019',
    kind: 'album',
  });
  expect(at('Takeout/Google Foto/Cestino/IMG_1.jpg')).toEqual({
    root: 'Takeout/Google Foto',
    folder: 'Cestino',
    kind: 'trash',
  });
  expect(at('Takeout/Fotky Google/Photos from 1999/a.jpg')?.kind).toEqual('year');
  expect(at('Takeout/Google Фото/Корзина/a.jpg')?.kind).toBe('trash');
  expect(at('Takeout/Zdjęcia Google/Archiwum/a.jpg')?.kind).toBe('archive');
  expect(at('Takeout/Google フォト/ゴミ箱/a.jpg')?.kind).toBe('trash');
  expect(at('Takeout/Google 相簿/Archive/a.jpg')?.kind).toBe('archive');
  expect(at('Takeout/Google Photos/Corbeille/a.jpg')?.kind).toBe('trash');
  expect(at('Takeout/Google Fotos/Papierkorb/a.jpg')?.kind).toBe('trash');
  expect(at('Takeout/Google Fotos/Archiv/a.jpg')?.kind).toBe('archive');
  expect(at('Takeout/Google Photos/Archive/a.jpg')?.kind).toBe('archive');
  expect(at('Takeout/Google Photos/Failed Videos/a.mp4')?.kind).toBe('failed');
  expect(at('Takeout/Google Photos/Locked Folder/a.jpg')?.kind).toBe('other');
  expect(at('Takeout/Google Photos/archive_browser.html')).toEqual({
    root: 'Takeout/Google Photos',
    folder: '',
    kind: 'other',
  });
  // NFD from a macOS archive, and a prefix before Takeout/.
  expect(at('export/Takeout/Google Foto\u0301k/a/b.jpg')?.root).toBe('export/Takeout/Google Foto\u0301k');
  // "Photos from" only with a plausible year; an album may be called "Photos from Rome".
  expect(at('Takeout/Google Photos/Photos from Rome/a.jpg')?.kind).toBe('album');
  expect(at('Takeout/Google Photos/Photos from 2023 (1)/a.jpg')?.kind).toBe('album');
  // Other products, and names the caller adds.
  expect(at('Takeout/Drive/Photos from 2023/a.jpg')).toBe(undefined);
  expect(at('Google Photos/Photos from 2023/a.jpg')).toBe(undefined);
  expect(googlePhotosRoot('Takeout/Google Fotoğrafları/x/a.jpg', ['Google Fotoğrafları'])?.kind).toBe('album');
});

test('localized album metadata names', () => {
  for (const name of [
    'metadata.json',
    'Metadata.JSON',
    'Metadaten.json',
    'métadonnées.json',
    'me\u0301tadonne\u0301es.json',
    'metadati.json',
    'metadatos.json',
    'metadados.json',
    'метаданные.json',
    'метаданни.json',
    'メタデータ.json',
  ]) {
    expect(isAlbumMetadataName(name)).toBeTruthy();
  }
  for (const name of [
    'IMG_1.jpg.supplemental-metadata.json',
    'metadata.jpg.json',
    'print-subscriptions.json',
    'metadata(1).json',
  ]) {
    expect(!isAlbumMetadataName(name)).toBeTruthy();
  }
});

test('album JSON: classic, February 2025 minimal, empty, enrichments', () => {
  expect(
    parseAlbum({ title: 'Chair yoga', description: '', access: 'protected', date: { timestamp: '1672477816' } }),
  ).toEqual({ title: 'Chair yoga' });
  expect(parseAlbum('{"title": "Basement Office"}')).toEqual({ title: 'Basement Office' });
  expect(parseAlbum({}, 'One _ Two')).toEqual({ title: 'One _ Two' });
  expect(parseAlbum({ title: '' }, 'Untitled(3)')).toEqual({ title: 'Untitled(3)' });
  expect(parseAlbum({ title: 'Rome', description: ' Our trip ' })).toEqual({
    title: 'Rome',
    description: 'Our trip',
  });
  expect(
    parseAlbum({
      title: 'Rome',
      enrichments: [
        { narrativeEnrichment: { text: 'Day 1' } },
        { locationEnrichment: { location: [] } },
        { narrativeEnrichment: { text: 'Day 2' } },
      ],
    }),
  ).toEqual({
    title: 'Rome',
    description: 'Day 1\nDay 2',
  });
  expect(isAlbumJson({ title: 'Фокус върху един ден' })).toBeTruthy();
  expect(isAlbumJson({})).toBeTruthy();
  expect(!isAlbumJson({ title: 'IMG_1.jpg', photoTakenTime: { timestamp: '1' } })).toBeTruthy();
  expect(() => parseAlbum('{not json')).toThrow(/Takeout album metadata is not valid JSON/);
});

test('sidecar JSON: a full item', () => {
  const meta = parseSidecar({
    title: 'IMG_20190714_123000.jpg',
    description: 'Birthday <cake> & "candles"',
    imageViews: '9',
    creationTime: { timestamp: '1600598769', formatted: 'Sep 20, 2020, 10:46:09 AM UTC' },
    photoTakenTime: { timestamp: '1563107400', formatted: 'Jul 14, 2019, 12:30:00 PM UTC' },
    geoData: { latitude: 48.1, longitude: 11.5, altitude: 500, latitudeSpan: 0, longitudeSpan: 0 },
    geoDataExif: { latitude: 55.269423, longitude: 37.665591, altitude: 214.492, latitudeSpan: 0, longitudeSpan: 0 },
    people: [{ name: 'Дочь' }, { name: 'Ada' }, { name: 'Ada' }, { name: '' }, {}],
    url: 'https://photos.google.com/photo/AF1Qip',
    googlePhotosOrigin: { mobileUpload: { deviceType: 'ANDROID_PHONE' } },
    favorited: true,
    archived: true,
  });
  expect(meta).toEqual({
    title: 'IMG_20190714_123000.jpg',
    description: 'Birthday <cake> & "candles"',
    takenAt: new Date('2019-07-14T12:30:00Z'),
    geo: { latitude: 55.269423, longitude: 37.665591, altitude: 214.492 },
    people: ['Дочь', 'Ada'],
    favorited: true,
    archived: true,
    trashed: false,
    partnerShared: false,
  });
});

test('sidecar JSON: 0 timestamps, 0,0 places, missing and odd fields', () => {
  // photoTakenTime 0 → the upload time; geoDataExif 0,0 → geoData.
  const a = parseSidecar(
    '{"title":"a.jpg","photoTakenTime":{"timestamp":"0"},"creationTime":{"timestamp":"1383742293"},' +
      '"geoDataExif":{"latitude":0.0,"longitude":0.0},"geoData":{"latitude":-33.5,"longitude":-70.25}}',
  );
  expect(a.takenAt).toEqual(new Date(1383742293 * 1000));
  expect(a.geo).toEqual({ latitude: -33.5, longitude: -70.25, altitude: 0 });
  // Both 0 / empty → nothing; 0,0 everywhere → no place.
  const b = parseSidecar({
    title: 'b.jpg',
    photoTakenTime: { timestamp: '' },
    creationTime: { timestamp: 0 },
    geoData: { latitude: 0, longitude: 0, altitude: 0 },
    geoDataExif: { latitude: 0, longitude: 0 },
  });
  expect(b.takenAt).toBe(undefined);
  expect(b.geo).toBe(undefined);
  // Numbers instead of strings, garbage timestamps, a place out of range.
  expect(parseSidecar({ photoTakenTime: { timestamp: 1563107400 } }).takenAt).toEqual(new Date('2019-07-14T12:30:00Z'));
  expect(parseSidecar({ photoTakenTime: { timestamp: 'yesterday' } }).takenAt).toBe(undefined);
  expect(parseSidecar({ geoData: { latitude: 91, longitude: 0.5 } }).geo).toBe(undefined);
  // Nothing at all (and not even an object).
  for (const empty of [{}, null, [], 'null', '{}']) {
    expect(parseSidecar(empty)).toEqual({
      title: '',
      people: [],
      favorited: false,
      archived: false,
      trashed: false,
      partnerShared: false,
    });
  }
  // Flags only when true; partner sharing from googlePhotosOrigin.
  const c = parseSidecar({
    title: 'c.jpg',
    trashed: true,
    favorited: 'true',
    googlePhotosOrigin: { fromPartnerSharing: {} },
    description: '   ',
  });
  expect(c.trashed).toBe(true);
  expect(c.favorited).toBe(false);
  expect(c.partnerShared).toBe(true);
  expect(c.description).toBe(undefined);
  expect(() => parseSidecar('{"title":')).toThrow(/Takeout sidecar is not valid JSON/);
});

test('what is kept: trash out unless asked, archived and partner-shared in, no sidecar in', () => {
  const base = parseSidecar({ title: 'a.jpg', photoTakenTime: { timestamp: '1563107400' } });
  expect(keepItem(base, 'year')).toBe(true);
  expect(keepItem(undefined, 'album')).toBe(true);
  expect(keepItem({ ...base, trashed: true }, 'year')).toBe(false);
  expect(keepItem({ ...base, trashed: true }, 'year', { includeTrashed: true })).toBe(true);
  expect(keepItem(undefined, 'trash')).toBe(false);
  expect(keepItem(undefined, 'trash', { includeTrashed: true })).toBe(true);
  expect(keepItem({ ...base, archived: true }, 'year')).toBe(true);
  expect(keepItem({ ...base, archived: true }, 'year', { includeArchived: false })).toBe(false);
  expect(keepItem(undefined, 'archive', { includeArchived: false })).toBe(false);
  expect(keepItem({ ...base, partnerShared: true }, 'year')).toBe(true);
  expect(keepItem({ ...base, partnerShared: true }, 'year', { includePartnerShared: false })).toBe(false);
  expect(keepItem(undefined, 'failed')).toBe(true);
  expect(keepItem(undefined, 'failed', { includeFailedVideos: false })).toBe(false);
});

test('the date an item is filed under: sidecar, else EXIF, else the archive entry', () => {
  const entry = new Date('2024-07-12T11:23:41Z');
  const exif = new Date('2019-07-14T12:30:00Z');
  const meta = parseSidecar({ photoTakenTime: { timestamp: '1500000000' } });
  expect(itemDate(meta, exif, entry)).toEqual({ date: new Date(1500000000 * 1000), source: 'sidecar' });
  expect(itemDate(parseSidecar({}), exif, entry)).toEqual({ date: exif, source: 'exif' });
  expect(itemDate(undefined, exif, entry)).toEqual({ date: exif, source: 'exif' });
  expect(itemDate(undefined, new Date(NaN), entry)).toEqual({ date: entry, source: 'archive' });
  expect(itemDate(undefined, undefined, entry)).toEqual({ date: entry, source: 'archive' });
});
