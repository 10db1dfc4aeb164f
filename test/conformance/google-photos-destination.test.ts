// Google Photos as a destination (restore into albums Ferry creates), against its emulator: the
// destination half of the shared suite for a destination that only adds, read back through the
// Library API source (the albums and items Ferry created).
import photos from '../../connectors/google-photos/index.ts';
import { startGoogleFake } from '../fakes/google.ts';
import { memoryTokens } from '../fakes/oauth.ts';
import { testEnv } from '../support/env.ts';
import { conformance } from './suite.ts';

conformance(
  'google-photos (emulator)',
  async () => {
    const fake = await startGoogleFake();
    const tokens = memoryTokens(`${fake.url}/token`, fake.clientId, fake.clientSecret, fake.oauth.issueTokens());
    const env = testEnv({ endpoints: { googlePhotos: fake.url, googlePicker: fake.url } });
    return { handle: photos.open!({ options: {}, tokens }, env), close: () => fake.close() };
  },
  { source: false, destination: 'adds only' },
);
