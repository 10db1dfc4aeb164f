// Names people choose (tasks, clouds, tokens) and names clouds report (accounts, files, folders)
// end up in mail bodies, subjects, logs and HTTP headers, where a line break starts a new line a
// reader or a parser trusts ("Bcc: …" in a plain-text body). New names with line breaks or other
// control characters are refused; text stored before, or named by a cloud, is flattened to one
// line where it is shown.
import { z } from 'zod';

// C0 and C1 controls (line feed, carriage return, escape, NEL …), the Unicode line and paragraph
// separators, and the bidirectional overrides that make text read differently than it is stored.
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/u;
const CONTROLS = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]+/gu;

/** A name a user gives something: trimmed, 1 to `max` characters, on one line. */
export const displayName = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), 'must not contain line breaks or control characters');

/** Text for one line of a mail or log: each run of control characters becomes one space. */
export const flatten = (s: string) => s.replace(CONTROLS, ' ');
