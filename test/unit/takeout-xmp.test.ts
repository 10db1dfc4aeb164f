// XMP sidecars and album manifests for Takeout items: the packet is well-formed XML (checked by a
// small strict parser below, namespaces included), each property reads back with the value and form
// the XMP specification gives it, and text is escaped.
import { expect, test } from '@jest/globals';
import { albumJson, xmlEscape, xmpCoordinate, xmpDate, xmpSidecar } from '../../connectors/google-takeout/xmp.ts';
import { labelled } from '../support/labelled.ts';

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
  ns: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  return labelled(where, () => {
    expect(s).not.toMatch(/[<]/);
    return s.replace(/&([^;]*);?/g, (m, name: string) => {
      expect(m.endsWith(';')).toBeTruthy();
      if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
      expect(name in ENTITIES).toBeTruthy();
      return ENTITIES[name];
    });
  });
}

/** A strict little XML reader: one root, balanced tags, quoted attributes, declared prefixes. */
function parseXml(xml: string): El {
  // A declaration or comment | a closing tag | an opening tag with its attributes | text.
  const token = new RegExp(
    String.raw`<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([^\s>]+)\s*>|` +
      String.raw`<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)`,
    'gy',
  );
  const root: El = {
    name: '#document',
    attrs: {},
    children: [],
    text: '',
    ns: { xml: 'http://www.w3.org/XML/1998/namespace' },
  };
  const stack: El[] = [root];
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < xml.length) {
    token.lastIndex = pos;
    m = token.exec(xml);
    expect(m).toBeTruthy();
    pos = token.lastIndex;
    const top = stack[stack.length - 1];
    if (m![1]) {
      expect(m![1]).toBe(top.name);
      stack.pop();
    } else if (m![2]) {
      const attrs: Record<string, string> = {};
      for (const a of m![3].matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        expect(!(a[1] in attrs)).toBeTruthy();
        attrs[a[1]] = decode(a[2] ?? a[3], `attribute ${a[1]}`);
      }
      const ns = { ...top.ns };
      for (const [k, v] of Object.entries(attrs)) if (k.startsWith('xmlns:')) ns[k.slice(6)] = v;
      for (const n of [m![2], ...Object.keys(attrs).filter((k) => !k.startsWith('xmlns'))]) {
        if (n.includes(':')) expect(ns[n.split(':')[0]]).toBeTruthy();
      }
      const el: El = { name: m![2], attrs, children: [], text: '', ns };
      top.children.push(el);
      if (!m![4]) stack.push(el);
    } else if (m![5]) {
      if (stack.length === 1) expect(m![5]).toMatch(/^\s*$/);
      else top.text += decode(m![5], `<${top.name}>`);
    }
  }
  expect(stack.length).toBe(1);
  // one root element
  expect(root.children.length).toBe(1);
  return root.children[0];
}

function find(el: El, name: string): El | undefined {
  if (el.name === name) return el;
  for (const c of el.children) {
    const f = find(c, name);
    if (f) return f;
  }
  return undefined;
}

const value = (root: El, name: string) => find(root, name)?.text.trim();
const items = (root: El, name: string) => find(root, name)?.children[0].children.map((li) => li.text);

test('a full item: date with zone, place, altitude, caption, people, favourite, archived, name', () => {
  const xml = xmpSidecar({
    takenAt: new Date('2019-07-14T12:30:00Z'),
    timeZoneOffsetMinutes: 120,
    geo: { latitude: 48.856613, longitude: 2.352222, altitude: 35.5 },
    description: 'Paris',
    people: ['Ada', 'Grace'],
    favorited: true,
    archived: true,
    title: 'IMG_20190714_143000.jpg',
  });
  expect(xml.startsWith('<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>')).toBeTruthy();
  expect(xml.trimEnd().endsWith('<?xpacket end="w"?>')).toBeTruthy();
  const root = parseXml(xml);
  expect(root.name).toBe('x:xmpmeta');
  expect(root.ns.x).toBe('adobe:ns:meta/');
  const rdf = root.children[0];
  expect(rdf.name).toBe('rdf:RDF');
  expect(rdf.ns.rdf).toBe('http://www.w3.org/1999/02/22-rdf-syntax-ns#');
  const d = rdf.children[0];
  expect(d.name).toBe('rdf:Description');
  expect(d.attrs['rdf:about']).toBe('');
  expect(d.ns.exif).toBe('http://ns.adobe.com/exif/1.0/');
  expect(d.ns.dc).toBe('http://purl.org/dc/elements/1.1/');
  expect(d.ns.xmp).toBe('http://ns.adobe.com/xap/1.0/');
  expect(d.ns.lr).toBe('http://ns.adobe.com/lightroom/1.0/');

  expect(value(root, 'exif:DateTimeOriginal')).toBe('2019-07-14T14:30:00+02:00');
  expect(value(root, 'exif:GPSLatitude')).toBe('48,51.396780N');
  expect(value(root, 'exif:GPSLongitude')).toBe('2,21.133320E');
  expect(value(root, 'exif:GPSAltitude')).toBe('35500/1000');
  expect(value(root, 'exif:GPSAltitudeRef')).toBe('0');
  expect(value(root, 'xmp:Rating')).toBe('5');
  const alt = find(root, 'dc:description')!.children[0];
  expect(alt.name).toBe('rdf:Alt');
  expect(alt.children[0].attrs['xml:lang']).toBe('x-default');
  expect(alt.children[0].text).toBe('Paris');
  expect(find(root, 'dc:subject')!.children[0].name).toBe('rdf:Bag');
  expect(items(root, 'dc:subject')).toEqual(['Ada', 'Grace', 'archived']);
  expect(items(root, 'lr:hierarchicalSubject')).toEqual(['People|Ada', 'People|Grace', 'Google Photos|archived']);
  expect(value(root, 'xmpMM:PreservedFileName')).toBe('IMG_20190714_143000.jpg');
});

test('the GPS form round-trips to the coordinate, south and west included', () => {
  const back = (s: string) => {
    const m = /^(\d+),(\d+\.\d+)([NSEW])$/.exec(s)!;
    expect(m).toBeTruthy();
    const v = Number(m[1]) + Number(m[2]) / 60;
    return m[3] === 'S' || m[3] === 'W' ? -v : v;
  };
  for (const [lat, lon] of [
    [-33.865143, 151.2099],
    [40.689247, -74.044502],
    [-0.000001, -179.999999],
    [89.9999999, 0.5],
    [0, 12.25],
  ]) {
    const root = parseXml(
      xmpSidecar({ geo: { latitude: lat, longitude: lon }, people: [], favorited: false, archived: false }),
    );
    const la = value(root, 'exif:GPSLatitude')!;
    const lo = value(root, 'exif:GPSLongitude')!;
    expect(Math.abs(back(la) - lat)).toBeLessThan(1e-7);
    expect(Math.abs(back(lo) - lon)).toBeLessThan(1e-7);
    expect(la.endsWith(lat < 0 ? 'S' : 'N')).toBe(true);
    expect(lo.endsWith(lon < 0 ? 'W' : 'E')).toBe(true);
    expect(find(root, 'exif:GPSAltitude')).toBe(undefined); // no altitude given
  }
  // Minutes that round up to 60 carry into the degrees.
  expect(xmpCoordinate(10.99999999999, 'N', 'S')).toBe('11,0.000000N');
  // Below sea level: the absolute value with reference 1.
  const dead = parseXml(
    xmpSidecar({
      geo: { latitude: 31.5, longitude: 35.5, altitude: -430 },
      people: [],
      favorited: false,
      archived: false,
    }),
  );
  expect(value(dead, 'exif:GPSAltitude')).toBe('430/1');
  expect(value(dead, 'exif:GPSAltitudeRef')).toBe('1');
});

test('dates: UTC by default, negative and half-hour zones, other days', () => {
  const at = new Date('2019-07-14T12:30:00Z');
  expect(
    value(
      parseXml(xmpSidecar({ takenAt: at, people: [], favorited: false, archived: false })),
      'exif:DateTimeOriginal',
    ),
  ).toBe('2019-07-14T12:30:00+00:00');
  expect(xmpDate(at, -300)).toBe('2019-07-14T07:30:00-05:00');
  expect(xmpDate(at, 330)).toBe('2019-07-14T18:00:00+05:30');
  expect(xmpDate(new Date('2019-12-31T23:15:00Z'), 60)).toBe('2020-01-01T00:15:00+01:00');
  expect(xmpDate(new Date('1969-07-20T20:17:40Z'), -210)).toBe('1969-07-20T16:47:40-03:30');
});

test('nothing known: an empty description; no rating, keywords or place for 0,0', () => {
  const xml = xmpSidecar({
    geo: { latitude: 0, longitude: 0, altitude: 0 },
    people: [' ', ''],
    favorited: false,
    archived: false,
    description: '  ',
    takenAt: new Date(NaN),
  });
  const root = parseXml(xml);
  const d = find(root, 'rdf:Description')!;
  expect(d.children).toEqual([]);
  expect(d.attrs['rdf:about']).toBe('');
});

test('escaping: <&>"\' in captions, people and names; characters XML forbids are dropped', () => {
  const nasty = 'Tom & Jerry <script>alert("x")</script> \'quoted\' ]]> &amp;';
  const xml = xmpSidecar({
    description: `${nasty}\u0001\u0007 end \uD800`,
    people: ['O\'Brien & "Sons"', '<Ada>', 'Dad|Papa'],
    favorited: false,
    archived: false,
    title: 'a&b<c>.jpg',
  });
  expect(xml).not.toContain('<script>');
  const root = parseXml(xml);
  expect(find(root, 'dc:description')!.children[0].children[0].text).toBe(`${nasty} end `);
  expect(items(root, 'dc:subject')).toEqual(['O\'Brien & "Sons"', '<Ada>', 'Dad|Papa']);
  expect(items(root, 'lr:hierarchicalSubject')).toEqual([
    'People|O\'Brien & "Sons"',
    'People|<Ada>',
    'People|Dad/Papa',
  ]);
  expect(value(root, 'xmpMM:PreservedFileName')).toBe('a&b<c>.jpg');
  expect(xmlEscape('<&>"\'')).toBe('&lt;&amp;&gt;&quot;&apos;');
  // Unicode stays as it is (the packet is UTF-8), emoji pairs included.
  const uni = parseXml(xmpSidecar({ description: 'Дочь 🎂 café', people: ['Zoë'], favorited: false, archived: false }));
  expect(find(uni, 'dc:description')!.children[0].children[0].text).toBe('Дочь 🎂 café');
});

test('archived alone, favourite alone', () => {
  const a = parseXml(xmpSidecar({ people: [], favorited: false, archived: true }));
  expect(items(a, 'dc:subject')).toEqual(['archived']);
  expect(items(a, 'lr:hierarchicalSubject')).toEqual(['Google Photos|archived']);
  expect(find(a, 'xmp:Rating')).toBe(undefined);
  const f = parseXml(xmpSidecar({ people: [], favorited: true, archived: false }));
  expect(value(f, 'xmp:Rating')).toBe('5');
  expect(find(f, 'dc:subject')).toBe(undefined);
});

test('album manifest', () => {
  const json = albumJson('Urlaub & "Meer"', ' Sommer 2019 ', [
    'Google Photos/2019/07/IMG_1.jpg',
    'Google Photos/2019/07/IMG_2.jpg',
  ]);
  expect(JSON.parse(json)).toEqual({
    title: 'Urlaub & "Meer"',
    description: 'Sommer 2019',
    items: ['Google Photos/2019/07/IMG_1.jpg', 'Google Photos/2019/07/IMG_2.jpg'],
  });
  expect(json.endsWith('\n')).toBeTruthy();
  expect(JSON.parse(albumJson('Empty', undefined, []))).toEqual({ title: 'Empty', items: [] });
  expect(Object.keys(JSON.parse(albumJson('T', '', ['a'])))).toEqual(['title', 'items']);
});
