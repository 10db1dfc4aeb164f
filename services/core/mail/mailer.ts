// How mail leaves Ferry: over SMTP when SMTP_URL is set (TLS, STARTTLS and auth as the URL says),
// else as .eml files in the data folder, so a fresh install shows what it would have sent.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import { loadLater } from '../../../connectors/lib/load-later.ts';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

export interface OutgoingMail {
  id: string;
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** When the mail was queued: the Date header is the same on every attempt. */
  date: Date;
}

export interface Mailer {
  /** Resolves once the server accepted the mail (or the file is written). */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

// nodemailer, loaded by the first mail sent: most processes send none for a long time.
const nodemailer = loadLater<typeof import('nodemailer')>('nodemailer');

/** The server refused this mail for good (unknown recipient, rejected content): retrying will not help. */
export function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  return (
    typeof e.responseCode === 'number' && e.responseCode >= 500 && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE')
  );
}

export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>, log: Logger): Mailer {
  const envelope = (m: OutgoingMail) => ({
    from: config.mailFrom,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    date: m.date,
  });

  if (config.smtpUrl) {
    // A hung server must not hold a send job (and its outbox row lock) for long.
    const smtp = config.smtpUrl;
    let transport: Transporter | undefined;
    return {
      async send(m) {
        transport ??= nodemailer().createTransport({
          url: smtp,
          connectionTimeout: 30_000,
          greetingTimeout: 30_000,
          socketTimeout: 60_000,
        });
        await transport.sendMail(envelope(m));
      },
      close: () => transport?.close(),
    };
  }

  const folder = path.join(config.dataDir, 'mail');
  let transport: Transporter | undefined;
  log.warn({ folder }, 'SMTP_URL is not set: mail is written as .eml files instead of being sent');
  return {
    async send(m) {
      transport ??= nodemailer().createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      const info = await transport.sendMail(envelope(m));
      // Mail holds confirmation links and what users named things: only Ferry's own user may read
      // it. mkdir's mode applies only when it creates the folder (and under the umask), so a folder
      // made earlier, or by hand, is made private too.
      await fs.mkdir(folder, { recursive: true, mode: 0o700 });
      await fs.chmod(folder, 0o700);
      // Named by the mail, so a repeated attempt rewrites the same file; renamed into place whole.
      const file = path.join(folder, `${m.date.toISOString().replace(/[:.]/g, '-')}-${m.id}.eml`);
      await fs.writeFile(`${file}.tmp`, info.message as Buffer, { mode: 0o600 });
      // writeFile's mode is for new files: a .tmp left by an interrupted attempt keeps its old one.
      await fs.chmod(`${file}.tmp`, 0o600);
      await fs.rename(`${file}.tmp`, file);
      log.info({ file, to: m.to, subject: m.subject }, 'mail written (no SMTP_URL)');
    },
    close: () => transport?.close(),
  };
}
