import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The reference web client: built into dist/web by `npm run build`, served by the local host at / (npm start).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // why: relative asset URLs, so the built folder works from any path of any static host
  base: './',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // why: a loaded CI machine makes the plugin-timing advice noise
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
