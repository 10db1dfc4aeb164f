// Personal access tokens: the list (name, created, last used), a form that creates one and shows
// it once with a copy button, and revoking with a step that asks first.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, must, type components } from '../../api/client';
import { keys } from '../../api/queries';
import { useFormat, useMessages } from '../../i18n/i18n';
import { Empty, ErrorMessage, Field, Loading } from '../../ui/components';
import { accountMessages } from './messages';
import { NewToken } from './NewToken';

type Token = components['schemas']['Token'];

const tokensQuery = {
  queryKey: keys.tokens,
  queryFn: () => must(api.GET('/api/v1/tokens')),
};

export function TokensSection() {
  const t = useMessages(accountMessages);
  const heading = useId();
  const queryClient = useQueryClient();
  const tokens = useQuery(tokensQuery);
  const [name, setName] = useState('');
  const [checked, setChecked] = useState(false);
  const [revokedName, setRevokedName] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: (tokenName: string) => must(api.POST('/api/v1/tokens', { body: { name: tokenName } })),
    onSuccess: () => {
      setName('');
      setChecked(false);
      setRevokedName(null);
      return queryClient.invalidateQueries({ queryKey: keys.tokens });
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (name.trim() && !create.isPending) create.mutate(name.trim());
  };

  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{t.tokensTitle}</h2>
      <p>{t.tokensIntro}</p>

      {create.data && <NewToken token={create.data} onDone={() => create.reset()} />}

      {tokens.isPending ? (
        <Loading />
      ) : tokens.error ? (
        <ErrorMessage error={tokens.error} onRetry={() => tokens.refetch()} />
      ) : tokens.data.items.length === 0 ? (
        <Empty title={t.tokensEmptyTitle}>
          <p>{t.tokensEmpty}</p>
        </Empty>
      ) : (
        <TokenTable tokens={tokens.data.items} onRevoked={setRevokedName} />
      )}
      {revokedName && (
        <p className="muted" role="status">
          {t.revoked(revokedName)}
        </p>
      )}

      <form className="token-form" onSubmit={onSubmit} noValidate>
        <Field
          label={t.tokenName}
          hint={t.tokenNameHint}
          value={name}
          maxLength={100}
          autoComplete="off"
          onChange={(e) => setName(e.target.value)}
          error={checked && !name.trim() ? t.tokenNameMissing : null}
        />
        <button type="submit" disabled={create.isPending}>
          {t.createToken}
        </button>
        <ErrorMessage error={create.error} />
      </form>
    </section>
  );
}

function TokenTable({ tokens, onRevoked }: { tokens: Token[]; onRevoked: (name: string) => void }) {
  const t = useMessages(accountMessages);
  const f = useFormat();
  return (
    <div className="table-wrap">
      {/* Explicit roles: on a phone the rows are laid out as blocks (account.css),
         which would otherwise drop the table from what screen readers hear. */}
      <table className="tokens" role="table">
        <thead role="rowgroup">
          <tr role="row">
            <th scope="col" role="columnheader">
              {t.colName}
            </th>
            <th scope="col" role="columnheader">
              {t.colCreated}
            </th>
            <th scope="col" role="columnheader">
              {t.colLastUsed}
            </th>
            <th scope="col" role="columnheader">
              <span className="visually-hidden">{t.revoke}</span>
            </th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {tokens.map((token) => (
            <tr key={token.id} role="row">
              <th scope="row" role="rowheader">
                {token.name}
              </th>
              <td role="cell" data-label={t.colCreated}>
                {f.dateTime(token.createdAt)}
              </td>
              <td role="cell" data-label={t.colLastUsed}>
                {token.lastUsedAt
                  ? `${f.dateTime(token.lastUsedAt)}${token.lastUsedFrom ? ` · ${token.lastUsedFrom}` : ''}`
                  : t.never}
              </td>
              <td role="cell">
                <Revoke token={token} onRevoked={onRevoked} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Revoke, then a question whose answer does it: a token in use by a script is not lost to a slip. */
function Revoke({ token, onRevoked }: { token: Token; onRevoked: (name: string) => void }) {
  const t = useMessages(accountMessages);
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const revoke = useMutation({
    mutationFn: () => must(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id: token.id } } })),
    onSuccess: () => {
      onRevoked(token.name);
      return queryClient.invalidateQueries({ queryKey: keys.tokens });
    },
  });
  if (!asking) {
    return (
      <button
        type="button"
        className="secondary"
        aria-label={t.revokeLabel(token.name)}
        onClick={() => setAsking(true)}
      >
        {t.revoke}
      </button>
    );
  }
  return (
    <div className="revoke-ask" role="group" aria-label={t.revokeLabel(token.name)}>
      <p>{t.revokeQuestion(token.name)}</p>
      <div className="actions">
        <button type="button" className="danger" onClick={() => revoke.mutate()} disabled={revoke.isPending}>
          {t.revokeYes}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setAsking(false)}
          disabled={revoke.isPending}
          autoFocus
        >
          {t.revokeNo}
        </button>
      </div>
      <ErrorMessage error={revoke.error} />
    </div>
  );
}
