// The deployment files (Dockerfile, infra/compose.yaml, infra/k8s), checked offline: no container
// engine or cluster runs where the suite runs, so a mistake in them would otherwise show only on an
// operator's machine. The image must run what `npm start` runs, on the pinned Node, as a user that is
// not root, with a health check that answers for an API and a worker alike; compose and the manifests
// must set only variables Ferry reads, with values loadConfig accepts, probe ports and paths that serve
// probes, and give a stopping process more time than FERRY_SHUTDOWN_SECONDS; kustomize must render
// them (where kubectl is installed).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../services/core/config.ts';
import { generateKey, parseKey } from '../../services/core/crypto.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const read = (p: string) => fs.readFileSync(path.join(repo, p), 'utf8');
const pkg = JSON.parse(read('package.json'));

/** The variables Ferry's own configuration reads: the keys of the schema object in config.ts. */
function knownVariables(): Set<string> {
  const source = read('services/core/config.ts');
  const block = /^const schema = z\.object\(\{\n([\s\S]*?)\n\}\);$/m.exec(source)?.[1] ?? '';
  const names = new Set([...block.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]));
  // The schema as this file expects to find it: if config.ts is rewritten, so must this be.
  for (const name of ['DATABASE_URL', 'FERRY_SECRET_KEY', 'SMTP_URL', 'FERRY_SHUTDOWN_SECONDS', 'FERRY_METRICS_PORT'])
    if (!names.has(name)) throw new Error(`no ${name} found in the schema of services/core/config.ts`);
  return names;
}
const known = knownVariables();

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, one list per stage (line continuations joined, comments dropped). */
function dockerStages(): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const line of read('Dockerfile').replace(/\\\n/g, '').split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const op = m[1].toUpperCase();
    if (op === 'FROM') stages.push([]);
    stages.at(-1)?.push({ op, args: m[2].trim() });
  }
  return stages;
}
const stages = dockerStages();
const runtime = stages.at(-1) ?? [];
/** The arguments of the runtime stage's one instruction `op`. */
const one = (op: string) => {
  const found = runtime.filter((i) => i.op === op);
  if (found.length !== 1) throw new Error(`the Dockerfile's last stage has ${found.length} ${op}, not one`);
  return found[0].args;
};
/** The runtime stage's ENV, as the container starts with it. */
const imageEnv: Record<string, string> = Object.fromEntries(
  runtime
    .filter((i) => i.op === 'ENV')
    .flatMap((i) => i.args.split(/\s+/))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const {
  PATH: imagePath,
  NODE_COMPILE_CACHE: imageCompileCache,
  MALLOC_MMAP_THRESHOLD_: imageMmapThreshold,
  ...ferryImageEnv
} = imageEnv;
const imageUid = Number(/^(\d+)/.exec(one('USER'))?.[1]);

describe('Dockerfile', () => {
  test("both stages start from the Node that package.json pins (its `node` package's version)", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const image = new RegExp(
      `^node:${pkg.dependencies.node.replaceAll('.', '\\.')}-bookworm-slim(@sha256:[0-9a-f]{64})?$`,
    );
    for (const stage of stages) expect(stage[0].args.split(/\s+/)[0]).toMatch(image);
  });

  test("its command is package.json's start script, node flags and entry point alike, on the pinned node", () => {
    // Node's compile cache keeps the stripped TypeScript: without it every start loads the stripper
    // (about 17 MiB that stay resident). The image brings it filled (next test).
    const [, cache, mmap, command] =
      /^NODE_COMPILE_CACHE=(\S+) MALLOC_MMAP_THRESHOLD_=(\S+) exec (node .*)$/.exec(pkg.scripts.start) ?? [];
    expect(cache).toBe('${NODE_COMPILE_CACHE:-node_modules/.cache/node}');
    expect(imageCompileCache).toBe('/app/.cache/node');
    // glibc's mmap threshold fixed (README, "Deploying"), the same in the image.
    expect(mmap).toMatch(/^\$\{MALLOC_MMAP_THRESHOLD_:-131072\}$/);
    expect(imageMmapThreshold).toBe('131072');
    // A shell picks the role's V8 flags (see package.json), then gives way to node.
    expect(JSON.parse(one('CMD'))).toEqual(['sh', '-c', `exec ${command}`]);
    // npm start finds `node` in node_modules/.bin first: so must the image.
    expect(imagePath.split(':')[0]).toBe('/app/node_modules/.bin');
    expect(one('WORKDIR')).toBe('/app');
    expect(one('STOPSIGNAL')).toBe('SIGTERM');
  });

  test("its compile cache is filled as npm install fills it, as the image's user, and left readable", () => {
    // Node keeps a cache folder per user id, and reads one only under the V8 flags that filled it.
    const fill = runtime.find((i) => i.op === 'RUN' && i.args.includes('compile-cache'))?.args ?? '';
    const steps = fill.split(/\s*&&\s*/).map((step) => step.replace(/\s+/g, ' '));
    const asUser = `setpriv --reuid=${imageUid} --regid=${imageUid} --clear-groups`;
    expect(steps).toContain(`${asUser} ${pkg.scripts['compile-cache']}`);
    expect(steps.indexOf(`chown ${imageUid}:${imageUid} ${imageCompileCache}`)).toBe(1);
    expect(steps).toContain(`chmod -R a+rX ${imageCompileCache}`);
    // Filled after the code is in place and NODE_COMPILE_CACHE is set, before the image's user is.
    const at = (match: (i: Instruction) => boolean) => runtime.findIndex(match);
    const filled = at((i) => i.args === fill);
    expect(at((i) => i.op === 'COPY' && i.args.endsWith('/app /app'))).toBeLessThan(filled);
    expect(at((i) => i.op === 'ENV' && i.args.includes('NODE_COMPILE_CACHE='))).toBeLessThan(filled);
    expect(at((i) => i.op === 'USER')).toBeGreaterThan(filled);
  });

  test('the running stage is a user that is not root, known to /etc/passwd, with /data its data folder', () => {
    // Numeric, or Kubernetes' runAsNonRoot cannot tell; in /etc/passwd, or initdb (the embedded
    // PostgreSQL) refuses to start ("could not look up effective user ID").
    expect(one('USER')).toMatch(/^\d+(:\d+)?$/);
    expect(imageUid).toBeGreaterThan(0);
    expect(runtime.find((i) => i.op === 'RUN')?.args).toMatch(new RegExp(`useradd --uid ${imageUid}\\b`));
    for (const name of Object.keys(ferryImageEnv)) expect(known).toContain(name);
    const config = loadConfig(ferryImageEnv);
    expect(config.dataDir).toBe('/data');
    expect(config.host).toBe('0.0.0.0');
    expect(one('VOLUME')).toBe('/data');
    expect(one('EXPOSE')).toBe(String(config.port));
  });

  test('its health check asks /healthz on PORT, or on FERRY_METRICS_PORT for a worker', async () => {
    const check = JSON.parse(/\bCMD\s+(\[.*\])$/.exec(one('HEALTHCHECK'))?.[1] ?? 'null') as string[];
    expect(check.slice(0, 2)).toEqual(['node', '-e']);
    const listen = (server: http.Server) =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
      );
    const up = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
    const port = String(await listen(up));
    const gone = http.createServer();
    const closed = String(await listen(gone));
    await new Promise((resolve) => gone.close(resolve));
    const exitCode = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, check.slice(1), { env: { PATH: process.env.PATH, ...env } }).then(
        () => 0,
        (err: { code?: number }) => err.code,
      );
    try {
      expect(await exitCode({ PORT: port })).toBe(0);
      expect(await exitCode({ FERRY_ROLE: 'api', PORT: closed })).toBe(1);
      expect(await exitCode({ FERRY_ROLE: 'worker', PORT: port, FERRY_METRICS_PORT: closed })).toBe(1);
      expect(await exitCode({ FERRY_ROLE: 'worker', PORT: closed, FERRY_METRICS_PORT: port })).toBe(0);
    } finally {
      await new Promise((resolve) => up.close(resolve));
    }
  });
});

/** Compose's interpolation of ${NAME:-default} and ${NAME:?error}, with a real value for the latter. */
function interpolate(value: unknown): string {
  const required: Record<string, string> = { FERRY_SECRET_KEY: generateKey() };
  return String(value).replace(/\$\{(\w+):?([-?])([^}]*)\}/g, (_, name: string, op: string, rest: string) => {
    if (op === '-') return rest;
    expect(Object.keys(required)).toContain(name);
    return required[name];
  });
}

/** Seconds of a compose duration: 45s, 1m30s, 2m. */
function seconds(duration: string): number {
  expect(duration).toMatch(/^(\d+h)?(\d+m)?(\d+s)?$/);
  const part = (unit: string) => Number(new RegExp(`(\\d+)${unit}`).exec(duration)?.[1] ?? 0);
  return part('h') * 3600 + part('m') * 60 + part('s');
}

describe('compose', () => {
  const compose = parse(read('infra/compose.yaml'), { merge: true });
  const services = compose.services;

  test('PostgreSQL, one API, two workers and a mail catcher; Ferry starts once PostgreSQL is healthy', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'mailpit', 'postgres', 'worker']);
    expect(services.postgres.image).toMatch(/^postgres:17\b/);
    expect(services.postgres.healthcheck.test).toContain('pg_isready');
    expect(services.mailpit.image).toMatch(/^axllent\/mailpit:/);
    expect(services.worker.deploy.replicas).toBe(2);
    for (const s of ['api', 'worker']) {
      expect(services[s].build).toBe('..');
      expect(services[s].depends_on.postgres.condition).toBe('service_healthy');
    }
  });

  test.each(['api', 'worker'])('%s: variables Ferry reads, values it accepts, a stop it has time for', (role) => {
    const service = services[role];
    const env = Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, interpolate(v)]));
    for (const name of Object.keys(env)) expect(known).toContain(name);
    // Compose refuses to start without a key rather than let each container generate its own.
    expect(service.environment.FERRY_SECRET_KEY).toMatch(/^\$\{FERRY_SECRET_KEY:\?.+\}$/);
    const config = loadConfig({ ...ferryImageEnv, ...env });
    expect(config.role).toBe(role);
    // The other services, as Ferry reaches them.
    const db = new URL(config.databaseUrl ?? '');
    const pg = services.postgres.environment;
    expect([db.hostname, db.port, db.username, db.password, db.pathname]).toEqual([
      'postgres',
      '5432',
      pg.POSTGRES_USER,
      pg.POSTGRES_PASSWORD,
      `/${pg.POSTGRES_DB}`,
    ]);
    expect(config.smtpUrl).toBe('smtp://mailpit:1025');
    expect(seconds(service.stop_grace_period)).toBeGreaterThan(config.shutdownSeconds);
    if (role === 'api') expect(service.ports).toContain(`${config.port}:${config.port}`);
    // The image's health check probes a worker on FERRY_METRICS_PORT: without it, it proves nothing.
    else expect(config.metricsPort).toBeDefined();
  });
});

/** Mebibytes of a Kubernetes memory quantity (512Mi, 1Gi). */
function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  expect(m).not.toBeNull();
  return Number(m?.[1]) * (m?.[2] === 'Gi' ? 1024 : 1);
}

describe('Kubernetes', () => {
  const manifests = fs.readdirSync(path.join(repo, 'infra/k8s')).filter((f) => f !== 'kustomization.yaml');
  const docs = manifests.flatMap((f) => parseAllDocuments(read(`infra/k8s/${f}`)).map((d) => d.toJS()));
  const config = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'ferry-config').data;
  const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'ferry-secrets').stringData;

  test('the kustomization lists every manifest', () => {
    expect(parse(read('infra/k8s/kustomization.yaml')).resources.sort()).toEqual(manifests.sort());
  });

  test("the Secret's placeholder key is no key: a Ferry applied without replacing it does not start", () => {
    expect(secret.FERRY_SECRET_KEY).toMatch(/REPLACE/);
    expect(() => parseKey(secret.FERRY_SECRET_KEY)).toThrow(/32 random bytes/);
  });

  test.each(['api', 'worker'])('%s: probes where they are served, a stop it has time for, not root', (role) => {
    const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === `ferry-${role}`);
    const pod = deployment.spec.template.spec;
    const [c] = pod.containers;
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'ferry-config' } }, { secretRef: { name: 'ferry-secrets' } }]);
    const own = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const env = { ...ferryImageEnv, ...config, ...secret, ...own };
    for (const name of [...Object.keys(config), ...Object.keys(secret), ...Object.keys(own)])
      expect(known).toContain(name);
    const ferry = loadConfig(env);
    expect(ferry.role).toBe(role);
    expect(ferry.metricsPort).toBeDefined();
    if (role === 'worker') expect(deployment.spec.replicas).toBe(2);

    // A probe's port, by number or by the name of a container port.
    const ports = Object.fromEntries(c.ports.map((p: { name: string; containerPort: number }) => [p.name, p]));
    const portOf = (p: number | string) => (typeof p === 'number' ? p : ports[p].containerPort);
    // The API answers probes on PORT (and FERRY_METRICS_PORT); a worker on FERRY_METRICS_PORT only.
    const served = role === 'api' ? [ferry.port, ferry.metricsPort] : [ferry.metricsPort];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      expect(served).toContain(portOf(probe.httpGet.port));
      expect(c.ports.map((p: { containerPort: number }) => p.containerPort)).toContain(portOf(probe.httpGet.port));
    }
    const annotations = deployment.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(ferry.metricsPort);
    expect(annotations['prometheus.io/path']).toBe('/metrics');

    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(ferry.shutdownSeconds);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBe(imageUid);
    expect(mebibytes(c.resources.limits.memory)).toBeGreaterThanOrEqual(512);
    expect(mebibytes(c.resources.requests.memory)).toBeLessThanOrEqual(mebibytes(c.resources.limits.memory));
    // A read-only root: the data folder and /tmp are volumes of their own.
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual(
      [ferry.dataDir, '/tmp'].sort(),
    );
  });

  test("the API's Service sends to the port the API listens on", () => {
    const service = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'ferry-api');
    const api = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'ferry-api');
    const [c] = api.spec.template.spec.containers;
    const [target] = service.spec.ports.map((p: { targetPort: string | number }) => p.targetPort);
    const port =
      typeof target === 'number' ? target : c.ports.find((p: { name: string }) => p.name === target)?.containerPort;
    expect(port).toBe(loadConfig({ ...ferryImageEnv, ...config }).port);
    expect(service.spec.selector).toEqual(api.spec.template.metadata.labels);
  });

  // CI may have no kubectl: then this check is skipped, and says so in its name.
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const hasKubectl = !kubectl.error && kubectl.status === 0;
  (hasKubectl ? test : test.skip)(
    `kubectl kustomize infra/k8s renders both Deployments, the Service, the config and the Secret${
      hasKubectl ? '' : ' (skipped: no kubectl on PATH)'
    }`,
    () => {
      const out = execFileSync('kubectl', ['kustomize', path.join(repo, 'infra/k8s')], { encoding: 'utf8' });
      const rendered = parseAllDocuments(out).map((d) => d.toJS());
      expect(rendered.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
        'ConfigMap/ferry-config',
        'Deployment/ferry-api',
        'Deployment/ferry-worker',
        'Secret/ferry-secrets',
        'Service/ferry-api',
      ]);
      for (const d of rendered.filter((x) => x.kind === 'Deployment'))
        expect(d.spec.template.spec.containers[0].image).not.toBe('ferry');
    },
  );
});
