// Shared helpers of the browser suite: a real territoires server on a free loopback port with a
// fresh data directory, headless Chromium, and an axe-core scan that fails on any WCAG 2.1 A/AA
// violation.
import { deflateSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const SHOTS = new URL('./shots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

/** A port free on the loopback a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Waits until `url` answers 2xx. */
export async function waitForHttp(url, ms = 60000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not come up`);
}

/** Starts `territoires serve` on a fresh data directory; `args` are extra flags, `extraEnv` extra
 * environment variables. */
export async function startServer(args = [], extraEnv = {}) {
  const bin = process.env.TERRITOIRES_BIN;
  assert.ok(bin, 'TERRITOIRES_BIN must name the territoires binary');
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'territoires-browser-'));
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, TERRITOIRES_LOG: 'warn', ...extraEnv };
  delete env.DATABASE_URL;
  // The journeys register many accounts from one address: the limits on anonymous writes are
  // raised for them (their own tests run in the HTTP suite).
  const config = join(dataDir, 'territoires.toml');
  writeFileSync(config, '[limits]\nreports_per_hour = 1000\nregistrations_per_hour = 1000\n'
    + 'resets_per_hour = 1000\nmails_per_address_per_hour = 1000\n');
  env.TERRITOIRES_CONFIG = config;
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHttp(`${base}/healthz`);
  return {
    base,
    dataDir,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A fresh context (its own cookies), with every request off the loopback refused. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'fr-FR', ...options });
  await context.route((u) => !['127.0.0.1', 'localhost'].includes(u.hostname), (r) => r.abort());
  return context.newPage();
}

/** Scans the page with axe-core and fails on any WCAG 2.1 A or AA violation. */
export async function expectAccessible(page, label) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const lines = results.violations.map(
    (v) => `${v.id} [${v.impact}] ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  assert.deepEqual(lines, [], `axe violations on ${label} (${page.url()})`);
  return results.passes.length;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// A small valid PNG (a grey rectangle) for uploads, made here.
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function makePng(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 0x3c)]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The bytes of a base32 text (RFC 4648, padding and case ignored). */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.toUpperCase().replace(/[=\s]/g, '')) {
    const v = alphabet.indexOf(ch);
    assert.ok(v >= 0, `not base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The code an authenticator app shows for `key` (base32) at the step `counter`. */
export function totp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32Decode(key)).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}

/** The key of the demo administrator's authenticator app, as the README prints it (instance
 * administrators sign in with a second factor). */
export const DEMO_ADMIN_TOTP = 'JBSWY3DPEHPK3PXPTERRITOIRESDEMO2';

/** The last step whose code each key gave in this run: a code is taken once, so each sign-in
 * uses a later step (waiting for it when the steps around now are used). */
const stepsTaken = new Map();

/** Types a code of `key` on the code page a sign-in waits on. */
export async function passSecondFactor(page, key) {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max((stepsTaken.get(key) ?? 0) + 1, now - 1);
    if (step <= now + 1) {
      stepsTaken.set(key, step);
      await page.getByLabel('Code', { exact: true }).fill(totp(key, step));
      await page.getByRole('button', { name: 'Vérifier' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Signs in on `page` with an address and password, and with the code of `key` when a second
 * factor is asked (the demo administrator's key by default). */
export async function signIn(base, page, email, password, key = DEMO_ADMIN_TOTP) {
  await page.goto(base + '/login');
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login') || u.pathname === '/login/code');
  if (new URL(page.url()).pathname === '/login/code') await passSecondFactor(page, key);
}

/** Signs `who` in on `page`. */
export async function login(base, page, who) {
  await signIn(base, page, who.email, who.password);
  await page.getByRole('link', { name: who.name }).waitFor();
}

/** The flash message shown after an action. */
export function flash(page, text) {
  return page.locator('.flash').filter({ hasText: text }).waitFor();
}

/** Retries `check` (the indexes follow the database a moment later). */
export async function eventually(label, check, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    assert.ok(Date.now() < end, `${label}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The first run of a fresh instance: the administrator's account, signed in. */
export async function setupAdmin(browser, base, who) {
  const admin = await newPage(browser);
  await admin.goto(base + '/setup');
  await admin.getByLabel('Nom affiché').fill(who.name);
  await admin.getByLabel('Adresse électronique').fill(who.email);
  await admin.getByLabel('Mot de passe').fill(who.password);
  await admin.getByRole('button', { name: 'Créer le compte administrateur' }).click();
  await admin.waitForURL(/\/admin$/);
  return admin;
}

/** Registers `who`, confirms the address through the link of the mail in the outbox (read by
 * the administrator's page `admin`), and signs in. */
export async function registerConfirmed(browser, base, admin, who) {
  const page = await newPage(browser);
  await page.goto(base + '/register');
  await page.getByLabel('Nom affiché').fill(who.name);
  await page.getByLabel('Adresse électronique').fill(who.email);
  await page.getByLabel('Mot de passe').fill(who.password);
  await page.getByLabel(/J'accepte les conditions d'utilisation/).check();
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.getByRole('heading', { name: 'Vérifiez votre messagerie' }).waitFor();
  await admin.goto(base + '/admin/outbox');
  await admin.locator('tr', { hasText: who.email }).getByRole('link', { name: /Confirmez votre adresse/ }).first().click();
  await admin.waitForURL(/\/admin\/outbox\/.+/);
  const link = await admin.locator('pre.mail a').first().getAttribute('href');
  assert.match(link, /\/confirm\//);
  await page.goto(link);
  await page.getByRole('heading', { name: 'Adresse confirmée' }).waitFor();
  await login(base, page, who);
  return page;
}

/**
 * The demo instance and a browser for the tests of one file: started before them, stopped
 * after; their `server` and `browser` are set once started.
 */
export function demoInstance() {
  const it = { server: null, browser: null };
  before(async () => {
    it.server = await startServer(['--demo']);
    it.browser = await launchBrowser();
  });
  after(async () => {
    await it.browser?.close();
    await it.server?.stop();
  });
  return it;
}
