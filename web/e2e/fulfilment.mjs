// Fulfilment and returns end to end in headless Chromium against the real system: staff take
// a phone order for a customer with a shipping address → ship part → ship the rest → mark
// both shipments delivered → the customer asks to return some → staff receive it, restocking
// one line and writing the other off → the product pages show the stock that follows.
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

/** What axe cannot see on a phone: the page or a card scrolling sideways. */
async function layout(page, label) {
  const facts = await page.evaluate(() => ({
    sideways: document.documentElement.scrollWidth - window.innerWidth,
    cut: [...document.querySelectorAll('.table-wrap, .card')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.getAttribute('aria-label') ?? e.querySelector('h2')?.textContent ?? e.className),
  }));
  if (facts.sideways > 0 || facts.cut.length) {
    throw new Error(`${label}: page scrolls ${facts.sideways} px sideways; cut off: ${facts.cut.join(', ') || 'nothing'}`);
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
  // The owner (the first account, admin) makes Sam staff; Sam takes the phone order.
  await call(base, 'POST', '/api/auth/register', { email: 'owner@example.com', password, name: 'Olivia Owner' });
  await call(base, 'POST', '/api/auth/register', { email: 'casey@example.com', password, name: 'Casey Customer' });
  const sam = await call(base, 'POST', '/api/auth/register', { email: 'sam@example.com', password, name: 'Sam Staff' });
  const { access_token: token } = await call(base, 'POST', '/api/auth/login', { email: 'owner@example.com', password });
  await call(base, 'PATCH', `/api/auth/users/${sam.id}`, { role: 'staff' }, token);
  const tea = await call(base, 'POST', '/api/products', { sku: 'E2E-TEA', name: 'Assam tea', price_cents: 900, initial_stock: 10 }, token);
  const mug = await call(base, 'POST', '/api/products', { sku: 'E2E-MUG', name: 'Stoneware mug', price_cents: 1200, initial_stock: 5 }, token);
  const stock = async (product) => {
    const p = await call(base, 'GET', `/api/products/${product.id}`, undefined, token);
    return { on_hand: p.on_hand, reserved: p.reserved, available: p.available };
  };

  browser = await chromium.launch({ executablePath: browserPath, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  // A full page load (sign-in, a shared order link) waits for every chunk; on a busy 2-core
  // machine that once took longer than the 10 s an action gets.
  page.setDefaultNavigationTimeout(30000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const signIn = async (email) => {
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Stockroom' }).waitFor();
  };
  const heading = () => page.getByRole('heading', { level: 1 });
  let orderUrl;

  await step('staff place a phone order for a customer, to be shipped to an address', async () => {
    await signIn('sam@example.com');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.goto(`${base}/orders/new`);
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Add Assam tea' }).click();
    for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Add Stoneware mug' }).click();
    await page.getByLabel('Customer (optional)').fill('casey');
    await page.getByRole('button', { name: /Casey Customer/ }).click();
    await page.getByText('casey@example.com').waitFor();
    await page.getByLabel('Ship to an address').check();
    await page.getByLabel('Recipient name').fill('Casey Customer');
    await page.getByLabel('Address line 1').fill('1 High Street');
    await page.getByLabel('City').fill('Leeds');
    await page.getByLabel('Postal code').fill('LS1 1AA');
    await page.getByLabel('Country').selectOption('GB');
    await axe(page, 'new order with customer and address');
    await page.screenshot({ path: join(shots, 'order-new-phone-order.png'), fullPage: true });
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByText(/Order SR-\d+ confirmed for Casey Customer/).waitFor();
    await heading().filter({ hasText: 'confirmed' }).waitFor();
    orderUrl = page.url();
    await page.getByText(/casey@example\.com · placed .* by staff/).waitFor();
    await page.locator('address').getByText('1 High Street').waitFor();
    await page.locator('address').getByText('United Kingdom').waitFor();
    expectEqual(await stock(tea), { on_hand: 10, reserved: 3, available: 7 }, 'tea held for the order');
  });

  await step('shipping part leaves the order partially fulfilled and commits only that part', async () => {
    await page.getByRole('button', { name: 'Ship…' }).click();
    const dialog = page.getByRole('dialog', { name: /Ship SR-\d+/ });
    const teaQty = dialog.getByLabel('Assam tea (3 left to ship)');
    expectEqual(await teaQty.inputValue(), '3', 'the dialog starts at what is left');
    await teaQty.fill('2');
    await dialog.getByLabel('Stoneware mug (2 left to ship)').fill('0');
    await dialog.getByLabel('Carrier (optional)').fill('DHL');
    await dialog.getByLabel('Tracking number (optional)').fill('JJD0001');
    await axe(page, 'ship dialog');
    await page.screenshot({ path: join(shots, 'ship-dialog.png') });
    await dialog.getByRole('button', { name: 'Ship', exact: true }).click();
    await page.getByText(/Shipped 2 units of SR-\d+; it is now partially fulfilled/).waitFor();
    await heading().filter({ hasText: 'partially fulfilled' }).waitFor();
    await page.getByRole('cell', { name: 'JJD0001' }).waitFor();
    expectEqual(await stock(tea), { on_hand: 8, reserved: 1, available: 7 }, 'tea after the first shipment');
    expectEqual(await stock(mug), { on_hand: 5, reserved: 2, available: 3 }, 'mug after the first shipment');
  });

  await step('shipping the rest fulfils it', async () => {
    await page.getByRole('button', { name: 'Ship…' }).click();
    const dialog = page.getByRole('dialog', { name: /Ship SR-\d+/ });
    expectEqual(await dialog.getByLabel('Assam tea (1 left to ship)').inputValue(), '1', 'tea left');
    expectEqual(await dialog.getByLabel('Stoneware mug (2 left to ship)').inputValue(), '2', 'mug left');
    await dialog.getByLabel('Tracking number (optional)').fill('JJD0002');
    await dialog.getByRole('button', { name: 'Ship', exact: true }).click();
    await page.getByText(/Shipped 3 units of SR-\d+; it is now fulfilled/).waitFor();
    await heading().filter({ hasText: 'fulfilled' }).waitFor();
    expectEqual(await stock(tea), { on_hand: 7, reserved: 0, available: 7 }, 'tea after both shipments');
    expectEqual(await stock(mug), { on_hand: 3, reserved: 0, available: 3 }, 'mug after both shipments');
  });

  await step('marking both shipments delivered makes the order delivered', async () => {
    await page.getByRole('button', { name: 'Mark shipment 1 delivered' }).click();
    await page.getByText(/Shipment marked delivered; SR-\d+ is now fulfilled/).waitFor();
    await page.getByRole('button', { name: 'Mark shipment 2 delivered' }).click();
    await page.getByText(/Shipment marked delivered; SR-\d+ is now delivered/).waitFor();
    await heading().filter({ hasText: 'delivered' }).waitFor();
    await axe(page, 'delivered order');
    await page.screenshot({ path: join(shots, 'order-delivered.png'), fullPage: true });
  });

  await step('the customer asks to return some of it', async () => {
    await signOut();
    await signIn('casey@example.com');
    await page.getByRole('heading', { name: 'My orders' }).waitFor();
    await page.goto(orderUrl);
    await page.getByRole('button', { name: 'Return items' }).click();
    const dialog = page.getByRole('dialog', { name: /Return items from SR-\d+/ });
    await dialog.getByLabel('Assam tea (up to 3)').fill('2');
    await dialog.getByLabel('Stoneware mug (up to 2)').fill('1');
    await dialog.getByLabel('Reason').fill('The mug arrived chipped; too much tea');
    await axe(page, 'return request dialog');
    await dialog.getByRole('button', { name: 'Request return' }).click();
    await page.getByText(/Return of 3 items from SR-\d+ requested/).waitFor();
    await page.getByText(/returns accepted until/).waitFor();
    const returns = page.getByRole('region', { name: 'Returns' });
    await returns.locator('.pill-return-requested').waitFor();
    await returns.getByText('2 × Assam tea', { exact: true }).waitFor();
    await returns.getByText('1 × Stoneware mug', { exact: true }).waitFor();
  });

  await step('staff receive the return: the tea back on the shelf, the mug written off', async () => {
    await signOut();
    await signIn('sam@example.com');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Returns', exact: true }).click();
    await page.getByRole('button', { name: 'requested', exact: true }).click();
    await page.getByRole('button', { name: /^Receive return for SR-\d+/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Receive return' });
    expectEqual(await dialog.getByLabel('Assam tea: Back on the shelf').inputValue(), '2', 'tea asked back');
    await dialog.getByLabel('Stoneware mug: Back on the shelf').fill('0');
    await dialog.getByLabel('Stoneware mug: Damaged, written off').fill('1');
    await axe(page, 'receive return dialog');
    await page.screenshot({ path: join(shots, 'receive-return-dialog.png') });
    await dialog.getByRole('button', { name: 'Receive return' }).click();
    // Refund at the order's prices: 2 × $9.00 + 1 × $12.00.
    await page.getByText(/Return for SR-\d+ received: 2 restocked, 1 written off; refund \$30\.00/).waitFor();
    await page.getByText('No requested returns.').waitFor();
    await page.getByRole('button', { name: 'received', exact: true }).click();
    await page.locator('.pill-return-received').first().waitFor();
    await page.getByText('1 × Stoneware mug (1 damaged)').waitFor();
    await axe(page, 'returns list');
    await page.screenshot({ path: join(shots, 'returns.png'), fullPage: true });
  });

  await step('the product pages show the stock that follows', async () => {
    const kpi = async (label) => (await page.locator('.kpi', { hasText: label }).locator('strong').textContent()).trim();
    await page.goto(`${base}/products/${tea.id}`);
    await page.getByRole('heading', { name: /Assam tea/ }).waitFor();
    await page.getByRole('cell', { name: 'returned' }).first().waitFor();
    expectEqual([await kpi('On hand'), await kpi('Available')], ['9', '9'], 'tea: 10 − 3 shipped + 2 restocked');
    await page.goto(`${base}/products/${mug.id}`);
    await page.getByRole('heading', { name: /Stoneware mug/ }).waitFor();
    expectEqual([await kpi('On hand'), await kpi('Available')], ['3', '3'], 'mug: 5 − 2 shipped, the damaged one not back');
  });

  await step('the order and the returns pass axe on a phone, light and dark, without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      for (const path of [new URL(orderUrl).pathname, '/returns']) {
        await page.goto(base + path);
        await page.locator('h1').first().waitFor();
        await axe(page, `${path} (phone, ${colorScheme})`);
        await layout(page, `${path} (phone, ${colorScheme})`);
      }
    }
    await page.goto(orderUrl);
    await page.getByRole('region', { name: 'Shipments' }).waitFor();
    await page.screenshot({ path: join(shots, 'order-delivered-phone.png'), fullPage: true });
  });

  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log('fulfilment e2e: all steps passed');
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await browser?.close();
  system?.stop();
}
process.exit(exitCode);
