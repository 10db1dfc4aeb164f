// The words of the clouds pages: the list, adding one, and a cloud's own page. Plain words for
// people backing up their family photos: "cloud", "folder", "sign in", never "bucket prefix" alone.
import { defineMessages } from '../../i18n/i18n';

export const cloudWords = defineMessages({
  en: {
    // The list
    listTitle: 'Clouds',
    addCloud: 'Add cloud',
    emptyTitle: 'No clouds yet',
    emptyText:
      'A cloud is a place where your photos and files are kept: ' +
      'Google Photos, Dropbox, Google Drive, OneDrive, S3 storage or a folder on this server. ' +
      'Connect the one your photos are in, and the one that should keep the backup copy.',
    kindLabel: 'Kind',
    statusLabel: 'Status',
    status: { ok: 'Connected', needs_reauth: 'Needs reconnecting', error: 'Error' },
    openCloud: (name: string) => `Open ${name}`,

    // Adding one
    addTitle: 'Add cloud',
    addIntro: 'Choose where your photos are, or where the backup should go. You can add as many clouds as you like.',
    startFailed: 'Connecting did not work',
    startAgain: 'Start again below.',
    signInTitle: 'Sign in to a cloud',
    signInIntro:
      'You sign in at the provider and allow Ferry to read and write your files there. Ferry never sees your password.',
    nameOptional: 'Name (optional)',
    nameOptionalHint:
      'How the cloud is called in Ferry, for example "Anna’s Dropbox". Leave empty to use the account’s name.',
    connect: (title: string) => `Connect ${title}`,
    notAvailable: 'Not available here:',
    photosTitle: 'Google Photos',
    photosText:
      'Google lets apps read a Google Photos library only in two ways: regular exports of the whole ' +
      'library (Google Takeout), or photos you pick yourself. A short guide sets up either.',
    photosLink: 'Set up Google Photos backup',
    s3Title: 'Amazon S3 or compatible storage',
    s3Intro:
      'Amazon S3, Backblaze B2, Wasabi, MinIO and other services that speak S3. ' +
      'Their website shows the values to fill in.',
    name: 'Name',
    s3NameHint: 'How the cloud is called in Ferry. Leave empty to use the bucket’s name.',
    endpoint: 'Service address',
    endpointHint:
      'Leave empty for Amazon S3. For another service, its S3 address, ' +
      'for example https://s3.eu-central-003.backblazeb2.com',
    region: 'Region',
    regionHint: 'For example us-east-1 or eu-central-003.',
    bucket: 'Bucket',
    bucketHint: 'The bucket’s name: lowercase letters, digits, dots and hyphens.',
    prefix: 'Folder in the bucket (optional)',
    prefixHint: 'Ferry keeps to this folder. Leave empty to use the whole bucket.',
    accessKeyId: 'Access key ID',
    secretAccessKey: 'Secret access key',
    secretHint: 'Kept encrypted on this server and never shown again.',
    pathStyle: 'Use path-style addresses',
    pathStyleHint: 'Needed by MinIO and some other services; leave it off for Amazon S3.',
    connectS3: 'Check and add storage',
    localTitle: 'Folder on this server',
    localIntro:
      'Each account has its own space on the server that runs Ferry: a folder for you alone, ' +
      'for example on a home NAS. Ferry reads from it and writes to it, and never leaves it.',
    localNameHint: 'How the cloud is called in Ferry. Leave empty to use the folder’s name.',
    root: 'Folder in your space',
    rootHint:
      'A folder inside your space, for example Photos or Backups/Phone. Leave empty to use all of your space. ' +
      'Whoever runs Ferry can tell you where your space is on the server.',
    connectLocal: 'Check and add folder',
    // An encrypted folder (crypt)
    cryptTitle: 'Encrypted folder',
    cryptIntro:
      'Ferry encrypts every file and its name before it leaves for the cloud you choose, in rclone’s crypt ' +
      'format: the cloud stores only what it cannot read. Use it as a task’s destination.',
    cryptNeedsCloud:
      'Add the cloud the encrypted files should be stored in first (a sign-in provider, S3 storage or a folder).',
    cryptCloud: 'Cloud to store the encrypted files in',
    cryptFolder: 'Folder there',
    cryptNewFolder: 'New folder inside it (optional)',
    cryptNewFolderHint: 'E.g. Vault. The encrypted files go in this folder.',
    cryptGoesTo: (where: string) => `Encrypted files go to: ${where}`,
    cryptNameHint: 'E.g. Photos vault. Shown in your list of clouds.',
    password: 'Password',
    passwordHint: 'A long password of your own. Ferry keeps it sealed and never shows it again.',
    passwordAgain: 'Password again',
    passwordsDiffer: 'The two passwords are not the same.',
    salt: 'Second password (salt), optional',
    saltHint: 'rclone calls it password2. Leave empty to use rclone’s default.',
    nameEncryption: 'File and folder names',
    nameStandard: 'Encrypted too (rclone’s “standard”)',
    nameOff: 'Readable, with .bin added (rclone’s “off”)',
    cryptWarningTitle: 'If you lose this password, you lose the backup',
    cryptWarning:
      'Nobody can decrypt these files without the password (and the second password, if you set one): not ' +
      'your cloud, not Ferry’s administrator, not Ferry. Ferry cannot recover or reset it. Write both down and ' +
      'keep them somewhere safe, apart from this server.',
    cryptRclone:
      'The files stay yours: rclone (rclone.org) reads them with a crypt remote of the same password and ' +
      'second password, without Ferry.',
    cryptUnderstood: 'I have written the password down and understand Ferry cannot recover it',
    connectCrypt: 'Check and add encrypted folder',
    topFolder: 'the top folder',
    checking: 'Checking the connection…',
    checkedFirst: 'Ferry tries the connection before saving: a cloud it cannot reach is not added.',
    localDefaultName: 'Folder on this server',

    // A cloud's page
    cloudTitle: 'Cloud',
    connected: 'Connected. Ferry can now back up from and to this cloud.',
    reconnected: 'Reconnected. Ferry uses the new sign-in from now on.',
    added: 'Added. Ferry reached it and can back up from and to it.',
    details: 'Details',
    lastChecked: 'Last checked',
    never: 'Not yet',
    lastError: 'What went wrong',
    needsReauth:
      'Ferry can no longer reach this cloud: the sign-in has ended or was withdrawn. ' +
      'Reconnect it to let backups run again.',
    hasError: 'The last attempt to use this cloud failed. Check the connection after fixing it.',
    account: 'Account',
    serviceAddress: 'Service address',
    amazon: 'Amazon S3',
    wholeBucket: 'The whole bucket',
    prefixFact: 'Folder in the bucket',
    pathStyleOn: 'Path-style addresses',
    yes: 'Yes',
    no: 'No',
    folderOnServer: 'Folder on the server',
    readsFrom: 'Reads the exports from',
    exportFolder: 'Export folder',
    storedIn: 'Encrypted files stored in',
    storedFolder: 'Folder there',
    names: 'File and folder names',
    namesEncrypted: 'Encrypted',
    namesReadable: 'Readable (.bin added)',
    passwordKept: 'Password',
    passwordSealed: 'Kept sealed, never shown. Without it the backup cannot be read: keep your own copy.',
    unknownCloud: 'A cloud that no longer exists',
    connectionTitle: 'Connection',
    check: 'Check connection',
    checkWorks: 'The connection works.',
    checkFailed: 'The connection does not work:',
    reconnect: 'Reconnect',
    reconnectHint: (title: string) =>
      `Sign in to ${title} again with the same account. Another account would be added as a new cloud.`,
    renameTitle: 'Rename',
    rename: 'Rename',
    renamed: 'Renamed.',
    removeTitle: 'Remove',
    removeText:
      'Removing a cloud only disconnects it from Ferry: ' +
      'the files in it, and the backups already made, stay where they are.',
    remove: 'Remove cloud',
    confirmRemove: (name: string) => `Remove ${name} from Ferry?`,
    yesRemove: 'Yes, remove it',
    keep: 'Keep it',
  },
  de: {
    listTitle: 'Clouds',
    addCloud: 'Cloud hinzufügen',
    emptyTitle: 'Noch keine Clouds',
    emptyText:
      'Eine Cloud ist ein Ort, an dem deine Fotos und Dateien liegen: ' +
      'Google Fotos, Dropbox, Google Drive, OneDrive, S3-Speicher oder ein Ordner auf diesem Server. ' +
      'Verbinde die, in der deine Fotos liegen, und die, in der die Sicherungskopie liegen soll.',
    kindLabel: 'Art',
    statusLabel: 'Status',
    status: { ok: 'Verbunden', needs_reauth: 'Muss neu verbunden werden', error: 'Fehler' },
    openCloud: (name: string) => `${name} öffnen`,

    addTitle: 'Cloud hinzufügen',
    addIntro: 'Wähle, wo deine Fotos liegen oder wohin die Sicherung soll. Du kannst beliebig viele Clouds hinzufügen.',
    startFailed: 'Das Verbinden hat nicht geklappt',
    startAgain: 'Beginne unten noch einmal.',
    signInTitle: 'Bei einer Cloud anmelden',
    signInIntro:
      'Du meldest dich beim Anbieter an und erlaubst Ferry, deine Dateien ' +
      'dort zu lesen und zu schreiben. Ferry sieht dein Passwort nie.',
    nameOptional: 'Name (optional)',
    nameOptionalHint:
      'Wie die Cloud in Ferry heißt, zum Beispiel „Annas Dropbox“. Leer lassen, um den Namen des Kontos zu verwenden.',
    connect: (title: string) => `${title} verbinden`,
    notAvailable: 'Hier nicht verfügbar:',
    photosTitle: 'Google Fotos',
    photosText:
      'Google lässt Apps eine Google-Fotos-Mediathek nur auf zwei Arten lesen: ' +
      'über regelmäßige Exporte der ganzen Mediathek (Google Takeout) oder über Fotos, ' +
      'die du selbst auswählst. Eine kurze Anleitung richtet beides ein.',
    photosLink: 'Sicherung von Google Fotos einrichten',
    s3Title: 'Amazon S3 oder kompatibler Speicher',
    s3Intro:
      'Amazon S3, Backblaze B2, Wasabi, MinIO und andere Dienste, die S3 sprechen. ' +
      'Die Werte zum Ausfüllen findest du auf ihrer Website.',
    name: 'Name',
    s3NameHint: 'Wie die Cloud in Ferry heißt. Leer lassen, um den Namen des Buckets zu verwenden.',
    endpoint: 'Adresse des Dienstes',
    endpointHint:
      'Für Amazon S3 leer lassen. Für einen anderen Dienst seine S3-Adresse, ' +
      'zum Beispiel https://s3.eu-central-003.backblazeb2.com',
    region: 'Region',
    regionHint: 'Zum Beispiel us-east-1 oder eu-central-003.',
    bucket: 'Bucket',
    bucketHint: 'Der Name des Buckets: Kleinbuchstaben, Ziffern, Punkte und Bindestriche.',
    prefix: 'Ordner im Bucket (optional)',
    prefixHint: 'Ferry bleibt in diesem Ordner. Leer lassen, um den ganzen Bucket zu verwenden.',
    accessKeyId: 'Zugriffsschlüssel-ID',
    secretAccessKey: 'Geheimer Zugriffsschlüssel',
    secretHint: 'Wird verschlüsselt auf diesem Server gespeichert und nie wieder angezeigt.',
    pathStyle: 'Pfad-Adressen verwenden',
    pathStyleHint: 'Nötig für MinIO und einige andere Dienste; für Amazon S3 ausgeschaltet lassen.',
    connectS3: 'Prüfen und Speicher hinzufügen',
    localTitle: 'Ordner auf diesem Server',
    localIntro:
      'Jedes Konto hat einen eigenen Bereich auf dem Server, auf dem Ferry läuft: einen Ordner nur für dich, ' +
      'zum Beispiel auf einem NAS zu Hause. Ferry liest daraus, schreibt hinein und verlässt ihn nie.',
    localNameHint: 'Wie die Cloud in Ferry heißt. Leer lassen, um den Namen des Ordners zu verwenden.',
    root: 'Ordner in deinem Bereich',
    rootHint:
      'Ein Ordner in deinem Bereich, zum Beispiel Fotos oder Sicherungen/Handy. Leer lassen, um deinen ganzen ' +
      'Bereich zu verwenden. Wer Ferry betreibt, kann dir sagen, wo dein Bereich auf dem Server liegt.',
    connectLocal: 'Prüfen und Ordner hinzufügen',
    cryptTitle: 'Verschlüsselter Ordner',
    cryptIntro:
      'Ferry verschlüsselt jede Datei und ihren Namen, bevor sie in die gewählte Cloud geht, im crypt-Format ' +
      'von rclone: Die Cloud speichert nur, was sie nicht lesen kann. Nutze ihn als Ziel einer Aufgabe.',
    cryptNeedsCloud:
      'Füge zuerst die Cloud hinzu, in der die verschlüsselten Dateien liegen sollen (Anmeldung, S3-Speicher ' +
      'oder ein Ordner).',
    cryptCloud: 'Cloud für die verschlüsselten Dateien',
    cryptFolder: 'Ordner dort',
    cryptNewFolder: 'Neuer Ordner darin (optional)',
    cryptNewFolderHint: 'Z. B. Tresor. Die verschlüsselten Dateien kommen in diesen Ordner.',
    cryptGoesTo: (where: string) => `Verschlüsselte Dateien kommen nach: ${where}`,
    cryptNameHint: 'Z. B. Foto-Tresor. Wird in deiner Liste der Clouds angezeigt.',
    password: 'Passwort',
    passwordHint: 'Ein langes, eigenes Passwort. Ferry bewahrt es versiegelt auf und zeigt es nie wieder.',
    passwordAgain: 'Passwort wiederholen',
    passwordsDiffer: 'Die beiden Passwörter stimmen nicht überein.',
    salt: 'Zweites Passwort (Salt), optional',
    saltHint: 'Bei rclone heißt es password2. Leer lassen für den Standard von rclone.',
    nameEncryption: 'Datei- und Ordnernamen',
    nameStandard: 'Ebenfalls verschlüsselt („standard“ bei rclone)',
    nameOff: 'Lesbar, mit angehängtem .bin („off“ bei rclone)',
    cryptWarningTitle: 'Wenn du dieses Passwort verlierst, verlierst du die Sicherung',
    cryptWarning:
      'Ohne das Passwort (und das zweite Passwort, falls gesetzt) kann niemand diese Dateien entschlüsseln: ' +
      'nicht deine Cloud, nicht der Administrator von Ferry, nicht Ferry. Ferry kann es weder wiederherstellen ' +
      'noch zurücksetzen. Schreib beide auf und bewahre sie getrennt von diesem Server sicher auf.',
    cryptRclone:
      'Die Dateien bleiben deine: rclone (rclone.org) liest sie mit einem crypt-Remote mit demselben Passwort ' +
      'und zweiten Passwort, ohne Ferry.',
    cryptUnderstood: 'Ich habe das Passwort aufgeschrieben und weiß, dass Ferry es nicht wiederherstellen kann',
    connectCrypt: 'Prüfen und verschlüsselten Ordner hinzufügen',
    topFolder: 'die oberste Ebene',
    checking: 'Verbindung wird geprüft…',
    checkedFirst:
      'Ferry prüft die Verbindung vor dem Speichern: Eine Cloud, die Ferry nicht erreicht, wird nicht hinzugefügt.',
    localDefaultName: 'Ordner auf diesem Server',

    cloudTitle: 'Cloud',
    connected: 'Verbunden. Ferry kann jetzt von und in diese Cloud sichern.',
    reconnected: 'Neu verbunden. Ferry verwendet ab jetzt die neue Anmeldung.',
    added: 'Hinzugefügt. Ferry hat sie erreicht und kann von und in sie sichern.',
    details: 'Angaben',
    lastChecked: 'Zuletzt geprüft',
    never: 'Noch nicht',
    lastError: 'Was schiefging',
    needsReauth:
      'Ferry erreicht diese Cloud nicht mehr: Die Anmeldung ist abgelaufen oder wurde zurückgezogen. ' +
      'Verbinde sie neu, damit Sicherungen wieder laufen.',
    hasError:
      'Der letzte Versuch, diese Cloud zu verwenden, ist fehlgeschlagen. ' +
      'Prüfe die Verbindung, nachdem du es behoben hast.',
    account: 'Konto',
    serviceAddress: 'Adresse des Dienstes',
    amazon: 'Amazon S3',
    wholeBucket: 'Der ganze Bucket',
    prefixFact: 'Ordner im Bucket',
    pathStyleOn: 'Pfad-Adressen',
    yes: 'Ja',
    no: 'Nein',
    folderOnServer: 'Ordner auf dem Server',
    readsFrom: 'Liest die Exporte aus',
    exportFolder: 'Export-Ordner',
    storedIn: 'Verschlüsselte Dateien liegen in',
    storedFolder: 'Ordner dort',
    names: 'Datei- und Ordnernamen',
    namesEncrypted: 'Verschlüsselt',
    namesReadable: 'Lesbar (.bin angehängt)',
    passwordKept: 'Passwort',
    passwordSealed:
      'Versiegelt aufbewahrt, nie angezeigt. Ohne es ist die Sicherung nicht lesbar: Bewahre eine eigene Kopie auf.',
    unknownCloud: 'Einer Cloud, die es nicht mehr gibt',
    connectionTitle: 'Verbindung',
    check: 'Verbindung prüfen',
    checkWorks: 'Die Verbindung funktioniert.',
    checkFailed: 'Die Verbindung funktioniert nicht:',
    reconnect: 'Neu verbinden',
    reconnectHint: (title: string) =>
      `Melde dich mit demselben Konto erneut bei ${title} an. Ein anderes Konto würde als neue Cloud hinzugefügt.`,
    renameTitle: 'Umbenennen',
    rename: 'Umbenennen',
    renamed: 'Umbenannt.',
    removeTitle: 'Entfernen',
    removeText:
      'Eine Cloud zu entfernen trennt sie nur von Ferry: ' +
      'Die Dateien darin und die schon gemachten Sicherungen bleiben, wo sie sind.',
    remove: 'Cloud entfernen',
    confirmRemove: (name: string) => `${name} aus Ferry entfernen?`,
    yesRemove: 'Ja, entfernen',
    keep: 'Behalten',
  },
  fr: {
    listTitle: 'Clouds',
    addCloud: 'Ajouter un cloud',
    emptyTitle: 'Aucun cloud pour l’instant',
    emptyText:
      'Un cloud est un endroit où sont gardés vos photos et fichiers : ' +
      'Google Photos, Dropbox, Google Drive, OneDrive, un stockage S3 ou un dossier sur ce serveur. ' +
      'Connectez celui où sont vos photos, et celui qui doit garder la copie de sauvegarde.',
    kindLabel: 'Type',
    statusLabel: 'État',
    status: { ok: 'Connecté', needs_reauth: 'À reconnecter', error: 'Erreur' },
    openCloud: (name: string) => `Ouvrir ${name}`,

    addTitle: 'Ajouter un cloud',
    addIntro:
      'Choisissez où sont vos photos, ou où la sauvegarde doit aller. ' +
      'Vous pouvez ajouter autant de clouds que vous voulez.',
    startFailed: 'La connexion n’a pas abouti',
    startAgain: 'Recommencez ci-dessous.',
    signInTitle: 'Se connecter à un cloud',
    signInIntro:
      'Vous vous connectez chez le fournisseur et autorisez Ferry à lire et écrire vos fichiers. ' +
      'Ferry ne voit jamais votre mot de passe.',
    nameOptional: 'Nom (facultatif)',
    nameOptionalHint:
      'Le nom du cloud dans Ferry, par exemple « Dropbox d’Anna ». Laissez vide pour utiliser le nom du compte.',
    connect: (title: string) => `Connecter ${title}`,
    notAvailable: 'Indisponible ici :',
    photosTitle: 'Google Photos',
    photosText:
      'Google ne laisse les applications lire une bibliothèque Google Photos que de deux façons : ' +
      'des exports réguliers de toute la bibliothèque (Google Takeout), ou les photos ' +
      'que vous choisissez vous-même. Un court guide met en place l’une ou l’autre.',
    photosLink: 'Configurer la sauvegarde de Google Photos',
    s3Title: 'Amazon S3 ou stockage compatible',
    s3Intro:
      'Amazon S3, Backblaze B2, Wasabi, MinIO et les autres services qui parlent S3. ' +
      'Leur site indique les valeurs à saisir.',
    name: 'Nom',
    s3NameHint: 'Le nom du cloud dans Ferry. Laissez vide pour utiliser le nom du bucket.',
    endpoint: 'Adresse du service',
    endpointHint:
      'Laissez vide pour Amazon S3. Pour un autre service, son adresse S3, ' +
      'par exemple https://s3.eu-central-003.backblazeb2.com',
    region: 'Région',
    regionHint: 'Par exemple us-east-1 ou eu-central-003.',
    bucket: 'Bucket',
    bucketHint: 'Le nom du bucket : lettres minuscules, chiffres, points et tirets.',
    prefix: 'Dossier dans le bucket (facultatif)',
    prefixHint: 'Ferry reste dans ce dossier. Laissez vide pour utiliser tout le bucket.',
    accessKeyId: 'ID de clé d’accès',
    secretAccessKey: 'Clé d’accès secrète',
    secretHint: 'Gardée chiffrée sur ce serveur et jamais réaffichée.',
    pathStyle: 'Utiliser les adresses de type chemin',
    pathStyleHint: 'Nécessaire pour MinIO et quelques autres services ; laissez désactivé pour Amazon S3.',
    connectS3: 'Vérifier et ajouter le stockage',
    localTitle: 'Dossier sur ce serveur',
    localIntro:
      'Chaque compte a son propre espace sur le serveur où tourne Ferry : un dossier rien que pour vous, ' +
      'par exemple sur un NAS à la maison. Ferry y lit, y écrit, et n’en sort jamais.',
    localNameHint: 'Le nom du cloud dans Ferry. Laissez vide pour utiliser le nom du dossier.',
    root: 'Dossier dans votre espace',
    rootHint:
      'Un dossier de votre espace, par exemple Photos ou Sauvegardes/Téléphone. Laissez vide pour utiliser tout ' +
      'votre espace. La personne qui gère Ferry peut vous dire où se trouve votre espace sur le serveur.',
    connectLocal: 'Vérifier et ajouter le dossier',
    cryptTitle: 'Dossier chiffré',
    cryptIntro:
      'Ferry chiffre chaque fichier et son nom avant qu’il parte vers le cloud choisi, au format crypt de ' +
      'rclone : le cloud ne stocke que ce qu’il ne peut pas lire. Utilisez-le comme destination d’une tâche.',
    cryptNeedsCloud: 'Ajoutez d’abord le cloud où stocker les fichiers chiffrés (connexion, stockage S3 ou dossier).',
    cryptCloud: 'Cloud où stocker les fichiers chiffrés',
    cryptFolder: 'Dossier dans ce cloud',
    cryptNewFolder: 'Nouveau dossier à l’intérieur (facultatif)',
    cryptNewFolderHint: 'Par ex. Coffre. Les fichiers chiffrés vont dans ce dossier.',
    cryptGoesTo: (where: string) => `Les fichiers chiffrés vont dans : ${where}`,
    cryptNameHint: 'Par ex. Coffre photos. Affiché dans votre liste de clouds.',
    password: 'Mot de passe',
    passwordHint: 'Un long mot de passe à vous. Ferry le garde scellé et ne l’affiche plus jamais.',
    passwordAgain: 'Mot de passe, à nouveau',
    passwordsDiffer: 'Les deux mots de passe ne sont pas identiques.',
    salt: 'Second mot de passe (sel), facultatif',
    saltHint: 'rclone l’appelle password2. Laissez vide pour celui de rclone par défaut.',
    nameEncryption: 'Noms des fichiers et dossiers',
    nameStandard: 'Chiffrés aussi (« standard » de rclone)',
    nameOff: 'Lisibles, avec .bin ajouté (« off » de rclone)',
    cryptWarningTitle: 'Si vous perdez ce mot de passe, vous perdez la sauvegarde',
    cryptWarning:
      'Personne ne peut déchiffrer ces fichiers sans le mot de passe (et le second, si vous en donnez un) : ni ' +
      'votre cloud, ni l’administrateur de Ferry, ni Ferry. Ferry ne peut ni le retrouver ni le réinitialiser. ' +
      'Notez-les et gardez-les en lieu sûr, loin de ce serveur.',
    cryptRclone:
      'Les fichiers restent à vous : rclone (rclone.org) les lit avec un remote crypt du même mot de passe et ' +
      'du même second mot de passe, sans Ferry.',
    cryptUnderstood: 'J’ai noté le mot de passe et je sais que Ferry ne peut pas le retrouver',
    connectCrypt: 'Vérifier et ajouter le dossier chiffré',
    topFolder: 'la racine',
    checking: 'Vérification de la connexion…',
    checkedFirst:
      'Ferry essaie la connexion avant d’enregistrer : un cloud qu’il ne peut pas atteindre n’est pas ajouté.',
    localDefaultName: 'Dossier sur ce serveur',

    cloudTitle: 'Cloud',
    connected: 'Connecté. Ferry peut maintenant sauvegarder depuis et vers ce cloud.',
    reconnected: 'Reconnecté. Ferry utilise désormais la nouvelle connexion.',
    added: 'Ajouté. Ferry l’a atteint et peut sauvegarder depuis et vers lui.',
    details: 'Détails',
    lastChecked: 'Dernière vérification',
    never: 'Pas encore',
    lastError: 'Ce qui n’a pas marché',
    needsReauth:
      'Ferry n’atteint plus ce cloud : la connexion a expiré ou a été retirée. ' +
      'Reconnectez-le pour que les sauvegardes reprennent.',
    hasError: 'La dernière utilisation de ce cloud a échoué. Vérifiez la connexion une fois le problème réglé.',
    account: 'Compte',
    serviceAddress: 'Adresse du service',
    amazon: 'Amazon S3',
    wholeBucket: 'Tout le bucket',
    prefixFact: 'Dossier dans le bucket',
    pathStyleOn: 'Adresses de type chemin',
    yes: 'Oui',
    no: 'Non',
    folderOnServer: 'Dossier sur le serveur',
    readsFrom: 'Lit les exports depuis',
    exportFolder: 'Dossier des exports',
    storedIn: 'Fichiers chiffrés stockés dans',
    storedFolder: 'Dossier',
    names: 'Noms des fichiers et dossiers',
    namesEncrypted: 'Chiffrés',
    namesReadable: 'Lisibles (.bin ajouté)',
    passwordKept: 'Mot de passe',
    passwordSealed:
      'Gardé scellé, jamais affiché. Sans lui, la sauvegarde est illisible : gardez-en votre propre copie.',
    unknownCloud: 'Un cloud qui n’existe plus',
    connectionTitle: 'Connexion',
    check: 'Vérifier la connexion',
    checkWorks: 'La connexion fonctionne.',
    checkFailed: 'La connexion ne fonctionne pas :',
    reconnect: 'Reconnecter',
    reconnectHint: (title: string) =>
      `Reconnectez-vous à ${title} avec le même compte. Un autre compte serait ajouté comme nouveau cloud.`,
    renameTitle: 'Renommer',
    rename: 'Renommer',
    renamed: 'Renommé.',
    removeTitle: 'Retirer',
    removeText:
      'Retirer un cloud le déconnecte seulement de Ferry : ' +
      'ses fichiers et les sauvegardes déjà faites restent où ils sont.',
    remove: 'Retirer le cloud',
    confirmRemove: (name: string) => `Retirer ${name} de Ferry ?`,
    yesRemove: 'Oui, le retirer',
    keep: 'Le garder',
  },
});
