// The words of Ferry's mails, one table per language. A language is added by adding a table; the
// mails fall back to English for a user whose language has none.
import { isLocale, type Locale, type Localized } from '../../../connectors/locale.ts';
import type { RunStatus } from '../runs.ts';

/** The best supported language in an Accept-Language header, or undefined. */
export function localeFrom(acceptLanguage: string | undefined): Locale | undefined {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? 1,
      );
      return { lang: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.find((x) => isLocale(x.lang))?.lang as Locale | undefined;
}

/** Singular and plural of what a run copied, by what kind of media it was. */
type Noun = 'photo' | 'video' | 'media' | 'file';
type Forms = Record<Noun, [one: string, other: string]>;

export interface Strings {
  nouns: Forms;
  subject: {
    finished(task: string, what: string): string;
    nothingNew(task: string): string;
    partial(task: string, failed: string, what: string): string;
    failed(task: string, why: string): string;
    quotaRun(task: string, what: string | null): string;
    quotaUsedUp: string;
    reauth(cloud: string): string;
    verify: string;
    confirmNotify: string;
    suspended: string;
    resumed: string;
    reset: string;
    deleted: string;
    emailChange: string;
    emailChangeNotice: string;
  };
  failedItems(n: string): string;
  nothingCopied: string;
  outcome: Record<Exclude<RunStatus, 'queued' | 'running'>, string>;
  labels: {
    task: string;
    copied: string;
    skipped: string;
    failed: string;
    duration: string;
    rate: string;
    firstFailures: string;
    open: string;
  };
  quotaRunNote(pending: string, renews: string): string;
  quotaUsedUp(used: string, limit: string, renews: string): string;
  reauth(cloud: string, why: string): string;
  reauthAction: string;
  verify(email: string): string;
  verifyAction: string;
  /** To an address a user named for a task's notifications: whose it is, and what following the link does. */
  confirmNotify(owner: string, address: string): string;
  confirmNotifyAction: string;
  /** Under a connector's notice about a cloud: the link to it. */
  cloudAction: string;
  /** A verification run's mail: it checked the backup's copies, it copied nothing. */
  verification: {
    subject: {
      intact(task: string, what: string): string;
      damaged(task: string, failed: string, what: string): string;
      failed(task: string, why: string): string;
    };
    outcome: Record<'succeeded' | 'partial' | 'failed', string>;
    failedItems(n: string): string;
    intact: string;
  };
  /** The operator suspended the account (why, when they said) or lifted it. */
  suspended(reason: string | null): string;
  resumed: string;
  /** A forgotten password: the link, good for an hour, once. */
  reset(email: string): string;
  resetAction: string;
  /** The account is gone. */
  deleted(email: string): string;
  /** To the new address of a change: confirm it. */
  emailChange(oldEmail: string, newEmail: string): string;
  emailChangeAction: string;
  /** To the old address of a change: it was asked. */
  emailChangeNotice(oldEmail: string, newEmail: string): string;
  footer: string;
}

const en: Strings = {
  nouns: {
    photo: ['photo', 'photos'],
    video: ['video', 'videos'],
    media: ['photo or video', 'photos and videos'],
    file: ['file', 'files'],
  },
  subject: {
    finished: (task, what) => `Ferry: '${task}' finished — ${what}`,
    nothingNew: (task) => `Ferry: '${task}' finished — nothing new to copy`,
    partial: (task, failed, what) => `Ferry: '${task}' finished with ${failed} — ${what}`,
    failed: (task, why) => `Ferry: '${task}' failed — ${why}`,
    quotaRun: (task, what) =>
      `Ferry: '${task}' paused — monthly traffic quota used up${what ? ` (${what} copied)` : ''}`,
    quotaUsedUp: 'Ferry: your monthly traffic quota is used up',
    reauth: (cloud) => `Ferry: reconnect '${cloud}' to keep your backups running`,
    verify: 'Ferry: confirm your email address',
    confirmNotify: 'Ferry: confirm that you want backup notifications',
    suspended: 'Ferry: your account is suspended',
    resumed: 'Ferry: your account is active again',
    reset: 'Ferry: choose a new password',
    deleted: 'Ferry: your account is deleted',
    emailChange: 'Ferry: confirm your new address',
    emailChangeNotice: 'Ferry: a change of your address was asked',
  },
  failedItems: (n) => `${n} failed`,
  nothingCopied: 'nothing copied',
  outcome: {
    succeeded: 'Finished: everything was copied and verified.',
    partial: 'Finished, but some items could not be copied.',
    failed: 'Failed.',
    cancelled: 'Cancelled.',
    quota_exceeded: "Paused: this month's traffic quota is used up.",
  },
  labels: {
    task: 'Task',
    copied: 'Copied',
    skipped: 'Skipped (already there)',
    failed: 'Failed',
    duration: 'Duration',
    rate: 'Average speed',
    firstFailures: 'First failures',
    open: 'Open the run',
  },
  quotaRunNote: (pending, renews) =>
    `${pending} item(s) wait for the next run; the quota renews on ${renews}, or sooner if your limit is raised.`,
  quotaUsedUp: (used, limit, renews) =>
    `You have used ${used} of your ${limit} monthly traffic. Backups pause until the quota renews on ${renews}; ` +
    `they then carry on where they stopped, without copying anything twice.`,
  reauth: (cloud, why) =>
    `Ferry can no longer sign in to your cloud '${cloud}': ${why} ` +
    `Backups to and from it are stopped until you reconnect it.`,
  reauthAction: 'Reconnect the cloud',
  verify: (email) =>
    `Please confirm that ${email} is your address, so Ferry can tell you how your backups go. ` +
    `The link is valid for 7 days.`,
  verifyAction: 'Confirm my address',
  confirmNotify: (owner, address) =>
    `The Ferry user ${owner} asked for mails about their backups to be sent to ${address}. ` +
    `Ferry sends none until you confirm; if you do not know them or do not want these mails, ` +
    `ignore this one and you will get no more. The link is valid for 7 days.`,
  confirmNotifyAction: 'Send me these notifications',
  cloudAction: 'Open the cloud in Ferry',
  verification: {
    subject: {
      intact: (task, what) => `Ferry: '${task}' verified — ${what}, all intact`,
      damaged: (task, failed, what) => `Ferry: '${task}' verified — ${failed}, ${what} intact`,
      failed: (task, why) => `Ferry: verifying '${task}' failed — ${why}`,
    },
    outcome: {
      succeeded: 'Verified: every copy is at the destination, as the backup recorded it.',
      partial: 'Verified: some copies are missing or changed at the destination.',
      failed: 'The verification failed.',
    },
    failedItems: (n) => `${n} missing or changed`,
    intact: 'Intact',
  },
  suspended: (reason) =>
    `The operator of this Ferry suspended your account${reason ? `: ${reason}` : ''}. ` +
    `Your backups are stopped, their schedules are held and you cannot sign in. ` +
    `Nothing was deleted. Reply to the operator to have it lifted.`,
  resumed:
    'The operator of this Ferry lifted the suspension of your account: you can sign in again, and your ' +
    'scheduled backups run from their next planned time.',
  reset: (email) =>
    `Someone, probably you, asked to set a new password for the Ferry account ${email}. ` +
    `The link below works once, within an hour. Setting a new password signs you out everywhere. ` +
    `If you did not ask, ignore this mail: your password stays as it is.`,
  resetAction: 'Choose a new password',
  deleted: (email) =>
    `The Ferry account ${email} is deleted, as you asked: its connections to your clouds were revoked ` +
    `and its clouds, tasks, runs and records removed. The files Ferry copied stay where it put them.`,
  emailChange: (oldEmail, newEmail) =>
    `The Ferry account ${oldEmail} asked to use ${newEmail} from now on. Confirm it with the link below ` +
    `within a day; until then nothing changes.`,
  emailChangeAction: 'Confirm the new address',
  emailChangeNotice: (oldEmail, newEmail) =>
    `Someone signed in to the Ferry account ${oldEmail} asked to change its address to ${newEmail}. ` +
    `Once the new address is confirmed, Ferry writes there. If this was not you, change your password now ` +
    `and end the account's other sessions on your Account page.`,
  footer: 'You receive this mail because of your notification settings in Ferry.',
};

const de: Strings = {
  nouns: {
    photo: ['Foto', 'Fotos'],
    video: ['Video', 'Videos'],
    media: ['Foto oder Video', 'Fotos und Videos'],
    file: ['Datei', 'Dateien'],
  },
  subject: {
    finished: (task, what) => `Ferry: „${task}“ fertig — ${what}`,
    nothingNew: (task) => `Ferry: „${task}“ fertig — nichts Neues zu kopieren`,
    partial: (task, failed, what) => `Ferry: „${task}“ fertig, ${failed} — ${what}`,
    failed: (task, why) => `Ferry: „${task}“ fehlgeschlagen — ${why}`,
    quotaRun: (task, what) =>
      `Ferry: „${task}“ pausiert — monatliches Datenvolumen aufgebraucht${what ? ` (${what} kopiert)` : ''}`,
    quotaUsedUp: 'Ferry: Ihr monatliches Datenvolumen ist aufgebraucht',
    reauth: (cloud) => `Ferry: Verbinden Sie „${cloud}“ neu, damit Ihre Sicherungen weiterlaufen`,
    verify: 'Ferry: Bestätigen Sie Ihre E-Mail-Adresse',
    confirmNotify: 'Ferry: Bestätigen Sie, dass Sie Sicherungs-Benachrichtigungen erhalten möchten',
    suspended: 'Ferry: Ihr Konto ist gesperrt',
    resumed: 'Ferry: Ihr Konto ist wieder aktiv',
    reset: 'Ferry: Wählen Sie ein neues Passwort',
    deleted: 'Ferry: Ihr Konto ist gelöscht',
    emailChange: 'Ferry: Bestätigen Sie Ihre neue Adresse',
    emailChangeNotice: 'Ferry: Eine Änderung Ihrer Adresse wurde angefordert',
  },
  failedItems: (n) => `${n} fehlgeschlagen`,
  nothingCopied: 'nichts kopiert',
  outcome: {
    succeeded: 'Fertig: alles wurde kopiert und geprüft.',
    partial: 'Fertig, aber einige Elemente konnten nicht kopiert werden.',
    failed: 'Fehlgeschlagen.',
    cancelled: 'Abgebrochen.',
    quota_exceeded: 'Pausiert: das Datenvolumen dieses Monats ist aufgebraucht.',
  },
  labels: {
    task: 'Aufgabe',
    copied: 'Kopiert',
    skipped: 'Übersprungen (schon vorhanden)',
    failed: 'Fehlgeschlagen',
    duration: 'Dauer',
    rate: 'Durchschnittliche Geschwindigkeit',
    firstFailures: 'Erste Fehler',
    open: 'Lauf öffnen',
  },
  quotaRunNote: (pending, renews) =>
    `${pending} Element(e) warten auf den nächsten Lauf; ` +
    `das Datenvolumen erneuert sich am ${renews}, oder früher, wenn Ihr Limit erhöht wird.`,
  quotaUsedUp: (used, limit, renews) =>
    `Sie haben ${used} von ${limit} Datenvolumen dieses Monats verbraucht. Die Sicherungen pausieren bis zur ` +
    `Erneuerung am ${renews} und machen dann dort weiter, wo sie aufgehört haben, ohne etwas doppelt zu kopieren.`,
  reauth: (cloud, why) =>
    `Ferry kann sich nicht mehr bei Ihrer Cloud „${cloud}“ anmelden: ${why} ` +
    `Sicherungen von und zu ihr ruhen, bis Sie sie neu verbinden.`,
  reauthAction: 'Cloud neu verbinden',
  verify: (email) =>
    `Bitte bestätigen Sie, dass ${email} Ihre Adresse ist, damit Ferry Ihnen ` +
    `berichten kann, wie Ihre Sicherungen laufen. Der Link gilt 7 Tage.`,
  verifyAction: 'Adresse bestätigen',
  confirmNotify: (owner, address) =>
    `Der Ferry-Nutzer ${owner} möchte Mails über seine Sicherungen an ${address} senden lassen. ` +
    `Ferry sendet keine, bevor Sie bestätigen; kennen Sie ihn nicht oder möchten Sie diese Mails nicht, ` +
    `ignorieren Sie diese Mail, dann erhalten Sie keine weiteren. Der Link ist 7 Tage gültig.`,
  confirmNotifyAction: 'Benachrichtigungen erhalten',
  cloudAction: 'Cloud in Ferry öffnen',
  verification: {
    subject: {
      intact: (task, what) => `Ferry: „${task}“ geprüft — ${what}, alles unversehrt`,
      damaged: (task, failed, what) => `Ferry: „${task}“ geprüft — ${failed}, ${what} unversehrt`,
      failed: (task, why) => `Ferry: Prüfung von „${task}“ fehlgeschlagen — ${why}`,
    },
    outcome: {
      succeeded: 'Geprüft: jede Kopie ist am Ziel, so wie die Sicherung sie aufgezeichnet hat.',
      partial: 'Geprüft: einige Kopien fehlen am Ziel oder wurden verändert.',
      failed: 'Die Prüfung ist fehlgeschlagen.',
    },
    failedItems: (n) => `${n} fehlend oder verändert`,
    intact: 'Unversehrt',
  },
  suspended: (reason) =>
    `Der Betreiber dieses Ferry hat Ihr Konto gesperrt${reason ? `: ${reason}` : ''}. ` +
    `Ihre Sicherungen sind angehalten, ihre Zeitpläne ausgesetzt, und Sie können sich nicht anmelden. ` +
    `Es wurde nichts gelöscht. Wenden Sie sich an den Betreiber, um die Sperre aufheben zu lassen.`,
  resumed:
    'Der Betreiber dieses Ferry hat die Sperre Ihres Kontos aufgehoben: Sie können sich wieder anmelden, und ' +
    'Ihre geplanten Sicherungen laufen ab ihrem nächsten geplanten Zeitpunkt.',
  reset: (email) =>
    `Jemand, vermutlich Sie, hat ein neues Passwort für das Ferry-Konto ${email} angefordert. ` +
    `Der Link unten funktioniert einmal, innerhalb einer Stunde. Ein neues Passwort meldet Sie überall ab. ` +
    `Wenn Sie es nicht angefordert haben, ignorieren Sie diese Mail: Ihr Passwort bleibt, wie es ist.`,
  resetAction: 'Neues Passwort wählen',
  deleted: (email) =>
    `Das Ferry-Konto ${email} ist wie gewünscht gelöscht: Seine Verbindungen zu Ihren Clouds wurden widerrufen ` +
    `und seine Clouds, Aufgaben, Läufe und Aufzeichnungen entfernt. ` +
    `Die von Ferry kopierten Dateien bleiben, wo sie sind.`,
  emailChange: (oldEmail, newEmail) =>
    `Das Ferry-Konto ${oldEmail} möchte ab jetzt ${newEmail} verwenden. Bestätigen Sie das innerhalb ` +
    `eines Tages mit dem Link unten; bis dahin ändert sich nichts.`,
  emailChangeAction: 'Neue Adresse bestätigen',
  emailChangeNotice: (oldEmail, newEmail) =>
    `Jemand, der im Ferry-Konto ${oldEmail} angemeldet ist, hat die Änderung der Adresse zu ${newEmail} ` +
    `angefordert. Sobald die neue Adresse bestätigt ist, schreibt Ferry dorthin. Wenn Sie das nicht waren, ` +
    `ändern Sie jetzt Ihr Passwort und beenden Sie die anderen Sitzungen auf Ihrer Kontoseite.`,
  footer: 'Sie erhalten diese E-Mail aufgrund Ihrer Benachrichtigungseinstellungen in Ferry.',
};

const fr: Strings = {
  nouns: {
    photo: ['photo', 'photos'],
    video: ['vidéo', 'vidéos'],
    media: ['photo ou vidéo', 'photos et vidéos'],
    file: ['fichier', 'fichiers'],
  },
  subject: {
    finished: (task, what) => `Ferry : « ${task} » terminée — ${what}`,
    nothingNew: (task) => `Ferry : « ${task} » terminée — rien de nouveau à copier`,
    partial: (task, failed, what) => `Ferry : « ${task} » terminée avec ${failed} — ${what}`,
    failed: (task, why) => `Ferry : « ${task} » a échoué — ${why}`,
    quotaRun: (task, what) =>
      `Ferry : « ${task} » en pause — quota mensuel de transfert épuisé${what ? ` (${what} copiés)` : ''}`,
    quotaUsedUp: 'Ferry : votre quota mensuel de transfert est épuisé',
    reauth: (cloud) => `Ferry : reconnectez « ${cloud} » pour que vos sauvegardes continuent`,
    verify: 'Ferry : confirmez votre adresse e-mail',
    confirmNotify: 'Ferry : confirmez que vous souhaitez recevoir les notifications de sauvegarde',
    suspended: 'Ferry : votre compte est suspendu',
    resumed: 'Ferry : votre compte est de nouveau actif',
    reset: 'Ferry : choisissez un nouveau mot de passe',
    deleted: 'Ferry : votre compte est supprimé',
    emailChange: 'Ferry : confirmez votre nouvelle adresse',
    emailChangeNotice: 'Ferry : un changement de votre adresse a été demandé',
  },
  failedItems: (n) => `${n} échec(s)`,
  nothingCopied: 'rien copié',
  outcome: {
    succeeded: 'Terminée : tout a été copié et vérifié.',
    partial: "Terminée, mais certains éléments n'ont pas pu être copiés.",
    failed: 'Échec.',
    cancelled: 'Annulée.',
    quota_exceeded: 'En pause : le quota de transfert de ce mois est épuisé.',
  },
  labels: {
    task: 'Tâche',
    copied: 'Copiés',
    skipped: 'Ignorés (déjà présents)',
    failed: 'Échecs',
    duration: 'Durée',
    rate: 'Vitesse moyenne',
    firstFailures: 'Premiers échecs',
    open: "Ouvrir l'exécution",
  },
  quotaRunNote: (pending, renews) =>
    `${pending} élément(s) attendent la prochaine exécution ; ` +
    `le quota se renouvelle le ${renews}, ou plus tôt si votre limite est relevée.`,
  quotaUsedUp: (used, limit, renews) =>
    `Vous avez utilisé ${used} de vos ${limit} de transfert mensuel. ` +
    `Les sauvegardes sont en pause jusqu'au renouvellement du quota le ${renews} ; ` +
    `elles reprendront là où elles se sont arrêtées, sans rien copier deux fois.`,
  reauth: (cloud, why) =>
    `Ferry ne peut plus se connecter à votre cloud « ${cloud} » : ${why} Les sauvegardes ` +
    `depuis et vers ce cloud sont arrêtées jusqu'à ce que vous le reconnectiez.`,
  reauthAction: 'Reconnecter le cloud',
  verify: (email) =>
    `Merci de confirmer que ${email} est bien votre adresse, afin que Ferry ` +
    `puisse vous informer de vos sauvegardes. Le lien est valable 7 jours.`,
  verifyAction: 'Confirmer mon adresse',
  confirmNotify: (owner, address) =>
    `L'utilisateur Ferry ${owner} souhaite que les e-mails sur ses sauvegardes soient envoyés à ${address}. ` +
    `Ferry n'en envoie aucun avant votre confirmation ; si vous ne le connaissez pas ou ne souhaitez ` +
    `pas ces e-mails, ignorez celui-ci et vous n'en recevrez plus. Le lien est valable 7 jours.`,
  confirmNotifyAction: 'Recevoir ces notifications',
  cloudAction: 'Ouvrir le cloud dans Ferry',
  verification: {
    subject: {
      intact: (task, what) => `Ferry : « ${task} » vérifiée — ${what}, tout est intact`,
      damaged: (task, failed, what) => `Ferry : « ${task} » vérifiée — ${failed}, ${what} intact(s)`,
      failed: (task, why) => `Ferry : la vérification de « ${task} » a échoué — ${why}`,
    },
    outcome: {
      succeeded: "Vérifiée : chaque copie est à la destination, telle que la sauvegarde l'a enregistrée.",
      partial: 'Vérifiée : certaines copies manquent à la destination ou ont été modifiées.',
      failed: 'La vérification a échoué.',
    },
    failedItems: (n) => `${n} manquante(s) ou modifiée(s)`,
    intact: 'Intactes',
  },
  suspended: (reason) =>
    `L’opérateur de ce Ferry a suspendu votre compte${reason ? ` : ${reason}` : ''}. ` +
    `Vos sauvegardes sont arrêtées, leurs planifications suspendues, et vous ne pouvez plus vous connecter. ` +
    `Rien n’a été supprimé. Adressez-vous à l’opérateur pour lever la suspension.`,
  resumed:
    'L’opérateur de ce Ferry a levé la suspension de votre compte : vous pouvez de nouveau vous connecter, et ' +
    'vos sauvegardes planifiées reprennent à leur prochaine heure prévue.',
  reset: (email) =>
    `Quelqu’un, sans doute vous, a demandé un nouveau mot de passe pour le compte Ferry ${email}. ` +
    `Le lien ci-dessous fonctionne une fois, pendant une heure. Un nouveau mot de passe vous déconnecte partout. ` +
    `Si vous n’avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.`,
  resetAction: 'Choisir un nouveau mot de passe',
  deleted: (email) =>
    `Le compte Ferry ${email} est supprimé, comme vous l’avez demandé : ses accès à vos clouds ont été révoqués ` +
    `et ses clouds, tâches, exécutions et relevés effacés. Les fichiers copiés par Ferry restent là où il les a mis.`,
  emailChange: (oldEmail, newEmail) =>
    `Le compte Ferry ${oldEmail} souhaite utiliser désormais ${newEmail}. Confirmez-le avec le lien ` +
    `ci-dessous dans la journée ; d’ici là, rien ne change.`,
  emailChangeAction: 'Confirmer la nouvelle adresse',
  emailChangeNotice: (oldEmail, newEmail) =>
    `Une personne connectée au compte Ferry ${oldEmail} a demandé à changer son adresse pour ${newEmail}. ` +
    `Une fois la nouvelle adresse confirmée, Ferry y écrira. Si ce n’était pas vous, changez votre mot de passe ` +
    `maintenant et fermez les autres sessions depuis votre page Compte.`,
  footer: 'Vous recevez cet e-mail en raison de vos réglages de notification dans Ferry.',
};

const tables: Localized<Strings> = { en, de, fr };

/** Words and number formats of a language, English when it is not one Ferry speaks. */
export function wordsFor(locale: string) {
  const lang: Locale = isLocale(locale) ? locale : 'en';
  const t = tables[lang];
  const plural = new Intl.PluralRules(lang);
  const number = new Intl.NumberFormat(lang);
  const oneDecimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  return {
    lang,
    t,
    count: (n: number) => number.format(n),
    /** "1,204 photos" */
    counted: (n: number, noun: Noun) => `${number.format(n)} ${t.nouns[noun][plural.select(n) === 'one' ? 0 : 1]}`,
    /** Decimal units, as disks and clouds count: "3.1 GB". */
    bytes(n: number) {
      const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
      let i = 0;
      let v = n;
      while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i++;
      }
      return `${i === 0 ? number.format(v) : oneDecimal.format(v)} ${units[i]}`;
    },
    duration(seconds: number) {
      const s = Math.round(seconds);
      if (s < 60) return `${s} s`;
      if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
      return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    },
    date: (d: Date) => new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(d),
  };
}

export type Words = ReturnType<typeof wordsFor>;
export type { Noun };
