// Fails when any page's first load (the entry, everything it imports, and the page's own
// chunk with its imports: what a cold visit to that URL downloads before data) is over budget
// in the precompressed form the gateway serves, or when a variant is missing.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 150 * 1000; // bytes of JS + CSS, compressed
const dist = join(dirname(fileURLToPath(import.meta.url)), '../dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
if (!entryKey) throw new Error('no entry in the Vite manifest');

/** Every file loaded with `key`: its chunk, its static imports (transitively) and their CSS. */
function closure(key, files = new Set()) {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return files;
  files.add(chunk.file);
  for (const css of chunk.css ?? []) files.add(css);
  for (const imported of chunk.imports ?? []) closure(imported, files);
  return files;
}

const size = (file, ext) => {
  const path = join(dist, file + ext);
  if (!existsSync(path)) throw new Error(`${file}${ext} is missing: the build must precompress every asset`);
  return statSync(path).size;
};

const pages = [['(sign-in)', entryKey], ...(manifest[entryKey].dynamicImports ?? []).map((k) => [k.replace(/^src\/pages\/|\.tsx$/g, ''), k])];
const report = {};
let over = false;
for (const [name, key] of pages) {
  const files = new Set([...closure(entryKey), ...closure(key)]);
  let br = 0;
  let gz = 0;
  let raw = 0;
  for (const f of files) {
    br += size(f, '.br');
    gz += size(f, '.gz');
    raw += size(f, '');
  }
  report[name] = { files: files.size, raw, brotli: br, gzip: gz };
  const bad = Math.max(br, gz) > BUDGET;
  over ||= bad;
  console.log(`${bad ? 'OVER ' : '     '}${name.padEnd(14)} ${(br / 1000).toFixed(1).padStart(6)} kB br  ${(gz / 1000).toFixed(1).padStart(6)} kB gzip  ${(raw / 1000).toFixed(1).padStart(6)} kB raw  (${files.size} files)`);
}
console.log(`first load of every page: budget ${BUDGET / 1000} kB compressed JS + CSS`);
if (process.env.BUNDLE_REPORT) writeFileSync(process.env.BUNDLE_REPORT, JSON.stringify({ budget: BUDGET, pages: report }, null, 2));
if (over) process.exit(1);
