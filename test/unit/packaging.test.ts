// The deployment files, checked offline since no container engine or cluster runs here: the image
// runs what `npm start` runs, as a non-root user, probed on a real route; compose and the Kubernetes
// manifests set only variables Ferry reads, probe ports that serve probes, and give a stopping
// process more time than FERRY_SHUTDOWN_SECONDS; kustomize renders them when kubectl is installed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';

const repo = path.resolve(import.meta.dirname, '../..');
const read = (p: string) => fs.readFileSync(path.join(repo, p), 'utf8');

/** The variable names Ferry's configuration reads: the keys of the schema in config.ts, and the connectors'. */
function knownVariables(): Set<string> {
  const names = new Set(
    read('services/core/config.ts')
      .match(/^ {2}([A-Z][A-Z0-9_]+):/gm)
      ?.map((l) => l.trim().slice(0, -1)),
  );
  expect(names.size).toBeGreaterThan(15);
  return names;
}

describe('Dockerfile', () => {
  const lines = read('Dockerfile').split('\n');
  const runtime = lines.slice(lines.findLastIndex((l) => l.startsWith('FROM ')));

  test("its command is package.json's start script, node flags and entry point alike", () => {
    const start = JSON.parse(read('package.json')).scripts.start as string;
    const cmd = JSON.parse(runtime.find((l) => l.startsWith('CMD '))!.slice(4));
    expect(cmd).toEqual(start.replace(/^exec /, '').split(/\s+/));
  });

  test('the running stage is a non-root user with a health check on /healthz', () => {
    expect(runtime.find((l) => l.startsWith('USER '))).toBe('USER ferry');
    expect(runtime.join('\n')).toMatch(/useradd --uid 10001/);
    expect(runtime.join('\n')).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    for (const env of runtime.join('\n').matchAll(/\b(FERRY_[A-Z_]+|HOST|PORT)=/g))
      expect(knownVariables()).toContain(env[1]);
  });
});

describe('compose', () => {
  const compose = parse(read('infra/compose.yaml'), { merge: true });

  test('PostgreSQL, one API, two workers and a mail catcher, started once PostgreSQL is healthy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'mailpit', 'postgres', 'worker']);
    expect(compose.services.api.environment.FERRY_ROLE).toBe('api');
    expect(compose.services.worker.environment.FERRY_ROLE).toBe('worker');
    expect(compose.services.worker.deploy.replicas).toBe(2);
    for (const s of ['api', 'worker'])
      expect(compose.services[s].depends_on.postgres.condition).toBe('service_healthy');
  });

  test('only variables Ferry reads, and a grace period longer than its shutdown time', () => {
    const known = knownVariables();
    for (const s of ['api', 'worker']) {
      const env = compose.services[s].environment;
      for (const name of Object.keys(env)) expect(known).toContain(name);
      expect(Number.parseInt(compose.services[s].stop_grace_period, 10)).toBeGreaterThan(
        Number(env.FERRY_SHUTDOWN_SECONDS),
      );
    }
    expect(compose.services.worker.healthcheck.test.join(' ')).toContain(
      `127.0.0.1:${compose.services.worker.environment.FERRY_METRICS_PORT}/healthz`,
    );
  });
});

describe('Kubernetes', () => {
  const docs = fs
    .readdirSync(path.join(repo, 'infra/k8s'))
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(read(`infra/k8s/${f}`)).map((d) => d.toJS()));
  const config = docs.find((d) => d.kind === 'ConfigMap').data;
  const secret = docs.find((d) => d.kind === 'Secret').stringData;

  test('the kustomization lists every manifest', () => {
    const listed = parse(read('infra/k8s/kustomization.yaml')).resources.sort();
    const files = fs.readdirSync(path.join(repo, 'infra/k8s')).filter((f) => f !== 'kustomization.yaml');
    expect(listed).toEqual(files.sort());
  });

  test.each(['api', 'worker'])('%s: probes on ports that serve them, a grace period past the shutdown time', (role) => {
    const d = docs.find((x) => x.kind === 'Deployment' && x.metadata.name === `ferry-${role}`);
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.env).toContainEqual({ name: 'FERRY_ROLE', value: role });
    for (const name of [...Object.keys(config), ...Object.keys(secret)]) expect(knownVariables()).toContain(name);
    // The API answers probes on its own port; a worker only on FERRY_METRICS_PORT.
    const served =
      role === 'api' ? [Number(config.PORT), Number(config.FERRY_METRICS_PORT)] : [Number(config.FERRY_METRICS_PORT)];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(served).toContain(c.livenessProbe.httpGet.port);
    expect(served).toContain(c.readinessProbe.httpGet.port);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(config.FERRY_SHUTDOWN_SECONDS));
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual(['/data', '/tmp']);
  });

  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p));
  (kubectl ? test : test.skip)(
    'kubectl kustomize renders both Deployments, the Service, the config and the Secret',
    () => {
      const out = execFileSync(kubectl!, ['kustomize', path.join(repo, 'infra/k8s')], { encoding: 'utf8' });
      const kinds = parseAllDocuments(out).map(
        (d) => `${d.get('kind')}/${(d.toJS().metadata as { name: string }).name}`,
      );
      expect(kinds.sort()).toEqual([
        'ConfigMap/ferry-config',
        'Deployment/ferry-api',
        'Deployment/ferry-worker',
        'Secret/ferry-secrets',
        'Service/ferry-api',
      ]);
    },
  );
});
