// `make size`: the page's transferred weight, gzip -9 of every wasm, JS and CSS file in dist/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, extname, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = process.argv[2] ?? 'dist';
const walk = (d) => readdirSync(d).flatMap((f) => {
  const p = join(d, f);
  return statSync(p).isDirectory() ? walk(p) : [p];
});
const kinds = new Set(['.wasm', '.js', '.css', '.html']);
let raw = 0, gz = 0;
const rows = [];
for (const f of walk(root).filter((f) => kinds.has(extname(f))).sort()) {
  const buf = readFileSync(f);
  const g = gzipSync(buf, { level: 9 }).length;
  raw += buf.length; gz += g;
  rows.push([relative(root, f), buf.length, g]);
}
const w = Math.max(...rows.map((r) => r[0].length), 5);
console.log(`${'file'.padEnd(w)}  ${'bytes'.padStart(10)}  ${'gzip -9'.padStart(10)}`);
for (const [f, b, g] of rows) console.log(`${f.padEnd(w)}  ${String(b).padStart(10)}  ${String(g).padStart(10)}`);
console.log(`${'total'.padEnd(w)}  ${String(raw).padStart(10)}  ${String(gz).padStart(10)}`);
console.log(`page weight (gzip of wasm + JS + CSS + HTML): ${(gz / 1024).toFixed(1)} KiB`);
