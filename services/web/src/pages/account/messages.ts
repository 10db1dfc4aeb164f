// The words of the Account page: the address, the language, the month's traffic and access tokens.
import { defineMessages } from '../../i18n/i18n';

export const accountMessages = defineMessages({
  en: {
    title: 'Account',
    // The address
    addressTitle: 'Your email address',
    confirmed: 'Confirmed',
    unconfirmed: 'Not confirmed yet',
    unconfirmedText: (email: string) =>
      `Ferry needs to know that ${email} is yours before it can make backups or send you mail. ` +
      `Open the mail Ferry sent you and follow its link. No mail? Look in your spam folder, or ask for a new link.`,
    resend: 'Send the link again',
    resent: (email: string) => `A new link is on its way to ${email}. It may take a minute or two to arrive.`,
    // The language
    languageTitle: 'Language',
    language: 'Language of the app and of your mails',
    languageSaved: 'Saved. Ferry will write to you in English from now on.',
    // Traffic
    trafficTitle: 'Traffic this month',
    traffic: 'Used so far',
    trafficText: (used: string, limit: string) => `${used} of ${limit}`,
    trafficExplain: (renews: string) =>
      `Everything Ferry copies counts towards this allowance. ` +
      `When it is used up, backups wait and carry on when it starts again on ${renews}.`,
    // Tokens
    tokensTitle: 'Access tokens',
    tokensIntro:
      'An access token lets a script or another program use Ferry as you, through Ferry’s API, without your password.',
    tokensEmptyTitle: 'No access tokens',
    tokensEmpty:
      'You only need one if you want your own scripts or programs to start ' +
      'backups or read their results. Everything else works without.',
    tokenName: 'Token name',
    tokenNameHint: 'Something that tells you later where it is used, such as “Backup script on my laptop”.',
    tokenNameMissing: 'Give the token a name.',
    createToken: 'Create token',
    newTokenTitle: (name: string) => `Your new token “${name}”`,
    newTokenLabel: 'The token',
    newTokenWarning:
      'Copy it now and keep it somewhere safe: Ferry will not show it again. Anyone who has it can use your account.',
    copy: 'Copy',
    copied: 'Copied.',
    copyFailed: 'Could not copy: select the token and copy it yourself.',
    newTokenDone: 'I have copied it',
    colName: 'Name',
    colCreated: 'Created',
    colLastUsed: 'Last used',
    never: 'Never',
    revoke: 'Revoke',
    revokeLabel: (name: string) => `Revoke “${name}”`,
    revokeQuestion: (name: string) =>
      `Revoke “${name}”? Scripts that use it stop working at once. This cannot be undone.`,
    revokeYes: 'Yes, revoke it',
    revokeNo: 'Keep it',
    revoked: (name: string) => `“${name}” is revoked.`,
  },
  de: {
    title: 'Konto',
    addressTitle: 'Deine E-Mail-Adresse',
    confirmed: 'Bestätigt',
    unconfirmed: 'Noch nicht bestätigt',
    unconfirmedText: (email: string) =>
      `Ferry muss wissen, dass ${email} dir gehört, bevor es Sicherungen machen oder dir Mails schicken kann. ` +
      `Öffne die Mail von Ferry und folge ihrem Link. Keine Mail bekommen? ` +
      `Sieh im Spam-Ordner nach oder fordere einen neuen Link an.`,
    resend: 'Link erneut senden',
    resent: (email: string) =>
      `Ein neuer Link ist unterwegs an ${email}. Es kann ein, zwei Minuten dauern, bis er ankommt.`,
    languageTitle: 'Sprache',
    language: 'Sprache der App und deiner Mails',
    languageSaved: 'Gespeichert. Ferry schreibt dir ab jetzt auf Deutsch.',
    trafficTitle: 'Datenvolumen diesen Monat',
    traffic: 'Bisher verbraucht',
    trafficText: (used: string, limit: string) => `${used} von ${limit}`,
    trafficExplain: (renews: string) =>
      `Alles, was Ferry kopiert, zählt zu diesem Volumen. ` +
      `Ist es aufgebraucht, warten die Sicherungen und laufen weiter, wenn es am ${renews} neu beginnt.`,
    tokensTitle: 'Zugangsschlüssel',
    tokensIntro:
      'Mit einem Zugangsschlüssel kann ein Skript oder ein anderes Programm Ferry über ' +
      'seine Programmierschnittstelle (API) in deinem Namen nutzen, ohne dein Passwort.',
    tokensEmptyTitle: 'Keine Zugangsschlüssel',
    tokensEmpty:
      'Du brauchst nur einen, wenn eigene Skripte oder Programme Sicherungen ' +
      'starten oder ihre Ergebnisse lesen sollen. Alles andere geht ohne.',
    tokenName: 'Name des Schlüssels',
    tokenNameHint: 'Etwas, woran du später erkennst, wo er benutzt wird, etwa „Sicherungsskript auf meinem Laptop“.',
    tokenNameMissing: 'Gib dem Schlüssel einen Namen.',
    createToken: 'Schlüssel erstellen',
    newTokenTitle: (name: string) => `Dein neuer Schlüssel „${name}“`,
    newTokenLabel: 'Der Schlüssel',
    newTokenWarning:
      'Kopiere ihn jetzt und bewahre ihn sicher auf: Ferry zeigt ihn nicht noch einmal. ' +
      'Wer ihn hat, kann dein Konto benutzen.',
    copy: 'Kopieren',
    copied: 'Kopiert.',
    copyFailed: 'Kopieren ging nicht: Markiere den Schlüssel und kopiere ihn selbst.',
    newTokenDone: 'Ich habe ihn kopiert',
    colName: 'Name',
    colCreated: 'Erstellt',
    colLastUsed: 'Zuletzt benutzt',
    never: 'Nie',
    revoke: 'Widerrufen',
    revokeLabel: (name: string) => `„${name}“ widerrufen`,
    revokeQuestion: (name: string) =>
      `„${name}“ widerrufen? Skripte, die ihn benutzen, funktionieren sofort nicht mehr. ` +
      `Das lässt sich nicht rückgängig machen.`,
    revokeYes: 'Ja, widerrufen',
    revokeNo: 'Behalten',
    revoked: (name: string) => `„${name}“ ist widerrufen.`,
  },
  fr: {
    title: 'Compte',
    addressTitle: 'Votre adresse e-mail',
    confirmed: 'Confirmée',
    unconfirmed: 'Pas encore confirmée',
    unconfirmedText: (email: string) =>
      `Ferry doit savoir que ${email} est bien à vous avant de faire des sauvegardes ou de vous écrire. ` +
      `Ouvrez l'e-mail envoyé par Ferry et suivez son lien. Pas d'e-mail ? ` +
      `Regardez dans vos indésirables, ou demandez un nouveau lien.`,
    resend: 'Renvoyer le lien',
    resent: (email: string) => `Un nouveau lien part vers ${email}. Il peut mettre une ou deux minutes à arriver.`,
    languageTitle: 'Langue',
    language: "Langue de l'application et de vos e-mails",
    languageSaved: 'Enregistré. Ferry vous écrira désormais en français.',
    trafficTitle: 'Trafic de ce mois',
    traffic: 'Utilisé jusqu’ici',
    trafficText: (used: string, limit: string) => `${used} sur ${limit}`,
    trafficExplain: (renews: string) =>
      `Tout ce que Ferry copie compte dans ce volume. ` +
      `Une fois épuisé, les sauvegardes attendent et reprennent quand il repart à zéro, le ${renews}.`,
    tokensTitle: "Jetons d'accès",
    tokensIntro:
      "Un jeton d'accès permet à un script ou à un autre programme d'utiliser " +
      'Ferry en votre nom, par son API, sans votre mot de passe.',
    tokensEmptyTitle: "Aucun jeton d'accès",
    tokensEmpty:
      "Vous n'en avez besoin que si vos propres scripts ou programmes doivent lancer " +
      'des sauvegardes ou lire leurs résultats. Tout le reste fonctionne sans.',
    tokenName: 'Nom du jeton',
    tokenNameHint: 'Un nom qui vous dira plus tard où il sert, par exemple « Script de sauvegarde sur mon portable ».',
    tokenNameMissing: 'Donnez un nom au jeton.',
    createToken: 'Créer un jeton',
    newTokenTitle: (name: string) => `Votre nouveau jeton « ${name} »`,
    newTokenLabel: 'Le jeton',
    newTokenWarning:
      "Copiez-le maintenant et gardez-le en lieu sûr : Ferry ne l'affichera plus. " +
      'Quiconque le possède peut utiliser votre compte.',
    copy: 'Copier',
    copied: 'Copié.',
    copyFailed: 'Impossible de copier : sélectionnez le jeton et copiez-le vous-même.',
    newTokenDone: "Je l'ai copié",
    colName: 'Nom',
    colCreated: 'Créé le',
    colLastUsed: 'Dernière utilisation',
    never: 'Jamais',
    revoke: 'Révoquer',
    revokeLabel: (name: string) => `Révoquer « ${name} »`,
    revokeQuestion: (name: string) =>
      `Révoquer « ${name} » ? Les scripts qui l'utilisent cesseront aussitôt de fonctionner. C'est définitif.`,
    revokeYes: 'Oui, révoquer',
    revokeNo: 'Le garder',
    revoked: (name: string) => `« ${name} » est révoqué.`,
  },
});

/** The language names, each in its own language: someone who cannot read the page still finds theirs. */
export const LANGUAGE_NAMES = { en: 'English', de: 'Deutsch', fr: 'Français' } as const;
