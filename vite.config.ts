import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

// The dashboard is a static bundle served by the ccpulse process itself.
export default defineConfig({
  root: 'src/web',
  base: './',
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // two pages: the live view and the reports
    rollupOptions: { input: { live: resolve(here, 'src/web/index.html'), reports: resolve(here, 'src/web/reports.html') } },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
