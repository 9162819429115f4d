// Vite builds the page from www/ into dist/ (relative URLs, so the book site can host it anywhere).
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'www',
  base: './',
  publicDir: 'public',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
  },
  // The engine worker imports the wasm-bindgen glue, an ES module.
  worker: { format: 'es' },
  server: { host: '127.0.0.1', fs: { allow: ['..'] } },
  preview: { host: '127.0.0.1' },
});
