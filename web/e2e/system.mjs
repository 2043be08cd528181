// The real system for browser tests: every service as its own `stockroom serve` process on a
// free loopback port, SQLite files in a temporary folder, the built UI served by the gateway.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const bin = process.env.STOCKROOM_BIN ?? join(root, 'target/debug/stockroom');

const freePort = () =>
  new Promise((ok, fail) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });

/** `extraEnv` is added to every service's environment (e.g. an AI provider for the assistant). */
export async function startSystem(extraEnv = {}) {
  const data = mkdtempSync(join(tmpdir(), 'stockroom-e2e-'));
  const ports = { gateway: await freePort(), auth: await freePort(), inventory: await freePort(), orders: await freePort(), events: await freePort() };
  const url = (s) => `http://127.0.0.1:${ports[s]}`;
  const env = {
    ...process.env,
    BIND_ADDR: '127.0.0.1',
    GATEWAY_PORT: String(ports.gateway),
    AUTH_PORT: String(ports.auth),
    INVENTORY_PORT: String(ports.inventory),
    ORDERS_PORT: String(ports.orders),
    EVENTS_PORT: String(ports.events),
    AUTH_URL: url('auth'),
    INVENTORY_URL: url('inventory'),
    ORDERS_URL: url('orders'),
    EVENTS_URL: url('events'),
    SERVICE_CLIENT_SECRET: randomBytes(32).toString('hex'),
    STOCKROOM_WEB_DIR: join(root, 'web/dist'),
    RATE_LIMIT_PER_SECOND: '1000',
    RATE_LIMIT_BURST: '2000',
    RUST_LOG: 'warn',
    // The account that becomes the first admin when it registers (the tests' "owner").
    ADMIN_EMAIL: 'owner@example.com',
  };
  delete env.OPENROUTER_API_KEY;
  Object.assign(env, extraEnv);

  const procs = {};
  for (const service of ['auth', 'inventory', 'orders', 'events', 'gateway']) {
    procs[service] = spawn(bin, ['serve', service], {
      // Kept keys and tokens go to the same throw-away folder, never the working directory.
      env: { ...env, DATABASE_URL: `sqlite://${data}/${service}.db`, STOCKROOM_DATA_DIR: data },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  async function waitHealthy(service, timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (procs[service].exitCode !== null) throw new Error(`${service} exited with ${procs[service].exitCode}`);
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

  const stop = () => {
    for (const p of Object.values(procs)) p.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  };
  try {
    await Promise.all(Object.keys(ports).map((s) => waitHealthy(s)));
  } catch (e) {
    stop();
    throw e;
  }
  return { base: url('gateway'), url, procs, stop };
}

/** A JSON call to the gateway, failing loudly on an unexpected status. */
export async function call(base, method, path, body, token, extra = {}) {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
