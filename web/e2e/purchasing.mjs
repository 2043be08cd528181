// The purchasing flow end to end in headless Chromium against the real system: a product at
// low stock → "Create purchase orders" on Restock → place the order → receive part → receive
// the rest → stock and ledger updated. axe checks the purchasing pages on the way.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { browserPath, call, chromiumArgs, startSystem } from './system.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
const axeSource = readFileSync(join(here, '../node_modules/axe-core/axe.min.js'), 'utf8');

async function axe(page, label) {
  await page.waitForFunction(() => !document.querySelector('.spinner'));
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  if (result.violations.length) {
    const list = result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    throw new Error(`${label}:\n      ${list.join('\n      ')}`);
  }
}

function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

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

let browser;
let system;
let exitCode = 0;
try {
  system = await startSystem();
  const { base } = system;
  const password = 'correct horse battery';
  await call(base, 'POST', '/api/auth/register', { email: 'owner@example.com', password, name: 'Olivia Owner' });
  const { access_token: token } = await call(base, 'POST', '/api/auth/login', { email: 'owner@example.com', password });
  const acme = await call(base, 'POST', '/api/suppliers', { name: 'Acme Tea', lead_time_days: 3 }, token);
  // Low: 2 available at a reorder point of 5; the batch is 20.
  const tea = await call(base, 'POST', '/api/products', {
    sku: 'E2E-TEA', name: 'Assam tea', price_cents: 900, cost_cents: 400, initial_stock: 2,
    reorder_point: 5, reorder_quantity: 20, supplier_id: acme.id,
  }, token);

  browser = await chromium.launch({ executablePath: browserPath, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await step('restock advice turns into a draft purchase order for the supplier', async () => {
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Restock' }).click();
    await page.getByRole('link', { name: 'Assam tea' }).waitFor();
    await page.getByRole('button', { name: 'Create purchase orders' }).click();
    await page.getByRole('heading', { name: /Purchase order PO-\d{6}/ }).waitFor();
    await page.getByText('To Acme Tea').waitFor();
    await page.locator('.pill-draft').first().waitFor();
    await axe(page, 'draft purchase order');
    await page.screenshot({ path: join(shots, 'purchase-order-draft.png'), fullPage: true });
  });

  await step('placing the order puts the units on order with the expected date', async () => {
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByText(/PO-\d{6} is now ordered/).waitFor();
    await page.getByText(/· expected/).waitFor();
    await page.getByLabel(/E2E-TEA — Assam tea \(20 to come\)/).waitFor();
    const product = await call(base, 'GET', `/api/products/${tea.id}`, undefined, token);
    expectEqual(product.on_order, 20, 'on order after ordering');
  });

  await step('receiving part leaves it partially received, the form defaulting to the rest', async () => {
    const qty = page.getByLabel(/E2E-TEA — Assam tea \(20 to come\)/);
    expectEqual(await qty.inputValue(), '20', 'the receive form starts at what is still to come');
    await qty.fill('8');
    await page.getByLabel('Note').fill('delivery note 4711');
    await page.getByRole('button', { name: 'Receive' }).click();
    await page.getByText(/Received 8 units on PO-\d{6}; it is now partially received/).waitFor();
    const rest = page.getByLabel(/E2E-TEA — Assam tea \(12 to come\)/);
    expectEqual(await rest.inputValue(), '12', 'the form now defaults to the remaining 12');
    await axe(page, 'partially received purchase order');
  });

  await step('receiving the rest completes it; stock and ledger say so', async () => {
    await page.getByRole('button', { name: 'Receive' }).click();
    await page.getByText(/Received 12 units on PO-\d{6}; it is now received/).waitFor();
    await page.getByRole('heading', { name: /Purchase order PO-\d{6}/ }).locator('.pill-received').waitFor();
    const history = await page.locator('.timeline li').allTextContents();
    if (history.length !== 4 || !history[2].includes('8 × E2E-TEA: delivery note 4711')) {
      throw new Error(`history: ${JSON.stringify(history)}`);
    }
    const product = await call(base, 'GET', `/api/products/${tea.id}`, undefined, token);
    expectEqual([product.on_hand, product.on_order], [22, 0], 'on hand and on order after both receipts');
    const ledger = await call(base, 'GET', `/api/inventory/movements?product_id=${tea.id}`, undefined, token);
    const po = await call(base, 'GET', '/api/purchase-orders?status=received', undefined, token);
    expectEqual(
      ledger.items.slice(0, 2).map((m) => [m.reason, m.on_hand_delta, m.purchase_order_id]),
      [['received', 12, po.items[0].id], ['received', 8, po.items[0].id]],
      'the ledger names the purchase order',
    );
    await page.getByRole('link', { name: 'Assam tea' }).click();
    await page.getByRole('heading', { name: 'Assam tea' }).waitFor();
    await page.getByRole('link', { name: `${po.items[0].number}: delivery note 4711` }).waitFor();
  });

  await step('the Purchasing list filters by status', async () => {
    await page.getByRole('link', { name: 'Purchasing' }).click();
    await page.getByRole('button', { name: 'received', exact: true }).click();
    await page.getByRole('link', { name: /PO-\d{6}/ }).waitFor();
    await page.getByRole('button', { name: 'draft', exact: true }).click();
    await page.getByText('No draft purchase orders.').waitFor();
    await axe(page, 'purchasing list');
    await page.screenshot({ path: join(shots, 'purchasing.png'), fullPage: true });
  });

  await step('suppliers are edited from their name; the product form picks its supplier', async () => {
    await page.getByRole('link', { name: 'Suppliers' }).click();
    await page.getByRole('button', { name: 'Acme Tea' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Acme Tea' });
    await dialog.getByLabel('Lead time (days)').fill('4');
    await dialog.getByRole('button', { name: 'Save supplier' }).click();
    await page.getByText('Saved supplier Acme Tea').waitFor();
    await page.getByRole('cell', { name: '4', exact: true }).waitFor();
    await page.goto(`${base}/products/${tea.id}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('dialog', { name: 'Edit product' });
    const picked = await form.getByLabel('Supplier').evaluate((s) => s.options[s.selectedIndex].text);
    expectEqual(picked, 'Acme Tea', 'the supplier shown in the product form');
    expectEqual(await form.getByLabel('Cost').inputValue(), '4.00', 'the cost shown in the product form');
    await axe(page, 'product form with the supplier picker');
  });

  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log('purchasing e2e: all steps passed');
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await browser?.close();
  system?.stop();
}
process.exit(exitCode);
