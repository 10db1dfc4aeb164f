// XMP sidecars and album manifests for Takeout items: the packet is well-formed XML (checked by a
// small strict parser below, namespaces included), each property reads back with the value and form
// the XMP specification gives it, and text is escaped.
import assert from 'node:assert/strict';
import { test } from '@jest/globals';
import { albumJson, xmlEscape, xmpCoordinate, xmpDate, xmpSidecar } from '../../connectors/google-takeout/xmp.ts';

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
  ns: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  assert.ok(!/[<]/.test(s), `raw < in ${where}`);
  return s.replace(/&([^;]*);?/g, (m, name: string) => {
    assert.ok(m.endsWith(';'), `unterminated entity in ${where}: ${m}`);
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    assert.ok(name in ENTITIES, `unknown entity &${name}; in ${where}`);
    return ENTITIES[name];
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
    assert.ok(m, `not XML at ${pos}: ${JSON.stringify(xml.slice(pos, pos + 40))}`);
    pos = token.lastIndex;
    const top = stack[stack.length - 1];
    if (m[1]) {
      assert.equal(m[1], top.name, `</${m[1]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of m[3].matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        assert.ok(!(a[1] in attrs), `duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2] ?? a[3], `attribute ${a[1]}`);
      }
      const ns = { ...top.ns };
      for (const [k, v] of Object.entries(attrs)) if (k.startsWith('xmlns:')) ns[k.slice(6)] = v;
      for (const n of [m[2], ...Object.keys(attrs).filter((k) => !k.startsWith('xmlns'))]) {
        if (n.includes(':')) assert.ok(ns[n.split(':')[0]], `undeclared prefix in ${n}`);
      }
      const el: El = { name: m[2], attrs, children: [], text: '', ns };
      top.children.push(el);
      if (!m[4]) stack.push(el);
    } else if (m[5]) {
      if (stack.length === 1) assert.ok(/^\s*$/.test(m[5]), 'text outside the root');
      else top.text += decode(m[5], `<${top.name}>`);
    }
  }
  assert.equal(stack.length, 1, `unclosed <${stack[stack.length - 1].name}>`);
  assert.equal(root.children.length, 1, 'one root element');
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
  assert.ok(xml.startsWith('<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>'));
  assert.ok(xml.trimEnd().endsWith('<?xpacket end="w"?>'));
  const root = parseXml(xml);
  assert.equal(root.name, 'x:xmpmeta');
  assert.equal(root.ns.x, 'adobe:ns:meta/');
  const rdf = root.children[0];
  assert.equal(rdf.name, 'rdf:RDF');
  assert.equal(rdf.ns.rdf, 'http://www.w3.org/1999/02/22-rdf-syntax-ns#');
  const d = rdf.children[0];
  assert.equal(d.name, 'rdf:Description');
  assert.equal(d.attrs['rdf:about'], '');
  assert.equal(d.ns.exif, 'http://ns.adobe.com/exif/1.0/');
  assert.equal(d.ns.dc, 'http://purl.org/dc/elements/1.1/');
  assert.equal(d.ns.xmp, 'http://ns.adobe.com/xap/1.0/');
  assert.equal(d.ns.lr, 'http://ns.adobe.com/lightroom/1.0/');

  assert.equal(value(root, 'exif:DateTimeOriginal'), '2019-07-14T14:30:00+02:00');
  assert.equal(value(root, 'exif:GPSLatitude'), '48,51.396780N');
  assert.equal(value(root, 'exif:GPSLongitude'), '2,21.133320E');
  assert.equal(value(root, 'exif:GPSAltitude'), '35500/1000');
  assert.equal(value(root, 'exif:GPSAltitudeRef'), '0');
  assert.equal(value(root, 'xmp:Rating'), '5');
  const alt = find(root, 'dc:description')!.children[0];
  assert.equal(alt.name, 'rdf:Alt');
  assert.equal(alt.children[0].attrs['xml:lang'], 'x-default');
  assert.equal(alt.children[0].text, 'Paris');
  assert.equal(find(root, 'dc:subject')!.children[0].name, 'rdf:Bag');
  assert.deepEqual(items(root, 'dc:subject'), ['Ada', 'Grace', 'archived']);
  assert.deepEqual(items(root, 'lr:hierarchicalSubject'), ['People|Ada', 'People|Grace', 'Google Photos|archived']);
  assert.equal(value(root, 'xmpMM:PreservedFileName'), 'IMG_20190714_143000.jpg');
});

test('the GPS form round-trips to the coordinate, south and west included', () => {
  const back = (s: string) => {
    const m = /^(\d+),(\d+\.\d+)([NSEW])$/.exec(s)!;
    assert.ok(m, s);
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
    assert.ok(Math.abs(back(la) - lat) < 1e-7, `${lat} → ${la}`);
    assert.ok(Math.abs(back(lo) - lon) < 1e-7, `${lon} → ${lo}`);
    assert.equal(la.endsWith(lat < 0 ? 'S' : 'N'), true);
    assert.equal(lo.endsWith(lon < 0 ? 'W' : 'E'), true);
    assert.equal(find(root, 'exif:GPSAltitude'), undefined); // no altitude given
  }
  // Minutes that round up to 60 carry into the degrees.
  assert.equal(xmpCoordinate(10.99999999999, 'N', 'S'), '11,0.000000N');
  // Below sea level: the absolute value with reference 1.
  const dead = parseXml(
    xmpSidecar({
      geo: { latitude: 31.5, longitude: 35.5, altitude: -430 },
      people: [],
      favorited: false,
      archived: false,
    }),
  );
  assert.equal(value(dead, 'exif:GPSAltitude'), '430/1');
  assert.equal(value(dead, 'exif:GPSAltitudeRef'), '1');
});

test('dates: UTC by default, negative and half-hour zones, other days', () => {
  const at = new Date('2019-07-14T12:30:00Z');
  assert.equal(
    value(
      parseXml(xmpSidecar({ takenAt: at, people: [], favorited: false, archived: false })),
      'exif:DateTimeOriginal',
    ),
    '2019-07-14T12:30:00+00:00',
  );
  assert.equal(xmpDate(at, -300), '2019-07-14T07:30:00-05:00');
  assert.equal(xmpDate(at, 330), '2019-07-14T18:00:00+05:30');
  assert.equal(xmpDate(new Date('2019-12-31T23:15:00Z'), 60), '2020-01-01T00:15:00+01:00');
  assert.equal(xmpDate(new Date('1969-07-20T20:17:40Z'), -210), '1969-07-20T16:47:40-03:30');
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
  assert.deepEqual(d.children, []);
  assert.equal(d.attrs['rdf:about'], '');
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
  assert.ok(!xml.includes('<script>'));
  const root = parseXml(xml);
  assert.equal(find(root, 'dc:description')!.children[0].children[0].text, `${nasty} end `);
  assert.deepEqual(items(root, 'dc:subject'), ['O\'Brien & "Sons"', '<Ada>', 'Dad|Papa']);
  assert.deepEqual(items(root, 'lr:hierarchicalSubject'), [
    'People|O\'Brien & "Sons"',
    'People|<Ada>',
    'People|Dad/Papa',
  ]);
  assert.equal(value(root, 'xmpMM:PreservedFileName'), 'a&b<c>.jpg');
  assert.equal(xmlEscape('<&>"\''), '&lt;&amp;&gt;&quot;&apos;');
  // Unicode stays as it is (the packet is UTF-8), emoji pairs included.
  const uni = parseXml(xmpSidecar({ description: 'Дочь 🎂 café', people: ['Zoë'], favorited: false, archived: false }));
  assert.equal(find(uni, 'dc:description')!.children[0].children[0].text, 'Дочь 🎂 café');
});

test('archived alone, favourite alone', () => {
  const a = parseXml(xmpSidecar({ people: [], favorited: false, archived: true }));
  assert.deepEqual(items(a, 'dc:subject'), ['archived']);
  assert.deepEqual(items(a, 'lr:hierarchicalSubject'), ['Google Photos|archived']);
  assert.equal(find(a, 'xmp:Rating'), undefined);
  const f = parseXml(xmpSidecar({ people: [], favorited: true, archived: false }));
  assert.equal(value(f, 'xmp:Rating'), '5');
  assert.equal(find(f, 'dc:subject'), undefined);
});

test('album manifest', () => {
  const json = albumJson('Urlaub & "Meer"', ' Sommer 2019 ', [
    'Google Photos/2019/07/IMG_1.jpg',
    'Google Photos/2019/07/IMG_2.jpg',
  ]);
  assert.deepEqual(JSON.parse(json), {
    title: 'Urlaub & "Meer"',
    description: 'Sommer 2019',
    items: ['Google Photos/2019/07/IMG_1.jpg', 'Google Photos/2019/07/IMG_2.jpg'],
  });
  assert.ok(json.endsWith('\n'));
  assert.deepEqual(JSON.parse(albumJson('Empty', undefined, [])), { title: 'Empty', items: [] });
  assert.deepEqual(Object.keys(JSON.parse(albumJson('T', '', ['a']))), ['title', 'items']);
});
