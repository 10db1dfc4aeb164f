// A ConnectorEnv for tests that open connectors directly (conformance): the real services' base
// URLs unless a test points one at its emulator.
import type { ConnectorEnv } from '../../connectors/types.ts';
import { connectorEnvOf, loadConfig } from '../../services/core/config.ts';

export function testEnv(
  over: Partial<Omit<ConnectorEnv, 'endpoints'>> & { endpoints?: Partial<ConnectorEnv['endpoints']> } = {},
): ConnectorEnv {
  const base = connectorEnvOf(loadConfig({}));
  return {
    ...base,
    localRoots: [],
    allowPrivateEndpoints: true,
    ...over,
    endpoints: { ...base.endpoints, ...over.endpoints },
  };
}
