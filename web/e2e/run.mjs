// End to end in headless Chromium against the real system: every service as its own
// process (so one can be stopped), the built UI served by the gateway. Screenshots of each
// page go to e2e/screenshots/.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = process.env.STOCKROOM_BIN ?? join(root, 'target/debug/stockroom');
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });

const freePort = () =>
  new Promise((ok, fail) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });

const data = mkdtempSync(join(tmpdir(), 'stockroom-e2e-'));
const ports = { gateway: await freePort(), auth: await freePort(), inventory: await freePort(), orders: await freePort() };
const url = (s) => `http://127.0.0.1:${ports[s]}`;
const env = {
  ...process.env,
  BIND_ADDR: '127.0.0.1',
  GATEWAY_PORT: String(ports.gateway),
  AUTH_PORT: String(ports.auth),
  INVENTORY_PORT: String(ports.inventory),
  ORDERS_PORT: String(ports.orders),
  AUTH_URL: url('auth'),
  INVENTORY_URL: url('inventory'),
  ORDERS_URL: url('orders'),
  SERVICE_CLIENT_SECRET: 'e2e-secret-' + Math.random().toString(16).slice(2),
  STOCKROOM_WEB_DIR: join(root, 'web/dist'),
  RATE_LIMIT_PER_SECOND: '1000',
  RATE_LIMIT_BURST: '2000',
  RUST_LOG: 'warn',
};
delete env.OPENROUTER_API_KEY;

const procs = {};
function start(service) {
  const p = spawn(bin, ['serve', service], {
    env: { ...env, DATABASE_URL: `sqlite://${data}/${service}.db` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  procs[service] = p;
  return p;
}

async function waitHealthy(service, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url(service)}/healthz`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${service} did not become healthy`);
}

function stopAll() {
  for (const p of Object.values(procs)) p.kill('SIGKILL');
  rmSync(data, { recursive: true, force: true });
}

const steps = [];
let current;
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    steps.push({ name, ok: true });
    console.log(`  ok    ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    steps.push({ name, ok: false });
    console.log(`  FAIL  ${name}: ${e.message}`);
    await current?.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => undefined);
    throw e;
  }
}

let browser;
let exitCode = 0;
try {
  for (const s of ['auth', 'inventory', 'orders', 'gateway']) start(s);
  await Promise.all(Object.keys(ports).map((s) => waitHealthy(s)));
  browser = await chromium.launch({
    executablePath: browserPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  // Nothing may load from outside this machine: count any attempt, then refuse it.
  const external = [];
  await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => {
    external.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  current = page;
  page.setDefaultTimeout(10000);
  const base = url('gateway');
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  async function register(name, email) {
    await page.goto(`${base}/register`);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
  }
  async function signIn(email) {
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  async function signOut() {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Stockroom' }).waitFor();
  }
  async function createProduct(sku, name, price, stock) {
    await page.getByRole('button', { name: 'New product' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('SKU').fill(sku);
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Price').fill(price);
    await dialog.getByLabel('Reorder point').fill('5');
    await dialog.getByLabel('Initial stock').fill(stock);
    await dialog.getByRole('button', { name: 'Create product' }).click();
    await page.getByText(`Created ${sku} with ${stock} in stock`).waitFor();
  }

  await step('the first user to register becomes admin and sees the dashboard', async () => {
    await page.goto(base);
    await page.getByRole('heading', { name: 'Sign in to Stockroom' }).waitFor();
    await shot('signin');
    await register('Olivia Owner', 'owner@example.com');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('owner@example.com · admin').waitFor();
    await shot('dashboard-empty');
  });

  await step('staff create products, with field errors shown on bad input', async () => {
    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByText('No products yet — add one or import a CSV.').waitFor();
    await page.getByRole('button', { name: 'New product' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('SKU').fill('bad sku!');
    await dialog.getByLabel('Name').fill('Broken');
    await dialog.getByLabel('Price').fill('1');
    await dialog.getByRole('button', { name: 'Create product' }).click();
    await dialog.getByText(/must be 1 to 64 characters/).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await createProduct('TEA-1', 'Green tea', '4.50', '20');
    await createProduct('MUG-1', 'Stoneware mug', '12.00', '3');
    await page.getByRole('cell', { name: 'Stoneware mug' }).waitFor();
    await shot('products');
  });

  await step('a customer places an order from the catalogue', async () => {
    await signOut();
    await register('Casey Customer', 'casey@example.com');
    await page.getByRole('heading', { name: 'My orders' }).waitFor();
    await page.getByRole('link', { name: 'New order' }).click();
    await page.getByRole('button', { name: 'Add Green tea' }).click();
    await page.getByRole('button', { name: 'Add Green tea' }).click();
    await page.getByRole('button', { name: 'Add Stoneware mug' }).click();
    await page.getByLabel('Note (optional)').fill('Gift wrap, please');
    await shot('order-new');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { name: /Order SR-\d+/ }).waitFor();
    await page.getByText('confirmed', { exact: true }).first().waitFor();
    await page.getByText('AI is not configured, so there is no summary.').waitFor();
    await shot('order-detail-customer');
  });

  await step('staff see the order, fulfil it, and the stock moves', async () => {
    await signOut();
    await signIn('owner@example.com');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('cell', { name: 'casey@example.com' }).waitFor();
    await shot('orders');
    await page.getByRole('link', { name: /SR-\d+/ }).first().click();
    await page.getByRole('button', { name: 'Fulfil' }).click();
    await page.locator('h1 .pill', { hasText: 'fulfilled' }).waitFor();
    await page.getByRole('link', { name: 'Green tea' }).click();
    await page.getByRole('heading', { name: /Green tea/ }).waitFor();
    // 20 received, 2 committed: 18 on hand, nothing reserved.
    const onHand = page.locator('.kpi', { hasText: 'On hand' }).locator('strong');
    if ((await onHand.textContent()) !== '18') throw new Error(`on hand is ${await onHand.textContent()}, expected 18`);
    await page.getByRole('cell', { name: 'committed' }).waitFor();
    await shot('product-detail');
  });

  await step('the dashboard shows the day', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.locator('.kpi', { hasText: 'Revenue today' }).getByText('$21.00').waitFor();
    await page.getByText('Stoneware mug', { exact: false }).first().waitFor();
    await shot('dashboard');
  });

  await step('other pages render: suppliers, restock, assistant, users', async () => {
    await page.getByRole('link', { name: 'Suppliers' }).click();
    await page.getByRole('button', { name: 'New supplier' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Leaf & Co');
    await page.getByRole('dialog').getByLabel('Lead time (days)').fill('10');
    await page.getByRole('dialog').getByRole('button', { name: 'Add supplier' }).click();
    await page.getByRole('cell', { name: 'Leaf & Co' }).waitFor();
    await shot('suppliers');
    await page.getByRole('link', { name: 'Restock' }).click();
    await page.getByText('AI is not configured. The forecast below').waitFor();
    await page.getByRole('cell', { name: /Stoneware mug/ }).waitFor();
    await shot('restock');
    await page.getByRole('link', { name: 'Assistant' }).click();
    await page.getByText('AI is not configured', { exact: true }).waitFor();
    await shot('assistant');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('cell', { name: 'casey@example.com' }).waitFor();
    await shot('users');
  });

  await step('with inventory stopped the dashboard degrades, not a blank page', async () => {
    procs.inventory.kill('SIGKILL');
    await new Promise((r) => procs.inventory.once('exit', r));
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.reload();
    await page.getByText('Inventory unavailable').waitFor();
    await page.locator('.kpi', { hasText: 'Revenue today' }).waitFor();
    await page.getByText('inventory: down').waitFor();
    await shot('dashboard-degraded');
    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByText('Temporarily unavailable').waitFor({ timeout: 20000 });
    await shot('products-unavailable');
  });

  await step('the API docs render from the gateway with the network blocked', async () => {
    await page.goto(`${base}/docs/`);
    await page.getByText('Stockroom API').first().waitFor();
    await page.getByText('/api/orders').first().waitFor();
    await shot('docs');
  });

  await step('a phone-width screen keeps the console usable', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}/orders`);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Orders' }).waitFor();
    await shot('orders-phone');
  });

  await step('no request left this machine', async () => {
    if (external.length) throw new Error(`external requests: ${external.join(', ')}`);
  });
} catch (e) {
  exitCode = 1;
  if (!steps.length || steps.at(-1).ok) console.error(e);
} finally {
  await browser?.close();
  stopAll();
}
const passed = steps.filter((s) => s.ok).length;
console.log(`e2e: ${passed} passed, ${steps.length - passed} failed`);
process.exit(exitCode);
