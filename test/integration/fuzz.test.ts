// Fuzzing from Ferry's own OpenAPI document: every operation it lists gets requests, valid and broken
// (bodies, path and query parameters, content types, credentials, odd headers), generated with
// fast-check from the operation's JSON schemas, all signed in as user A (or pretending to be). Each
// answer must be no 5xx; an error must be { error: { code, message } } (or the page the document says
// a browser gets); nothing of user B's may appear in any answer, and nothing that names one of B's
// resources may succeed. At the end the server is still healthy and A still works normally.
// The operations come from the document at run time: a route added later is fuzzed without a change
// here. FERRY_FUZZ_SEED and FERRY_FUZZ_RUNS replay or lengthen a run.
import crypto from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { addWorker, signup, startTestApp, waitForRun, type Actor, type TestApp } from '../support/app.ts';
import { localFolder } from '../support/local-space.ts';

const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20_260_301);
const RUNS = Number(process.env.FERRY_FUZZ_RUNS ?? 10_000);
const PASSWORD = 'correct horse battery';
/** No answer within this is a finding of its own (a hung request). */
const ANSWER_WITHIN_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// The document's shapes, as far as this test reads them.

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
}

interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

interface OpenApi {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface RawOperation {
  parameters?: Param[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

interface Operation {
  key: string;
  method: string;
  path: string;
  params: Param[];
  body?: { schema: Schema; types: string[] };
  responses: Record<string, { content?: Record<string, unknown> }>;
  /** An event stream: read up to its first event, then hung up on. */
  stream: boolean;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head'];

function operationsOf(doc: OpenApi): Operation[] {
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    if (p.startsWith('/docs')) continue;
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const content = raw.requestBody?.content ?? {};
      const types = Object.keys(content);
      const responses = raw.responses ?? {};
      ops.push({
        key: `${method.toUpperCase()} ${p}`,
        method: method.toUpperCase(),
        path: p,
        params: raw.parameters ?? [],
        body: types.length ? { schema: content[types[0]].schema, types } : undefined,
        responses,
        stream: Object.entries(responses).some(
          ([status, r]) => status.startsWith('2') && Object.keys(r.content ?? {}).includes('text/event-stream'),
        ),
      });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// The two users. A signs every request; B is the other user, whose data no answer may show.

let t: TestApp & { url: string };
let root: string;
let a: Actor;
let b: Actor;
let doc: OpenApi;
let providers: { kind: string; options: Schema }[] = [];
const tag = crypto.randomBytes(4).toString('hex');
/**
 * A's ids: the ones made here, and every id A's answers show (a new cloud, task, run, token…), by
 * the collection they belong to ('clouds', 'runs'…; '' for all of them).
 */
const aIds = new Map<string, Set<string>>([['', new Set()]]);
function addAId(collection: string | undefined, id: string): void {
  const lower = id.toLowerCase();
  if (Object.values(bIds).includes(lower)) return;
  aIds.get('')!.add(lower);
  if (!collection) return;
  if (!aIds.has(collection)) aIds.set(collection, new Set());
  aIds.get(collection)!.add(lower);
}
/** Cursors and paths A's answers gave: real values for query parameters. */
const seenStrings = new Set<string>();
const bIds: Record<string, string> = {};
/** Strings of B's that no answer to A may hold (unless A's request itself sent them). */
const bSecrets: string[] = [];
let bRowsBefore: string;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

async function bRows(): Promise<string> {
  const whose: Record<string, string> = {
    users: 'id = $1',
    clouds: 'user_id = $1',
    tasks: 'user_id = $1',
    runs: 'user_id = $1',
    run_items: 'run_id IN (SELECT id FROM runs WHERE user_id = $1)',
    api_tokens: 'user_id = $1',
    sessions: 'user_id = $1',
  };
  const parts: string[] = [];
  for (const [table, where] of Object.entries(whose)) {
    const { rows } = await t.db.query(
      `SELECT coalesce(jsonb_agg(r ORDER BY r::text), '[]')::text AS s
         FROM (SELECT to_jsonb(x) - 'last_used_at' AS r FROM ${table} x WHERE ${where}) y`,
      [b.id],
    );
    parts.push(`${table}: ${rows[0].s}`);
  }
  return parts.join('\n');
}

// No request of the fuzzing reaches the network, wherever the test runs: every host name but localhost
// is unknown (NXDOMAIN), as a mistyped one is, and a cloud on such a host is refused as any other
// mistake in its options (a 4xx).
const realLookup = dns.lookup;
const realPromisesLookup = dns.promises.lookup;
const local = (host: string) => host === 'localhost' || net.isIP(host) !== 0;
const nxdomain = (host: string) =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname: host,
  });
function hermeticDns(): void {
  dns.lookup = ((host: string, options: unknown, callback?: unknown) => {
    if (local(host)) return (realLookup as (...args: unknown[]) => void)(host, options, callback);
    const cb = (typeof options === 'function' ? options : callback) as (err: Error) => void;
    process.nextTick(() => cb(nxdomain(host)));
  }) as typeof dns.lookup;
  dns.promises.lookup = (async (host: string, options?: dns.LookupOptions) => {
    if (local(host)) return realPromisesLookup(host, options ?? {});
    throw nxdomain(host);
  }) as typeof dns.promises.lookup;
}

beforeAll(async () => {
  hermeticDns();
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-fuzz-')));
  // Every kind of cloud can be connected here: the sign-ins with a provider start (and are not followed).
  t = await startTestApp({
    FERRY_LOCAL_ROOTS: root,
    ...Object.fromEntries(
      ['FERRY_GOOGLE', 'FERRY_DROPBOX', 'FERRY_MS'].flatMap((v) => [
        [`${v}_CLIENT_ID`, 'fuzz-client'],
        [`${v}_CLIENT_SECRET`, 'fuzz-secret'],
      ]),
    ),
  });
  a = await signup(t);
  b = await signup(t, `b-secret-${tag}@example.com`);
  for (const [user, folder] of [
    [a, 'src'],
    [a, 'dst'],
    [b, 'src'],
    [b, 'dst'],
  ] as const)
    await localFolder(root, user, folder);
  await fs.writeFile(path.join(root, a.id, 'src', 'a-photo.jpg'), 'A photo');
  await fs.writeFile(path.join(root, b.id, 'src', `B-secret-file-${tag}.jpg`), `B-secret-content-${tag}`);

  const make = async (actor: Actor, url: string, payload?: object) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: actor.bearer, payload });
    if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const cloud = (actor: Actor, name: string, folder: string) =>
    make(actor, '/clouds', { kind: 'local', name, options: { root: folder } }).then((c) => c.id as string);
  const task = (actor: Actor, name: string, src: string, dst: string, where: string) =>
    make(actor, '/tasks', { name, source: { cloudId: src }, destination: { cloudId: dst, path: where } }).then(
      (x) => x.id as string,
    );

  const aSrc = await cloud(a, 'A src', 'src');
  const aDst = await cloud(a, 'A dst', 'dst');
  const aTask = await task(a, 'A task', aSrc, aDst, 'backup');
  const aRun = (await make(a, `/tasks/${aTask}/runs`)).run.id;
  const aTask2 = await task(a, 'A second task', aSrc, aDst, 'second');
  const aRun2 = (await make(a, `/tasks/${aTask2}/runs`)).run.id;
  const aToken = (await make(a, '/tokens', { name: 'A spare token' })).id;

  bIds.user = b.id;
  bIds.cloud = await cloud(b, `B-secret-cloud-${tag}`, 'src');
  bIds.dst = await cloud(b, `B-secret-dst-${tag}`, 'dst');
  bIds.task = await task(b, `B-secret-task-${tag}`, bIds.cloud, bIds.dst, `B-secret-path-${tag}`);
  bIds.run = (await make(b, `/tasks/${bIds.task}/runs`)).run.id;
  bIds.token = (await make(b, '/tokens', { name: `B-secret-token-${tag}` })).id;

  // Both runs done, so each task has a backup (snapshots, a tree, run items) to look at.
  const stopWorker = await addWorker(t);
  for (const [actor, run] of [
    [a, aRun],
    [a, aRun2],
    [b, bIds.run],
  ] as const) {
    const done = await waitForRun(t, actor, run);
    if (done.status !== 'succeeded') throw new Error(`run ${run}: ${JSON.stringify(done)}`);
  }
  await stopWorker();
  // And one run of A's left queued (no worker from here on): its progress stream stays open.
  const aQueued = (await make(a, `/tasks/${aTask}/runs`)).run.id;

  for (const [collection, id] of [
    ['users', a.id],
    ['clouds', aSrc],
    ['clouds', aDst],
    ['tasks', aTask],
    ['tasks', aTask2],
    ['runs', aRun],
    ['runs', aRun2],
    ['runs', aQueued],
    ['tokens', aToken],
  ])
    addAId(collection, id);
  bSecrets.push(
    b.email,
    `B-secret-cloud-${tag}`,
    `B-secret-dst-${tag}`,
    `B-secret-task-${tag}`,
    `B-secret-path-${tag}`,
    `B-secret-file-${tag}`,
    `B-secret-content-${tag}`,
    `B-secret-token-${tag}`,
    `b-secret-${tag}`,
    b.headers.cookie.replace('ferry_session=', ''),
    b.headers['x-csrf-token'],
    b.bearer.authorization.replace('Bearer ', ''),
    ...Object.values(bIds),
  );
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  providers = (await t.app.inject({ method: 'GET', url: '/api/v1/providers' })).json();
  bRowsBefore = await bRows();
  await saveACredentials();
}, 120_000);

afterAll(async () => {
  dns.lookup = realLookup;
  dns.promises.lookup = realPromisesLookup;
  await t?.close();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Values. Strings that often mean something to a server, mixed into every string field.

const SPECIAL_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '../..',
  '../../etc/passwd',
  '/',
  '/etc/passwd',
  'src',
  'dst',
  'src/../..',
  'a/b',
  'a//b',
  '~',
  '*',
  '**/*.jpg',
  '{yyyy}/{name}',
  '{name}',
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Pacific/Chatham',
  '02:00',
  '24:00',
  'true',
  'null',
  '0',
  '-1',
  '1e400',
  'NaN',
  '%00',
  '%2e%2e',
  '\u0000',
  '\uD800',
  '\u202E',
  '😀',
  'é',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '$' + '{jndi:ldap://x}',
  '__proto__',
  'constructor',
  'free',
  'admin',
];

/** A schema's pattern as a RegExp (with the u flag where it allows); none if JavaScript cannot read it. */
function regex(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {}
  }
  return undefined;
}

/** Percent-encodes a string; a lone surrogate becomes the bytes of one, which are not UTF-8. */
function pct(x: string): string {
  let out = '';
  for (const ch of x) {
    const unit = ch.charCodeAt(0);
    out += ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch);
  }
  return out;
}

/** Whether a string's length is within a schema's bounds. */
const fitting = (s: string, min: number, max: number) => s.length >= min && s.length <= max;

/** Strings as base64url JSON, the shape of Ferry's cursors. */
const cursorLike = fc
  .oneof(
    fc.tuple(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.uuid(),
    ),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map((v) => Buffer.from(JSON.stringify(v)).toString('base64url'));

const dateArb = fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true });

/** A value of every JSON type, for "the wrong type here". */
const anyJson = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', 'text', [], [null], {}),
  fc.jsonValue({ maxDepth: 3 }),
);

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'isAdmin', 'admin', 'userId', 'user_id', 'id', 'plan', ''];

function intBetween(min: number, max: number): fc.Arbitrary<number> {
  const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
  const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
  if (!(lo <= hi)) return fc.constant(lo);
  return fc.oneof(
    { weight: 4, arbitrary: fc.bigInt({ min: BigInt(lo), max: BigInt(hi) }).map(Number) },
    { weight: 1, arbitrary: fc.constantFrom(lo, hi) },
  );
}

/** fast-check arbitraries of values a JSON schema accepts, and of values it should refuse. */
class Values {
  private validCache = new Map<Schema, fc.Arbitrary<unknown>>();
  private brokenCache = new Map<Schema, fc.Arbitrary<unknown>>();

  private components: Record<string, Schema>;
  /** A uuid as a request would name one of a collection ('clouds' for a cloudId…): A's mostly, B's, any. */
  readonly uuid: (collection?: string) => fc.Arbitrary<string>;
  /** Options of a cloud kind, as GET /providers describes them. */
  private optionsOf: (kind: string) => Schema | undefined;

  constructor(
    components: Record<string, Schema>,
    uuid: (collection?: string) => fc.Arbitrary<string>,
    optionsOf: (kind: string) => Schema | undefined,
  ) {
    this.components = components;
    this.uuid = uuid;
    this.optionsOf = optionsOf;
  }

  deref(s: Schema): Schema {
    let x = s;
    for (let i = 0; x?.$ref && i < 20; i++) x = this.components[x.$ref.replace('#/components/schemas/', '')] ?? {};
    if (x?.allOf) {
      const merged: Schema = {
        ...x,
        allOf: undefined,
        properties: { ...x.properties },
        required: [...(x.required ?? [])],
      };
      for (const part of x.allOf.map((p) => this.deref(p))) {
        Object.assign(merged.properties!, part.properties);
        merged.required!.push(...(part.required ?? []));
        merged.type ??= part.type;
        if (part.additionalProperties === false) merged.additionalProperties = false;
      }
      return merged;
    }
    return x ?? {};
  }

  static typeOf(s: Schema): string | undefined {
    const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
    return type ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
  }

  /** `name`: the field's or parameter's name, which tells what an id names (cloudId: a cloud). */
  valid(schema: Schema, depth = 0, name = ''): fc.Arbitrary<unknown> {
    const s = this.deref(schema);
    let arb = this.validCache.get(s);
    if (!arb) {
      arb = this.validOf(s, depth, name);
      if (s.nullable || (Array.isArray(s.type) && s.type.includes('null')))
        arb = fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });
      this.validCache.set(s, arb);
    }
    return arb;
  }

  private validOf(s: Schema, depth: number, name: string): fc.Arbitrary<unknown> {
    if ('const' in s) return fc.constant(s.const);
    if (s.enum?.length) return fc.constantFrom(...s.enum);
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives?.length) return fc.oneof(...alternatives.map((x) => this.valid(x, depth + 1)));
    if (depth > 8) return fc.constant(null);
    switch (Values.typeOf(s)) {
      case 'string':
        return this.validString(s, name);
      case 'integer':
        return this.validNumber(s, true);
      case 'number':
        return this.validNumber(s, false);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const min = s.minItems ?? 0;
        const max = Math.max(min, Math.min(s.maxItems ?? 4, 4));
        const item = this.valid(s.items ?? {}, depth + 1, name);
        return s.uniqueItems
          ? fc.uniqueArray(item, { minLength: min, maxLength: max, selector: (v) => JSON.stringify(v) })
          : fc.array(item, { minLength: min, maxLength: max });
      }
      case 'object':
        return this.validObject(s, depth);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private validString(s: Schema, name: string): fc.Arbitrary<string> {
    const min = s.minLength ?? 0;
    const max = s.maxLength ?? 10_000;
    const re = s.pattern ? regex(s.pattern) : undefined;
    const ok = (x: string) => fitting(x, min, max) && (!re || re.test(x));
    switch (s.format) {
      case 'uuid':
        return this.uuid(collectionOf(name));
      case 'date-time':
        return dateArb.map((d) => d.toISOString());
      case 'date':
        return dateArb.map((d) => d.toISOString().slice(0, 10));
      case 'uri':
        return fc.oneof(fc.webUrl(), fc.constantFrom('https://127.0.0.1', 'http://[::1]:9000', 'https://x.invalid'));
    }
    const specials = SPECIAL_STRINGS.filter(ok);
    // Never a filter that may reject everything: a value that misses is replaced by one that fits.
    const fallback = specials[0] ?? 'x'.repeat(Math.max(min, 1));
    const orFallback = (x: string) => (ok(x) ? x : fallback);
    const short = Math.max(min, Math.min(max, 40));
    const parts: fc.WeightedArbitrary<string>[] = [];
    if (re) {
      let matching: fc.Arbitrary<string>;
      try {
        matching = fc.stringMatching(new RegExp(s.pattern!)).map(orFallback);
      } catch {
        // A pattern fast-check cannot generate from (lookaheads): strings that happen to match.
        matching = fc.string({ minLength: min, maxLength: short }).map(orFallback);
      }
      parts.push({ weight: 8, arbitrary: matching });
    } else {
      const seen = fc.nat().map((n) => {
        const fit = [...seenStrings].filter(ok);
        return fit.length ? fit[n % fit.length] : fallback;
      });
      parts.push(
        { weight: 5, arbitrary: fc.string({ minLength: min, maxLength: short }) },
        { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: short, unit: 'grapheme' }).map(orFallback) },
        { weight: 1, arbitrary: fc.constant('x'.repeat(Math.max(min, Math.min(max, 5000)))) },
        { weight: 1, arbitrary: cursorLike.map(orFallback) },
        { weight: 1, arbitrary: seen },
      );
    }
    if (specials.length) parts.push({ weight: 5, arbitrary: fc.constantFrom(...specials) });
    return fc.oneof(...parts);
  }

  private validNumber(s: Schema, integer: boolean): fc.Arbitrary<number> {
    let min = s.minimum ?? (integer ? -(2 ** 40) : -1e12);
    let max = s.maximum ?? (integer ? 2 ** 40 : 1e12);
    if (typeof s.exclusiveMinimum === 'number') min = s.exclusiveMinimum + (integer ? 1 : 1e-9);
    else if (s.exclusiveMinimum === true) min += integer ? 1 : 1e-9;
    if (typeof s.exclusiveMaximum === 'number') max = s.exclusiveMaximum - (integer ? 1 : 1e-9);
    else if (s.exclusiveMaximum === true) max -= integer ? 1 : 1e-9;
    if (integer) return intBetween(Math.ceil(min), Math.floor(max));
    if (!(min <= max)) return fc.constant(min);
    return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  }

  private validObject(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const props = s.properties ?? {};
    const required = (s.required ?? []).filter((k) => k in props);
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(props)) model[k] = this.valid(v, depth + 1, k);
    // Often the required fields alone: each optional one that is there may be the one refused.
    const requiredOnly: Record<string, fc.Arbitrary<unknown>> = {};
    for (const k of required) requiredOnly[k] = model[k];
    let arb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
      { weight: 1, arbitrary: fc.record(requiredOnly) },
      { weight: 2, arbitrary: fc.record(model, { requiredKeys: required }) },
    );
    // A cloud: its options as GET /providers describes them for its kind.
    const kinds = this.deref(props.kind ?? {}).enum as string[] | undefined;
    if (kinds && props.options && !this.deref(props.options).properties) {
      arb = fc.tuple(arb, fc.constantFrom(...kinds)).chain(([o, kind]) => {
        const options = this.optionsOf(kind);
        if (!options) return fc.constant({ ...o, kind });
        return fc
          .oneof({ weight: 4, arbitrary: this.valid(options, depth + 1) }, { weight: 1, arbitrary: anyJson })
          .map((opts) => ({ ...o, kind, options: opts }));
      });
    } else if (props.options && !this.deref(props.options).properties && providers.length) {
      const all = providers.map((p) => this.valid(p.options, depth + 1));
      arb = fc
        .tuple(arb, fc.option(fc.oneof(...all), { nil: undefined }))
        .map(([o, opts]) => (opts === undefined ? o : { ...o, options: opts }));
    }
    const extra = s.additionalProperties;
    if (extra && !Object.keys(props).length) {
      const value = extra === true ? fc.jsonValue({ maxDepth: 2 }) : this.valid(extra, depth + 1);
      arb = fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 4 });
    }
    return arb;
  }

  /** A value the schema should refuse (or, now and then, one at its very edge). */
  broken(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
    const s = this.deref(schema);
    let arb = this.brokenCache.get(s);
    if (!arb) {
      arb = this.brokenOf(s, depth);
      this.brokenCache.set(s, arb);
    }
    return arb;
  }

  private brokenOf(s: Schema, depth: number): fc.Arbitrary<unknown> {
    const type = Values.typeOf(s);
    const wrongType = anyJson.filter((v) => {
      if (v === null) return !s.nullable;
      const actual = Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;
      return actual !== type && !(actual === 'number' && type === 'integer');
    });
    const alternatives: fc.Arbitrary<unknown>[] = [wrongType];
    if (s.enum?.length) {
      alternatives.push(
        fc.string({ maxLength: 20 }).filter((x) => !s.enum!.includes(x)),
        fc.constantFrom(...s.enum).map((v) => (typeof v === 'string' ? `${v.toUpperCase()} ` : [v])),
      );
    }
    const variants = s.anyOf ?? s.oneOf;
    if (variants?.length && depth < 6) alternatives.push(fc.oneof(...variants.map((v) => this.broken(v, depth + 1))));
    if (type === 'string') {
      const max = s.maxLength ?? 10_000;
      alternatives.push(fc.integer({ min: max + 1, max: max + 64 }).map((n) => 'y'.repeat(n)));
      if (s.minLength) alternatives.push(fc.constant('z'.repeat(s.minLength - 1)));
      const re = s.pattern ? regex(s.pattern) : undefined;
      if (re)
        alternatives.push(
          // (Not a filter, which a pattern that takes almost anything would keep retrying.)
          fc
            .oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...SPECIAL_STRINGS))
            .map((x) => (re.test(x) ? `${x}\u0000/../` : x)),
        );
      if (s.format === 'uuid')
        alternatives.push(
          this.uuid().map((u) => u.slice(1)),
          this.uuid().map((u) => `${u}0`),
          this.uuid().map((u) => u.replaceAll('-', '')),
          this.uuid().map((u) => `{${u}}`),
          fc.constantFrom('0', '1', '-1', 'null', 'not-a-uuid', 'g0000000-0000-4000-8000-000000000000'),
        );
      if (s.format === 'date-time' || s.format === 'date')
        alternatives.push(
          fc.constantFrom('2024-02-30', '2024-13-01T00:00:00Z', 'yesterday', '0000-00-00', '+275760-09-13'),
        );
      alternatives.push(fc.string({ maxLength: 30, unit: 'binary' }));
    }
    if (type === 'integer' || type === 'number') {
      const min = s.minimum ?? -(2 ** 53);
      const max = s.maximum ?? 2 ** 53;
      alternatives.push(
        fc.constantFrom(min - 1, max + 1, min - 1e6, max + 1e20, 1e308, -1e308, 2 ** 53 + 2),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        intBetween(Math.max(min, -1e9), Math.min(max, 1e9)).map((n) => String(n)),
      );
      if (type === 'integer') alternatives.push(fc.constantFrom(0.5, 1.5, min + 0.1));
    }
    if (type === 'array') {
      const item = this.valid(s.items ?? {}, depth + 1);
      const max = s.maxItems ?? 200;
      alternatives.push(item.map((x) => Array(Math.min(max + 1, 5000)).fill(x)));
      if (s.minItems) alternatives.push(fc.array(item, { maxLength: s.minItems - 1 }));
      if (depth < 6) alternatives.push(fc.array(this.broken(s.items ?? {}, depth + 1), { minLength: 1, maxLength: 3 }));
    }
    if (type === 'object') {
      const valid = this.valid(s, depth) as fc.Arbitrary<Record<string, unknown>>;
      const required = (s.required ?? []).filter((k) => k in (s.properties ?? {}));
      if (required.length)
        alternatives.push(
          fc.tuple(valid, fc.constantFrom(...required)).map(([o, k]) => {
            if (!o) return o; // (a nullable object's null)
            const { [k]: _, ...rest } = o;
            return rest;
          }),
        );
      alternatives.push(
        fc.tuple(valid, fc.constantFrom(...ODD_KEYS), anyJson).map(([o, k, v]) => {
          const out = { ...o };
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
          return out;
        }),
      );
      const keys = Object.keys(s.properties ?? {});
      if (keys.length && depth < 6)
        alternatives.push(
          fc
            .constantFrom(...keys)
            .chain((k) => fc.tuple(valid, fc.constant(k), this.broken(s.properties![k], depth + 1)))
            .map(([o, k, v]) => ({ ...o, [k]: v })),
        );
    }
    return fc.oneof(...alternatives);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests.

type AuthMode =
  | 'cookie'
  | 'bearer'
  | 'both'
  | 'none'
  | 'cookie-without-csrf'
  | 'cookie-wrong-csrf'
  | 'bearer-odd-spelling'
  | 'bearer-tampered'
  | 'authorization-garbage'
  | 'cookie-garbage'
  | 'cookie-twice';

interface Req {
  op: string;
  method: string;
  url: string;
  body?: { text: string; type?: string };
  auth: { mode: AuthMode; value: string };
  headers: Record<string, string>;
  /** What was made wrong on purpose. */
  broken: string[];
}

const authArb: fc.Arbitrary<Req['auth']> = fc.oneof(
  ...(
    [
      ['cookie', 35],
      ['bearer', 35],
      ['both', 3],
      ['none', 4],
      ['cookie-without-csrf', 3],
      ['cookie-wrong-csrf', 3],
      ['bearer-odd-spelling', 2],
      ['bearer-tampered', 3],
      ['authorization-garbage', 5],
      ['cookie-garbage', 4],
      ['cookie-twice', 2],
    ] as const
  ).map(([mode, weight]) => ({
    weight,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'Bearer fp_', 'Bearer null', 'Digest x', 'x'.repeat(5000)),
      )
      .map((value) => ({ mode, value })),
  })),
);

/** Header values: printable, as an HTTP client could send them. */
const headerText = fc.string({ maxLength: 60, unit: 'grapheme-ascii' }).map((x) => x.replace(/[^\x20-\x7e]/g, ''));

const oddHeadersArb: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({}) },
  {
    weight: 3,
    arbitrary: fc.dictionary(
      fc.constantFrom(
        'accept',
        'accept-language',
        'user-agent',
        'x-forwarded-for',
        'x-real-ip',
        'origin',
        'referer',
        'x-http-method-override',
        'x-request-id',
        'if-none-match',
        'range',
      ),
      fc.oneof(
        headerText,
        fc.constantFrom(
          '*/*',
          'text/html',
          'application/json, text/html',
          'text/html;q=0.9, application/json',
          'application/xml',
          'de',
          'fr-CH, fr;q=0.9',
          'xx-YY;q=abc',
          '1.2.3.4',
          '::1, 10.0.0.1',
          'https://evil.example',
          'null',
          'DELETE',
          'bytes=0-1',
          'x'.repeat(4000),
        ),
      ),
      { minKeys: 1, maxKeys: 3 },
    ),
  },
);

const RAW_BODIES = [
  '{',
  '{"',
  '{"a":',
  '[',
  ']',
  ' ',
  'null',
  'nul',
  'true',
  '0',
  '"x"',
  '[1,2]',
  "{'a':1}",
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '{"a":1e999999}',
  '{"a":-}',
  '\u0000',
  'NaN',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '{"name":"a","name":{"x":1}}',
];

function rawBrokenBody(valid: fc.Arbitrary<unknown>): fc.Arbitrary<{ text: string; note: string }> {
  return fc.oneof(
    fc.constantFrom(...RAW_BODIES).map((text) => ({ text, note: 'invalid JSON' })),
    fc.integer({ min: 100, max: 30_000 }).map((d) => ({ text: '['.repeat(d) + ']'.repeat(d), note: `nested ${d}` })),
    fc
      .integer({ min: 100, max: 10_000 })
      .map((d) => ({ text: `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`, note: `nested objects ${d}` })),
    fc
      .integer({ min: 60_000, max: 300_000 })
      .map((n) => ({ text: JSON.stringify({ name: 'x'.repeat(n) }), note: `huge ${n}` })),
    fc.integer({ min: 500, max: 5000 }).map((n) => ({
      text: JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
      note: `${n} keys`,
    })),
    fc.string({ maxLength: 200, unit: 'binary' }).map((text) => ({ text, note: 'binary' })),
    valid
      .map((v) => JSON.stringify(v) ?? '')
      .chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n)))
      .map((text) => ({ text, note: 'truncated JSON' })),
  );
}

const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/vnd.api+json',
  'application/json, text/plain',
  ';;;',
  'x'.repeat(300),
];

/** The arbitrary of requests for one operation. */
function operationArb(op: Operation, v: Values): fc.Arbitrary<Req> {
  type Part = { text: string; note?: string };
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const stringify = (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x));

  const pathValue = (p: Param): fc.Arbitrary<Part> => {
    const s = v.deref(p.schema);
    // The collection an id in the path names: the segment before it (/clouds/{id}: a cloud).
    const segments = op.path.split('/');
    const collection = segments[segments.indexOf(`{${p.name}}`) - 1];
    const valid = s.format === 'uuid' ? v.uuid(collection) : v.valid(s, 0, p.name).map(stringify);
    return fc.oneof(
      { weight: 12, arbitrary: valid.map((x) => ({ text: pct(x) })) },
      {
        weight: 1,
        arbitrary: v.broken(s).map((x) => ({ text: pct(stringify(x)), note: `path ${p.name}` })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('..', '.', '%2e%2e', '%2F', 'a%2Fb', '%00', '%ZZ', '%E0%A4%A', '%', '%20', '', 'x'.repeat(600))
          .map((text) => ({ text, note: `path ${p.name} raw` })),
      },
    );
  };

  const queryValid = fc
    .tuple(
      ...queryParams.map((p) => {
        const s = v.deref(p.schema);
        const value = (s.format === 'uuid' ? v.uuid(collectionOf(p.name)) : v.valid(s, 0, p.name).map(stringify)).map(
          (x) => [p.name, x] as const,
        );
        // An optional parameter is left out more often than not: each one there may be the one refused.
        return p.required
          ? value
          : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
      }),
    )
    .map((pairs) => pairs.filter((x) => x !== undefined) as (readonly [string, string])[]);
  const encode = (pairs: (readonly [string, string])[]) => pairs.map(([k, x]) => `${pct(k)}=${pct(x)}`).join('&');
  const queryBroken: fc.Arbitrary<Part>[] = [
    fc
      .tuple(queryValid, fc.constantFrom('unknown', 'isAdmin', '__proto__', 'userId'), headerText)
      .map(([pairs, k, x]) => ({ text: encode([...pairs, [k, x]]), note: `query +${k}` })),
    fc
      .constantFrom(
        '&&&',
        '=',
        'a',
        '%ZZ',
        '%00=%00',
        '__proto__[x]=1',
        'constructor[prototype][admin]=1',
        'a[]=1&a[]=2',
        'a=1&'.repeat(3000),
      )
      .map((text) => ({ text, note: 'query raw' })),
  ];
  if (queryParams.length) {
    queryBroken.push(
      fc.constantFrom(...queryParams).chain((p) =>
        fc.tuple(queryValid, v.broken(p.schema)).map(([pairs, x]) => ({
          text: encode([...pairs.filter(([k]) => k !== p.name), [p.name, stringify(x)]]),
          note: `query ${p.name}`,
        })),
      ),
      fc.tuple(queryValid, fc.constantFrom(...queryParams)).map(([pairs, p]) => ({
        text: encode([...pairs, [p.name, '1'], [p.name, '2']]),
        note: `query ${p.name} twice`,
      })),
      queryValid.map((pairs) => ({ text: encode(pairs.slice(1)), note: 'query one left out' })),
    );
  }
  const queryArb = fc.oneof(
    { weight: 8, arbitrary: queryValid.map((pairs) => ({ text: encode(pairs) }) as Part) },
    { weight: 2, arbitrary: fc.oneof(...queryBroken) },
  );

  type Body = { text: string; type?: string; note?: string } | undefined;
  let bodyArb: fc.Arbitrary<Body>;
  if (op.body) {
    const schema = op.body.schema;
    const valid = v.valid(schema);
    const parts: fc.WeightedArbitrary<Body>[] = [
      { weight: 12, arbitrary: valid.map((x) => ({ text: JSON.stringify(x) ?? '', type: 'application/json' })) },
      {
        weight: 4,
        arbitrary: v
          .broken(schema)
          .map((x) => ({ text: JSON.stringify(x) ?? '', type: 'application/json', note: 'body value' })),
      },
      {
        weight: 2,
        arbitrary: rawBrokenBody(valid).map(({ text, note }) => ({ text, type: 'application/json', note })),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(valid, fc.constantFrom(...ODD_CONTENT_TYPES)).map(([x, type]) => ({
          text: JSON.stringify(x) ?? '',
          type,
          note: `content-type ${type.slice(0, 40)}`,
        })),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Body>(
          { text: '', type: 'application/json', note: 'no body' },
          { text: '', note: 'no body, no type' },
          { text: '{}', note: 'JSON without a type' },
        ),
      },
    ];
    if (op.body.types.includes('application/x-www-form-urlencoded'))
      parts.push({
        weight: 2,
        arbitrary: fc.oneof(valid, v.broken(schema)).map((x) => ({
          text:
            x && typeof x === 'object' && !Array.isArray(x)
              ? new URLSearchParams(Object.entries(x).map(([k, y]): [string, string] => [k, stringify(y)])).toString()
              : String(x),
          type: 'application/x-www-form-urlencoded',
          note: 'form',
        })),
      });
    bodyArb = fc.oneof(...parts);
  } else {
    bodyArb = fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: anyJson.map((x) => ({ text: JSON.stringify(x), type: 'application/json', note: 'unasked body' })),
      },
      {
        weight: 1,
        arbitrary: rawBrokenBody(anyJson).map(({ text, note }) => ({ text, type: 'application/json', note })),
      },
    );
  }

  return fc
    .record({
      path: fc.tuple(...pathParams.map(pathValue)),
      query: queryArb,
      body: bodyArb,
      auth: authArb,
      headers: oddHeadersArb,
      // Header parameters the document names, if any: valid mostly, left out or broken now and then.
      params: fc.tuple(
        ...headerParams.map((p) =>
          fc
            .oneof(
              { weight: 8, arbitrary: v.valid(p.schema, 0, p.name).map((x): Part => ({ text: stringify(x) })) },
              {
                weight: 1,
                arbitrary: v.broken(p.schema).map((x): Part => ({ text: stringify(x), note: `header ${p.name}` })),
              },
              { weight: 1, arbitrary: fc.constant<Part>({ text: '', note: `header ${p.name} left out` }) },
            )
            .map((x) => ({ ...x, name: p.name, text: x.text.replace(/[^\x20-\x7e]/g, '') })),
        ),
      ),
      contentLength: fc.oneof({ weight: 40, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat(99) }),
    })
    .map(({ path: values, query, body, auth, headers, params, contentLength }) => {
      let i = 0;
      const url = op.path.replace(/\{[^}]+\}/g, () => values[i++].text) + (query.text ? `?${query.text}` : '');
      const broken = [...values.map((x) => x.note), query.note, body?.note].filter((x): x is string => !!x);
      if (auth.mode !== 'cookie' && auth.mode !== 'bearer') broken.push(`auth ${auth.mode}`);
      const extra = { ...headers };
      for (const h of params) {
        if (h.text) extra[h.name.toLowerCase()] = h.text;
        if (h.note) broken.push(h.note);
      }
      if (contentLength !== undefined && body?.text) {
        extra['content-length'] = String(contentLength);
        broken.push('content-length');
      }
      if (Object.keys(headers).length) broken.push(`headers ${Object.keys(headers).join(',')}`);
      return {
        op: op.key,
        method: op.method,
        url,
        body: body && { text: body.text, type: body.type },
        auth,
        headers: extra,
        broken,
      };
    });
}

/** Requests no operation answers: another method on a known path, or a path that is none. */
function unroutedArb(ops: Operation[]): fc.Arbitrary<Req> {
  const paths = [...new Set(ops.map((o) => o.path))];
  const documented = ops.map((o) => ({
    method: o.method,
    re: new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      path: fc.oneof(
        fc.tuple(fc.constantFrom(...paths), fc.uuid()).map(([p, id]) => p.replace(/\{[^}]+\}/g, id)),
        fc.webPath().map((p) => `/api/v1${p}`),
        fc.constantFrom('/api/v1', '/api/v2/tasks', '/api/v1/../../etc/passwd', '/api/v1/%ZZ', '/api/v1/tasks/%00'),
      ),
      auth: authArb,
    })
    .filter(({ method, path: p }) => !documented.some((d) => d.method === method && d.re.test(p)))
    .map(({ method, path: p, auth }) => ({
      op: '(no such operation)',
      method,
      url: p,
      auth,
      headers: {},
      broken: ['route'],
    }));
}

// ---------------------------------------------------------------------------------------------
// Sending, and checking each answer.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

function headersFor(req: Req): Record<string, string> {
  const cookie = a.headers.cookie;
  const csrf = a.headers['x-csrf-token'];
  const bearer = a.bearer.authorization;
  const token = bearer.replace('Bearer ', '');
  const h: Record<string, string> = { accept: 'application/json' };
  switch (req.auth.mode) {
    case 'cookie':
      Object.assign(h, { cookie, 'x-csrf-token': csrf });
      break;
    case 'bearer':
      h.authorization = bearer;
      break;
    case 'both':
      Object.assign(h, { cookie, 'x-csrf-token': csrf, authorization: bearer });
      break;
    case 'none':
      break;
    case 'cookie-without-csrf':
      h.cookie = cookie;
      break;
    case 'cookie-wrong-csrf':
      Object.assign(h, { cookie, 'x-csrf-token': req.auth.value || `${csrf}x` });
      break;
    case 'bearer-odd-spelling':
      h.authorization = req.auth.value.length % 2 ? `bearer ${token}` : `Bearer   ${token}  `;
      break;
    case 'bearer-tampered':
      h.authorization = `Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      break;
    case 'authorization-garbage':
      h.authorization = req.auth.value.replace(/[^\x20-\x7e]/g, '');
      break;
    case 'cookie-garbage':
      h.cookie = `ferry_session=${pct(req.auth.value)}`;
      h['x-csrf-token'] = csrf;
      break;
    case 'cookie-twice':
      h.cookie = `ferry_session=garbage; ${cookie}`;
      h['x-csrf-token'] = csrf;
      break;
  }
  if (req.body?.type !== undefined) h['content-type'] = req.body.type;
  return { ...h, ...req.headers };
}

async function readStream(res: { stream(): NodeJS.ReadableStream }, untilEvent: boolean): Promise<string> {
  const stream = res.stream() as NodeJS.ReadableStream & { destroy(): void };
  let text = '';
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3000);
    const done = () => (clearTimeout(timer), resolve());
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (untilEvent && text.includes('\n\n')) done();
    });
    stream.on('end', done);
    stream.on('error', done);
  });
  return text;
}

async function send(req: Req, stream: boolean): Promise<Answer> {
  const headers = headersFor(req);
  const inject = t.app.inject({
    method: req.method as 'GET',
    url: req.url,
    headers,
    payload: req.body?.text,
    payloadAsStream: stream,
  });
  let timer: NodeJS.Timeout | undefined;
  const res = await Promise.race([
    inject,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!stream) return { status: res.statusCode, headers: res.headers, body: res.body };
  const isEvents = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
  const body = await readStream(res, isEvents);
  // Hang up, as a browser leaving the page does: the server ends the stream and frees its slot.
  (res.raw.res as { destroy(): void }).destroy();
  return { status: res.statusCode, headers: res.headers, body };
}

/** Requests shown for each kind of problem of an operation. */
const EXAMPLES = 3;

interface Finding {
  key: string;
  kind: string;
  req: Req;
  headers: Record<string, string>;
  answer?: Answer;
  error?: string;
}

function describeFinding(f: Finding): string {
  const body = f.req.body ? `${f.req.body.text.slice(0, 400)}${f.req.body.text.length > 400 ? '…' : ''}` : '(none)';
  const answer = f.answer
    ? `${f.answer.status} ${String(f.answer.headers['content-type'] ?? '')}\n    ${f.answer.body.slice(0, 600)}`
    : f.error;
  return (
    `${f.kind}: ${f.req.op}\n  request: ${f.req.method} ${f.req.url.slice(0, 300)}\n` +
    `  headers: ${JSON.stringify(f.headers).slice(0, 600)}\n  body: ${JSON.stringify(body)}\n` +
    `  broken on purpose: ${f.req.broken.join('; ') || 'nothing'}\n  answer: ${answer}`
  );
}

/** Whether the document lets this status of this operation answer with a page rather than JSON. */
function pageAllowed(op: Operation | undefined, status: number, contentType: string): boolean {
  if (!op || !contentType.startsWith('text/html')) return false;
  const response = op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`];
  return Object.keys(response?.content ?? {}).includes('text/html');
}

/** What an error message must not show: framework codes, stack frames, server paths, SQL. */
const INSIDES = /\bFST_\w+|\bHPE_\w+|\bERR_[A-Z_]+|\n\s+at |node_modules|\/work\/|\bSELECT\b.+\bFROM\b|\bpg_\w+/;

function check(op: Operation | undefined, req: Req, headers: Record<string, string>, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`${answer.status} answer`);
  const contentType = String(answer.headers['content-type'] ?? '');
  // (A HEAD request's answer has no body.)
  if (answer.status >= 400 && req.method !== 'HEAD' && !pageAllowed(op, answer.status, contentType)) {
    let shape = false;
    try {
      const parsed = JSON.parse(answer.body);
      shape =
        contentType.startsWith('application/json') &&
        parsed !== null &&
        typeof parsed === 'object' &&
        Object.keys(parsed).join() === 'error' &&
        Object.keys(parsed.error).sort().join() === 'code,message' &&
        typeof parsed.error.code === 'string' &&
        parsed.error.code.length > 0 &&
        typeof parsed.error.message === 'string' &&
        parsed.error.message.length > 0;
      // Its message tells nothing of the server's insides (unless the request said it).
      const inside = shape && INSIDES.exec(parsed.error.message);
      if (inside && !`${req.url}${req.body?.text}`.includes(inside[0]))
        problems.push(`error message shows "${inside[0]}"`);
    } catch {}
    if (!shape) problems.push('error answer not { error: { code, message } }');
  }
  // Nothing of B's: not in the body, not in a header (a Location, a cookie), unless A's request sent it.
  const sent = `${req.url}\n${req.body?.text ?? ''}\n${JSON.stringify(headers)}`;
  const sentLower = sent.toLowerCase();
  let decoded = sentLower;
  try {
    decoded = decodeURIComponent(sent).toLowerCase();
  } catch {}
  const answered = `${answer.body}\n${JSON.stringify(answer.headers)}`.toLowerCase();
  for (const secret of bSecrets) {
    const s = secret.toLowerCase();
    if (answered.includes(s) && !sentLower.includes(s) && !decoded.includes(s)) problems.push(`B's "${secret}" shown`);
  }
  // A request that names one of B's resources must not succeed.
  if (answer.status < 300) {
    for (const [what, id] of Object.entries(bIds))
      if (sentLower.includes(id.toLowerCase()) || decoded.includes(id.toLowerCase()))
        problems.push(`${answer.status} to a request naming B's ${what}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A's sign-in. Routes fuzzed here end A's session (a logout, "end all sessions") or revoke A's token
// now and then; A then signs in again. Signing in hashes a password (over 100 ms), so A's session and
// token rows are put back as they were, which is the same sign-in at no cost; only if that is not
// enough (the account changed) does A log in and make a token through the API.

let aCredentials: { session: unknown; token: unknown };
let restored = 0;

async function saveACredentials(): Promise<void> {
  const session = await t.db.query('SELECT to_jsonb(s) AS r FROM sessions s WHERE user_id = $1 AND csrf_token = $2', [
    a.id,
    a.headers['x-csrf-token'],
  ]);
  // signup() made A's token, named so.
  const token = await t.db.query(`SELECT to_jsonb(x) AS r FROM api_tokens x WHERE user_id = $1 AND name = 'tests'`, [
    a.id,
  ]);
  aCredentials = { session: session.rows[0].r, token: token.rows[0].r };
}

async function keepASignedIn(): Promise<void> {
  const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers });
  const signedIn = async () =>
    (await me({ cookie: a.headers.cookie })).statusCode !== 401 && (await me(a.bearer)).statusCode !== 401;
  if (await signedIn()) return;
  restored++;
  await t.db.query(
    'INSERT INTO sessions SELECT * FROM jsonb_populate_record(NULL::sessions, $1) ON CONFLICT DO NOTHING',
    [aCredentials.session],
  );
  await t.db.query(
    'INSERT INTO api_tokens SELECT * FROM jsonb_populate_record(NULL::api_tokens, $1) ON CONFLICT DO NOTHING',
    [aCredentials.token],
  );
  if (await signedIn()) return;
  if ((await me({ cookie: a.headers.cookie })).statusCode === 401) a.headers = await logIn(a.email);
  if ((await me(a.bearer)).statusCode === 401) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: a.headers,
      payload: { name: 'fuzz again' },
    });
    if (res.statusCode !== 201) throw new Error(`A could not make a token again: ${res.statusCode} ${res.body}`);
    a.bearer = { authorization: `Bearer ${res.json().token}` };
  }
  await saveACredentials();
}

/** Logs in through the API: the session's cookie and CSRF headers. */
async function logIn(email: string): Promise<Record<string, string>> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
  if (res.statusCode !== 200) throw new Error(`${email} could not log in: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'ferry_session')!;
  return { cookie: `ferry_session=${cookie.value}`, 'x-csrf-token': res.json().csrfToken };
}

/** The collection an id field or parameter names: cloudId, a cloud's; runId, a run's. */
function collectionOf(name: string): string | undefined {
  return name.endsWith('Id') && name.length > 2 ? `${name.slice(0, -2)}s` : undefined;
}

/**
 * Ids, cursors and paths in A's own answers: later requests name them. An answer's own id (and its
 * items') belong to the last collection in the operation's path (/tasks/{id}/runs: runs).
 */
function learn(op: Operation | undefined, answer: Answer): void {
  if (answer.status >= 300 || !answer.body) return;
  for (const id of answer.body.match(UUID) ?? []) addAId(undefined, id);
  for (const m of answer.body.matchAll(/"(?:nextCursor|path)":"([^"]{1,500})"/g)) seenStrings.add(m[1]);
  while (seenStrings.size > 200) seenStrings.delete(seenStrings.values().next().value!);
  if (!op) return;
  const segments = op.path.split('/');
  const collection = segments
    .filter((x, i) => !x.startsWith('{') && (segments[i + 1]?.startsWith('{') || i === segments.length - 1))
    .at(-1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return;
  }
  const isId = (x: unknown): x is string =>
    typeof x === 'string' && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(x);
  const walk = (node: unknown, hint: string | undefined, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > 6) return;
    if (Array.isArray(node)) {
      for (const x of node) walk(x, hint, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(node)) {
      if (isId(x) && k === 'id' && hint) addAId(hint, x);
      else if (isId(x) && collectionOf(k)) addAId(collectionOf(k), x);
      else walk(x, k === 'items' ? hint : aIds.has(`${k}s`) ? `${k}s` : undefined, depth + 1);
    }
  };
  walk(parsed, collection, 0);
}

// ---------------------------------------------------------------------------------------------

test('requests generated from the OpenAPI document: no 5xx, one error shape, nothing of the other user', async () => {
  const started = Date.now();
  const ops = operationsOf(doc);
  expect(ops.length).toBeGreaterThan(40);
  const byKey = new Map(ops.map((o) => [o.key, o]));

  // Ids of A's in the collection named (at the time of the request: A's ids change), any of A's, B's,
  // and ids of no one.
  const aIdIn = (collection: string) =>
    fc.nat().map((n) => {
      const ids = [...(aIds.get(collection)?.size ? aIds.get(collection)! : aIds.get('')!)];
      return ids[n % ids.length];
    });
  const idArb = (collection?: string) =>
    fc.oneof(
      { weight: collection ? 12 : 1, arbitrary: aIdIn(collection ?? '') },
      { weight: 4, arbitrary: aIdIn('') },
      { weight: 3, arbitrary: fc.constantFrom(...Object.values(bIds)) },
      { weight: 2, arbitrary: fc.uuid() },
      {
        weight: 1,
        arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
      },
    );
  const values = new Values(
    doc.components?.schemas ?? {},
    idArb,
    (kind) => providers.find((p) => p.kind === kind)?.options,
  );
  // Routes with a rate limit (they document 429: sign-up, login, links) get fewer requests, so that
  // their limits are reached only where they are meant to be.
  const weightOf = (op: Operation) => ('429' in op.responses ? 3 : 10);
  const requestArb = fc.oneof(...ops.map((op) => ({ weight: weightOf(op), arbitrary: operationArb(op, values) })), {
    weight: 4,
    arbitrary: unroutedArb(ops),
  });

  const counts = new Map<string, Record<string, number>>();
  const findings: Finding[] = [];
  const seenProblems = new Map<string, number>();
  let sent = 0;

  const property = fc.asyncProperty(requestArb, async (req) => {
    const op = byKey.get(req.op);
    const headers = headersFor(req);
    let answer: Answer | undefined;
    let problems: string[];
    const begun = performance.now();
    try {
      answer = await send(req, op?.stream ?? false);
      problems = check(op, req, headers, answer);
    } catch (err) {
      problems = [`no answer: ${(err as Error).message}`];
    }
    sent++;
    const row = counts.get(req.op) ?? { sent: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0, ms: 0 };
    row.sent++;
    row.ms += performance.now() - begun;
    row[answer ? `${String(answer.status)[0]}xx` : 'none']++;
    counts.set(req.op, row);
    for (const problem of problems) {
      // Each kind of problem of each operation with the first few requests that showed it.
      const key = `${req.op} | ${problem} | ${answer?.status}`;
      seenProblems.set(key, (seenProblems.get(key) ?? 0) + 1);
      if (seenProblems.get(key)! <= EXAMPLES)
        findings.push({ kind: problem, req, headers, answer, error: answer ? undefined : problem, key });
    }
    if (answer) {
      learn(op, answer);
      if (answer.status < 300 && req.method !== 'GET' && /^\/api\/v1\/(auth|me|tokens|sessions)/.test(req.url))
        await keepASignedIn();
    }
    return true;
  });
  // (A failure of the run itself, not of an answer, is thrown once the table below is out.)
  const run = await fc.assert(property, { seed: SEED, numRuns: RUNS }).then(
    () => undefined,
    (err: unknown) => err,
  );

  // The server is still healthy, and A still works normally.
  const health = await t.app.inject({ method: 'GET', url: '/healthz' });
  const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
  await keepASignedIn();
  // A logs in afresh (the login route still works), and signs in with that session and the token.
  const fresh = await logIn(a.email);
  const meByCookie = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: fresh });
  const meByToken = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a.bearer });
  const tokenMade = await t.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: fresh,
    payload: { name: 'after the fuzzing' },
  });
  // B's data is as it was, and B still sees it.
  const bClouds = await t.app.inject({ method: 'GET', url: '/api/v1/clouds', headers: b.bearer });

  const columns = ['sent', '2xx', '3xx', '4xx', '5xx', 'none'];
  const line = (name: string, r: Record<string, number>) =>
    [name.padEnd(58), ...columns.map((c) => String(r[c]).padStart(6)), (r.ms / r.sent).toFixed(1).padStart(8)].join('');
  const table = [...counts.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([key, r]) => line(key, r));
  const totals: Record<string, number> = { sent: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0, ms: 0 };
  for (const r of counts.values()) for (const c of Object.keys(totals)) totals[c] += r[c];
  console.log(
    [
      `fuzz: ${sent} requests over ${ops.length} operations in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(seed ${SEED}); A's sign-in ended and was restored ${restored} times`,
      ['operation'.padEnd(58), ...columns.map((c) => c.padStart(6)), 'ms/req'.padStart(8)].join(''),
      ...table,
      line('total', totals),
      ...(findings.length
        ? [
            '',
            `problems of ${seenProblems.size} kind(s), up to ${EXAMPLES} requests of each:`,
            ...findings.map((f) => `${describeFinding(f)}\n  (${seenProblems.get(f.key)} requests in all)`),
          ]
        : ['no problems']),
    ].join('\n'),
  );

  if (run) throw run;
  // All at once, so that a failure shows every check.
  const idOf = (res: { body: string }) => (res.body.startsWith('{') ? JSON.parse(res.body).id : res.body);
  expect({
    requests: sent >= 10_000 ? 'at least 10,000' : sent,
    operationsWithFewerThan30: ops.filter((op) => (counts.get(op.key)?.sent ?? 0) < 30).map((op) => op.key),
    healthzAndReadyz: [health.statusCode, ready.statusCode],
    aAfterwards: [meByCookie.statusCode, idOf(meByCookie), meByToken.statusCode, idOf(meByToken), tokenMade.statusCode],
    bRowsUnchanged: (await bRows()) === bRowsBefore,
    bClouds:
      bClouds.statusCode === 200
        ? bClouds
            .json()
            .items.map((c: { name: string }) => c.name)
            .sort()
        : bClouds.body,
    problems: findings.map((f) => `${describeFinding(f)}\n  (${seenProblems.get(f.key)} requests in all showed this)`),
  }).toEqual({
    requests: 'at least 10,000',
    operationsWithFewerThan30: [],
    healthzAndReadyz: [200, 200],
    aAfterwards: [200, a.id, 200, a.id, 201],
    bRowsUnchanged: true,
    bClouds: [`B-secret-cloud-${tag}`, `B-secret-dst-${tag}`].sort(),
    problems: [],
  });
}, 180_000);
