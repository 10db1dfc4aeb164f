// The date of a Takeout medium without a sidecar, from the head of its file: Exif in JPEGs written
// from the TIFF/Exif structure by test/support/exif-jpeg.ts (both byte orders, each fallback tag,
// offsets), QuickTime/MP4 movie headers, and heads that are cut, zeroed, damaged or random, which
// must give "no date" and never an exception.
import { expect, test } from '@jest/globals';
import { exifDate, parseExifDateTime, parseOffset } from '../../connectors/google-takeout/exif.ts';
import { makeJpeg, makeMp4, seeded } from '../fakes/google/media.ts';
import { exifApp1, exifTiff, jpegWithApp1, jpegWithExif, TAG, type ExifTag } from '../support/exif-jpeg.ts';
import { labelled } from '../support/labelled.ts';

const HEAD = 128 * 1024;

const iso = (found: ReturnType<typeof exifDate>) => found?.date.toISOString();

/** Start and end of the Exif APP1 segment in a JPEG (marker included). */
function exifSegment(jpeg: Buffer): [number, number] {
  let at = 2;
  while (at + 4 <= jpeg.length) {
    const len = jpeg.readUInt16BE(at + 2);
    if (jpeg[at + 1] === 0xe1 && jpeg.toString('latin1', at + 4, at + 10) === 'Exif\0\0') return [at, at + 2 + len];
    at += 2 + len;
  }
  throw new Error('no Exif segment');
}

function jpegWithTags(ifd0: ExifTag[], exif: ExifTag[] | undefined, bigEndian = false, seed = 1): Buffer {
  return jpegWithApp1(seed, exifApp1(exifTiff({ bigEndian, ifd0, exif })));
}

test('the test writer: a JPEG of about the size asked, distinct per seed, segments up to SOS, EOI last', () => {
  const a = jpegWithExif({ seed: 1, size: 50_000, dateTimeOriginal: '2020:01:02 03:04:05' });
  const b = jpegWithExif({ seed: 2, size: 50_000, dateTimeOriginal: '2020:01:02 03:04:05' });
  expect(Math.abs(a.length - 50_000)).toBeLessThan(8);
  expect(a).not.toEqualBytes(b);
  expect([...a.subarray(0, 2)]).toEqual([0xff, 0xd8]);
  expect([...a.subarray(-2)]).toEqual([0xff, 0xd9]);
  let at = 2;
  const markers: number[] = [];
  while (a[at + 1] !== 0xda) {
    expect(a[at]).toBe(0xff);
    markers.push(a[at + 1]);
    at += 2 + a.readUInt16BE(at + 2);
  }
  expect(markers.slice(0, 6)).toEqual([0xe0, 0xe1, 0xdb, 0xc0, 0xc4, 0xfe]);
  // The TIFF header in both byte orders, IFD0 at 8.
  const [s] = exifSegment(a);
  expect(a.toString('hex', s + 10, s + 18)).toBe('49492a0008000000');
  const m = jpegWithExif({ seed: 1, dateTimeOriginal: '2020:01:02 03:04:05', bigEndian: true });
  const [t] = exifSegment(m);
  expect(m.toString('hex', t + 10, t + 18)).toBe('4d4d002a00000008');
  // The ASCII value with its NUL, count 20.
  expect(a.subarray(s, s + 200).includes(Buffer.from('2020:01:02 03:04:05\0', 'latin1'))).toBe(true);
});

test('DateTimeOriginal with OffsetTimeOriginal, both byte orders: the UTC instant and the offset', () => {
  for (const bigEndian of [false, true]) {
    const east = exifDate(
      jpegWithExif({
        seed: 3,
        size: 4000,
        dateTimeOriginal: '2021:07:14 14:30:00',
        offsetTimeOriginal: '+02:00',
        bigEndian,
      }),
    );
    expect(east).toEqual({ date: new Date('2021-07-14T12:30:00Z'), offsetMinutes: 120 });
    const west = exifDate(
      jpegWithExif({ seed: 4, dateTimeOriginal: '2019:12:31 22:15:09', offsetTimeOriginal: '-05:30', bigEndian }),
    );
    expect(west).toEqual({ date: new Date('2020-01-01T03:45:09Z'), offsetMinutes: -330 });
    const utc = exifDate(
      jpegWithExif({ seed: 5, dateTimeOriginal: '2001:02:03 04:05:06', offsetTimeOriginal: '+00:00', bigEndian }),
    );
    expect(utc).toEqual({ date: new Date('2001-02-03T04:05:06Z'), offsetMinutes: 0 });
  }
});

test('without an offset the local time is taken as UTC and no offset is reported', () => {
  for (const bigEndian of [false, true]) {
    const found = exifDate(jpegWithExif({ seed: 6, dateTimeOriginal: '2018:03:04 05:06:07', bigEndian }));
    expect(found).toEqual({ date: new Date('2018-03-04T05:06:07Z') });
    expect(!('offsetMinutes' in found!)).toBeTruthy();
  }
  // A blank offset is no offset.
  const blank = exifDate(
    jpegWithExif({ seed: 6, dateTimeOriginal: '2018:03:04 05:06:07', offsetTimeOriginal: '   :  ' }),
  );
  expect(blank).toEqual({ date: new Date('2018-03-04T05:06:07Z') });
});

test('fallbacks: DateTimeDigitized, then IFD0 DateTime; OffsetTime when the date has no offset of its own', () => {
  for (const bigEndian of [false, true]) {
    const digitized = jpegWithTags(
      [{ tag: TAG.Make, ascii: 'X' }],
      [{ tag: TAG.DateTimeDigitized, ascii: '2015:06:07 08:09:10' }],
      bigEndian,
    );
    expect(exifDate(digitized)).toEqual({ date: new Date('2015-06-07T08:09:10Z') });

    const digitizedZoned = jpegWithTags(
      [],
      [
        { tag: TAG.DateTimeDigitized, ascii: '2015:06:07 08:09:10' },
        { tag: TAG.OffsetTime, ascii: '+01:00' },
        { tag: TAG.OffsetTimeDigitized, ascii: '+03:00' },
      ],
      bigEndian,
    );
    expect(exifDate(digitizedZoned)).toEqual({ date: new Date('2015-06-07T05:09:10Z'), offsetMinutes: 180 });

    // A placeholder DateTimeOriginal does not hide the digitized date.
    const placeholder = jpegWithTags(
      [],
      [
        { tag: TAG.DateTimeOriginal, ascii: '0000:00:00 00:00:00' },
        { tag: TAG.DateTimeDigitized, ascii: '2016:01:01 00:00:01' },
      ],
      bigEndian,
    );
    expect(iso(exifDate(placeholder))).toBe('2016-01-01T00:00:01.000Z');

    const ifd0 = jpegWithTags(
      [{ tag: TAG.DateTime, ascii: '2010:10:10 10:10:10' }],
      [{ tag: TAG.OffsetTime, ascii: '-08:00' }],
      bigEndian,
    );
    expect(exifDate(ifd0)).toEqual({ date: new Date('2010-10-10T18:10:10Z'), offsetMinutes: -480 });

    const ifd0Only = jpegWithTags([{ tag: TAG.DateTime, ascii: '2010:10:10 10:10:10' }], undefined, bigEndian);
    expect(exifDate(ifd0Only)).toEqual({ date: new Date('2010-10-10T10:10:10Z') });

    // DateTimeOriginal wins over both, with OffsetTime when OffsetTimeOriginal is missing.
    const all = jpegWithTags(
      [{ tag: TAG.DateTime, ascii: '2022:01:01 00:00:00' }],
      [
        { tag: TAG.DateTimeOriginal, ascii: '2020:05:05 12:00:00' },
        { tag: TAG.DateTimeDigitized, ascii: '2021:01:01 00:00:00' },
        { tag: TAG.OffsetTime, ascii: '+09:00' },
      ],
      bigEndian,
    );
    expect(exifDate(all)).toEqual({ date: new Date('2020-05-05T03:00:00Z'), offsetMinutes: 540 });
  }
});

test('no date, zeros, blanks and impossible dates: undefined', () => {
  expect(exifDate(jpegWithExif({ seed: 7 }))).toBe(undefined);
  expect(exifDate(makeJpeg(7).subarray(0, 2))).toBe(undefined);
  for (const bad of [
    '0000:00:00 00:00:00',
    '    :  :     :  :  ',
    '',
    '2021:02:29 10:00:00',
    '2021:13:01 10:00:00',
    '2021:04:31 10:00:00',
    '2021:01:01 24:00:00',
    'yesterday',
  ]) {
    expect(exifDate(jpegWithExif({ seed: 8, dateTimeOriginal: bad, offsetTimeOriginal: '+01:00' }))).toBe(undefined);
  }
  // All-zero Exif values and an all-zero head.
  expect(exifDate(Buffer.alloc(HEAD))).toBe(undefined);
  expect(exifDate(Buffer.alloc(0))).toBe(undefined);
  // Leap day of a leap year, and the alternative separators some writers use.
  expect(iso(exifDate(jpegWithExif({ seed: 8, dateTimeOriginal: '2024:02:29 23:59:59' })))).toBe(
    '2024-02-29T23:59:59.000Z',
  );
  expect(parseExifDateTime('2024-02-29 23:59:59')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
  expect(parseExifDateTime('0099:01:01 00:00:00')).toBe(new Date('0099-01-01T00:00:00Z').getTime());
  expect(parseOffset('+14:00')).toBe(840);
  expect(parseOffset('+15:00')).toBe(undefined);
  expect(parseOffset('+02:60')).toBe(undefined);
});

test(
  'a head of 128 KiB of a large photo finds the date; ' + 'a head cut anywhere inside the Exif segment gives undefined',
  () => {
    const big = jpegWithExif({
      seed: 9,
      size: 3_000_000,
      dateTimeOriginal: '2017:08:09 10:11:12',
      offsetTimeOriginal: '+01:00',
    });
    expect(iso(exifDate(big.subarray(0, HEAD)))).toBe('2017-08-09T09:11:12.000Z');
    for (const bigEndian of [false, true]) {
      const jpeg = jpegWithExif({
        seed: 10,
        dateTimeOriginal: '2017:08:09 10:11:12',
        offsetTimeOriginal: '+01:00',
        bigEndian,
      });
      const [, end] = exifSegment(jpeg);
      // the whole segment is enough
      expect(exifDate(jpeg.subarray(0, end))).toBeTruthy();
      for (let cut = 0; cut < end; cut++) expect(exifDate(jpeg.subarray(0, cut))).toBe(undefined);
    }
  },
);

test('JPEG segments: fill bytes, APP1 XMP before the Exif, a COM first; SOS ends the search', () => {
  const jpeg = jpegWithExif({ seed: 11, dateTimeOriginal: '2012:12:12 12:12:12' });
  const [s, e] = exifSegment(jpeg);
  const seg = (marker: number, payload: Buffer) => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(payload.length + 2);
    return Buffer.concat([Buffer.from([0xff, marker]), len, payload]);
  };
  const xmp = seg(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>', 'latin1'));
  const com = seg(0xfe, Buffer.from('hello'));
  const rebuilt = Buffer.concat([jpeg.subarray(0, s), com, xmp, Buffer.from([0xff, 0xff, 0xff]), jpeg.subarray(s)]);
  expect(iso(exifDate(rebuilt))).toBe('2012-12-12T12:12:12.000Z');
  // An Exif segment after SOS is image data, not metadata.
  const sos = seg(0xda, Buffer.from([1, 1, 0, 0, 63, 0]));
  expect(exifDate(Buffer.concat([jpeg.subarray(0, s), sos, jpeg.subarray(s, e)]))).toBe(undefined);
  // Something other than a marker where a segment should start.
  expect(exifDate(Buffer.concat([jpeg.subarray(0, s), Buffer.from([0x00, 0x11]), jpeg.subarray(s)]))).toBe(undefined);
});

test('hostile Exif: huge counts, offsets past the end, a pointer to itself, wrong types', () => {
  const le = (tiff: Buffer) => jpegWithApp1(12, exifApp1(tiff));
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  const entry = (tag: number, type: number, count: number, value: number) => {
    const b = Buffer.alloc(12);
    b.writeUInt16LE(tag, 0);
    b.writeUInt16LE(type, 2);
    b.writeUInt32LE(count, 4);
    b.writeUInt32LE(value, 8);
    return b;
  };
  const ifd = (entries: Buffer[], count = entries.length) => {
    const n = Buffer.alloc(2);
    n.writeUInt16LE(count);
    return Buffer.concat([n, ...entries, Buffer.alloc(4)]);
  };
  const cases: Buffer[] = [
    Buffer.concat([header, ifd([], 0xffff)]), // count far past the segment
    Buffer.concat([header, ifd([entry(TAG.ExifIFDPointer, 4, 1, 8)])]), // Exif IFD = IFD0
    Buffer.concat([header, ifd([entry(TAG.ExifIFDPointer, 4, 1, 0xffffffff)])]),
    Buffer.concat([header, ifd([entry(TAG.DateTime, 2, 20, 0xfffffff0)])]), // value past the end
    Buffer.concat([header, ifd([entry(TAG.DateTime, 2, 0xffffffff, 30)])]), // count past the end
    // LONG, not a string
    Buffer.concat([header, ifd([entry(TAG.DateTime, 4, 20, 30)]), Buffer.from('2010:10:10 10:10:10\0')]),
    Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 0xff, 0xff, 0xff, 0xff])]), // IFD0 past the end
    Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 0, 0, 0, 0])]), // IFD0 inside the header
    Buffer.concat([Buffer.from([0x49, 0x4d, 0x2a, 0x00, 8, 0, 0, 0]), ifd([])]), // no byte order
    Buffer.concat([Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]), ifd([])]), // BigTIFF / not 42
    Buffer.alloc(0),
  ];
  for (const tiff of cases) expect(exifDate(le(tiff))).toBe(undefined);
  // The well-formed version of the value-past-the-end case reads.
  const good = Buffer.concat([header, ifd([entry(TAG.DateTime, 2, 20, 26)]), Buffer.from('2010:10:10 10:10:10\0')]);
  expect(iso(exifDate(le(good)))).toBe('2010-10-10T10:10:10.000Z');
  // A segment length below 2, and a length running past the head.
  expect(exifDate(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01, 0, 0]))).toBe(undefined);
  expect(exifDate(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x45, 0x78]))).toBe(undefined);
});

// ---- QuickTime / MP4 ---------------------------------------------------------------------------

const EPOCH_1904 = Date.UTC(1904, 0, 1) / 1000;

function box(type: string, payload: Buffer, large = false): Buffer {
  if (large) {
    const h = Buffer.alloc(16);
    h.writeUInt32BE(1, 0);
    h.write(type, 4, 'latin1');
    h.writeBigUInt64BE(BigInt(payload.length + 16), 8);
    return Buffer.concat([h, payload]);
  }
  const h = Buffer.alloc(8);
  h.writeUInt32BE(payload.length + 8, 0);
  h.write(type, 4, 'latin1');
  return Buffer.concat([h, payload]);
}

/** A movie header (ISO/IEC 14496-12 §8.2.2) of version 0 or 1 with this creation_time. */
function mvhd(version: 0 | 1, created: number): Buffer {
  const body = Buffer.alloc(version === 1 ? 108 : 96);
  body[0] = version;
  if (version === 1) {
    body.writeBigUInt64BE(BigInt(created), 4);
    body.writeBigUInt64BE(BigInt(created + 60), 12);
    body.writeUInt32BE(1000, 20);
    body.writeBigUInt64BE(5000n, 24);
  } else {
    body.writeUInt32BE(created, 4);
    body.writeUInt32BE(created + 60, 8);
    body.writeUInt32BE(1000, 12);
    body.writeUInt32BE(5000, 16);
  }
  return box('mvhd', body);
}

const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1'));
const secondsFor = (isoDate: string) => Date.parse(isoDate) / 1000 - EPOCH_1904;

test('MP4 and QuickTime: mvhd creation_time (versions 0 and 1), in UTC, when moov lies within the head', () => {
  const t = secondsFor('2019-05-06T07:08:09Z');
  for (const version of [0, 1] as const) {
    const file = Buffer.concat([
      ftyp,
      box('moov', Buffer.concat([mvhd(version, t), box('trak', Buffer.alloc(64))])),
      box('mdat', Buffer.alloc(1000, 7)),
    ]);
    expect(exifDate(file)).toEqual({ date: new Date('2019-05-06T07:08:09Z') });
    // moov cut after mvhd: still found; cut inside mvhd: not.
    const mvhdEnd = ftyp.length + 8 + mvhd(version, t).length;
    expect(exifDate(file.subarray(0, mvhdEnd))).toBeTruthy();
    for (let cut = 0; cut < mvhdEnd; cut++) expect(exifDate(file.subarray(0, cut))).toBe(undefined);
  }
  // A QuickTime file with 'wide' and a 64-bit-sized mdat before moov, and a date before 1970.
  const old = secondsFor('1969-07-20T20:17:40Z');
  const mov = Buffer.concat([
    box('wide', Buffer.alloc(0)),
    box('mdat', Buffer.alloc(500, 1), true),
    box('moov', mvhd(0, old)),
  ]);
  expect(iso(exifDate(mov))).toBe('1969-07-20T20:17:40.000Z');
  // Version 1 dates beyond 2040 (past 32 bits).
  expect(iso(exifDate(Buffer.concat([ftyp, box('moov', mvhd(1, secondsFor('2100-01-01T00:00:00Z')))])))).toBe(
    '2100-01-01T00:00:00.000Z',
  );
});

test('MP4 without a usable date: creation_time 0, moov past the head, mdat of size 0, damaged boxes, no mvhd', () => {
  expect(exifDate(Buffer.concat([ftyp, box('moov', mvhd(0, 0))]))).toBe(undefined);
  expect(exifDate(Buffer.concat([ftyp, box('moov', mvhd(1, 0))]))).toBe(undefined);
  expect(exifDate(makeMp4(1, 300_000).subarray(0, HEAD))).toBe(undefined); // moov last, past the head
  expect(exifDate(makeMp4(2, 2000))).toBe(undefined); // makeMp4 leaves creation_time 0
  const zeroSized = Buffer.alloc(8);
  zeroSized.write('mdat', 4, 'latin1');
  expect(exifDate(Buffer.concat([ftyp, zeroSized, box('moov', mvhd(0, secondsFor('2019-01-01T00:00:00Z')))]))).toBe(
    undefined,
  );
  const tiny = Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x76]); // a box smaller than its header
  expect(exifDate(Buffer.concat([ftyp, tiny]))).toBe(undefined);
  expect(exifDate(Buffer.concat([ftyp, box('moov', box('trak', Buffer.alloc(10)))]))).toBe(undefined);
  const absurd = mvhd(1, 0);
  absurd.writeBigUInt64BE(0xffffffffffffffffn, 12);
  expect(exifDate(Buffer.concat([ftyp, box('moov', absurd)]))).toBe(undefined);
  // HEIC (an ISO BMFF with 'meta', no 'moov') is not read.
  expect(
    exifDate(
      Buffer.concat([box('ftyp', Buffer.from('heic\0\0\0\0mif1heic', 'latin1')), box('meta', Buffer.alloc(100))]),
    ),
  ).toBe(undefined);
});

// ---- Never throws ------------------------------------------------------------------------------

/** exifDate must answer undefined or a valid date, never throw, on any input. */
function check(head: Buffer, what: string) {
  return labelled(what, () => {
    let found: ReturnType<typeof exifDate>;
    expect(() => {
      found = exifDate(head);
    }).not.toThrow();
    if (found) {
      expect(Number.isFinite(found.date.getTime())).toBeTruthy();
      expect(() => found!.date.toISOString()).not.toThrow();
      if (found.offsetMinutes !== undefined) expect(Math.abs(found.offsetMinutes)).toBeLessThanOrEqual(14 * 60);
    }
  });
}

test('random bytes never throw, including behind a JPEG or MP4 signature', () => {
  const rnd = seeded(2024);
  const prefixes = [
    Buffer.alloc(0),
    Buffer.from([0xff, 0xd8]),
    Buffer.from([0xff, 0xd8, 0xff, 0xe1]),
    Buffer.from('\0\0\0\x18ftyp', 'latin1'),
    Buffer.from('\0\0\0\x08moov', 'latin1'),
  ];
  for (let i = 0; i < 2000; i++) {
    const n = Math.floor(rnd() * (rnd() < 0.9 ? 300 : 70_000));
    const body = Buffer.alloc(n);
    for (let j = 0; j < n; j++) body[j] = (rnd() * 256) | 0;
    check(Buffer.concat([prefixes[i % prefixes.length], body]), `random ${i}`);
  }
});

test('2,000 random truncations and bit flips of a valid JPEG (both byte orders) and of an MP4 never throw', () => {
  const rnd = seeded(77);
  const jpegs = [
    jpegWithExif({ seed: 13, size: 6000, dateTimeOriginal: '2021:07:14 14:30:00', offsetTimeOriginal: '+02:00' }),
    jpegWithExif({
      seed: 14,
      size: 6000,
      dateTimeOriginal: '2021:07:14 14:30:00',
      offsetTimeOriginal: '-03:30',
      bigEndian: true,
    }),
  ];
  const mp4 = Buffer.concat([
    ftyp,
    box('moov', Buffer.concat([mvhd(1, secondsFor('2019-05-06T07:08:09Z')), box('trak', Buffer.alloc(40))])),
    box('mdat', Buffer.alloc(200)),
  ]);
  let dated = 0;
  for (let i = 0; i < 2000; i++) {
    const original = i % 5 === 4 ? mp4 : jpegs[i % 2];
    // Mostly damage the metadata at the front, where the reader looks.
    const front = Math.min(original.length, 300);
    const mutated = Buffer.from(original);
    const flips = 1 + Math.floor(rnd() * 8);
    for (let f = 0; f < flips; f++) {
      const at = Math.floor(rnd() * (rnd() < 0.8 ? front : mutated.length));
      if (rnd() < 0.5) mutated[at] ^= 1 << Math.floor(rnd() * 8);
      else mutated[at] = (rnd() * 256) | 0;
    }
    const cut = rnd() < 0.5 ? Math.floor(rnd() * mutated.length) : mutated.length;
    const head = mutated.subarray(0, cut);
    check(head, `mutation ${i}`);
    if (exifDate(head)) dated++;
  }
  // Most damage misses the date fields, so many heads still carry one: the fuzz did reach the parser.
  expect(dated).toBeGreaterThan(100);
});
