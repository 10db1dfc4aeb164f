// `npm run fakes`: the Google, Dropbox and Microsoft emulators on fixed local ports, so a Ferry
// started by `npm start` with the printed variables connects to them as a person would, through
// the browser's redirects. Stops on Ctrl-C.
import { startDropboxFake } from './dropbox.ts';
import { startGoogleFake } from './google.ts';
import { makeJpeg, makeMp4 } from './google/media.ts';
import { startMicrosoftFake } from './microsoft.ts';

const client = { clientId: 'ferry-dev', clientSecret: 'ferry-dev-secret' };
const google = await startGoogleFake({ ...client, port: 9100 });
// Something to pick in the Google Photos Picker: a dozen photos and two videos.
for (let i = 0; i < 14; i++) {
  const video = i >= 12;
  await google.photos.addMedia({
    filename: video ? `VID_2024070${i - 11}.mp4` : `IMG_202407${String(i + 1).padStart(2, '0')}.jpg`,
    bytes: video ? makeMp4(i, 200_000) : makeJpeg(i, 60_000),
    type: video ? 'VIDEO' : 'PHOTO',
    mimeType: video ? 'video/mp4' : 'image/jpeg',
    createTime: new Date(Date.UTC(2024, 6, i + 1, 10)).toISOString(),
  });
}
const dropbox = await startDropboxFake({ ...client, ports: { api: 9200, content: 9201 } });
const microsoft = await startMicrosoftFake({ ...client, port: 9300 });

const env = {
  FERRY_GOOGLE_CLIENT_ID: client.clientId,
  FERRY_GOOGLE_CLIENT_SECRET: client.clientSecret,
  FERRY_GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
  FERRY_GOOGLE_TOKEN_URL: `${google.url}/token`,
  FERRY_GOOGLE_DRIVE_URL: google.url,
  FERRY_GOOGLE_PHOTOS_URL: google.url,
  FERRY_GOOGLE_PICKER_URL: google.url,
  FERRY_DROPBOX_CLIENT_ID: client.clientId,
  FERRY_DROPBOX_CLIENT_SECRET: client.clientSecret,
  FERRY_DROPBOX_AUTH_URL: `${dropbox.apiUrl}/oauth2/authorize`,
  FERRY_DROPBOX_TOKEN_URL: `${dropbox.apiUrl}/oauth2/token`,
  FERRY_DROPBOX_API_URL: dropbox.apiUrl,
  FERRY_DROPBOX_CONTENT_URL: dropbox.contentUrl,
  FERRY_MS_CLIENT_ID: client.clientId,
  FERRY_MS_CLIENT_SECRET: client.clientSecret,
  FERRY_MS_AUTH_URL: `${microsoft.url}/common/oauth2/v2.0/authorize`,
  FERRY_MS_TOKEN_URL: `${microsoft.url}/common/oauth2/v2.0/token`,
  FERRY_GRAPH_URL: microsoft.url,
  // The Microsoft emulator serves HTTPS with a certificate from a CA made as it started
  // (test/support/test-ca.ts): Ferry trusts that CA through this, as long as the emulators run.
  NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '',
};
console.log(
  `Emulators up: Google ${google.url}, Dropbox ${dropbox.apiUrl} ` +
    `(content ${dropbox.contentUrl}), Microsoft ${microsoft.url}.`,
);
console.log('Start Ferry against them with:\n');
console.log(
  `${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' \\\n  ')} \\\n  npm start\n`,
);
console.log(
  `Then sign in, and connect a cloud: ` +
    `$${'{'}FERRY_PUBLIC_URL:-http://127.0.0.1:3000}/api/v1/oauth/google-drive/start ` +
    `(or google-photos, dropbox, onedrive).`,
);

const stop = async () => {
  await Promise.all([google.close(), dropbox.close(), microsoft.close()]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
