import drive from '../../connectors/google-drive/index.ts';
import { startGoogleFake } from '../fakes/google.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';
import { conformance } from './suite.ts';

conformance('google-drive (emulator)', async () => {
  const fake = await startGoogleFake();
  const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
  const env = testEnv({ endpoints: { googleDrive: fake.url } });
  return { handle: drive.open!({ options: {}, tokens }, env), close: () => fake.close() };
});
