import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API and the WebSocket to a running parley server
// (PARLEY_URL, default http://127.0.0.1:5000), so the page keeps a same-origin /ws.
const target = process.env.PARLEY_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    target: 'es2020',
    sourcemap: false,
    // No inline scripts or modulepreload polyfill: the server's CSP is script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/ws': { target, ws: true, changeOrigin: false },
      '/config': target,
      '/health': target,
      '/disconnect': target,
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
