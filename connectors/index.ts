// The registry: the one list of connectors this build knows.
import { z } from 'zod';
import crypt from './crypt/index.ts';
import dropbox from './dropbox/index.ts';
import googleDrive from './google-drive/index.ts';
import googlePhotos from './google-photos/index.ts';
import googleTakeout from './google-takeout/index.ts';
import local from './local/index.ts';
import onedrive from './onedrive/index.ts';
import s3 from './s3/index.ts';
import type { ConnectorDefinition, ConnectorEnv, ProviderKind } from './types.ts';

const all = [
  googlePhotos as unknown as ConnectorDefinition,
  googleTakeout as unknown as ConnectorDefinition,
  googleDrive as unknown as ConnectorDefinition,
  s3 as unknown as ConnectorDefinition,
  dropbox as unknown as ConnectorDefinition,
  onedrive as unknown as ConnectorDefinition,
  local as unknown as ConnectorDefinition,
  crypt as unknown as ConnectorDefinition,
];

export const connectors: ReadonlyMap<string, ConnectorDefinition> = new Map(all.map((c) => [c.kind, c]));

export const providerKinds = all.map((c) => c.kind) as [ProviderKind, ...ProviderKind[]];

/** Names of an options schema's secret fields (marked writeOnly). */
export function secretFields(def: ConnectorDefinition): string[] {
  const schema = z.toJSONSchema(def.options, { io: 'input' }) as {
    properties?: Record<string, { writeOnly?: boolean }>;
  };
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.writeOnly)
    .map(([name]) => name);
}

export type { ConnectorDefinition, ConnectorEnv };
