// After deleting the account: what is gone and what stays, and a way back in for a new account.
import { Link } from 'react-router';
import { useMessages } from '../../i18n/i18n';
import { Page } from '../../ui/components';
import { accountMessages } from './messages';

export default function Goodbye() {
  const t = useMessages(accountMessages);
  return (
    <Page title={t.goodbyeTitle}>
      <p role="status">{t.goodbye}</p>
      <div className="actions">
        <Link className="button secondary" to="/signup">
          {t.toSignUp}
        </Link>
      </div>
    </Page>
  );
}
