// What a page that failed to render shows: words, never a stack trace. The usual cause after an
// upgrade is a page's code that no longer exists on the server (its file name carries the old
// build's hash): reloading fetches the new build.
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { defineMessages, useMessages } from '../i18n/i18n';

const messages = defineMessages({
  en: {
    title: 'This page could not be shown',
    stale: 'Ferry has been updated since this page was opened. Reload to get the new version.',
    broken: 'Something went wrong while showing this page. Reload it; if it happens again, go back to the dashboard.',
    reload: 'Reload',
    home: 'Go to the dashboard',
  },
  de: {
    title: 'Diese Seite kann nicht angezeigt werden',
    stale: 'Ferry wurde aktualisiert, seit diese Seite geöffnet wurde. Lade sie neu, um die neue Version zu erhalten.',
    broken:
      'Beim Anzeigen dieser Seite ist etwas schiefgegangen. ' +
      'Lade sie neu; passiert es wieder, gehe zurück zur Übersicht.',
    reload: 'Neu laden',
    home: 'Zur Übersicht',
  },
  fr: {
    title: "Cette page n'a pas pu être affichée",
    stale: 'Ferry a été mis à jour depuis l’ouverture de cette page. Rechargez-la pour obtenir la nouvelle version.',
    broken:
      'Un problème est survenu en affichant cette page. ' +
      'Rechargez-la ; si cela se reproduit, revenez au tableau de bord.',
    reload: 'Recharger',
    home: 'Aller au tableau de bord',
  },
});

export function RouteError() {
  const t = useMessages(messages);
  const error = useRouteError();
  const stale =
    !isRouteErrorResponse(error) &&
    /dynamically imported module|Importing a module script failed|Failed to fetch/i.test(
      String((error as Error)?.message ?? ''),
    );
  return (
    <main id="main" className="narrow">
      <h1>{t.title}</h1>
      <p role="alert">{stale ? t.stale : t.broken}</p>
      <div className="actions">
        <button type="button" onClick={() => window.location.reload()}>
          {t.reload}
        </button>
        <Link to="/">{t.home}</Link>
      </div>
    </main>
  );
}
