// Vite builds the page from www/ into dist/ (relative URLs, so the book site can host it anywhere).
// Entries: the page (index.html), the iframe form (embed.html), the Quarto-style example page, and
// the custom element as one ES module with a stable name (dist/embed.js), and the engine's early
// start (www/src/early.js, put inline into the two pages by the "early-engine" plugin). After the
// build, the "precache" plugin writes dist/sw.js, the offline service worker, with the list of
// built files.
import { defineConfig, minifySync } from 'vite';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL_FIRST } from './www/src/full-first.js';

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
      // The learner's sandbox and editor (about 2.4 MB gzip, docs/learner-code.md) are fetched only
      // when a learner opens "Write your own"; the worker caches them then, not at install, so a
      // reader who never opens the editor never downloads them.
      const onDemand = (f) => /^assets\/(mlops_loop_py_bg|pyworker|sandbox|editor)-[\w-]+\.(js|wasm)$/.test(f);
      const list = ['./', ...files.filter((f) => !onDemand(f)).map((f) => `./${f}`)];
      const later = files.filter(onDemand).map((f) => `./${f}`);
      const version = createHash('sha256').update([...list, ...later].join('\n')).digest('hex').slice(0, 12);
      const src = readFileSync(resolve(here, 'www/src/sw-template.js'), 'utf8')
        .replace('__PRECACHE__', JSON.stringify(list, null, 1))
        .replace('__ON_DEMAND__', JSON.stringify(later, null, 1))
        .replace('__VERSION__', version);
      writeFileSync(join(out, 'sw.js'), src);
    },
  };
}

/**
 * www/src/early.js minified (the Vite's own minifier, pinned by package-lock.json: the same file
 * gives the same text, whose hash the policy carries): the pages' one inline script.
 */
function earlyScript() {
  const { code, errors } = minifySync('early.js', readFileSync(resolve(here, 'www/src/early.js'), 'utf8'), { compress: true, mangle: true });
  if (errors.length) throw new Error(`www/src/early.js: ${errors.map((e) => e.message).join('; ')}`);
  return code.trim();
}

/**
 * Vite joins every module script of a page into one entry, so the page could not start its engine
 * before its whole bundle has arrived and run. This writes www/src/early.js inline into index.html
 * and embed.html, before any other script: it starts the engine worker and the fetch and compile
 * of the module the link needs while the HTML is parsed (the policy allows it by its hash, checked
 * here); the page's engine adopts that worker. The panels that start on the full module go into
 * its `data-full` from www/src/full-first.js, the list engine.js reads: one decision, one home.
 */
function earlyEngine() {
  return {
    name: 'early-engine',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!/(^|\/)(index|embed)\.html$/.test(ctx.filename ?? ctx.path ?? '')) return html;
        const files = Object.keys(ctx.bundle ?? {});
        const one = (re) => {
          const found = files.filter((f) => re.test(f));
          if (found.length !== 1) this.error(`early-engine: expected one file like ${re}, found ${found.length}`);
          return `./${found[0]}`;
        };
        const urls = [/^assets\/worker-(?!full-)[\w-]+\.js$/, /^assets\/worker-full-[\w-]+\.js$/,
          /^assets\/mlops_loop_lite_bg-[\w-]+\.wasm$/, /^assets\/mlops_loop_bg-[\w-]+\.wasm$/].map(one);
        if (!FULL_FIRST.length || !FULL_FIRST.every((p) => /^[\w-]+$/.test(p))) this.error('early-engine: www/src/full-first.js must list panel ids ([\\w-]+)');
        const code = earlyScript();
        const hash = `'sha256-${createHash('sha256').update(code).digest('base64')}'`;
        const policy = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1] ?? '';
        if (!policy.split(';').some((d) => d.trim().startsWith('script-src ') && d.split(/\s+/).includes(hash))) {
          this.error(`early-engine: the Content-Security-Policy of ${ctx.filename} must allow www/src/early.js: script-src ... ${hash}`);
        }
        // early.js is the page's one fetch of its module, the one the link needs: a preload of a
        // module would fetch it on every link (the lite one on the timeline's, for nothing).
        if (/<link\b[^>]*\.wasm"/.test(html)) this.error('early-engine: the page links a WASM module (a preload?): early.js fetches the one it needs');
        // early.js before the first script; an inline script waits for the style sheets before it:
        // none may come first.
        const first = html.search(/<script\b/);
        if (first === -1) this.error('early-engine: the page has no script');
        const css = html.search(/<link rel="stylesheet"/);
        if (css !== -1 && css < first) this.error('early-engine: a style sheet comes before the page\'s first script');
        const early = `<script data-engine="${urls.join(' ')}" data-full="${FULL_FIRST.join(' ')}">${code}</script>\n  `;
        // The pages' comments are for their source's readers: not sent with every first load.
        return (html.slice(0, first) + early + html.slice(first)).replace(/\n\s*<!--[\s\S]*?-->/g, '');
      },
    },
  };
}

/**
 * Observable Plot 0.6.17's src/format.js builds an `Intl.NumberFormat` while its module is
 * evaluated (for its default formatter). The first number formatter of a page initialises the
 * browser's locale data: about 20 ms of CPU in one task (40–100 ms on a busy machine), the longest
 * task of a chart's first draw, though the page's charts format their own numbers (format.js) and
 * never call it. This makes that formatter build its `Intl.NumberFormat` on first use (Plot keeps
 * one per locale), so a page that never needs it never pays for it. The build fails if the line it
 * replaces changes (a Plot upgrade): then check whether this is still needed.
 */
function lazyPlotFormat() {
  const eager = 'const format = numberFormat(locale);\n  return (i) => (i != null && !isNaN(i) ? format.format(i) : undefined);';
  const lazy = 'return (i) => (i != null && !isNaN(i) ? numberFormat(locale).format(i) : undefined);';
  return {
    name: 'lazy-plot-format',
    transform(code, id) {
      if (!/[\\/]@observablehq[\\/]plot[\\/]src[\\/]format\.js$/.test(id.split('?')[0])) return null;
      if (!code.includes(eager)) this.error(`lazy-plot-format: ${id} no longer has the line it makes lazy`);
      return { code: code.replace(eager, lazy), map: null };
    },
  };
}

/**
 * The page's Content-Security-Policy, read from its one home: the <meta> tag of www/index.html.
 * `vite preview` (`make serve`) sends it as a header on every response, so that it also governs
 * the service worker (a worker's policy comes from its own response; SECURITY.md).
 */
export function pagePolicy() {
  const html = readFileSync(resolve(here, 'www/index.html'), 'utf8');
  const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/);
  if (!m) throw new Error('www/index.html has no Content-Security-Policy meta tag');
  return m[1];
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
  // The engine worker imports the wasm-bindgen glue, an ES module. worker-full.js imports the full
  // module's glue statically and worker.js (in the same bundle) dynamically, on purpose: that
  // bundle carries the glue inside, the worker.js bundle keeps it a chunk of its own; the build's
  // warning that the dynamic import does not split that one bundle is switched off for workers.
  worker: { format: 'es', rolldownOptions: { checks: { ineffectiveDynamicImport: false } } },
  plugins: [lazyPlotFormat(), earlyEngine(), precache()],
  server: { host: '127.0.0.1', fs: { allow: ['..'] } },
  preview: { host: '127.0.0.1', headers: { 'Content-Security-Policy': pagePolicy() } },
});
