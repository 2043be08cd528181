// Lighthouse (mobile: emulated phone, simulated slow 4G and a 4× slower CPU) on the dashboard
// and the products page of the real system, signed in, cold cache, with Debian's Chromium and
// no network beyond loopback. Each page is measured RUNS times and the median kept; scores go
// to bench/results/lighthouse.json. Fails under the targets: accessibility and best practices
// 100, and performance 90 when LIGHTHOUSE_GATE_PERFORMANCE=1 (make bench). make test records the
// performance score without failing on it: it depends on the machine's load, and timings do
// not gate tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { browserPath, call, root, startSystem } from './system.mjs';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const TARGETS = { performance: 90, accessibility: 100, 'best-practices': 100 };
const GATED = Object.keys(TARGETS).filter((c) => c !== 'performance' || process.env.LIGHTHOUSE_GATE_PERFORMANCE === '1');
const PAGES = [
  { name: 'dashboard', path: '/', ready: 'Dashboard' },
  { name: 'products', path: '/products', ready: 'Products' },
];
const out = process.env.LIGHTHOUSE_OUT ?? join(root, 'bench/results/lighthouse.json');
const password = 'correct horse battery';

/** A believable shop: a dozen products, a few customers' orders over the month, some fulfilled. */
async function seed(base) {
  await call(base, 'POST', '/api/auth/register', { name: 'Olivia Owner', email: 'owner@example.com', password });
  const owner = await call(base, 'POST', '/api/auth/login', { email: 'owner@example.com', password });
  const staff = owner.access_token;
  const products = [];
  const names = ['Green tea', 'Black tea', 'Stoneware mug', 'Espresso cup', 'Teapot', 'Tea strainer', 'Honey jar',
    'Oolong tea', 'Matcha whisk', 'Travel flask', 'Coaster set', 'Gift box'];
  for (const [i, name] of names.entries()) {
    products.push(await call(base, 'POST', '/api/products', {
      sku: `SKU-${String(i + 1).padStart(3, '0')}`, name, category: i % 2 ? 'Tableware' : 'Tea',
      price_cents: 350 + i * 275, reorder_point: 5, reorder_quantity: 20, initial_stock: i % 4 === 0 ? 3 : 40,
    }, staff));
  }
  await call(base, 'POST', '/api/auth/register', { name: 'Casey Customer', email: 'casey@example.com', password });
  const casey = (await call(base, 'POST', '/api/auth/login', { email: 'casey@example.com', password })).access_token;
  for (let i = 0; i < 6; i++) {
    const lines = [{ product_id: products[(i * 5) % products.length].id, quantity: 1 + (i % 3) }];
    const order = await call(base, 'POST', '/api/orders', { lines }, casey, { 'idempotency-key': `seed-${i}` });
    if (i % 2 === 0) await call(base, 'POST', `/api/orders/${order.id}/fulfil`, {}, staff);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let system;
let chrome;
// Whatever fails, the services and the browser this script started do not outlive it.
process.on('uncaughtException', (e) => {
  console.error(e);
  system?.stop();
  chrome?.kill();
  process.exit(1);
});
let browser;
let passed = 0;
let failed = false;
try {
  system = await startSystem();
  const { base } = system;
  await seed(base);
  console.log('lighthouse: system up and seeded');

  chrome = await chromeLauncher.launch({
    chromePath: browserPath,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
  const page = await browser.newPage();
  // The session lives in this tab (sessionStorage): sign in here and let Lighthouse use the tab.
  await page.goto(`${base}/signin`);
  await page.locator('input[type=email]').fill('owner@example.com');
  await page.locator('input[type=password]').fill(password);
  await page.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Dashboard');
  console.log('lighthouse: signed in');
  const cdp = await page.createCDPSession();

  const report = { measured_at: new Date().toISOString(), runs: RUNS, form_factor: 'mobile', targets: TARGETS, pages: {} };
  let benchmarkIndex;
  for (const p of PAGES) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      // A cold load each time, but the session (sessionStorage) stays.
      await cdp.send('Network.clearBrowserCache');
      const result = await lighthouse(`${base}${p.path}`, {
        output: 'json',
        logLevel: 'error',
        onlyCategories: Object.keys(TARGETS),
        disableStorageReset: true,
      }, undefined, page);
      const lhr = result.lhr;
      if (lhr.runtimeError) throw new Error(`${p.name}: ${lhr.runtimeError.message}`);
      benchmarkIndex ??= lhr.environment.benchmarkIndex;
      const heading = await page.evaluate(() => document.querySelector('h1')?.textContent);
      if (heading !== p.ready) throw new Error(`${p.name}: Lighthouse measured "${heading}", not the signed-in page`);
      const a = lhr.audits;
      // The whole report, for looking into a score (LIGHTHOUSE_FULL=<folder>).
      if (process.env.LIGHTHOUSE_FULL) writeFileSync(join(process.env.LIGHTHOUSE_FULL, `${p.name}-${i + 1}.json`), result.report);
      runs.push({
        scores: Object.fromEntries(Object.keys(TARGETS).map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)])),
        metrics: {
          fcp_ms: Math.round(a['first-contentful-paint'].numericValue),
          lcp_ms: Math.round(a['largest-contentful-paint'].numericValue),
          tbt_ms: Math.round(a['total-blocking-time'].numericValue),
          cls: Number(a['cumulative-layout-shift'].numericValue.toFixed(3)),
          speed_index_ms: Math.round(a['speed-index'].numericValue),
          transfer_bytes: Math.round(a['total-byte-weight'].numericValue),
        },
        failing: Object.keys(TARGETS).filter((c) => c !== 'performance').flatMap((c) =>
          lhr.categories[c].auditRefs.filter((r) => r.weight > 0 && a[r.id].score !== null && a[r.id].score < 1).map((r) => `${c}: ${r.id}`)),
      });
    }
    const scores = Object.fromEntries(Object.keys(TARGETS).map((c) => [c, median(runs.map((r) => r.scores[c]))]));
    const metrics = Object.fromEntries(Object.keys(runs[0].metrics).map((m) => [m, median(runs.map((r) => r.metrics[m]))]));
    report.pages[p.name] = { path: p.path, scores, metrics, runs };
    const below = Object.entries(TARGETS).filter(([c, t]) => GATED.includes(c) && scores[c] < t);
    if (scores.performance < TARGETS.performance && !GATED.includes('performance')) {
      console.log(`note  ${p.name}: performance ${scores.performance} is below the target ${TARGETS.performance} (recorded, not gating here)`);
    }
    failed ||= below.length > 0;
    if (!below.length) passed += 1;
    console.log(`${below.length ? 'FAIL' : 'ok  '}  ${p.name.padEnd(10)} performance ${scores.performance}, accessibility ${scores.accessibility}, best practices ${scores['best-practices']}` +
      `  (LCP ${metrics.lcp_ms} ms, TBT ${metrics.tbt_ms} ms, CLS ${metrics.cls}, ${Math.round(metrics.transfer_bytes / 1000)} kB)`);
    for (const f of new Set(runs.flatMap((r) => r.failing))) console.log(`        ${f}`);
  }
  // How fast this machine's CPU is by Lighthouse's yardstick (a mid-range desktop scores ~1500+).
  report.benchmark_index = benchmarkIndex;
  console.log(`lighthouse: this machine's benchmark index is ${benchmarkIndex}`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`lighthouse: scores written to ${out}`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser?.disconnect().catch(() => undefined);
  await chrome?.kill();
  system?.stop();
}
console.log(`lighthouse: ${passed} passed, ${PAGES.length - passed} failed`);
process.exit(failed ? 1 : 0);
