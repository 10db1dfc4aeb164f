// A certificate authority made for one test run, and a certificate it signs for localhost and
// 127.0.0.1, for the emulators that are reached over HTTPS (the Graph client takes https:// URLs
// only). Jest's global setup makes it once and names its CA in NODE_EXTRA_CA_CERTS before the
// workers start, so every process of the run trusts it: the workers, and the Ferry processes tests
// spawn, which inherit the variable. Production code has no switch of its own for it.
// node:crypto makes keys but cannot sign an X.509 certificate: node-forge (pinned, a dev
// dependency) builds and signs them from keys node:crypto made.
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';

/** Where global setup leaves the run's CA and certificate (ca.pem, cert.pem, key.pem). */
export const TLS_DIR_ENV = 'FERRY_TEST_TLS_DIR';

export interface ServerTls {
  cert: string;
  key: string;
}

function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

function certificate(
  o: { cn: string; publicKey: forge.pki.PublicKey; days: number },
  issuer: { name: forge.pki.CertificateField[]; key: forge.pki.rsa.PrivateKey },
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = o.publicKey;
  // A positive serial of 16 random bytes, as RFC 5280 asks, in DER's shortest form: the first byte's
  // top bit clear (else it reads as negative) and the next one set (else a zero byte could lead).
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000); // a clock a little behind still accepts it
  cert.validity.notAfter = new Date(Date.now() + o.days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: o.cn }]);
  cert.setIssuer(issuer.name);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return cert;
}

/** A new CA and a server certificate it signed for localhost and 127.0.0.1, as PEM. */
export function makeTestCa(): ServerTls & { ca: string } {
  const caKeys = rsaKeys();
  const caName = [{ name: 'commonName', value: 'Ferry test CA' }];
  const ca = certificate(
    { cn: 'Ferry test CA', publicKey: caKeys.publicKey, days: 7 },
    { name: caName, key: caKeys.privateKey },
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  );
  const serverKeys = rsaKeys();
  const server = certificate(
    { cn: 'localhost', publicKey: serverKeys.publicKey, days: 7 },
    { name: caName, key: caKeys.privateKey },
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  );
  return {
    ca: forge.pki.certificateToPem(ca),
    cert: forge.pki.certificateToPem(server),
    key: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}

/**
 * Makes the run's CA in `dir` and has this process trust it, and every process started after this
 * (NODE_EXTRA_CA_CERTS is read when a process starts, so the variable reaches its children; this
 * process, already started, trusts it through tls.setDefaultCACertificates). CAs already named in
 * NODE_EXTRA_CA_CERTS stay trusted: the file written holds them too.
 */
export function installTestCa(dir: string): void {
  const made = makeTestCa();
  const before = process.env.NODE_EXTRA_CA_CERTS;
  let bundle = made.ca;
  try {
    if (before) bundle = `${readFileSync(before, 'utf8').trimEnd()}\n${made.ca}`;
  } catch {
    // the file named is not there: Node itself only warns about it
  }
  writeFileSync(path.join(dir, 'ca.pem'), bundle);
  writeFileSync(path.join(dir, 'cert.pem'), made.cert);
  writeFileSync(path.join(dir, 'key.pem'), made.key, { mode: 0o600 });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), made.ca]);
  process.env.NODE_EXTRA_CA_CERTS = path.join(dir, 'ca.pem');
  process.env[TLS_DIR_ENV] = dir;
}

/**
 * The certificate an emulator serves: the run's (global setup made it), or, outside Jest (npm run
 * fakes, the benchmarks), one made now and trusted as installTestCa does, removed when the process
 * exits.
 */
export function serverTls(): ServerTls {
  let dir = process.env[TLS_DIR_ENV];
  if (!dir) {
    const made = mkdtempSync(path.join(os.tmpdir(), 'ferry-test-tls-'));
    installTestCa(made);
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    dir = made;
  }
  return {
    cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
  };
}
