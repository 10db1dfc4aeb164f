// A real SMTP server (smtp-server) for the tests: STARTTLS with its built-in test certificate, AUTH
// required, every accepted message parsed (mailparser) and kept in order of acceptance.
import net from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  date: Date | undefined;
}

export interface TestSmtp {
  port: number;
  /** SMTP_URL for Ferry: STARTTLS required, with the credentials the server wants. */
  url: string;
  received: ReceivedMail[];
  /** Runs once a message has arrived whole, before the server answers 250 (accepts it). */
  beforeAccept?: (mail: ReceivedMail) => Promise<void> | void;
  stop(): Promise<void>;
  /** Listens again on the same port after stop(). */
  restart(): Promise<void>;
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
}

const USER = 'ferry';
const PASS = 'smtp-secret-pass';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startSmtp(): Promise<TestSmtp> {
  const port = await freePort();
  let server: SMTPServer | undefined;
  const t: TestSmtp = {
    port,
    url: `smtp://${USER}:${PASS}@127.0.0.1:${port}?requireTLS=true&tls.rejectUnauthorized=false`,
    received: [],
    async stop() {
      if (!server) return;
      const s = server;
      server = undefined;
      await new Promise<void>((r) => s.close(() => r()));
    },
    async restart() {
      await listen();
    },
    async waitFor(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (t.received.length < n) {
        if (Date.now() > deadline)
          throw new Error(
            `expected ${n} mail(s), got ${t.received.length}: ${t.received.map((m) => m.subject).join(' | ')}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
      return t.received;
    },
  };

  async function listen() {
    server = new SMTPServer({
      logger: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, cb) {
        if (auth.username === USER && auth.password === PASS) cb(null, { user: USER });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          try {
            if (!session.secure) throw new Error('message sent without TLS');
            const parsed = await simpleParser(Buffer.concat(chunks));
            const mail: ReceivedMail = {
              messageId: parsed.messageId ?? '',
              from: parsed.from?.text ?? '',
              to: session.envelope.rcptTo.map((r) => r.address).join(','),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              date: parsed.date,
            };
            await t.beforeAccept?.(mail);
            t.received.push(mail);
            cb();
          } catch (err) {
            cb(err as Error);
          }
        });
      },
    });
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
  }

  await listen();
  return t;
}
