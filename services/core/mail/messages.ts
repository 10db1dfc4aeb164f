// The mails Ferry sends, rendered as plain text and HTML in the recipient's language. Rendering is
// pure: the outbox stores the result, so every attempt sends the same message.
import type { CloudNotice } from '../../../connectors/types.ts';
import { flatten } from '../names.ts';
import type { RunKind } from '../run-state.ts';
import type { RunStatus } from '../runs.ts';
import { wordsFor, type Noun, type Words } from './strings.ts';

export interface Message {
  subject: string;
  text: string;
  html: string;
}

/** Where a mail's links lead. The web UI answers these paths. */
export const links = {
  run: (publicUrl: string, runId: string) => `${publicUrl}/runs/${runId}`,
  cloud: (publicUrl: string, cloudId: string) => `${publicUrl}/clouds/${cloudId}`,
  // The app's page (services/web pages/auth/Verify.tsx) shows the address and confirms with a button; links
  // mailed before it, to /api/v1/auth/verify, still show the API's own page.
  verify: (publicUrl: string, token: string) => `${publicUrl}/verify?token=${encodeURIComponent(token)}`,
  // The app's page (pages/auth/ResetPassword.tsx) asks for the new password and posts it with the token.
  // The API's own confirmation page (routes/confirm-page.ts): opening it changes nothing, its button confirms.
  emailChange: (publicUrl: string, token: string) =>
    `${publicUrl}/api/v1/auth/email-change?token=${encodeURIComponent(token)}`,
  resetPassword: (publicUrl: string, token: string) => `${publicUrl}/reset-password?token=${encodeURIComponent(token)}`,
  confirmNotify: (publicUrl: string, token: string) =>
    `${publicUrl}/api/v1/notify-addresses/confirm?token=${encodeURIComponent(token)}`,
};

export interface RunSummary {
  runId: string;
  /** A verification's mail says what it checked, not what it copied (default: backup). */
  kind?: RunKind;
  taskName: string;
  status: Exclude<RunStatus, 'queued' | 'running'>;
  startedAt: Date | null;
  finishedAt: Date;
  done: { items: number; bytes: number };
  skipped: { items: number; bytes: number };
  failed: { items: number };
  /** Items left for a later run (quota). */
  pending: number;
  /** Copied items by media type: decides between "photos", "videos" and "files". */
  doneByType: { photo: number; video: number; other: number };
  /** The first failed items and why. */
  failures: { path: string; error: string }[];
  error: string | null;
  /** When the traffic quota renews. */
  renewsOn: Date;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** One line for a subject: no line breaks, bounded length. */
export const oneLine = (s: string, max = 80) => {
  const flat = flatten(s).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function copiedWhat(w: Words, r: RunSummary): string {
  const { photo, video, other } = r.doneByType;
  const noun: Noun =
    other > 0 ? 'file' : photo > 0 && video > 0 ? 'media' : video > 0 ? 'video' : photo > 0 ? 'photo' : 'file';
  return `${w.counted(r.done.items, noun)}, ${w.bytes(r.done.bytes)}`;
}

function page(lang: string, body: string, footer: string): string {
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"></head>` +
    `<body style="font-family:-apple-system,Segoe ` +
    `UI,Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.45;max-width:640px">` +
    `${body}<p style="color:#6e7781;font-size:12px;margin-top:24px">${escapeHtml(footer)}</p></body></html>`
  );
}

const button = (href: string, label: string) =>
  `<p><a href="${escapeHtml(href)}" style="display:inline-block;padding:8px ` +
  `14px;background:#0969da;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(label)}</a></p>`;

export function runEndedMessage(summary: RunSummary, locale: string, publicUrl: string): Message {
  // Names users typed (tasks stored before names were checked), paths and errors clouds reported:
  // each on one line, so none can add lines (a forged "Bcc:") to the plain-text body.
  const r: RunSummary = {
    ...summary,
    taskName: flatten(summary.taskName),
    error: summary.error === null ? null : flatten(summary.error),
    failures: summary.failures.map((f) => ({ path: flatten(f.path), error: flatten(f.error) })),
  };
  const w = wordsFor(locale);
  const { t } = w;
  const what = copiedWhat(w, r);
  const copied = r.done.items > 0 ? what : null;
  const task = oneLine(r.taskName, 60);
  const v = r.kind === 'verify' ? t.verification : null;
  const subject = v
    ? r.status === 'succeeded'
      ? v.subject.intact(task, what)
      : r.status === 'partial'
        ? v.subject.damaged(task, v.failedItems(w.count(r.failed.items)), what)
        : v.subject.failed(
            task,
            oneLine(r.failed.items > 0 ? v.failedItems(w.count(r.failed.items)) : (r.error ?? v.outcome.failed), 90),
          )
    : r.status === 'succeeded'
      ? copied
        ? t.subject.finished(task, copied)
        : t.subject.nothingNew(task)
      : r.status === 'partial'
        ? t.subject.partial(task, t.failedItems(w.count(r.failed.items)), copied ?? t.nothingCopied)
        : r.status === 'quota_exceeded'
          ? t.subject.quotaRun(task, copied)
          : t.subject.failed(
              task,
              oneLine(r.failed.items > 0 ? t.failedItems(w.count(r.failed.items)) : (r.error ?? t.outcome.failed), 90),
            );

  const seconds = r.startedAt ? Math.max(0, (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000) : 0;
  // A verification copies nothing: what it found intact, and what not.
  const rows: [string, string][] = v
    ? [
        [t.labels.task, r.taskName],
        [v.intact, what],
        [t.labels.failed, w.count(r.failed.items)],
        [t.labels.duration, w.duration(seconds)],
      ]
    : [
        [t.labels.task, r.taskName],
        [t.labels.copied, what],
        [t.labels.skipped, `${w.count(r.skipped.items)}, ${w.bytes(r.skipped.bytes)}`],
        [t.labels.failed, w.count(r.failed.items)],
        [t.labels.duration, w.duration(seconds)],
        [t.labels.rate, `${w.bytes(seconds > 0 ? r.done.bytes / seconds : 0)}/s`],
      ];
  const headline =
    v && (r.status === 'succeeded' || r.status === 'partial' || r.status === 'failed')
      ? v.outcome[r.status]
      : t.outcome[r.status];
  const notes: string[] = [];
  if (r.status === 'quota_exceeded') notes.push(t.quotaRunNote(w.count(r.pending), w.date(r.renewsOn)));
  else if (r.error) notes.push(r.error);
  const url = links.run(publicUrl, r.runId);
  const width = Math.max(...rows.map(([k]) => k.length));

  const text = [
    headline,
    '',
    ...rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`),
    ...(notes.length ? ['', ...notes] : []),
    ...(r.failures.length
      ? ['', `${t.labels.firstFailures}:`, ...r.failures.map((f) => `  - ${f.path}: ${f.error}`)]
      : []),
    '',
    `${t.labels.open}: ${url}`,
    '',
    '-- ',
    t.footer,
    '',
  ].join('\n');

  const html = page(
    w.lang,
    `<p style="font-size:16px"><strong>${escapeHtml(headline)}</strong></p>` +
      `<table style="border-collapse:collapse">${rows
        .map(
          ([k, v]) =>
            `<tr><td style="padding:2px 16px 2px 0;color:#6e7781">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`,
        )
        .join('')}</table>` +
      notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('') +
      (r.failures.length
        ? `<p><strong>${escapeHtml(t.labels.firstFailures)}</strong></p><ul>${r.failures
            .map((f) => `<li><code>${escapeHtml(f.path)}</code>: ${escapeHtml(f.error)}</li>`)
            .join('')}</ul>`
        : '') +
      button(url, t.labels.open),
    t.footer,
  );
  return { subject, text, html };
}

export function quotaUsedUpMessage(
  q: { usedBytes: number; limitBytes: number; renewsOn: Date },
  locale: string,
  publicUrl: string,
): Message {
  const w = wordsFor(locale);
  const body = w.t.quotaUsedUp(w.bytes(q.usedBytes), w.bytes(q.limitBytes), w.date(q.renewsOn));
  return {
    subject: w.t.subject.quotaUsedUp,
    text: `${body}\n\n${publicUrl}\n\n-- \n${w.t.footer}\n`,
    html: page(w.lang, `<p>${escapeHtml(body)}</p>${button(publicUrl, 'Ferry')}`, w.t.footer),
  };
}

export function reauthMessage(
  c: { cloudId: string; cloudName: string; reason: string },
  locale: string,
  publicUrl: string,
): Message {
  const w = wordsFor(locale);
  const name = oneLine(c.cloudName, 60);
  const body = w.t.reauth(name, flatten(c.reason));
  const url = links.cloud(publicUrl, c.cloudId);
  return {
    subject: w.t.subject.reauth(name),
    text: `${body}\n\n${w.t.reauthAction}: ${url}\n\n-- \n${w.t.footer}\n`,
    html: page(w.lang, `<p>${escapeHtml(body)}</p>${button(url, w.t.reauthAction)}`, w.t.footer),
  };
}

export function verifyMessage(v: { email: string; token: string }, locale: string, publicUrl: string): Message {
  const w = wordsFor(locale);
  const body = w.t.verify(v.email);
  const url = links.verify(publicUrl, v.token);
  return {
    subject: w.t.subject.verify,
    text: `${body}\n\n${w.t.verifyAction}: ${url}\n`,
    html: page(w.lang, `<p>${escapeHtml(body)}</p>${button(url, w.t.verifyAction)}`, ''),
  };
}

/** To an address named for a task's notifications, before Ferry sends it anything else. */
export function confirmNotifyMessage(
  v: { owner: string; address: string; token: string },
  locale: string,
  publicUrl: string,
): Message {
  const w = wordsFor(locale);
  const body = w.t.confirmNotify(v.owner, v.address);
  const url = links.confirmNotify(publicUrl, v.token);
  return {
    subject: w.t.subject.confirmNotify,
    text: `${body}\n\n${w.t.confirmNotifyAction}: ${url}\n`,
    html: page(w.lang, `<p>${escapeHtml(body)}</p>${button(url, w.t.confirmNotifyAction)}`, ''),
  };
}

export interface CloudNoticeMail {
  cloudId: string;
  /** What the connector asked to say, worded in every language. */
  notice: CloudNotice;
}

/**
 * What a connector asked the owner to be told about a cloud, in the owner's language: its words
 * (each line flattened, as they may carry names), its action button, a link to the cloud.
 */
export function cloudNoticeMessage(n: CloudNoticeMail, locale: string, publicUrl: string): Message {
  const w = wordsFor(locale);
  const { t } = w;
  const mail = n.notice.mail[w.lang];
  const cloudUrl = links.cloud(publicUrl, n.cloudId);
  const body = mail.body.map((block) => (typeof block === 'string' ? flatten(block) : block.map(flatten)));

  const text = [
    ...body.flatMap((block, i) =>
      typeof block === 'string' ? [...(i > 0 ? [''] : []), block] : block.map((item) => `  - ${item}`),
    ),
    '',
    ...(mail.action ? [`${flatten(mail.action.label)}: ${flatten(mail.action.url)}`] : []),
    `${t.cloudAction}: ${cloudUrl}`,
    '',
    '-- ',
    t.footer,
    '',
  ].join('\n');
  const html = page(
    w.lang,
    body
      .map((block) =>
        typeof block === 'string'
          ? `<p>${escapeHtml(block)}</p>`
          : `<ul>${block.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
      )
      .join('') +
      (mail.action ? button(mail.action.url, flatten(mail.action.label)) : '') +
      `<p><a href="${escapeHtml(cloudUrl)}">${escapeHtml(t.cloudAction)}</a></p>`,
    t.footer,
  );
  // Subjects may be long (a cloud's name and a date): on one line, bounded only by what mail allows.
  return { subject: oneLine(mail.subject, 250), text, html };
}

/** The operator suspended the account (reason: theirs, when they gave one) or lifted the suspension. */
export function accountStatusMessage(
  change: { suspended: true; reason: string | null } | { suspended: false },
  locale: string,
): Message {
  const w = wordsFor(locale);
  // The operator's words end the sentence; their own full stop would double it.
  const reason = change.suspended && change.reason ? oneLine(change.reason, 300).replace(/[.!?。]+$/, '') : null;
  const body = change.suspended ? w.t.suspended(reason) : w.t.resumed;
  return {
    subject: change.suspended ? w.t.subject.suspended : w.t.subject.resumed,
    text: `${body}\n\n-- \n${w.t.footer}\n`,
    html: page(w.lang, `<p>${escapeHtml(body)}</p>`, w.t.footer),
  };
}

/** A forgotten password: the single-use link. */
export function resetMessage(v: { email: string; token: string }, locale: string, publicUrl: string): Message {
  const w = wordsFor(locale);
  const body = w.t.reset(v.email);
  const url = links.resetPassword(publicUrl, v.token);
  return {
    subject: w.t.subject.reset,
    text: `${body}\n\n${w.t.resetAction}: ${url}\n`,
    html: page(w.lang, `<p>${escapeHtml(body)}</p>${button(url, w.t.resetAction)}`, ''),
  };
}

/** The account was deleted, as its owner asked. */
export function deletedMessage(email: string, locale: string): Message {
  const w = wordsFor(locale);
  const body = w.t.deleted(email);
  return { subject: w.t.subject.deleted, text: `${body}\n`, html: page(w.lang, `<p>${escapeHtml(body)}</p>`, '') };
}

/** A change of address: the link to the new address, and word of it to the old one. */
export function emailChangeMessages(
  v: { oldEmail: string; newEmail: string; token: string },
  locale: string,
  publicUrl: string,
): { confirm: Message; notice: Message } {
  const w = wordsFor(locale);
  const body = w.t.emailChange(v.oldEmail, v.newEmail);
  const url = links.emailChange(publicUrl, v.token);
  const notice = w.t.emailChangeNotice(v.oldEmail, v.newEmail);
  return {
    confirm: {
      subject: w.t.subject.emailChange,
      text: `${body}\n\n${w.t.emailChangeAction}: ${url}\n`,
      html: page(w.lang, `<p>${escapeHtml(body)}</p>${button(url, w.t.emailChangeAction)}`, ''),
    },
    notice: {
      subject: w.t.subject.emailChangeNotice,
      text: `${notice}\n`,
      html: page(w.lang, `<p>${escapeHtml(notice)}</p>`, ''),
    },
  };
}
