// XMP sidecars for items restored from a Google Takeout export: what Google kept only in its JSON
// (the date it shows, the place, the caption, tagged people, favourite, archived) in the one format
// photo managers read next to an untouched original (digiKam, darktable, Lightroom, Immich).
//
// Properties and forms follow the XMP specification (Part 1 for the RDF forms, Part 2 and the Exif
// 2.3 for XMP mapping for exif:/dc:/xmp:), choosing those every one of the four applications reads:
//   * exif:DateTimeOriginal with its zone offset (Immich and digiKam prefer the sidecar's date);
//   * exif:GPSLatitude/GPSLongitude as "DDD,MM.mmmmmmN" (the XMP GPSCoordinate form), the altitude
//     as a rational with GPSAltitudeRef (0 above, 1 below sea level);
//   * dc:description as a language alternative with x-default;
//   * keywords twice, as Lightroom writes them: flat in dc:subject (read by Lightroom, darktable and
//     digiKam) and as paths in lr:hierarchicalSubject (`People|Ada`), the one of the two Immich reads
//     (its tag import takes TagsList, else HierarchicalSubject, else Keywords, never dc:subject);
//   * the favourite as xmp:Rating 5 (Google has no other rating; none is written otherwise);
//   * "archived" as the keyword `archived` under a `Google Photos` parent: an ordinary keyword every
//     application shows and can filter on, where digiKam:TagsList would be digiKam's alone and would
//     also take precedence over the people paths in Immich;
//   * the uploaded file name as xmpMM:PreservedFileName, the property for "the name before renaming"
//     (dc:title would show a file name as the picture's title in Lightroom and digiKam).
// Person regions (mwg-rs) are not written: Google exports names without face boxes.

export interface XmpInput {
  takenAt?: Date;
  /** Offset of the local time the picture was taken in, east of UTC; 0 (UTC) when unknown. */
  timeZoneOffsetMinutes?: number;
  geo?: { latitude: number; longitude: number; altitude?: number };
  description?: string;
  people: string[];
  favorited: boolean;
  archived: boolean;
  /** The file name as uploaded to Google Photos. */
  title?: string;
}

const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  exif: 'http://ns.adobe.com/exif/1.0/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  xmpMM: 'http://ns.adobe.com/xap/1.0/mm/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
};

export const ARCHIVED_KEYWORD = 'archived';
const PEOPLE_PARENT = 'People';
const GOOGLE_PARENT = 'Google Photos';

/** What XML 1.0 forbids in text: controls but tab, LF and CR; U+FFFE and U+FFFF; lone surrogates. */
const XML_FORBIDDEN = new RegExp(
  [
    String.raw`[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]`,
    String.raw`[\uD800-\uDBFF](?![\uDC00-\uDFFF])`,
    String.raw`(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]`,
  ].join('|'),
  'g',
);

/** Text for XML content and attribute values: escaped, without the characters XML 1.0 forbids. */
export function xmlEscape(value: string): string {
  return value
    .replace(XML_FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2019-07-14T14:30:00+02:00`: the local wall-clock time and its offset. */
export function xmpDate(at: Date, offsetMinutes = 0): string {
  const offset = Math.round(offsetMinutes);
  const local = new Date(at.getTime() + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** The XMP GPSCoordinate form "DDD,MM.mmmmmmR": whole degrees, decimal minutes (≈2 mm), reference. */
export function xmpCoordinate(value: number, positive: 'N' | 'E', negative: 'S' | 'W'): string {
  const ref = value < 0 ? negative : positive;
  const abs = Math.abs(value);
  let degrees = Math.floor(abs);
  let minutes = ((abs - degrees) * 60).toFixed(6);
  if (minutes === '60.000000') {
    degrees += 1;
    minutes = '0.000000';
  }
  return `${degrees},${minutes}${ref}`;
}

/** Metres as an XMP rational, to the millimetre. */
function rational(value: number): string {
  const mm = Math.round(Math.abs(value) * 1000);
  return mm % 1000 === 0 ? `${mm / 1000}/1` : `${mm}/1000`;
}

/** A keyword path for lr:hierarchicalSubject: `|` separates levels, so a name may not contain one. */
function leaf(name: string): string {
  return name.replace(/\|/g, '/');
}

/** The XMP packet to store beside a restored item (`IMG_1.jpg.xmp`, or `IMG_1.xmp` for Lightroom). */
export function xmpSidecar(m: XmpInput): string {
  const props: string[] = [];
  const prop = (name: string, value: string) => props.push(`   <${name}>${xmlEscape(value)}</${name}>`);
  const list = (name: string, kind: 'Bag' | 'Seq', items: string[]) =>
    props.push(
      `   <${name}>\n    <rdf:${kind}>\n${items.map((i) => `     <rdf:li>${xmlEscape(i)}</rdf:li>`).join('\n')}\n    ` +
        `</rdf:${kind}>\n   </${name}>`,
    );

  if (m.takenAt && !Number.isNaN(m.takenAt.getTime()))
    prop('exif:DateTimeOriginal', xmpDate(m.takenAt, m.timeZoneOffsetMinutes ?? 0));

  const g = m.geo;
  if (g && Number.isFinite(g.latitude) && Number.isFinite(g.longitude) && !(g.latitude === 0 && g.longitude === 0)) {
    prop('exif:GPSLatitude', xmpCoordinate(g.latitude, 'N', 'S'));
    prop('exif:GPSLongitude', xmpCoordinate(g.longitude, 'E', 'W'));
    if (g.altitude !== undefined && Number.isFinite(g.altitude) && Math.round(g.altitude * 1000) !== 0) {
      prop('exif:GPSAltitude', rational(g.altitude));
      prop('exif:GPSAltitudeRef', g.altitude < 0 ? '1' : '0');
    }
  }

  if (m.favorited) prop('xmp:Rating', '5');

  const description = m.description?.trim();
  if (description) {
    props.push(
      `   <dc:description>\n    <rdf:Alt>\n     <rdf:li ` +
        `xml:lang="x-default">${xmlEscape(description)}</rdf:li>\n    </rdf:Alt>\n   </dc:description>`,
    );
  }

  const people = [...new Set(m.people.map((p) => p.trim()).filter((p) => p !== ''))];
  const keywords = [...people];
  const paths = people.map((p) => `${PEOPLE_PARENT}|${leaf(p)}`);
  if (m.archived) {
    if (!keywords.includes(ARCHIVED_KEYWORD)) keywords.push(ARCHIVED_KEYWORD);
    paths.push(`${GOOGLE_PARENT}|${ARCHIVED_KEYWORD}`);
  }
  if (keywords.length > 0) {
    list('dc:subject', 'Bag', keywords);
    list('lr:hierarchicalSubject', 'Bag', paths);
  }

  const title = m.title?.trim();
  if (title) prop('xmpMM:PreservedFileName', title);

  const xmlns = Object.entries(NS)
    .filter(([p]) => p !== 'x' && p !== 'rdf')
    .map(([p, uri]) => `\n    xmlns:${p}="${uri}"`)
    .join('');
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    `<x:xmpmeta xmlns:x="${NS.x}" x:xmptk="Ferry">`,
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">`,
    props.length > 0
      ? `  <rdf:Description rdf:about=""${xmlns}>\n${props.join('\n')}\n  </rdf:Description>`
      : `  <rdf:Description rdf:about=""${xmlns}/>`,
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
    '',
  ].join('\n');
}

/** `Albums/<title>.json`: an album's name, description and members (destination paths), in order. */
export function albumJson(title: string, description: string | undefined, items: string[]): string {
  const d = description?.trim();
  return `${JSON.stringify({ title, ...(d ? { description: d } : {}), items }, null, 2)}\n`;
}
