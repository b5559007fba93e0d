import { defineConfig } from 'vite';

// The dashboard is a static bundle served by the ccpulse process itself.
export default defineConfig({
  root: 'src/web',
  base: './',
  build: { outDir: '../../dist/web', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
