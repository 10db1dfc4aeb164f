// The dashboard's words.
import { defineMessages } from '../../i18n/i18n';

export const dashboardWords = defineMessages({
  en: {
    title: 'Dashboard',
    traffic: 'Traffic this month',
    trafficText: (used: string, limit: string) => `${used} of ${limit} used`,
    renews: (date: string) => `Your traffic renews on ${date}.`,
    trafficFull: 'This month’s traffic is used up: runs stop until it renews or your limit is raised.',
    reconnect: 'Clouds that need you',
    reconnectText: 'Ferry cannot reach these clouds. Open each one to reconnect it; tasks that use it wait until then.',
    needsReauth: 'Needs reconnecting',
    cloudError: 'Not working',
    open: (name: string) => `Open ${name}`,
    now: 'Going on now',
    nowEmpty: 'Nothing is being copied right now.',
    last: 'Last runs',
    lastEmpty: 'No run has finished yet. Open a task and press “Run now”, or wait for its schedule.',
    allRuns: 'All tasks',
    next: 'Next scheduled runs',
    nextEmpty: 'No task is scheduled. Give a task a schedule and it backs up on its own.',
    at: (date: string) => `on ${date}`,
    unverified: 'Confirm your email address',
    unverifiedText: 'We sent you a link. Until you open it, you cannot create backup tasks.',
    toAccount: 'Go to your account to send a new link',
    // First visit
    start: 'Get started',
    startText: 'Three steps to your first backup:',
    step1: 'Add a cloud to copy from, for example Dropbox or Google Drive.',
    step2: 'Add a cloud to copy to, for example S3 storage or a folder on this server.',
    step3: 'Create a task: what to copy, where to, and when.',
    done: 'Done',
    addCloud: 'Add cloud',
    newTask: 'New task',
    photos: 'Backing up Google Photos? It takes a few extra steps:',
    photosLink: 'see how to back up Google Photos',
  },
  de: {
    title: 'Übersicht',
    traffic: 'Datenvolumen in diesem Monat',
    trafficText: (used: string, limit: string) => `${used} von ${limit} verbraucht`,
    renews: (date: string) => `Dein Datenvolumen erneuert sich am ${date}.`,
    trafficFull:
      'Das Datenvolumen dieses Monats ist aufgebraucht: ' +
      'Durchläufe halten an, bis es sich erneuert oder dein Limit erhöht wird.',
    reconnect: 'Clouds, die dich brauchen',
    reconnectText:
      'Ferry erreicht diese Clouds nicht. ' +
      'Öffne jede, um sie neu zu verbinden; Aufgaben, die sie nutzen, warten so lange.',
    needsReauth: 'Muss neu verbunden werden',
    cloudError: 'Funktioniert nicht',
    open: (name: string) => `${name} öffnen`,
    now: 'Läuft gerade',
    nowEmpty: 'Gerade wird nichts kopiert.',
    last: 'Letzte Durchläufe',
    lastEmpty:
      'Noch kein Durchlauf ist fertig. Öffne eine Aufgabe und drücke „Jetzt ausführen“ oder warte auf ihren Zeitplan.',
    allRuns: 'Alle Aufgaben',
    next: 'Nächste geplante Durchläufe',
    nextEmpty: 'Keine Aufgabe hat einen Zeitplan. Gib einer Aufgabe einen Zeitplan, dann sichert sie von selbst.',
    at: (date: string) => `am ${date}`,
    unverified: 'Bestätige deine E-Mail-Adresse',
    unverifiedText:
      'Wir haben dir einen Link geschickt. Bis du ihn öffnest, kannst du keine Sicherungsaufgaben anlegen.',
    toAccount: 'Zu deinem Konto, um einen neuen Link zu senden',
    start: 'Los geht’s',
    startText: 'Drei Schritte zu deiner ersten Sicherung:',
    step1: 'Füge eine Cloud hinzu, aus der kopiert wird, zum Beispiel Dropbox oder Google Drive.',
    step2: 'Füge eine Cloud hinzu, in die kopiert wird, zum Beispiel S3-Speicher oder einen Ordner auf diesem Server.',
    step3: 'Lege eine Aufgabe an: was kopiert wird, wohin und wann.',
    done: 'Erledigt',
    addCloud: 'Cloud hinzufügen',
    newTask: 'Neue Aufgabe',
    photos: 'Du sicherst Google Fotos? Das braucht ein paar Schritte mehr:',
    photosLink: 'so sicherst du Google Fotos',
  },
  fr: {
    title: 'Tableau de bord',
    traffic: 'Volume de transfert ce mois-ci',
    trafficText: (used: string, limit: string) => `${used} utilisés sur ${limit}`,
    renews: (date: string) => `Votre volume se renouvelle le ${date}.`,
    trafficFull:
      'Le volume de ce mois est épuisé : les exécutions s’arrêtent jusqu’à ' +
      'son renouvellement ou jusqu’à ce que votre limite soit relevée.',
    reconnect: 'Clouds qui ont besoin de vous',
    reconnectText:
      'Ferry ne peut pas joindre ces clouds. ' +
      'Ouvrez chacun pour le reconnecter ; les tâches qui l’utilisent attendent jusque-là.',
    needsReauth: 'À reconnecter',
    cloudError: 'Ne fonctionne pas',
    open: (name: string) => `Ouvrir ${name}`,
    now: 'En cours',
    nowEmpty: 'Rien n’est en cours de copie.',
    last: 'Dernières exécutions',
    lastEmpty:
      'Aucune exécution n’est encore terminée. ' +
      'Ouvrez une tâche et appuyez sur « Lancer maintenant », ou attendez son planning.',
    allRuns: 'Toutes les tâches',
    next: 'Prochaines exécutions planifiées',
    nextEmpty: 'Aucune tâche n’est planifiée. Donnez un planning à une tâche et elle sauvegarde toute seule.',
    at: (date: string) => `le ${date}`,
    unverified: 'Confirmez votre adresse e-mail',
    unverifiedText:
      'Nous vous avons envoyé un lien. ' +
      'Tant que vous ne l’avez pas ouvert, vous ne pouvez pas créer de tâche de sauvegarde.',
    toAccount: 'Aller à votre compte pour recevoir un nouveau lien',
    start: 'Pour commencer',
    startText: 'Trois étapes jusqu’à votre première sauvegarde :',
    step1: 'Ajoutez un cloud à copier, par exemple Dropbox ou Google Drive.',
    step2: 'Ajoutez un cloud où copier, par exemple un stockage S3 ou un dossier sur ce serveur.',
    step3: 'Créez une tâche : quoi copier, où et quand.',
    done: 'Fait',
    addCloud: 'Ajouter un cloud',
    newTask: 'Nouvelle tâche',
    photos: 'Vous sauvegardez Google Photos ? Il faut quelques étapes de plus :',
    photosLink: 'voir comment sauvegarder Google Photos',
  },
});
