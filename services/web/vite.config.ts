// The web app's build (`npm run build`, run by `npm install`) and its dev server (`npm run dev`),
// which proxies the API to a running Ferry (FERRY_DEV_API, default http://127.0.0.1:3000).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.FERRY_DEV_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(
      ['/api', '/healthz', '/readyz', '/docs', '/openapi.json'].map((p) => [p, { target: api, changeOrigin: false }]),
    ),
  },
});
