/// <reference types="vitest/config" />
// Build, dev server and unit tests of the web client.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const target = process.env.DAILIES_URL ?? 'http://127.0.0.1:8095';

export default defineConfig({
  plugins: [svelte()],
  // Tests run Svelte's browser build (jsdom), not its server build.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  server: {
    proxy: {
      '/api': { target, ws: true, changeOrigin: true },
      '/files': { target, changeOrigin: true },
    },
  },
  build: { outDir: 'dist', sourcemap: true, target: 'es2022' },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.spec.ts'],
    // tus-js-client picks its build by package.json's "browser" field, which vitest does not
    // read: without this alias the tests would run its Node build (no XMLHttpRequest).
    alias: { 'tus-js-client': fileURLToPath(new URL('./node_modules/tus-js-client/lib.esm/browser/index.js', import.meta.url)) },
  },
});
