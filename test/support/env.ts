// A ConnectorEnv for tests that open connectors directly (conformance): the real services' base
// URLs unless a test points one at its emulator.
import { AccountRegistry } from '../../connectors/lib/registry.ts';
import type { ConnectorEnv } from '../../connectors/types.ts';
import { connectorEnvOf, loadConfig } from '../../services/core/config.ts';

// One registry for the test file, as the service has one per process: handles a test opens on one
// account share its pacer and batcher, as they would in Ferry.
const accounts = new AccountRegistry();

export function testEnv(
  over: Partial<Omit<ConnectorEnv, 'endpoints'>> & { endpoints?: Partial<ConnectorEnv['endpoints']> } = {},
): ConnectorEnv {
  const base = connectorEnvOf(loadConfig({}));
  return {
    ...base,
    localRoots: [],
    allowPrivateEndpoints: true,
    accounts,
    ...over,
    endpoints: { ...base.endpoints, ...over.endpoints },
  };
}
