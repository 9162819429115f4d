// Vite builds the page from www/ into dist/ (relative URLs, so the book site can host it anywhere).
// Entries: the page (index.html), the iframe form (embed.html), the Quarto-style example page, and
// the custom element as one ES module with a stable name (dist/embed.js). After the build, the
// "precache" plugin writes dist/sw.js, the offline service worker, with the list of built files.
import { defineConfig } from 'vite';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = resolve(here, 'dist');

function precache() {
  return {
    name: 'precache',
    apply: 'build',
    closeBundle() {
      const walk = (d) => readdirSync(d).flatMap((f) => {
        const p = join(d, f);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
      const files = walk(out).map((p) => relative(out, p).split('\\').join('/'))
        .filter((f) => f !== 'sw.js' && !f.endsWith('.map')).sort();
      const list = ['./', ...files.map((f) => `./${f}`)];
      const version = createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 12);
      const src = readFileSync(resolve(here, 'www/src/sw-template.js'), 'utf8')
        .replace('__PRECACHE__', JSON.stringify(list, null, 1))
        .replace('__VERSION__', version);
      writeFileSync(join(out, 'sw.js'), src);
    },
  };
}

export default defineConfig({
  root: 'www',
  base: './',
  publicDir: 'public',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false }, // every browser with module workers has modulepreload
    rollupOptions: {
      input: {
        index: resolve(here, 'www/index.html'),
        'embed-page': resolve(here, 'www/embed.html'),
        example: resolve(here, 'www/example-quarto.html'),
        embed: resolve(here, 'www/embed.js'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'embed' ? 'embed.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  // The engine worker imports the wasm-bindgen glue, an ES module.
  worker: { format: 'es' },
  plugins: [precache()],
  server: { host: '127.0.0.1', fs: { allow: ['..'] } },
  preview: { host: '127.0.0.1' },
});
