// Two-factor sign-in. Off: "Set up" shows the QR code to scan (and its key as text for apps that
// cannot scan), and the app's first code turns it on; the recovery codes are then shown once, to
// copy or download. On: turning it off asks for the password and a code.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, must, type components } from '../../api/client';
import { keys } from '../../api/queries';
import { common } from '../../i18n/common';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Field } from '../../ui/components';
import { translated } from '../auth/AuthForm';
import { saveFile } from './download';
import { accountMessages } from './messages';

type Me = components['schemas']['Me'];
type Enrolment = { secret: string; otpauthUri: string; qrSvg: string };

export function TwoFactorSection({ me }: { me: Me }) {
  const t = useMessages(accountMessages);
  const heading = useId();
  const queryClient = useQueryClient();
  // Shown once, right after turning it on; leaving the page forgets them.
  const [codes, setCodes] = useState<string[] | null>(null);
  const [turnedOff, setTurnedOff] = useState(false);

  const begin = useMutation({
    mutationFn: () => must(api.POST('/api/v1/me/two-factor')),
    onMutate: () => setTurnedOff(false),
    onError: (err) => {
      // 409: turned on meanwhile (in another tab, say): show it as it is now.
      if (err instanceof ApiError && err.status === 409) void queryClient.invalidateQueries({ queryKey: keys.me });
    },
  });

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.twoFactorTitle}</h2>
      {codes ? (
        <RecoveryCodes codes={codes} email={me.email} onDone={() => setCodes(null)} />
      ) : me.twoFactor ? (
        <>
          <p>
            <span className="badge ok">{t.on}</span> {t.twoFactorOnText}
          </p>
          <TurnOff onOff={() => setTurnedOff(true)} />
        </>
      ) : begin.data ? (
        <SetUp
          enrolment={begin.data}
          onOn={(recoveryCodes) => {
            setCodes(recoveryCodes);
            begin.reset();
          }}
          onCancel={() => begin.reset()}
        />
      ) : (
        <>
          <p>
            <span className="badge">{t.off}</span> {t.twoFactorOffText}
          </p>
          <div className="actions">
            <button
              type="button"
              onClick={() => begin.mutate()}
              disabled={begin.isPending}
              aria-busy={begin.isPending || undefined}
            >
              {t.setUp}
            </button>
          </div>
          <ErrorMessage error={begin.error} />
        </>
      )}
      <p className="muted" role="status">
        {turnedOff && !me.twoFactor ? t.turnedOff : ''}
      </p>
    </section>
  );
}

function SetUp({
  enrolment,
  onOn,
  onCancel,
}: {
  enrolment: Enrolment;
  onOn: (codes: string[]) => void;
  onCancel: () => void;
}) {
  const t = useMessages(accountMessages);
  const c = useMessages(common);
  const queryClient = useQueryClient();
  const box = useRef<HTMLDivElement>(null);
  const [code, setCode] = useState('');
  const [checked, setChecked] = useState(false);
  // The focus moves to the steps that replaced the button.
  useEffect(() => box.current?.focus(), []);

  const confirm = useMutation({
    mutationFn: (first: string) => must(api.POST('/api/v1/me/two-factor/confirm', { body: { code: first } })),
    onSuccess: (answer) => {
      onOn(answer.recoveryCodes);
      return queryClient.invalidateQueries({ queryKey: keys.me });
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (code.trim() && !confirm.isPending) confirm.mutate(code.trim());
  };

  // An image from a data: address: the page's policy allows it, and no markup of the API's is put in the page.
  const qr = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`;
  return (
    <div className="two-factor-setup" ref={box} tabIndex={-1} role="group" aria-label={t.setUp}>
      <p>{t.scan}</p>
      <img className="qr" src={qr} alt={t.qrAlt} width={200} height={200} />
      <p>{t.cantScan}</p>
      <Field
        label={t.secretLabel}
        className="secret"
        readOnly
        value={enrolment.secret}
        spellCheck={false}
        autoComplete="off"
        onFocus={(e) => e.currentTarget.select()}
      />
      <form className="account-form" onSubmit={onSubmit} noValidate>
        <Field
          label={t.firstCode}
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={checked && !code.trim() ? t.codeMissing : null}
          required
        />
        <div className="actions">
          <button type="submit" disabled={confirm.isPending} aria-busy={confirm.isPending || undefined}>
            {t.turnOn}
          </button>
          <button type="button" className="secondary" onClick={onCancel} disabled={confirm.isPending}>
            {c.cancel}
          </button>
        </div>
        <ErrorMessage error={translated(confirm.error, t.apiErrors)} />
      </form>
    </div>
  );
}

/** The ten recovery codes, this once, with the warning, a copy button and a download. */
function RecoveryCodes({ codes, email, onDone }: { codes: string[]; email: string; onDone: () => void }) {
  const t = useMessages(accountMessages);
  const box = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  useEffect(() => box.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  const download = () =>
    saveFile(
      new Blob([[t.recoveryFileTitle(email), t.recoveryFileNote, '', ...codes, ''].join('\n')], {
        type: 'text/plain;charset=utf-8',
      }),
      'ferry-recovery-codes.txt',
    );

  return (
    <div className="notice warn recovery" ref={box} tabIndex={-1} role="group" aria-labelledby="recovery-title">
      <h3 id="recovery-title">{t.recoveryTitle}</h3>
      <p>{t.recoveryWarning}</p>
      <ul className="recovery-codes" aria-label={t.recoveryList}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {t.copyCodes}
        </button>
        <button type="button" className="secondary" onClick={download}>
          {t.downloadCodes}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          {t.recoveryDone}
        </button>
      </div>
      <p role="status" className="muted">
        {copied === 'yes' ? t.copied : copied === 'failed' ? t.codesCopyFailed : ''}
      </p>
    </div>
  );
}

/** "Turn off…", then the password and a code. */
function TurnOff({ onOff }: { onOff: () => void }) {
  const t = useMessages(accountMessages);
  const c = useMessages(common);
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [checked, setChecked] = useState(false);

  const off = useMutation({
    mutationFn: (body: { password: string; code: string }) => must(api.DELETE('/api/v1/me/two-factor', { body })),
    onSuccess: () => {
      onOff();
      return queryClient.invalidateQueries({ queryKey: keys.me });
    },
  });

  if (!open)
    return (
      <div className="actions">
        <button type="button" className="secondary" onClick={() => setOpen(true)}>
          {t.turnOff}
        </button>
      </div>
    );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (password && code.trim() && !off.isPending) off.mutate({ password, code: code.trim() });
  };
  return (
    <form className="account-form" onSubmit={onSubmit} noValidate>
      <p>{t.turnOffIntro}</p>
      <Field
        label={t.yourPassword}
        type="password"
        name="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={checked && !password ? t.passwordMissing : null}
        required
        autoFocus
      />
      <Field
        label={t.code}
        name="code"
        autoComplete="one-time-code"
        autoCapitalize="none"
        spellCheck={false}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={checked && !code.trim() ? t.codeMissing : null}
        required
      />
      <div className="actions">
        <button type="submit" className="danger" disabled={off.isPending} aria-busy={off.isPending || undefined}>
          {t.turnOffYes}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)} disabled={off.isPending}>
          {c.cancel}
        </button>
      </div>
      <ErrorMessage error={translated(off.error, t.apiErrors)} />
    </form>
  );
}
