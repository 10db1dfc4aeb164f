// The words of the run page, a task's run history and the run summaries the dashboard shows.
import { defineMessages } from '../../i18n/i18n';

/** A number of files, counted (for the grammar) and in words ("3 files"). */
export type Count = { n: number; text: string };

export const runWords = defineMessages({
  en: {
    title: 'Run',
    titleOf: (task: string) => `Run of ${task}`,
    status: {
      queued: 'Waiting to start',
      running: 'Running',
      succeeded: 'Succeeded',
      partial: 'Partly done',
      failed: 'Failed',
      cancelled: 'Cancelled',
      quota_exceeded: 'Stopped: traffic used up',
    },
    statusLabel: 'Status',
    task: 'Task',
    trigger: 'Started by',
    triggers: { manual: 'You (Run now)', schedule: 'Its schedule' },
    queuedAt: 'Queued',
    startedAt: 'Began',
    finishedAt: 'Ended',
    notYet: 'Not yet',
    // Live progress
    progress: 'Progress',
    planning: 'Finding the files to copy…',
    waitingTurn: 'Waiting for its turn. It starts as soon as a worker is free.',
    filesBar: 'Files',
    bytesBar: 'Data copied',
    filesText: (done: string, total: string) => `${done} of ${total} files`,
    bytesText: (done: string, total: string, pct: string) => `${done} of ${total} (${pct}%)`,
    skipped: 'Already there (skipped)',
    failedCount: 'Could not be copied',
    waiting: 'Waiting at the source',
    waitingHint: 'Videos still being processed by the source are copied once they are ready.',
    rate: 'Speed',
    averageRate: 'Average speed',
    perSecond: (b: string) => `${b} per second`,
    timeLeft: 'Time left',
    about: (d: string) => `about ${d}`,
    unknown: 'Not known yet',
    reconnecting: 'Connection lost. Reconnecting…',
    streamClosed: 'Live updates stopped:',
    reload: 'Show the latest',
    // Actions
    cancelRun: 'Cancel run',
    cancelTitle: 'Cancel this run?',
    cancelText: 'Files already copied stay where they are. The rest are copied the next time the task runs.',
    cancelYes: 'Yes, stop it',
    cancelNo: 'Keep running',
    runNow: 'Run now',
    // Outcome
    outcome: 'Outcome',
    succeeded: (c: Count) => `All done: ${c.text} copied.`,
    nothingNew: 'Nothing new to copy: every file was backed up already by an earlier run.',
    skippedNote: (c: Count) =>
      c.n === 1
        ? `${c.text} was already at the destination and was left as it was.`
        : `${c.text} were already at the destination and were left as they were.`,
    partial: (failed: Count, done: Count) =>
      `Partly done: ${failed.text} could not be copied; ${done.text} ${done.n === 1 ? 'was' : 'were'} copied.`,
    failed: (error: string) => `The run failed: ${error}`,
    failedNoReason: 'The run failed.',
    failedNext:
      'Check that both clouds of this task still work (a cloud may need reconnecting), then run the task again.',
    cancelled:
      'This run was cancelled. Files copied before it stopped stay where they are; ' +
      'run the task again to copy the rest.',
    quota: "Stopped: this month's traffic is used up.",
    quotaNext: (date: string) =>
      `The files not copied yet are copied by the next run once your ` +
      `traffic renews on ${date}, or as soon as your limit is raised.`,
    files: (n: number, formatted: string) => (n === 1 ? '1 file' : `${formatted} files`),
    // Failed items
    failedItems: 'Files that could not be copied',
    failedAdvice:
      'Run the task again to retry these files. If a file keeps failing, ' +
      'check that it can be opened where it is stored and that the destination has room.',
    path: 'File',
    reason: 'Why',
    noReason: 'No reason was given.',
    loadMore: 'Load more',
    // Notifications
    notifications: 'Notifications',
    channel: { email: 'Email', webhook: 'Webhook' },
    delivery: { pending: 'Sending', delivered: 'Delivered', failed: 'Not delivered' },
    to: (channel: string, to: string) => `${channel} to ${to}`,
    // History
    history: 'Past runs',
    historyEmpty: 'This task has not run yet',
    historyEmptyText:
      'Press “Run now” to copy the files now, or wait for its schedule. Each run shows up here with what it copied.',
    date: 'Date',
    result: 'Result',
    copied: 'Copied',
    failedCol: 'Failed',
    size: 'Size',
    open: (date: string) => `Run of ${date}`,
    openRun: 'Details',
    // What a run is
    kindLabel: 'What',
    kinds: { backup: 'Backup', restore: 'Restore', verify: 'Verification' },
    titleOfKind: {
      backup: (task: string) => `Run of ${task}`,
      restore: (task: string) => `Restore of ${task}`,
      verify: (task: string) => `Verification of ${task}`,
    },
    restoreOf: (date: string, where: string) => `The backup as it was on ${date}, into ${where}`,
    restorePaths: 'Restored',
    restoreEverything: 'Everything',
    versionsRemoved: 'Older versions removed',
    versionsRemovedText: (n: number) =>
      n === 1
        ? '1 older version was removed (beyond what the task keeps).'
        : `${n} older versions were removed (beyond what the task keeps).`,
    verifySucceeded: (c: Count) => `Verified: ${c.text} checked, all at the destination and unchanged.`,
    verifyPartial: (failed: Count, done: Count) =>
      `${failed.text} missing or changed at the destination; ${done.text} checked and fine.`,
    verifyFailedItems: 'Files missing or changed at the destination',
    verifyFailedAdvice:
      'Run the task again to copy these files anew, then verify again. If files keep changing, check the destination.',
  },
  de: {
    title: 'Durchlauf',
    titleOf: (task: string) => `Durchlauf von ${task}`,
    status: {
      queued: 'Wartet auf den Start',
      running: 'Läuft',
      succeeded: 'Erfolgreich',
      partial: 'Teilweise erledigt',
      failed: 'Fehlgeschlagen',
      cancelled: 'Abgebrochen',
      quota_exceeded: 'Angehalten: Datenvolumen aufgebraucht',
    },
    statusLabel: 'Status',
    task: 'Aufgabe',
    trigger: 'Gestartet von',
    triggers: { manual: 'Dir (Jetzt ausführen)', schedule: 'Dem Zeitplan' },
    queuedAt: 'Eingereiht',
    startedAt: 'Begonnen',
    finishedAt: 'Beendet',
    notYet: 'Noch nicht',
    progress: 'Fortschritt',
    planning: 'Die zu kopierenden Dateien werden gesucht…',
    waitingTurn: 'Wartet, bis sie an der Reihe ist. Sie beginnt, sobald ein Worker frei ist.',
    filesBar: 'Dateien',
    bytesBar: 'Kopierte Daten',
    filesText: (done: string, total: string) => `${done} von ${total} Dateien`,
    bytesText: (done: string, total: string, pct: string) => `${done} von ${total} (${pct} %)`,
    skipped: 'Schon vorhanden (übersprungen)',
    failedCount: 'Nicht kopiert',
    waiting: 'Wartet an der Quelle',
    waitingHint: 'Videos, die die Quelle noch verarbeitet, werden kopiert, sobald sie bereit sind.',
    rate: 'Geschwindigkeit',
    averageRate: 'Durchschnittliche Geschwindigkeit',
    perSecond: (b: string) => `${b} pro Sekunde`,
    timeLeft: 'Verbleibende Zeit',
    about: (d: string) => `etwa ${d}`,
    unknown: 'Noch unbekannt',
    reconnecting: 'Verbindung unterbrochen. Neu verbinden…',
    streamClosed: 'Live-Anzeige beendet:',
    reload: 'Neuesten Stand zeigen',
    cancelRun: 'Durchlauf abbrechen',
    cancelTitle: 'Diesen Durchlauf abbrechen?',
    cancelText: 'Bereits kopierte Dateien bleiben, wo sie sind. Der Rest wird beim nächsten Durchlauf kopiert.',
    cancelYes: 'Ja, anhalten',
    cancelNo: 'Weiterlaufen lassen',
    runNow: 'Jetzt ausführen',
    outcome: 'Ergebnis',
    succeeded: (c: Count) => `Fertig: ${c.text} kopiert.`,
    nothingNew: 'Nichts Neues zu kopieren: Jede Datei wurde schon von einem früheren Durchlauf gesichert.',
    skippedNote: (c: Count) =>
      c.n === 1
        ? `${c.text} war schon am Ziel und wurde so belassen.`
        : `${c.text} waren schon am Ziel und wurden so belassen.`,
    partial: (failed: Count, done: Count) =>
      `Teilweise erledigt: ${failed.text} ${failed.n === 1 ? 'konnte' : 'konnten'} nicht ` +
      `kopiert werden; ${done.text} ${done.n === 1 ? 'wurde' : 'wurden'} kopiert.`,
    failed: (error: string) => `Der Durchlauf ist fehlgeschlagen: ${error}`,
    failedNoReason: 'Der Durchlauf ist fehlgeschlagen.',
    failedNext:
      'Prüfe, ob beide Clouds dieser Aufgabe noch funktionieren ' +
      '(eine Cloud muss vielleicht neu verbunden werden), und führe die Aufgabe dann erneut aus.',
    cancelled:
      'Dieser Durchlauf wurde abgebrochen. Bis dahin kopierte Dateien bleiben, wo sie sind; ' +
      'führe die Aufgabe erneut aus, um den Rest zu kopieren.',
    quota: 'Angehalten: Das Datenvolumen dieses Monats ist aufgebraucht.',
    quotaNext: (date: string) =>
      `Die noch nicht kopierten Dateien kopiert der nächste Durchlauf, ` +
      `sobald sich dein Datenvolumen am ${date} erneuert oder dein Limit erhöht wird.`,
    files: (n: number, formatted: string) => (n === 1 ? '1 Datei' : `${formatted} Dateien`),
    failedItems: 'Dateien, die nicht kopiert werden konnten',
    failedAdvice:
      'Führe die Aufgabe erneut aus, um diese Dateien noch einmal zu versuchen. ' +
      'Scheitert eine Datei immer wieder, prüfe, ob sie sich an ihrem Ort öffnen lässt und ob am Ziel Platz ist.',
    path: 'Datei',
    reason: 'Grund',
    noReason: 'Kein Grund angegeben.',
    loadMore: 'Mehr laden',
    notifications: 'Benachrichtigungen',
    channel: { email: 'E-Mail', webhook: 'Webhook' },
    delivery: { pending: 'Wird gesendet', delivered: 'Zugestellt', failed: 'Nicht zugestellt' },
    to: (channel: string, to: string) => `${channel} an ${to}`,
    history: 'Bisherige Durchläufe',
    historyEmpty: 'Diese Aufgabe ist noch nie gelaufen',
    historyEmptyText:
      'Drücke „Jetzt ausführen“, um die Dateien jetzt zu kopieren, oder warte auf den Zeitplan. ' +
      'Jeder Durchlauf erscheint hier mit dem, was er kopiert hat.',
    date: 'Datum',
    result: 'Ergebnis',
    copied: 'Kopiert',
    failedCol: 'Fehlgeschlagen',
    size: 'Größe',
    open: (date: string) => `Durchlauf vom ${date}`,
    openRun: 'Details',
    kindLabel: 'Art',
    kinds: { backup: 'Sicherung', restore: 'Wiederherstellung', verify: 'Prüfung' },
    titleOfKind: {
      backup: (task: string) => `Durchlauf von ${task}`,
      restore: (task: string) => `Wiederherstellung von ${task}`,
      verify: (task: string) => `Prüfung von ${task}`,
    },
    restoreOf: (date: string, where: string) => `Die Sicherung vom ${date}, nach ${where}`,
    restorePaths: 'Wiederhergestellt',
    restoreEverything: 'Alles',
    versionsRemoved: 'Ältere Versionen entfernt',
    versionsRemovedText: (n: number) =>
      n === 1
        ? '1 ältere Version wurde entfernt (über das hinaus, was die Aufgabe behält).'
        : `${n} ältere Versionen wurden entfernt (über das hinaus, was die Aufgabe behält).`,
    verifySucceeded: (c: Count) => `Geprüft: ${c.text}, alle unverändert am Ziel.`,
    verifyPartial: (failed: Count, done: Count) =>
      `${failed.text} fehlen oder sind am Ziel verändert; ${done.text} geprüft und in Ordnung.`,
    verifyFailedItems: 'Dateien, die am Ziel fehlen oder verändert sind',
    verifyFailedAdvice:
      'Starte die Aufgabe erneut, um diese Dateien neu zu kopieren, und prüfe dann noch einmal. ' +
      'Ändern sich Dateien immer wieder, sieh dir das Ziel an.',
  },
  fr: {
    title: 'Exécution',
    titleOf: (task: string) => `Exécution de ${task}`,
    status: {
      queued: 'En attente de démarrage',
      running: 'En cours',
      succeeded: 'Réussie',
      partial: 'En partie faite',
      failed: 'Échouée',
      cancelled: 'Annulée',
      quota_exceeded: 'Arrêtée : volume de transfert épuisé',
    },
    statusLabel: 'État',
    task: 'Tâche',
    trigger: 'Lancée par',
    triggers: { manual: 'Vous (Lancer maintenant)', schedule: 'Le planning' },
    queuedAt: 'Mise en file',
    startedAt: 'Commencée',
    finishedAt: 'Terminée',
    notYet: 'Pas encore',
    progress: 'Progression',
    planning: 'Recherche des fichiers à copier…',
    waitingTurn: 'En attente de son tour. Elle commence dès qu’un worker est libre.',
    filesBar: 'Fichiers',
    bytesBar: 'Données copiées',
    filesText: (done: string, total: string) => `${done} fichiers sur ${total}`,
    bytesText: (done: string, total: string, pct: string) => `${done} sur ${total} (${pct} %)`,
    skipped: 'Déjà présents (ignorés)',
    failedCount: 'Non copiés',
    waiting: 'En attente à la source',
    waitingHint: 'Les vidéos encore en traitement à la source sont copiées dès qu’elles sont prêtes.',
    rate: 'Vitesse',
    averageRate: 'Vitesse moyenne',
    perSecond: (b: string) => `${b} par seconde`,
    timeLeft: 'Temps restant',
    about: (d: string) => `environ ${d}`,
    unknown: 'Pas encore connu',
    reconnecting: 'Connexion perdue. Reconnexion…',
    streamClosed: 'Suivi en direct arrêté :',
    reload: 'Afficher l’état actuel',
    cancelRun: 'Annuler l’exécution',
    cancelTitle: 'Annuler cette exécution ?',
    cancelText:
      'Les fichiers déjà copiés restent où ils sont. Les autres seront copiés à la prochaine exécution de la tâche.',
    cancelYes: 'Oui, l’arrêter',
    cancelNo: 'Continuer',
    runNow: 'Lancer maintenant',
    outcome: 'Résultat',
    succeeded: (c: Count) => `Terminé : ${c.text} ${c.n <= 1 ? 'copié' : 'copiés'}.`,
    nothingNew: 'Rien de nouveau à copier : chaque fichier a déjà été sauvegardé par une exécution précédente.',
    skippedNote: (c: Count) =>
      c.n <= 1
        ? `${c.text} était déjà à la destination et a été laissé tel quel.`
        : `${c.text} étaient déjà à la destination et ont été laissés tels quels.`,
    partial: (failed: Count, done: Count) =>
      `En partie faite : ${failed.text} ${failed.n <= 1 ? 'n’a pas pu être copié' : 'n’ont pas pu être copiés'} ` +
      `; ${done.text} ${done.n <= 1 ? 'a été copié' : 'ont été copiés'}.`,
    failed: (error: string) => `L’exécution a échoué : ${error}`,
    failedNoReason: 'L’exécution a échoué.',
    failedNext:
      'Vérifiez que les deux clouds de cette tâche fonctionnent encore ' +
      '(un cloud doit peut-être être reconnecté), puis relancez la tâche.',
    cancelled:
      'Cette exécution a été annulée. Les fichiers copiés avant l’arrêt ' +
      'restent où ils sont ; relancez la tâche pour copier le reste.',
    quota: 'Arrêtée : le volume de transfert de ce mois est épuisé.',
    quotaNext: (date: string) =>
      `Les fichiers pas encore copiés le seront à la prochaine exécution, ` +
      `dès que votre volume se renouvelle le ${date} ou que votre limite est relevée.`,
    files: (n: number, formatted: string) => (n <= 1 ? `${formatted} fichier` : `${formatted} fichiers`),
    failedItems: 'Fichiers qui n’ont pas pu être copiés',
    failedAdvice:
      'Relancez la tâche pour réessayer ces fichiers. Si un fichier échoue encore, ' +
      'vérifiez qu’il s’ouvre là où il est stocké et qu’il reste de la place à la destination.',
    path: 'Fichier',
    reason: 'Raison',
    noReason: 'Aucune raison indiquée.',
    loadMore: 'Afficher plus',
    notifications: 'Notifications',
    channel: { email: 'E-mail', webhook: 'Webhook' },
    delivery: { pending: 'Envoi en cours', delivered: 'Remis', failed: 'Non remis' },
    to: (channel: string, to: string) => `${channel} à ${to}`,
    history: 'Exécutions passées',
    historyEmpty: 'Cette tâche n’a encore jamais été exécutée',
    historyEmptyText:
      'Appuyez sur « Lancer maintenant » pour copier les fichiers tout de suite, ou attendez le planning. ' +
      'Chaque exécution apparaît ici avec ce qu’elle a copié.',
    date: 'Date',
    result: 'Résultat',
    copied: 'Copiés',
    failedCol: 'Échoués',
    size: 'Taille',
    open: (date: string) => `Exécution du ${date}`,
    openRun: 'Détails',
    kindLabel: 'Type',
    kinds: { backup: 'Sauvegarde', restore: 'Restauration', verify: 'Vérification' },
    titleOfKind: {
      backup: (task: string) => `Exécution de ${task}`,
      restore: (task: string) => `Restauration de ${task}`,
      verify: (task: string) => `Vérification de ${task}`,
    },
    restoreOf: (date: string, where: string) => `La sauvegarde du ${date}, vers ${where}`,
    restorePaths: 'Restauré',
    restoreEverything: 'Tout',
    versionsRemoved: 'Versions antérieures retirées',
    versionsRemovedText: (n: number) =>
      n === 1
        ? '1 version antérieure a été retirée (au-delà de ce que la tâche conserve).'
        : `${n} versions antérieures ont été retirées (au-delà de ce que la tâche conserve).`,
    verifySucceeded: (c: Count) => `Vérifié : ${c.text}, tous à la destination et inchangés.`,
    verifyPartial: (failed: Count, done: Count) =>
      `${failed.text} manquants ou modifiés à la destination ; ${done.text} vérifiés et intacts.`,
    verifyFailedItems: 'Fichiers manquants ou modifiés à la destination',
    verifyFailedAdvice:
      'Relancez la tâche pour copier à nouveau ces fichiers, puis vérifiez encore. ' +
      'Si des fichiers changent sans cesse, examinez la destination.',
  },
});
