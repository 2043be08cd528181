// Live updates and webhooks end to end in headless Chromium against the real system: staff
// watch the order list while a customer orders elsewhere (the order appears and a toast says
// so, with no reload), then an admin adds a webhook on the Webhooks page and sees the next
// order delivered to a receiver on loopback, signed with the secret the page showed once; last,
// the admin chooses new-order alerts for themselves and sees the next one in the email log.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { browserPath, call, chromiumArgs, startSystem } from './system.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

let page;
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`  ok    ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    console.log(`  FAIL  ${name}: ${e.message}`);
    await page?.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => undefined);
    throw e;
  }
}

/** A webhook receiver on loopback: every delivery with its headers and raw body. */
async function startReceiver() {
  const deliveries = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/stockroom`, deliveries, close: () => server.close() };
}

/** Waits until `probe` returns something truthy, or fails naming `what`. */
async function until(what, probe, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let browser;
let system;
let receiver;
let exitCode = 0;
try {
  // The receiver lives on loopback, which webhooks may reach only when allowed.
  system = await startSystem({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  receiver = await startReceiver();
  const { base } = system;
  const password = 'correct horse battery';
  await call(base, 'POST', '/api/auth/register', { email: 'owner@example.com', password, name: 'Olivia Owner' });
  await call(base, 'POST', '/api/auth/register', { email: 'casey@example.com', password, name: 'Casey Customer' });
  const { access_token: owner } = await call(base, 'POST', '/api/auth/login', { email: 'owner@example.com', password });
  const { access_token: casey } = await call(base, 'POST', '/api/auth/login', { email: 'casey@example.com', password });
  const tea = await call(base, 'POST', '/api/products', { sku: 'LIVE-TEA', name: 'Assam tea', price_cents: 900, initial_stock: 20 }, owner);
  const order = () => call(base, 'POST', '/api/orders', { lines: [{ product_id: tea.id, quantity: 1 }] }, casey);

  browser = await chromium.launch({ executablePath: browserPath, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.setDefaultNavigationTimeout(30000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Live events start at sign-in: the stream's answer (its headers) means it is listening.
  const streaming = page.waitForResponse((r) => r.url().endsWith('/api/events/stream') && r.status() === 200, { timeout: 30000 });
  await page.goto(`${base}/signin`);
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

  await step('an order placed elsewhere appears in the open order list, announced by a toast', async () => {
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await streaming;
    await page.getByText(/No orders yet/).waitFor();
    const placed = await order();
    // Polling would take 15 s to notice; the stream does it at once, and only it announces.
    await page.getByText(`New order ${placed.number} from casey@example.com`).waitFor({ timeout: 8000 });
    await page.getByRole('link', { name: placed.number }).waitFor({ timeout: 8000 });
    await page.screenshot({ path: join(shots, 'live-order.png') });
  });

  let secret;
  await step('an admin adds a webhook, keeps its secret, and the next order is delivered and signed', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText(/No webhooks yet/).waitFor();
    await page.getByLabel(/^Receiver URL/).fill(receiver.url);
    await page.getByLabel(/^Events/).fill('order.*');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    secret = (await page.locator('code.secret').textContent())?.trim();
    if (!secret) throw new Error('the secret was not shown');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const placed = await order();
    const delivery = await until('the order.confirmed delivery', () =>
      receiver.deliveries.find((d) => d.headers['stockroom-event'] === 'order.confirmed' && JSON.parse(d.body).data?.number === placed.number),
    );
    // The receiver's check, as the README shows it: HMAC-SHA256 of "t.body" with the secret.
    const signature = Object.fromEntries(delivery.headers['stockroom-signature'].split(',').map((kv) => kv.split('=')));
    const expected = createHmac('sha256', secret).update(`${signature.t}.${delivery.body}`).digest('hex');
    if (signature.v1 !== expected) throw new Error('the delivery is not signed with the secret the page showed');
    if (!delivery.headers['stockroom-delivery']) throw new Error('the delivery has no id');
    // The delivery log shows it.
    await page.getByRole('button', { name: receiver.url, exact: true }).click();
    await page.getByRole('region', { name: 'Delivery log' }).getByRole('cell', { name: 'order.confirmed' }).first().waitFor();
    await page.screenshot({ path: join(shots, 'webhooks-delivered.png') });
  });

  await step('an admin chooses new-order alerts for themselves, and the next order is logged as an email not sent', async () => {
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    const alerts = page.getByRole('checkbox', { name: 'New-order alerts for owner@example.com' });
    await alerts.check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved: low-stock digest to 0 people, new-order alerts to 1 person').waitFor();
    if (!(await alerts.isChecked())) throw new Error('the saved choice was not kept');
    const placed = await order();
    // No SMTP here: the alert is recorded as "not sent", and the open log shows it by itself.
    const row = page.getByRole('region', { name: 'Sent and queued' }).getByRole('row').filter({ hasText: `New order ${placed.number}` });
    await row.waitFor({ timeout: 25000 });
    await row.getByText('not sent', { exact: true }).waitFor();
    await row.getByText('owner@example.com').first().waitFor();
    await page.screenshot({ path: join(shots, 'notifications.png') });
  });

  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log('live e2e: all steps passed');
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await browser?.close();
  receiver?.close();
  system?.stop();
}
process.exit(exitCode);
