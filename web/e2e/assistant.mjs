// The assistant end to end in headless Chromium against the real system, with a small
// scripted OpenAI-compatible provider standing in for the model: staff ask "what should I
// reorder?", the model calls restock_advice, then propose_purchase_order with what it was
// told, the drawer shows the proposal as a card, staff confirm it, and the purchase order is
// in the Purchasing list. axe checks the open drawer at desktop and phone sizes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
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

/**
 * The model, scripted: it decides from the conversation it is sent (no state of its own), as a
 * real one would. No tool result yet → restock_advice; restock advice in hand → propose one
 * purchase order of everything it suggests; the proposal made → say so in Markdown.
 */
function fakeModel() {
  const requests = [];
  const reply = (message) => ({ choices: [{ message: { role: 'assistant', ...message }, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }] });
  const call = (id, name, args) => reply({ content: null, tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }] });
  const answer = (body) => {
    const results = Object.fromEntries(body.messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, JSON.parse(m.content)]));
    if (results.propose) {
      const summary = results.propose.proposed?.summary ?? results.propose.error;
      return reply({ content: `I suggest restocking now:\n\n- ${summary}\n\nConfirm the **draft purchase order** below.` });
    }
    if (results.restock) {
      const lines = results.restock.items.filter((i) => i.suggested_reorder_quantity > 0).map((i) => ({ product_id: i.product_id, quantity: i.suggested_reorder_quantity }));
      return call('propose', 'propose_purchase_order', { lines });
    }
    return call('restock', 'restock_advice', { limit: 10 });
  };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      requests.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(body)));
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/v1`, requests, close: () => server.close() })));
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
let model;
let exitCode = 0;
try {
  model = await fakeModel();
  system = await startSystem({ OPENROUTER_API_KEY: 'e2e-fake', AI_BASE_URL: model.url, AI_MODEL: 'fake/e2e-model', AI_TOOLS: 'true' });
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
  await call(base, 'POST', '/api/products', { sku: 'E2E-MUG', name: 'Stoneware mug', price_cents: 1500, initial_stock: 80, supplier_id: acme.id }, token);

  browser = await chromium.launch({ executablePath: browserPath, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const drawer = page.getByRole('dialog', { name: 'Assistant' });
  let poNumber;

  await step('the assistant opens from the header of any page, focused on the question', async () => {
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByRole('heading', { name: 'Products' }).waitFor();
    await page.getByRole('button', { name: 'Ask AI' }).click();
    await drawer.waitFor();
    await page.waitForFunction(() => document.activeElement?.id && document.querySelector(`label[for="${document.activeElement.id}"]`)?.textContent === 'Your question');
  });

  await step('"what should I reorder?" runs restock advice, then proposes a purchase order', async () => {
    await page.keyboard.type('What should I reorder?');
    await page.keyboard.press('Enter');
    const card = drawer.getByRole('region', { name: /Proposed purchase order/ });
    await card.waitFor();
    await card.getByText('Draft purchase order to Acme Tea: 20 × Assam tea (E2E-TEA), about 80.00 USD at cost').waitFor();
    await drawer.getByText('draft purchase order', { exact: true }).waitFor();
    const chips = await drawer.getByRole('list', { name: 'Tools used' }).locator('li').allTextContents();
    expectEqual(chips.map((c) => c.replace(/ \(.*\)$/, '')), ['Restock advice', 'Proposed a purchase order'], 'tool chips');
    expectEqual(model.requests.length, 3, 'model rounds');
    const offered = model.requests[0].tools.map((t) => t.function.name);
    if (!offered.includes('restock_advice') || !offered.includes('propose_purchase_order')) throw new Error(`tools offered: ${offered}`);
    const pos = await call(base, 'GET', '/api/purchase-orders', undefined, token);
    expectEqual(pos.items.length, 0, 'purchase orders before confirming (the AI writes nothing)');
    await axe(page, 'assistant drawer with a proposal');
    await page.screenshot({ path: join(shots, 'assistant-drawer.png') });
  });

  await step('confirming creates the draft through the ordinary API and links to it', async () => {
    const card = drawer.getByRole('region', { name: /Proposed purchase order/ });
    await card.getByRole('button', { name: 'Create draft purchase order' }).click();
    const link = card.getByRole('link', { name: /Open PO-\d{6}/ });
    await link.waitFor();
    poNumber = (await link.textContent()).replace('Open ', '');
    const pos = await call(base, 'GET', '/api/purchase-orders', undefined, token);
    expectEqual(pos.items.map((p) => [p.number, p.status, p.supplier_id, p.lines[0].product_id, p.lines[0].quantity_ordered]),
      [[poNumber, 'draft', acme.id, tea.id, 20]], 'the purchase order created');
    if (await card.getByRole('button', { name: 'Create draft purchase order' }).count()) throw new Error('the card can be confirmed twice');
  });

  await step('Escape closes the drawer, focus returns, and the PO is in the Purchasing list', async () => {
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    expectEqual(focused, '✦Ask AI', 'focus after closing');
    await page.getByRole('link', { name: 'Purchasing' }).click();
    await page.getByRole('link', { name: poNumber }).waitFor();
    // The conversation is still there when the drawer opens again, its card confirmed.
    await page.getByRole('button', { name: 'Ask AI' }).click();
    await drawer.getByRole('link', { name: `Open ${poNumber}` }).click();
    await drawer.waitFor({ state: 'hidden' });
    await page.getByRole('heading', { name: new RegExp(`Purchase order ${poNumber}`) }).waitFor();
  });

  await step('the drawer fills a phone screen and passes axe there', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole('button', { name: 'Ask AI' }).click();
    await drawer.waitFor();
    const box = await drawer.boundingBox();
    if (!box || box.width < 370) throw new Error(`drawer width on a phone: ${box?.width}`);
    await axe(page, 'assistant drawer on a phone');
    await page.screenshot({ path: join(shots, 'assistant-drawer-phone.png') });
    await drawer.getByRole('button', { name: 'Close the assistant' }).click();
    await drawer.waitFor({ state: 'hidden' });
  });

  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log('assistant e2e: all steps passed');
} catch (e) {
  exitCode = 1;
  console.error(e);
} finally {
  await browser?.close();
  system?.stop();
  model?.close();
  process.exit(exitCode);
}
