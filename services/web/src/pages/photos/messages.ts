// The words of the Google Photos pages: the guide (/photos), a Takeout reader's export sets and
// picking with Google's Photos Picker. Plain words for people backing up their family photos.
import { defineMessages } from '../../i18n/i18n';

const pad = (n: number) => String(n).padStart(3, '0');
const list = (ns: number[], and: string) => {
  const s = ns.map(pad);
  return s.length > 1 ? `${s.slice(0, -1).join(', ')} ${and} ${s.at(-1)}` : s[0];
};

export const photos = defineMessages({
  en: {
    title: 'Back up Google Photos',
    intro:
      'Since 2025 Google lets no app read a whole Google Photos library by itself. ' +
      'Ferry backs up your photos in two ways: your whole library, through copies Google ' +
      'exports for you every two months, and a few photos right now, by picking them.',
    limits:
      'Ferry cannot see shared albums or photos others shared with you, and it keeps what you delete in Google Photos.',

    // Takeout
    takeoutTitle: 'Your whole library, automatically',
    takeoutIntro:
      'Google Takeout can export your whole library every two months for a year and put the export in your Google ' +
      'Drive, Dropbox or OneDrive. Ferry watches that folder and backs up each export once all its parts ' +
      'have arrived: every photo and video once, sorted by year and month, with albums and descriptions kept.',
    stepsTitle: 'Set up the export at Google (once a year)',
    ownSteps: (folder: string) => [
      'Open Google Takeout (link below). Only Google Photos is selected; keep "All photo albums included".',
      'Under Frequency, choose "Export every 2 months for 1 year".',
      `Under Destination, choose "Add to Drive", "Add to Dropbox" or "Add to OneDrive": ` +
        `the cloud you connect below. Ferry looks in its folder "${folder}".`,
      'Choose the file type .zip and the size 50 GB, then create the export. ' +
        'The first export holds your whole library and may take a few days.',
    ],
    openTakeout: 'Open Google Takeout (opens in a new tab)',
    takeoutClouds: 'Exports Ferry already watches',
    openCloud: (name: string) => `Open ${name}`,
    formTitle: 'Tell Ferry where the exports arrive',
    storeLabel: 'Cloud that receives the exports',
    storeHint: 'The Google Drive, Dropbox or OneDrive you chose as the destination at Google Takeout.',
    notListed: 'Not in the list?',
    folderLabel: 'Folder',
    folderHint: 'The folder there that receives the exports. Google Drive puts them in "Takeout".',
    nameLabel: 'Name',
    defaultName: 'Google Photos (exports)',
    deleteLabel: 'Delete each export from that cloud once it is backed up',
    deleteHint:
      'Exports take up space there (in Google Drive they count toward your Google storage). ' +
      'Ferry deletes them only after a backup copied everything in them.',
    connectExports: 'Watch this folder',
    noStore: 'First connect the cloud Google delivers the exports to: Google Drive, Dropbox or OneDrive.',
    addCloud: 'Add cloud',

    // Picker
    pickerTitle: 'A few photos now, by picking them',
    pickerIntro:
      'Pick photos and videos in Google Photos and Ferry backs them up right away. ' +
      'Good for what you took since the last export.',
    reduced:
      'Picked copies are not quite the originals: Google removes the location from photos and re-encodes videos. ' +
      'When the same photo later arrives through an export, Ferry replaces the picked copy with the original.',
    connectPhotos: 'Connect Google Photos',
    photosUnavailable: 'Google Photos cannot be connected on this server:',
    pickWith: (name: string) => `Pick photos with ${name}`,

    // A Takeout reader's page
    exportsTitle: 'Exports from Google Takeout',
    deliveredTo: 'Exports arrive in',
    folderIn: (folder: string) => (folder ? `"${folder}" in` : 'The top folder of'),
    unknownCloud: 'a cloud that no longer exists',
    nextExport: 'Next export expected',
    scheduleEnds: 'Export schedule ends',
    late: (date: string) =>
      `The export Google should have delivered around ${date} has not arrived. ` +
      `Check at Google Takeout that the scheduled export is still on and that it delivers to this folder.`,
    endsSoon: (date: string) =>
      `Google's export schedule ends on ${date}. ` +
      `Set up a new one before then so your backups continue (the steps are below).`,
    noSets: (folder: string) =>
      `No export has arrived in "${folder}" yet. Google delivers the first one a ` +
      `few hours to a few days after you set it up; Ferry notices it by itself.`,
    setsTitle: 'Exports',
    exportOf: (date: string) => `Export of ${date}`,
    state: {
      waiting: 'Waiting for parts',
      ready: 'Complete: the next backup takes it up',
      ingested: 'Backed up',
      grown: 'New parts arrived: the next backup takes them up',
    },
    missing: (ns: number[]) =>
      ns.length > 1 ? `Parts ${list(ns, 'and')} have not arrived yet.` : `Part ${list(ns, 'and')} has not arrived yet.`,
    settling: (until: string) => `A part arrived recently. Ferry waits until ${until} in case more follow.`,
    mixed:
      'This export has both .zip and .tgz parts. Ferry reads one kind per export: remove the parts of the other kind.',
    colPart: 'Part',
    colFile: 'File',
    colSize: 'Size',
    colState: 'State',
    partDone: 'Backed up',
    partDeleted: 'Backed up, then deleted',
    partWaiting: 'Not backed up yet',
    partRefused: 'Cannot be read',
    refusedParts: (n: number) =>
      n === 1 ? 'One part cannot be read: see below what to do.' : `${n} parts cannot be read: see below what to do.`,
    refusedWhat:
      'Once a good copy replaces this file (download the part again from Google Takeout), ' +
      'the next backup takes it up. The rest of the export is backed up meanwhile.',
    unknownSize: 'unknown',
    tasksTitle: 'Backing up the exports',
    noTask:
      'No backup task reads these exports yet. ' +
      'Create one with a daily schedule, so each new export is backed up soon after it arrives.',
    createTask: 'Create a backup task',
    backUpNow: 'Back up now',
    taskFrom: (name: string) => `Back up now (${name})`,
    openTask: (name: string) => `Open task ${name}`,
    started: 'Backup started.',
    seeProgress: 'See its progress',
    seeRun: 'See what it did',
    runEnded: 'The backup ended. The exports below show what it took up.',
    refresh: 'Check the folder again',

    // Picking on a Google Photos cloud's page
    pickTitle: 'Pick photos',
    pickIntro: 'Google Photos opens in a new tab. Choose photos and videos there, press Done, then come back here.',
    pickButton: 'Pick photos',
    starting: 'Opening Google Photos…',
    waitingPick: 'Waiting for you to finish picking in the Google Photos tab…',
    pickBefore: (time: string) => `Pick before ${time}.`,
    reopen: 'Open Google Photos again (new tab)',
    openPicker: 'Open Google Photos (new tab)',
    picked: (n: number, fmt: string) => (n === 1 ? '1 item picked' : `${fmt} items picked`),
    pickedDone: 'Your photos are picked',
    expired: 'This picking session has expired or was closed. Start again to pick.',
    startAgain: 'Start again',
    pickOther: 'Pick other photos',
    backupTitle: 'Back them up',
    destLabel: 'Back up to',
    destFolderLabel: 'Folder',
    destFolderDefault: 'Google Photos picks',
    browse: 'Choose a folder that is already there',
    browseLabel: 'Folders in that cloud',
    destFolderHint: 'The folder in that cloud where the picked photos go. Ferry creates it if needed.',
    backUp: 'Back them up',
    noDest: 'You have no cloud to back up to yet.',
    taskName: (name: string, date: string) => `${name}: picked on ${date}`,
    folderRequired: 'Enter a folder.',
  },
  de: {
    title: 'Google Fotos sichern',
    intro:
      'Seit 2025 lässt Google keine App mehr eine ganze Google-Fotos-Mediathek selbst lesen. ' +
      'Ferry sichert deine Fotos auf zwei Wegen: die ganze Mediathek über Exporte, ' +
      'die Google alle zwei Monate für dich erstellt, und einzelne Fotos sofort, indem du sie auswählst.',
    limits:
      'Ferry sieht keine geteilten Alben und keine Fotos, die andere mit ' +
      'dir geteilt haben, und behält, was du in Google Fotos löschst.',

    takeoutTitle: 'Die ganze Mediathek, automatisch',
    takeoutIntro:
      'Google Takeout kann deine ganze Mediathek ein Jahr lang alle zwei Monate ' +
      'exportieren und den Export in dein Google Drive, Dropbox oder OneDrive legen. ' +
      'Ferry beobachtet diesen Ordner und sichert jeden Export, sobald alle Teile angekommen sind: ' +
      'jedes Foto und Video einmal, nach Jahr und Monat sortiert, mit Alben und Beschreibungen.',
    stepsTitle: 'Den Export bei Google einrichten (einmal im Jahr)',
    ownSteps: (folder: string) => [
      'Öffne Google Takeout (Link unten). Nur Google Fotos ist ausgewählt; lass „Alle Fotoalben ausgewählt“ so.',
      'Wähle bei Häufigkeit „Alle 2 Monate für 1 Jahr exportieren“.',
      `Wähle bei Ziel „Zu Drive hinzufügen“, „Zu Dropbox hinzufügen“ oder „Zu OneDrive hinzufügen“: ` +
        `die Cloud, die du unten verbindest. Ferry sucht in ihrem Ordner „${folder}“.`,
      'Wähle den Dateityp .zip und die Größe 50 GB und erstelle den Export. ' +
        'Der erste Export enthält deine ganze Mediathek und kann einige Tage dauern.',
    ],
    openTakeout: 'Google Takeout öffnen (neuer Tab)',
    takeoutClouds: 'Exporte, die Ferry schon beobachtet',
    openCloud: (name: string) => `${name} öffnen`,
    formTitle: 'Sag Ferry, wo die Exporte ankommen',
    storeLabel: 'Cloud, die die Exporte erhält',
    storeHint: 'Das Google Drive, Dropbox oder OneDrive, das du bei Google Takeout als Ziel gewählt hast.',
    notListed: 'Nicht in der Liste?',
    folderLabel: 'Ordner',
    folderHint: 'Der Ordner dort, in dem die Exporte ankommen. Google Drive legt sie in „Takeout“.',
    nameLabel: 'Name',
    defaultName: 'Google Fotos (Exporte)',
    deleteLabel: 'Jeden Export aus dieser Cloud löschen, sobald er gesichert ist',
    deleteHint:
      'Exporte belegen dort Platz (in Google Drive zählen sie zu deinem Google-Speicher). ' +
      'Ferry löscht sie erst, wenn eine Sicherung alles darin kopiert hat.',
    connectExports: 'Diesen Ordner beobachten',
    noStore: 'Verbinde zuerst die Cloud, in die Google die Exporte liefert: Google Drive, Dropbox oder OneDrive.',
    addCloud: 'Cloud hinzufügen',

    pickerTitle: 'Einzelne Fotos sofort, durch Auswählen',
    pickerIntro:
      'Wähle Fotos und Videos in Google Fotos aus, und Ferry sichert sie sofort. ' +
      'Gut für alles seit dem letzten Export.',
    reduced:
      'Ausgewählte Kopien sind nicht ganz die Originale: Google entfernt den Aufnahmeort aus Fotos und kodiert ' +
      'Videos neu. Kommt dasselbe Foto später über einen Export, ersetzt Ferry die Kopie durch das Original.',
    connectPhotos: 'Google Fotos verbinden',
    photosUnavailable: 'Google Fotos kann auf diesem Server nicht verbunden werden:',
    pickWith: (name: string) => `Fotos auswählen mit ${name}`,

    exportsTitle: 'Exporte aus Google Takeout',
    deliveredTo: 'Exporte kommen an in',
    folderIn: (folder: string) => (folder ? `„${folder}“ in` : 'Der oberste Ordner von'),
    unknownCloud: 'einer Cloud, die es nicht mehr gibt',
    nextExport: 'Nächster Export erwartet',
    scheduleEnds: 'Export-Zeitplan endet',
    late: (date: string) =>
      `Der Export, den Google um den ${date} liefern sollte, ist nicht angekommen. ` +
      `Prüfe bei Google Takeout, ob der geplante Export noch läuft und in diesen Ordner liefert.`,
    endsSoon: (date: string) =>
      `Googles Export-Zeitplan endet am ${date}. ` +
      `Richte vorher einen neuen ein, damit deine Sicherungen weiterlaufen (die Schritte stehen unten).`,
    noSets: (folder: string) =>
      `In „${folder}“ ist noch kein Export angekommen. ` +
      `Google liefert den ersten einige Stunden bis Tage nach dem Einrichten; Ferry bemerkt ihn von selbst.`,
    setsTitle: 'Exporte',
    exportOf: (date: string) => `Export vom ${date}`,
    state: {
      waiting: 'Wartet auf Teile',
      ready: 'Vollständig: die nächste Sicherung übernimmt ihn',
      ingested: 'Gesichert',
      grown: 'Neue Teile angekommen: die nächste Sicherung übernimmt sie',
    },
    missing: (ns: number[]) =>
      ns.length > 1
        ? `Die Teile ${list(ns, 'und')} sind noch nicht angekommen.`
        : `Teil ${list(ns, 'und')} ist noch nicht angekommen.`,
    settling: (until: string) => `Gerade ist ein Teil angekommen. Ferry wartet bis ${until}, falls weitere folgen.`,
    mixed:
      'Dieser Export hat .zip- und .tgz-Teile. ' +
      'Ferry liest nur eine Art pro Export: entferne die Teile der anderen Art.',
    colPart: 'Teil',
    colFile: 'Datei',
    colSize: 'Größe',
    colState: 'Zustand',
    partDone: 'Gesichert',
    partDeleted: 'Gesichert, dann gelöscht',
    partWaiting: 'Noch nicht gesichert',
    partRefused: 'Nicht lesbar',
    refusedParts: (n: number) =>
      n === 1
        ? 'Ein Teil ist nicht lesbar: was zu tun ist, steht unten.'
        : `${n} Teile sind nicht lesbar: was zu tun ist, steht unten.`,
    refusedWhat:
      'Sobald eine gute Kopie diese Datei ersetzt (lade den Teil erneut von Google Takeout herunter), ' +
      'übernimmt ihn die nächste Sicherung. Der Rest des Exports wird inzwischen gesichert.',
    unknownSize: 'unbekannt',
    tasksTitle: 'Die Exporte sichern',
    noTask:
      'Noch keine Sicherungsaufgabe liest diese Exporte. ' +
      'Erstelle eine mit täglichem Zeitplan, damit jeder neue Export bald nach seiner Ankunft gesichert wird.',
    createTask: 'Sicherungsaufgabe erstellen',
    backUpNow: 'Jetzt sichern',
    taskFrom: (name: string) => `Jetzt sichern (${name})`,
    openTask: (name: string) => `Aufgabe ${name} öffnen`,
    started: 'Sicherung gestartet.',
    seeProgress: 'Fortschritt ansehen',
    seeRun: 'Ansehen, was sie getan hat',
    runEnded: 'Die Sicherung ist beendet. Die Exporte unten zeigen, was sie übernommen hat.',
    refresh: 'Ordner erneut prüfen',

    pickTitle: 'Fotos auswählen',
    pickIntro:
      'Google Fotos öffnet sich in einem neuen Tab. ' +
      'Wähle dort Fotos und Videos aus, tippe auf Fertig und komm hierher zurück.',
    pickButton: 'Fotos auswählen',
    starting: 'Google Fotos wird geöffnet…',
    waitingPick: 'Warte, bis du im Google-Fotos-Tab fertig ausgewählt hast…',
    pickBefore: (time: string) => `Wähle vor ${time} aus.`,
    reopen: 'Google Fotos erneut öffnen (neuer Tab)',
    openPicker: 'Google Fotos öffnen (neuer Tab)',
    picked: (n: number, fmt: string) => (n === 1 ? '1 Element ausgewählt' : `${fmt} Elemente ausgewählt`),
    pickedDone: 'Deine Fotos sind ausgewählt',
    expired: 'Diese Auswahl ist abgelaufen oder wurde geschlossen. Fang neu an, um auszuwählen.',
    startAgain: 'Neu anfangen',
    pickOther: 'Andere Fotos auswählen',
    backupTitle: 'Sichern',
    destLabel: 'Sichern nach',
    destFolderLabel: 'Ordner',
    destFolderDefault: 'Google Fotos Auswahl',
    browse: 'Einen vorhandenen Ordner wählen',
    browseLabel: 'Ordner in dieser Cloud',
    destFolderHint: 'Der Ordner in dieser Cloud, in den die ausgewählten Fotos kommen. Ferry legt ihn bei Bedarf an.',
    backUp: 'Jetzt sichern',
    noDest: 'Du hast noch keine Cloud, in die gesichert werden kann.',
    taskName: (name: string, date: string) => `${name}: Auswahl vom ${date}`,
    folderRequired: 'Gib einen Ordner ein.',
  },
  fr: {
    title: 'Sauvegarder Google Photos',
    intro:
      'Depuis 2025, Google ne laisse plus aucune application lire seule toute une bibliothèque Google Photos. ' +
      'Ferry sauvegarde vos photos de deux façons : toute votre bibliothèque, grâce aux exports que ' +
      'Google crée pour vous tous les deux mois, et quelques photos tout de suite, en les choisissant.',
    limits:
      "Ferry ne voit pas les albums partagés ni les photos que d'autres ont " +
      'partagées avec vous, et garde ce que vous supprimez dans Google Photos.',

    takeoutTitle: 'Toute votre bibliothèque, automatiquement',
    takeoutIntro:
      'Google Takeout peut exporter toute votre bibliothèque tous les deux mois pendant ' +
      "un an et déposer l'export dans votre Google Drive, Dropbox ou OneDrive. " +
      'Ferry surveille ce dossier et sauvegarde chaque export dès que toutes ses parties sont arrivées : ' +
      'chaque photo et vidéo une seule fois, classées par année et par mois, avec les albums et les descriptions.',
    stepsTitle: "Configurer l'export chez Google (une fois par an)",
    ownSteps: (folder: string) => [
      'Ouvrez Google Takeout (lien ci-dessous). ' +
        'Seul Google Photos est sélectionné ; gardez « Tous les albums photo inclus ».',
      'Sous Fréquence, choisissez « Exporter tous les 2 mois pendant 1 an ».',
      `Sous Destination, choisissez « Ajouter à Drive », « Ajouter à Dropbox » ou « Ajouter à OneDrive » : ` +
        `le cloud que vous connectez ci-dessous. Ferry regarde dans son dossier « ${folder} ».`,
      "Choisissez le type de fichier .zip et la taille 50 Go, puis créez l'export. " +
        'Le premier export contient toute votre bibliothèque et peut prendre quelques jours.',
    ],
    openTakeout: 'Ouvrir Google Takeout (nouvel onglet)',
    takeoutClouds: 'Exports que Ferry surveille déjà',
    openCloud: (name: string) => `Ouvrir ${name}`,
    formTitle: 'Indiquez à Ferry où arrivent les exports',
    storeLabel: 'Cloud qui reçoit les exports',
    storeHint: 'Le Google Drive, Dropbox ou OneDrive choisi comme destination dans Google Takeout.',
    notListed: 'Absent de la liste ?',
    folderLabel: 'Dossier',
    folderHint: 'Le dossier qui y reçoit les exports. Google Drive les met dans « Takeout ».',
    nameLabel: 'Nom',
    defaultName: 'Google Photos (exports)',
    deleteLabel: 'Supprimer chaque export de ce cloud une fois sauvegardé',
    deleteHint:
      'Les exports y prennent de la place (dans Google Drive, ils comptent dans votre stockage Google). ' +
      "Ferry ne les supprime qu'après une sauvegarde qui a tout copié.",
    connectExports: 'Surveiller ce dossier',
    noStore: "Connectez d'abord le cloud où Google dépose les exports : Google Drive, Dropbox ou OneDrive.",
    addCloud: 'Ajouter un cloud',

    pickerTitle: 'Quelques photos tout de suite, en les choisissant',
    pickerIntro:
      'Choisissez des photos et vidéos dans Google Photos et Ferry les sauvegarde tout de suite. ' +
      'Pratique pour ce que vous avez pris depuis le dernier export.',
    reduced:
      'Les copies choisies ne sont pas tout à fait les originaux : Google retire le lieu des photos et réencode ' +
      "les vidéos. Quand la même photo arrive plus tard par un export, Ferry remplace la copie par l'original.",
    connectPhotos: 'Connecter Google Photos',
    photosUnavailable: 'Google Photos ne peut pas être connecté sur ce serveur :',
    pickWith: (name: string) => `Choisir des photos avec ${name}`,

    exportsTitle: 'Exports de Google Takeout',
    deliveredTo: 'Les exports arrivent dans',
    folderIn: (folder: string) => (folder ? `« ${folder} » dans` : 'Le dossier principal de'),
    unknownCloud: "un cloud qui n'existe plus",
    nextExport: 'Prochain export attendu',
    scheduleEnds: "Fin du calendrier d'export",
    late: (date: string) =>
      `L'export que Google devait livrer vers le ${date} n'est pas arrivé. ` +
      `Vérifiez dans Google Takeout que l'export programmé est toujours actif et qu'il livre dans ce dossier.`,
    endsSoon: (date: string) =>
      `Le calendrier d'export de Google se termine le ${date}. ` +
      `Créez-en un nouveau avant cette date pour que vos sauvegardes continuent (étapes ci-dessous).`,
    noSets: (folder: string) =>
      `Aucun export n'est encore arrivé dans « ${folder} ». Google livre le premier quelques ` +
      `heures à quelques jours après la configuration ; Ferry le remarque tout seul.`,
    setsTitle: 'Exports',
    exportOf: (date: string) => `Export du ${date}`,
    state: {
      waiting: 'En attente de parties',
      ready: 'Complet : la prochaine sauvegarde le prend en charge',
      ingested: 'Sauvegardé',
      grown: 'Nouvelles parties arrivées : la prochaine sauvegarde les prend en charge',
    },
    missing: (ns: number[]) =>
      ns.length > 1
        ? `Les parties ${list(ns, 'et')} ne sont pas encore arrivées.`
        : `La partie ${list(ns, 'et')} n'est pas encore arrivée.`,
    settling: (until: string) =>
      `Une partie vient d'arriver. Ferry attend jusqu'à ${until} au cas où d'autres suivraient.`,
    mixed:
      "Cet export a des parties .zip et .tgz. Ferry lit un seul type par export : retirez les parties de l'autre type.",
    colPart: 'Partie',
    colFile: 'Fichier',
    colSize: 'Taille',
    colState: 'État',
    partDone: 'Sauvegardée',
    partDeleted: 'Sauvegardée, puis supprimée',
    partWaiting: 'Pas encore sauvegardée',
    partRefused: 'Illisible',
    refusedParts: (n: number) =>
      n === 1
        ? 'Une partie est illisible : voir ci-dessous quoi faire.'
        : `${n} parties sont illisibles : voir ci-dessous quoi faire.`,
    refusedWhat:
      "Dès qu'une bonne copie remplace ce fichier (téléchargez à nouveau la partie depuis Google Takeout), " +
      "la prochaine sauvegarde la prend en charge. Le reste de l'export est sauvegardé en attendant.",
    unknownSize: 'inconnue',
    tasksTitle: 'Sauvegarder les exports',
    noTask:
      'Aucune tâche de sauvegarde ne lit encore ces exports. Créez-en une avec un calendrier ' +
      'quotidien, pour que chaque nouvel export soit sauvegardé peu après son arrivée.',
    createTask: 'Créer une tâche de sauvegarde',
    backUpNow: 'Sauvegarder maintenant',
    taskFrom: (name: string) => `Sauvegarder maintenant (${name})`,
    openTask: (name: string) => `Ouvrir la tâche ${name}`,
    started: 'Sauvegarde lancée.',
    seeProgress: 'Voir la progression',
    seeRun: 'Voir ce qu’elle a fait',
    runEnded: 'La sauvegarde est terminée. Les exports ci-dessous montrent ce qu’elle a pris en charge.',
    refresh: 'Vérifier à nouveau le dossier',

    pickTitle: 'Choisir des photos',
    pickIntro:
      "Google Photos s'ouvre dans un nouvel onglet. " +
      'Choisissez-y des photos et vidéos, appuyez sur OK, puis revenez ici.',
    pickButton: 'Choisir des photos',
    starting: 'Ouverture de Google Photos…',
    waitingPick: "En attente de la fin de votre choix dans l'onglet Google Photos…",
    pickBefore: (time: string) => `Choisissez avant ${time}.`,
    reopen: 'Rouvrir Google Photos (nouvel onglet)',
    openPicker: 'Ouvrir Google Photos (nouvel onglet)',
    picked: (n: number, fmt: string) => (n === 1 ? '1 élément choisi' : `${fmt} éléments choisis`),
    pickedDone: 'Vos photos sont choisies',
    expired: 'Ce choix a expiré ou a été fermé. Recommencez pour choisir.',
    startAgain: 'Recommencer',
    pickOther: "Choisir d'autres photos",
    backupTitle: 'Les sauvegarder',
    destLabel: 'Sauvegarder vers',
    destFolderLabel: 'Dossier',
    destFolderDefault: 'Photos choisies Google Photos',
    browse: 'Choisir un dossier existant',
    browseLabel: 'Dossiers de ce cloud',
    destFolderHint: 'Le dossier de ce cloud où vont les photos choisies. Ferry le crée si besoin.',
    backUp: 'Les sauvegarder',
    noDest: "Vous n'avez pas encore de cloud où sauvegarder.",
    taskName: (name: string, date: string) => `${name} : choix du ${date}`,
    folderRequired: 'Indiquez un dossier.',
  },
});
