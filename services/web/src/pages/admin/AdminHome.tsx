// The console's first page (/admin): the service's figures, then every account.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { meQuery } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { Page } from '../../ui/components';
import { adminWords } from './messages';
import { AdminNav } from './parts';
import { Stats } from './Stats';
import { UserList } from './UserList';
import './admin.css';

export default function AdminHome() {
  const t = useMessages(adminWords);
  const figures = useId();
  // The layout has loaded the user: someone who does not administer gets one plain sentence, not
  // each part's refusal.
  const me = useQuery(meQuery);
  if (!me.data?.admin)
    return (
      <Page title={t.title}>
        <p className="error" role="alert">
          {t.notAdmin}
        </p>
      </Page>
    );
  return (
    <Page title={t.title}>
      <AdminNav />
      <section aria-labelledby={figures}>
        <h2 id={figures}>{t.figures}</h2>
        <Stats />
      </section>
      <UserList />
    </Page>
  );
}
