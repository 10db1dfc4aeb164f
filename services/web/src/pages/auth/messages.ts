// The words of signing up, signing in and confirming an address.
import { defineMessages } from '../../i18n/i18n';

export const authMessages = defineMessages({
  en: {
    signInTitle: 'Sign in',
    signUpTitle: 'Create account',
    email: 'Email',
    password: 'Password',
    signIn: 'Sign in',
    createAccount: 'Create account',
    working: 'One moment…',
    newPasswordHint: 'At least 10 characters. A few words you can remember make a good one.',
    emailMissing: 'Enter your email address.',
    passwordMissing: 'Enter your password.',
    passwordShort: 'Use at least 10 characters.',
    noAccount: 'New to Ferry?',
    toSignUp: 'Create an account',
    haveAccount: 'Already have an account?',
    toSignIn: 'Sign in',
    signUpIntro: 'Ferry copies your photos and files from one cloud to another, on a schedule you choose.',
    taken: 'Sign in with this address instead',
    // The API answers in English: these are its words for the refusals of these forms. English
    // shows the API's own message (null).
    apiErrors: null as null | Record<'invalid_credentials' | 'email_taken' | 'rate_limited', string>,
  },
  de: {
    signInTitle: 'Anmelden',
    signUpTitle: 'Konto erstellen',
    email: 'E-Mail',
    password: 'Passwort',
    signIn: 'Anmelden',
    createAccount: 'Konto erstellen',
    working: 'Einen Moment…',
    newPasswordHint: 'Mindestens 10 Zeichen. Ein paar Wörter, die du dir merken kannst, sind ein gutes Passwort.',
    emailMissing: 'Gib deine E-Mail-Adresse ein.',
    passwordMissing: 'Gib dein Passwort ein.',
    passwordShort: 'Verwende mindestens 10 Zeichen.',
    noAccount: 'Neu bei Ferry?',
    toSignUp: 'Konto erstellen',
    haveAccount: 'Du hast schon ein Konto?',
    toSignIn: 'Anmelden',
    signUpIntro:
      'Ferry kopiert deine Fotos und Dateien von einer Cloud in eine andere, zu den Zeiten, die du festlegst.',
    taken: 'Stattdessen mit dieser Adresse anmelden',
    apiErrors: {
      invalid_credentials: 'E-Mail-Adresse oder Passwort stimmt nicht.',
      email_taken: 'Mit dieser E-Mail-Adresse gibt es schon ein Konto. Melde dich stattdessen an.',
      rate_limited: 'Zu viele Versuche. Warte ein paar Minuten und versuche es dann erneut.',
    },
  },
  fr: {
    signInTitle: 'Se connecter',
    signUpTitle: 'Créer un compte',
    email: 'E-mail',
    password: 'Mot de passe',
    signIn: 'Se connecter',
    createAccount: 'Créer un compte',
    working: 'Un instant…',
    newPasswordHint: 'Au moins 10 caractères. Quelques mots faciles à retenir font un bon mot de passe.',
    emailMissing: 'Saisissez votre adresse e-mail.',
    passwordMissing: 'Saisissez votre mot de passe.',
    passwordShort: 'Utilisez au moins 10 caractères.',
    noAccount: 'Nouveau sur Ferry ?',
    toSignUp: 'Créer un compte',
    haveAccount: 'Vous avez déjà un compte ?',
    toSignIn: 'Se connecter',
    signUpIntro:
      "Ferry copie vos photos et vos fichiers d'un cloud à un autre, selon le calendrier que vous choisissez.",
    taken: 'Se connecter avec cette adresse',
    apiErrors: {
      invalid_credentials: 'Adresse e-mail ou mot de passe incorrect.',
      email_taken: 'Un compte existe déjà avec cette adresse e-mail. Connectez-vous plutôt.',
      rate_limited: 'Trop de tentatives. Attendez quelques minutes, puis réessayez.',
    },
  },
});

export const verifyMessages = defineMessages({
  en: {
    title: 'Confirm your email address',
    intro: (email: string) => `A Ferry account was created with the address ${email}.`,
    why:
      'Confirm it so that Ferry can send you mail about your backups. ' +
      'If you did not sign up for Ferry, close this page: nothing changes.',
    confirm: 'Confirm',
    confirming: 'Confirming…',
    doneTitle: 'Address confirmed',
    done: (email: string) => `${email} is confirmed. Thank you!`,
    toAccount: 'Go to your account',
    toSignIn: 'Sign in',
    badTitle: 'This link cannot be used',
    bad: 'The link is unknown, was used already or is too old.',
    badWhat: 'Sign in and press “Send the link again” on your Account page: Ferry mails you a new link.',
    missing: 'This page needs the link from the mail Ferry sent you. Open that mail and follow its link.',
  },
  de: {
    title: 'E-Mail-Adresse bestätigen',
    intro: (email: string) => `Mit der Adresse ${email} wurde ein Ferry-Konto erstellt.`,
    why:
      'Bestätige sie, damit Ferry dir Mails zu deinen Sicherungen schicken kann. ' +
      'Wenn du dich nicht bei Ferry angemeldet hast, schließe diese Seite: Es ändert sich nichts.',
    confirm: 'Bestätigen',
    confirming: 'Wird bestätigt…',
    doneTitle: 'Adresse bestätigt',
    done: (email: string) => `${email} ist bestätigt. Danke!`,
    toAccount: 'Zu deinem Konto',
    toSignIn: 'Anmelden',
    badTitle: 'Dieser Link funktioniert nicht',
    bad: 'Der Link ist unbekannt, wurde schon benutzt oder ist zu alt.',
    badWhat:
      'Melde dich an und drücke auf deiner Konto-Seite „Link erneut senden“: Ferry schickt dir einen neuen Link.',
    missing:
      'Diese Seite braucht den Link aus der Mail, die Ferry dir geschickt hat. Öffne die Mail und folge ihrem Link.',
  },
  fr: {
    title: 'Confirmez votre adresse e-mail',
    intro: (email: string) => `Un compte Ferry a été créé avec l'adresse ${email}.`,
    why:
      'Confirmez-la pour que Ferry puisse vous écrire au sujet de vos sauvegardes. ' +
      'Si vous ne vous êtes pas inscrit à Ferry, fermez cette page : rien ne change.',
    confirm: 'Confirmer',
    confirming: 'Confirmation…',
    doneTitle: 'Adresse confirmée',
    done: (email: string) => `${email} est confirmée. Merci !`,
    toAccount: 'Aller à votre compte',
    toSignIn: 'Se connecter',
    badTitle: 'Ce lien ne peut pas être utilisé',
    bad: 'Le lien est inconnu, a déjà servi ou est trop ancien.',
    badWhat:
      'Connectez-vous et appuyez sur « Renvoyer le lien » sur la page Compte : Ferry vous enverra un nouveau lien.',
    missing: "Cette page a besoin du lien de l'e-mail que Ferry vous a envoyé. Ouvrez cet e-mail et suivez son lien.",
  },
});
