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
    changeAddress: 'Change your address…',
    newAddress: 'New address',
    newAddressHint: 'Ferry mails it a link; your address changes once you follow it.',
    newAddressMissing: 'Enter the new address, such as name@example.com.',
    sendAddressLink: 'Send the link',
    cancel: 'Cancel',
    addressLinkSent: (next: string, old: string) =>
      `A link is on its way to ${next}. Your address changes once you follow it; ${old} has been told.`,
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
    // The password
    passwordTitle: 'Password',
    currentPassword: 'Current password',
    newPassword: 'New password',
    newPasswordHint: 'At least 10 characters. A few words you can remember make a good one.',
    repeatPassword: 'Repeat the new password',
    currentMissing: 'Enter your current password.',
    newMissing: 'Enter a new password.',
    newShort: 'Use at least 10 characters.',
    repeatWrong: 'The two new passwords are not the same.',
    changePassword: 'Change password',
    passwordChanged: 'Password changed. Every other device that was signed in to your account is signed out.',
    // The API answers in English: its words for these forms' refusals elsewhere (null: the API's own).
    apiErrors: null as null | Record<'wrong_password' | 'wrong_code' | 'rate_limited', string>,
    // Sessions
    sessionsTitle: 'Sessions',
    sessionsIntro: 'The browsers where your account is signed in. End a session you do not recognise or no longer use.',
    thisDevice: 'This device',
    unknownBrowser: 'Unknown browser',
    browserOn: (browser: string, os: string) => `${browser} on ${os}`,
    sessionIp: 'IP address',
    sessionCreated: 'Signed in',
    sessionLastUsed: 'Last used',
    endSession: 'End session',
    endSessionLabel: (device: string, when: string) => `End session: ${device}, signed in ${when}`,
    sessionEnded: 'The session is ended: that browser is signed out.',
    endOthers: 'Sign out everywhere else',
    endedOthers: (n: number) => (n === 1 ? 'Signed out on 1 other device.' : `Signed out on ${n} other devices.`),
    // Two-factor sign-in
    twoFactorTitle: 'Two-factor sign-in',
    on: 'On',
    off: 'Off',
    twoFactorOffText:
      'With two-factor sign-in, signing in asks for your password and then for a code from an authenticator app ' +
      'on your phone (such as Google Authenticator, Microsoft Authenticator, 2FAS or Aegis). ' +
      'Someone who learns your password still cannot sign in.',
    twoFactorOnText: 'Signing in asks for a code from your authenticator app after your password.',
    setUp: 'Set up two-factor sign-in',
    scan: 'Scan this QR code with your authenticator app.',
    qrAlt: 'QR code to scan with your authenticator app',
    cantScan: 'Cannot scan it? Enter this key in the app instead.',
    secretLabel: 'Setup key',
    firstCode: 'The 6-digit code the app shows now',
    codeMissing: 'Enter the code.',
    turnOn: 'Turn on',
    recoveryTitle: 'Your recovery codes',
    recoveryWarning:
      'Store these somewhere safe now, such as in a password manager or on paper: Ferry will not show them again. ' +
      'If you lose your phone, each code signs you in once, in place of a code from the app.',
    recoveryList: 'Recovery codes',
    copyCodes: 'Copy the codes',
    codesCopyFailed: 'Could not copy: download them, or select and copy them yourself.',
    downloadCodes: 'Download as a text file',
    recoveryDone: 'I have stored them',
    recoveryFileTitle: (email: string) => `Ferry recovery codes for ${email}`,
    recoveryFileNote: 'Each code works once, in place of a code from your authenticator app.',
    turnOff: 'Turn off…',
    turnOffIntro: 'To turn it off, enter your password and a code from your app, or a recovery code.',
    yourPassword: 'Your password',
    code: 'Code from your authenticator app, or a recovery code',
    turnOffYes: 'Turn off two-factor sign-in',
    turnedOff: 'Two-factor sign-in is off.',
    passwordMissing: 'Enter your password.',
    // Your data
    dataTitle: 'Your data',
    dataIntro:
      'Everything Ferry keeps about your account in one JSON file: your clouds (without their passwords or keys), ' +
      'tasks, runs and the records of what was copied.',
    download: 'Download your data',
    downloading: 'Preparing the file…',
    // Deleting the account
    deleteTitle: 'Delete your account',
    deleteIntro: 'Leaving Ferry? You can download your data first.',
    deleteStart: 'Delete your account…',
    deleteWhat: 'Deleting your account cannot be undone:',
    deleteRuns: 'Backups that are running stop, and no task runs again.',
    deleteGrants:
      'Ferry’s connections to your clouds are revoked (for OneDrive, also remove Ferry from the apps ' +
      'of your Microsoft account).',
    deleteRecords: 'Your clouds, tasks, runs, backup records and access tokens are removed from Ferry.',
    deleteKept: 'The files Ferry copied stay where they are, at their destinations.',
    deleteMail: (email: string) => `A mail to ${email} confirms it.`,
    deleteYes: 'Yes, delete my account',
    deleteNo: 'Keep my account',
    goodbyeTitle: 'Your account is deleted',
    goodbye:
      'Everything Ferry kept about you is removed. The files it copied are still at their destinations. ' +
      'Thank you for using Ferry.',
    toSignUp: 'Create a new account',
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
    changeAddress: 'Adresse ändern…',
    newAddress: 'Neue Adresse',
    newAddressHint: 'Ferry schickt ihr einen Link; Ihre Adresse ändert sich, sobald Sie ihm folgen.',
    newAddressMissing: 'Geben Sie die neue Adresse ein, etwa name@example.com.',
    sendAddressLink: 'Link senden',
    cancel: 'Abbrechen',
    addressLinkSent: (next: string, old: string) =>
      `Ein Link ist unterwegs an ${next}. Ihre Adresse ändert sich, sobald Sie ihm folgen; ` +
      `${old} wurde benachrichtigt.`,
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
    passwordTitle: 'Passwort',
    currentPassword: 'Aktuelles Passwort',
    newPassword: 'Neues Passwort',
    newPasswordHint: 'Mindestens 10 Zeichen. Ein paar Wörter, die du dir merken kannst, sind ein gutes Passwort.',
    repeatPassword: 'Neues Passwort wiederholen',
    currentMissing: 'Gib dein aktuelles Passwort ein.',
    newMissing: 'Gib ein neues Passwort ein.',
    newShort: 'Verwende mindestens 10 Zeichen.',
    repeatWrong: 'Die beiden neuen Passwörter sind nicht gleich.',
    changePassword: 'Passwort ändern',
    passwordChanged: 'Passwort geändert. Jedes andere Gerät, das bei deinem Konto angemeldet war, ist abgemeldet.',
    apiErrors: {
      wrong_password: 'Das Passwort stimmt nicht.',
      wrong_code: 'Der Code stimmt nicht oder wurde schon benutzt: Gib den ein, den deine App jetzt anzeigt.',
      rate_limited: 'Zu viele Versuche. Warte ein paar Minuten und versuche es dann erneut.',
    },
    sessionsTitle: 'Sitzungen',
    sessionsIntro:
      'Die Browser, in denen dein Konto angemeldet ist. ' +
      'Beende eine Sitzung, die du nicht kennst oder nicht mehr brauchst.',
    thisDevice: 'Dieses Gerät',
    unknownBrowser: 'Unbekannter Browser',
    browserOn: (browser: string, os: string) => `${browser} auf ${os}`,
    sessionIp: 'IP-Adresse',
    sessionCreated: 'Angemeldet',
    sessionLastUsed: 'Zuletzt benutzt',
    endSession: 'Sitzung beenden',
    endSessionLabel: (device: string, when: string) => `Sitzung beenden: ${device}, angemeldet ${when}`,
    sessionEnded: 'Die Sitzung ist beendet: Dieser Browser ist abgemeldet.',
    endOthers: 'Alle anderen Sitzungen beenden',
    endedOthers: (n: number) => (n === 1 ? 'Auf 1 anderen Gerät abgemeldet.' : `Auf ${n} anderen Geräten abgemeldet.`),
    twoFactorTitle: 'Zwei-Faktor-Anmeldung',
    on: 'An',
    off: 'Aus',
    twoFactorOffText:
      'Mit der Zwei-Faktor-Anmeldung fragt die Anmeldung nach deinem Passwort und dann nach einem Code aus ' +
      'einer Authenticator-App auf deinem Handy (etwa Google Authenticator, Microsoft Authenticator, 2FAS ' +
      'oder Aegis). Wer dein Passwort erfährt, kann sich trotzdem nicht anmelden.',
    twoFactorOnText: 'Die Anmeldung fragt nach deinem Passwort nach einem Code aus deiner Authenticator-App.',
    setUp: 'Zwei-Faktor-Anmeldung einrichten',
    scan: 'Scanne diesen QR-Code mit deiner Authenticator-App.',
    qrAlt: 'QR-Code zum Scannen mit deiner Authenticator-App',
    cantScan: 'Scannen geht nicht? Gib stattdessen diesen Schlüssel in der App ein.',
    secretLabel: 'Einrichtungsschlüssel',
    firstCode: 'Der 6-stellige Code, den die App jetzt anzeigt',
    codeMissing: 'Gib den Code ein.',
    turnOn: 'Einschalten',
    recoveryTitle: 'Deine Wiederherstellungscodes',
    recoveryWarning:
      'Bewahre sie jetzt sicher auf, etwa in einem Passwort-Manager oder auf Papier: Ferry zeigt sie nicht noch ' +
      'einmal. Verlierst du dein Handy, meldet dich jeder Code einmal an, anstelle eines Codes aus der App.',
    recoveryList: 'Wiederherstellungscodes',
    copyCodes: 'Codes kopieren',
    codesCopyFailed: 'Kopieren ging nicht: Lade sie herunter oder markiere und kopiere sie selbst.',
    downloadCodes: 'Als Textdatei herunterladen',
    recoveryDone: 'Ich habe sie aufbewahrt',
    recoveryFileTitle: (email: string) => `Ferry-Wiederherstellungscodes für ${email}`,
    recoveryFileNote: 'Jeder Code funktioniert einmal, anstelle eines Codes aus deiner Authenticator-App.',
    turnOff: 'Ausschalten…',
    turnOffIntro:
      'Gib zum Ausschalten dein Passwort und einen Code aus deiner App oder einen Wiederherstellungscode ein.',
    yourPassword: 'Dein Passwort',
    code: 'Code aus deiner Authenticator-App oder ein Wiederherstellungscode',
    turnOffYes: 'Zwei-Faktor-Anmeldung ausschalten',
    turnedOff: 'Die Zwei-Faktor-Anmeldung ist aus.',
    passwordMissing: 'Gib dein Passwort ein.',
    dataTitle: 'Deine Daten',
    dataIntro:
      'Alles, was Ferry zu deinem Konto speichert, in einer JSON-Datei: deine Clouds (ohne ihre Passwörter ' +
      'und Schlüssel), Aufgaben, Läufe und die Aufzeichnungen darüber, was kopiert wurde.',
    download: 'Deine Daten herunterladen',
    downloading: 'Die Datei wird vorbereitet…',
    deleteTitle: 'Dein Konto löschen',
    deleteIntro: 'Du verlässt Ferry? Du kannst vorher deine Daten herunterladen.',
    deleteStart: 'Dein Konto löschen…',
    deleteWhat: 'Das Löschen deines Kontos lässt sich nicht rückgängig machen:',
    deleteRuns: 'Laufende Sicherungen halten an, und keine Aufgabe läuft mehr.',
    deleteGrants:
      'Ferrys Verbindungen zu deinen Clouds werden widerrufen (bei OneDrive entferne Ferry auch aus den Apps ' +
      'deines Microsoft-Kontos).',
    deleteRecords:
      'Deine Clouds, Aufgaben, Läufe, Sicherungsaufzeichnungen und Zugangsschlüssel werden aus Ferry entfernt.',
    deleteKept: 'Die Dateien, die Ferry kopiert hat, bleiben, wo sie sind: an ihren Zielen.',
    deleteMail: (email: string) => `Eine Mail an ${email} bestätigt es.`,
    deleteYes: 'Ja, mein Konto löschen',
    deleteNo: 'Mein Konto behalten',
    goodbyeTitle: 'Dein Konto ist gelöscht',
    goodbye:
      'Alles, was Ferry über dich gespeichert hatte, ist entfernt. Die kopierten Dateien sind weiter an ihren ' +
      'Zielen. Danke, dass du Ferry benutzt hast.',
    toSignUp: 'Neues Konto erstellen',
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
    changeAddress: 'Changer d’adresse…',
    newAddress: 'Nouvelle adresse',
    newAddressHint: 'Ferry lui envoie un lien ; votre adresse change quand vous le suivez.',
    newAddressMissing: 'Saisissez la nouvelle adresse, par exemple nom@example.com.',
    sendAddressLink: 'Envoyer le lien',
    cancel: 'Annuler',
    addressLinkSent: (next: string, old: string) =>
      `Un lien part vers ${next}. Votre adresse change quand vous le suivez ; ${old} a été prévenue.`,
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
    passwordTitle: 'Mot de passe',
    currentPassword: 'Mot de passe actuel',
    newPassword: 'Nouveau mot de passe',
    newPasswordHint: 'Au moins 10 caractères. Quelques mots faciles à retenir font un bon mot de passe.',
    repeatPassword: 'Répétez le nouveau mot de passe',
    currentMissing: 'Saisissez votre mot de passe actuel.',
    newMissing: 'Saisissez un nouveau mot de passe.',
    newShort: 'Utilisez au moins 10 caractères.',
    repeatWrong: 'Les deux nouveaux mots de passe ne sont pas identiques.',
    changePassword: 'Changer le mot de passe',
    passwordChanged: 'Mot de passe changé. Tous les autres appareils connectés à votre compte sont déconnectés.',
    apiErrors: {
      wrong_password: 'Le mot de passe est incorrect.',
      wrong_code: 'Le code est incorrect ou a déjà servi : saisissez celui que votre application affiche maintenant.',
      rate_limited: 'Trop de tentatives. Attendez quelques minutes, puis réessayez.',
    },
    sessionsTitle: 'Sessions',
    sessionsIntro:
      'Les navigateurs où votre compte est connecté. Fermez une session que vous ne reconnaissez pas ' +
      "ou que vous n'utilisez plus.",
    thisDevice: 'Cet appareil',
    unknownBrowser: 'Navigateur inconnu',
    browserOn: (browser: string, os: string) => `${browser} sur ${os}`,
    sessionIp: 'Adresse IP',
    sessionCreated: 'Connecté le',
    sessionLastUsed: 'Dernière utilisation',
    endSession: 'Fermer la session',
    endSessionLabel: (device: string, when: string) => `Fermer la session : ${device}, connectée le ${when}`,
    sessionEnded: 'La session est fermée : ce navigateur est déconnecté.',
    endOthers: 'Fermer toutes les autres sessions',
    endedOthers: (n: number) =>
      n === 1 ? 'Déconnecté sur 1 autre appareil.' : `Déconnecté sur ${n} autres appareils.`,
    twoFactorTitle: 'Connexion en deux étapes',
    on: 'Activée',
    off: 'Désactivée',
    twoFactorOffText:
      "Avec la connexion en deux étapes, la connexion demande votre mot de passe puis un code d'une application " +
      "d'authentification sur votre téléphone (comme Google Authenticator, Microsoft Authenticator, 2FAS ou Aegis). " +
      'Quelqu’un qui apprend votre mot de passe ne peut toujours pas se connecter.',
    twoFactorOnText: "La connexion demande, après votre mot de passe, un code de votre application d'authentification.",
    setUp: 'Configurer la connexion en deux étapes',
    scan: "Scannez ce code QR avec votre application d'authentification.",
    qrAlt: "Code QR à scanner avec votre application d'authentification",
    cantScan: "Impossible de le scanner ? Saisissez plutôt cette clé dans l'application.",
    secretLabel: 'Clé de configuration',
    firstCode: "Le code à 6 chiffres que l'application affiche maintenant",
    codeMissing: 'Saisissez le code.',
    turnOn: 'Activer',
    recoveryTitle: 'Vos codes de secours',
    recoveryWarning:
      'Gardez-les dès maintenant en lieu sûr, par exemple dans un gestionnaire de mots de passe ou sur papier : ' +
      'Ferry ne les affichera plus. Si vous perdez votre téléphone, chaque code vous connecte une fois, ' +
      "à la place d'un code de l'application.",
    recoveryList: 'Codes de secours',
    copyCodes: 'Copier les codes',
    codesCopyFailed: 'Impossible de copier : téléchargez-les, ou sélectionnez-les et copiez-les vous-même.',
    downloadCodes: 'Télécharger en fichier texte',
    recoveryDone: 'Je les ai gardés',
    recoveryFileTitle: (email: string) => `Codes de secours Ferry pour ${email}`,
    recoveryFileNote: "Chaque code sert une fois, à la place d'un code de votre application d'authentification.",
    turnOff: 'Désactiver…',
    turnOffIntro:
      'Pour la désactiver, saisissez votre mot de passe et un code de votre application, ou un code de secours.',
    yourPassword: 'Votre mot de passe',
    code: "Code de votre application d'authentification, ou un code de secours",
    turnOffYes: 'Désactiver la connexion en deux étapes',
    turnedOff: 'La connexion en deux étapes est désactivée.',
    passwordMissing: 'Saisissez votre mot de passe.',
    dataTitle: 'Vos données',
    dataIntro:
      'Tout ce que Ferry garde sur votre compte, dans un fichier JSON : vos clouds (sans leurs mots de passe ' +
      'ni leurs clés), tâches, exécutions et les traces de ce qui a été copié.',
    download: 'Télécharger vos données',
    downloading: 'Préparation du fichier…',
    deleteTitle: 'Supprimer votre compte',
    deleteIntro: 'Vous quittez Ferry ? Vous pouvez d’abord télécharger vos données.',
    deleteStart: 'Supprimer votre compte…',
    deleteWhat: 'La suppression de votre compte est définitive :',
    deleteRuns: "Les sauvegardes en cours s'arrêtent, et plus aucune tâche ne s'exécute.",
    deleteGrants:
      'Les connexions de Ferry à vos clouds sont révoquées (pour OneDrive, retirez aussi Ferry des applications ' +
      'de votre compte Microsoft).',
    deleteRecords: "Vos clouds, tâches, exécutions, traces de sauvegarde et jetons d'accès sont supprimés de Ferry.",
    deleteKept: 'Les fichiers que Ferry a copiés restent où ils sont, à leurs destinations.',
    deleteMail: (email: string) => `Un e-mail à ${email} le confirme.`,
    deleteYes: 'Oui, supprimer mon compte',
    deleteNo: 'Garder mon compte',
    goodbyeTitle: 'Votre compte est supprimé',
    goodbye:
      'Tout ce que Ferry gardait sur vous est supprimé. Les fichiers copiés sont toujours à leurs destinations. ' +
      "Merci d'avoir utilisé Ferry.",
    toSignUp: 'Créer un nouveau compte',
  },
});

/** The language names, each in its own language: someone who cannot read the page still finds theirs. */
export const LANGUAGE_NAMES = { en: 'English', de: 'Deutsch', fr: 'Français' } as const;
