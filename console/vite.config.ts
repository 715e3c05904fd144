import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Served by Linli at /console (src/http/console-static.ts); `npm run dev` proxies the API to a
// Linli on :3000.
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
