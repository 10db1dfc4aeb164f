// The Account page: the address and whether it is confirmed, the language, this month's traffic,
// the access tokens that scripts use, the password, the signed-in browsers, two-factor sign-in,
// the account's data to download, and deleting the account.
import { useQuery } from '@tanstack/react-query';
import { meQuery } from '../../api/queries';
import { useMessages } from '../../i18n/i18n';
import { ErrorMessage, Loading, Page } from '../../ui/components';
import { AddressSection } from './AddressSection';
import { DataSection } from './DataSection';
import { DeleteSection } from './DeleteSection';
import { LanguageSection } from './LanguageSection';
import { accountMessages } from './messages';
import { PasswordSection } from './PasswordSection';
import { SessionsSection } from './SessionsSection';
import { TokensSection } from './TokensSection';
import { TrafficSection } from './TrafficSection';
import { TwoFactorSection } from './TwoFactorSection';
import './account.css';

export default function Account() {
  const t = useMessages(accountMessages);
  const me = useQuery(meQuery);
  return (
    <Page title={t.title}>
      {me.isPending ? (
        <Loading />
      ) : me.error ? (
        <ErrorMessage error={me.error} onRetry={() => me.refetch()} />
      ) : (
        <div className="account">
          <AddressSection me={me.data} />
          <LanguageSection me={me.data} />
          <TrafficSection usage={me.data.usage} />
          <TokensSection />
          <PasswordSection email={me.data.email} />
          <SessionsSection />
          <TwoFactorSection me={me.data} />
          <DataSection />
          <DeleteSection me={me.data} />
        </div>
      )}
    </Page>
  );
}
