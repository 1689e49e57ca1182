// Two-step verification, for a citizen: set up at /account/security with the key read from the
// page (the codes of the authenticator app are computed here, RFC 6238: HMAC-SHA1, 30 s steps,
// 6 digits), the ten recovery codes shown once; then asked after the password at /login/code:
// a wrong code and a code already taken are refused, the next step's code is accepted (one
// step of drift), a recovery code is accepted once and trusts the browser for 30 days, which
// is then not asked again; and turned off with another recovery code. Every state of both
// pages is scanned with axe-core and must fit a 320 px window (a page too wide is told at once
// and fails the journey at its end, so that the rest of it is still checked).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newPage, expectAccessible, shot, flash, setupAdmin, registerConfirmed, login,
  totp, base32Decode,
} from './harness.mjs';

const ADMIN = { email: 'mairie@paimpol.bzh', password: 'Paimpol-Mairie-2026', name: 'Mairie de Paimpol' };
const CITIZEN = { email: 'yann@exemple.fr', password: 'Une phrase de passe', name: 'Yann Guézennec' };
const NARROW = { width: 320, height: 640 };
const WRONG = /pas le bon/;

let server, browser, admin;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await setupAdmin(browser, server.base, ADMIN);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The current 30 s step. */
function stepNow() {
  return Math.floor(Date.now() / 1000 / 30);
}

/** Waits for the start of the next step if the current one ends within a few seconds, so that
 * a code is typed in the step it was computed for. */
async function awayFromStepEnd() {
  const into = (Date.now() / 1000) % 30;
  if (into > 25) await new Promise((r) => setTimeout(r, (30 - into + 0.5) * 1000));
}

/** Six digits that are no code of `key` around now. */
function wrongCode(key) {
  const now = stepNow();
  const valid = new Set([-2, -1, 0, 1, 2, 3].map((d) => totp(key, now + d)));
  for (const c of ['000000', '123456', '987654', '555555']) if (!valid.has(c)) return c;
  throw new Error('unreachable');
}

/** How many pixels the page is wider than its window. */
function beyond(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Pages wider than a 320 px window, told at the end of the journey (which goes on). */
const tooWide = [];

/** Checks that the page fits a 320 px window (noting in `tooWide` what sticks out), then gives
 * the page its width back. */
async function fitsNarrow(page, label) {
  const wide = page.viewportSize();
  await page.setViewportSize(NARROW);
  const over = await beyond(page);
  if (over !== 0) {
    const culprits = await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return [...document.querySelectorAll('main *')]
        .filter((e) => e.getBoundingClientRect().right > w + 0.5)
        .map((e) => `${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''}`);
    });
    tooWide.push(`${label}: ${over} px too wide (${culprits.join(', ') || 'outside main'})`);
    console.log(`too wide at 320 px: ${tooWide.at(-1)}`);
  }
  await shot(page, `second-factor-${label.replaceAll(' ', '-')}-320`);
  await page.setViewportSize(wide);
}

/** Both checks of a page's state. */
async function checkPage(page, label) {
  await expectAccessible(page, label);
  await fitsNarrow(page, label);
}

/** Whether the page's header shows someone signed in, and whom. */
async function signedInAs(page) {
  const nav = page.getByRole('navigation', { name: 'Compte' });
  if (await nav.getByRole('button', { name: 'Se déconnecter' }).count() === 0) return null;
  return (await nav.locator('a[href="/account"]').textContent()).trim();
}

async function logout(page) {
  await page.getByRole('navigation', { name: 'Compte' }).getByRole('button', { name: 'Se déconnecter' }).click();
  await flash(page, 'Vous êtes déconnecté·e.');
  assert.equal(await signedInAs(page), null);
}

/** The password typed at /login: the code page follows. */
async function passwordThenCodePage(page) {
  await page.goto(server.base + '/login');
  await page.getByLabel('Adresse électronique').fill(CITIZEN.email);
  await page.getByLabel('Mot de passe').fill(CITIZEN.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${server.base}/login/code`);
  await page.getByRole('heading', { name: 'Code de vérification', level: 1 }).waitFor();
  assert.equal(await signedInAs(page), null, 'the password alone signs no one in');
}

/** Types `code` at /login/code (ticking "trust this browser" if asked); resolves with the
 * status of the answer to the form. */
async function submitCode(page, code, { trust = false } = {}) {
  await page.getByLabel('Code', { exact: true }).fill(code);
  if (trust) await page.getByLabel('Faire confiance à ce navigateur pendant 30 jours').check();
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${server.base}/login/code`);
  await page.getByRole('button', { name: 'Vérifier' }).click();
  const status = (await answer).status();
  await page.waitForLoadState();
  return status;
}

/** Expects the field error of a refused code on the page. */
async function refused(page, form = page) {
  await form.locator('.field', { hasText: WRONG }).first().waitFor();
  await page.getByRole('alert').filter({ hasText: WRONG }).waitFor();
}

test('a citizen sets up two-step verification, signs in with codes and a recovery code, trusts a browser, and turns it off', async () => {
  const page = await registerConfirmed(browser, server.base, admin, CITIZEN);

  // Whether the account page leads to the security page is told, not required.
  await page.goto(server.base + '/account');
  const linked = await page.locator('main a[href="/account/security"]').count();
  if (!linked) console.log('note: the account page has no link to /account/security');

  // Before: an explanation and a button.
  await page.goto(server.base + '/account/security');
  await page.getByRole('heading', { name: 'Vérification en deux étapes', level: 1 }).waitFor();
  const start = page.getByRole('button', { name: 'Mettre en place la vérification en deux étapes' });
  await start.waitFor();
  await checkPage(page, 'security before');
  await shot(page, 'second-factor-security-before');

  // During: a QR code, a link for an app on this device, and the key.
  await start.click();
  await page.waitForURL(`${server.base}/account/security`);
  const qr = page.getByRole('img', { name: "Code QR à scanner avec votre application d'authentification" });
  await qr.waitFor();
  assert.match(await qr.getAttribute('src'), /^data:image\/png;base64,iVBORw0KGgo/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is a picture the browser shows');
  const key = (await page.locator('code.secret').textContent()).trim();
  assert.match(key, /^[A-Z2-7]+=*$/, 'the key is base32');
  assert.ok(base32Decode(key).length >= 16, 'the key has at least 128 bits');
  const href = await page.getByRole('link', { name: /application d'authentification/ }).getAttribute('href');
  const otpauth = new URL(href);
  assert.equal(otpauth.protocol, 'otpauth:');
  assert.equal(otpauth.host, 'totp');
  assert.equal(otpauth.searchParams.get('secret'), key.replace(/=+$/, ''));
  for (const [name, expected] of [['digits', '6'], ['period', '30'], ['algorithm', 'SHA1']]) {
    const v = otpauth.searchParams.get(name);
    assert.ok(v === null || v === expected, `otpauth ${name}=${v}`);
  }
  assert.match(decodeURIComponent(otpauth.pathname), new RegExp(CITIZEN.email.replace('.', '\\.')));
  await checkPage(page, 'security setup');
  await shot(page, 'second-factor-security-setup');

  // A wrong first code turns nothing on; the setup stays, with the same key.
  await page.getByLabel('Code', { exact: true }).fill(wrongCode(key));
  await page.getByRole('button', { name: 'Activer' }).click();
  await refused(page);
  assert.equal((await page.locator('code.secret').textContent()).trim(), key);
  await checkPage(page, 'security setup wrong code');

  // The app's current code turns it on: ten recovery codes, shown once.
  await awayFromStepEnd();
  const setupStep = stepNow();
  await page.getByLabel('Code', { exact: true }).fill(totp(key, setupStep));
  await page.getByRole('button', { name: 'Activer' }).click();
  await page.getByRole('heading', { name: 'Vos codes de secours' }).waitFor();
  const codes = (await page.locator('ul.codes li code').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10, 'ten recovery codes');
  for (const c of codes) assert.match(c, /^[a-z0-9]{5}-[a-z0-9]{5}$/);
  assert.equal(new Set(codes).size, 10, 'all different');
  await page.getByText('10 codes de secours restants').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Désactiver la vérification en deux étapes' }).count(), 1);
  await checkPage(page, 'security after');
  await shot(page, 'second-factor-security-after');
  // Shown once: the page seen again no longer lists them.
  await page.goto(server.base + '/account/security');
  await page.getByText('10 codes de secours restants').waitFor();
  assert.equal(await page.locator('ul.codes').count(), 0, 'the recovery codes are not shown again');
  assert.equal(await page.locator('code.secret').count(), 0, 'the key is not shown again');
  await checkPage(page, 'security on');
  await logout(page);

  // The password alone leads to the code page; the account stays closed meanwhile.
  await passwordThenCodePage(page);
  const closed = await page.request.get(server.base + '/account', { maxRedirects: 0 });
  assert.equal(closed.status(), 303, 'no session before the code');
  await checkPage(page, 'code page');
  await shot(page, 'second-factor-code');
  // A wrong code, then the setup's code (its step is taken), are refused.
  assert.equal(await submitCode(page, wrongCode(key)), 422);
  await refused(page);
  await checkPage(page, 'code page wrong code');
  await shot(page, 'second-factor-code-wrong');
  assert.equal(await submitCode(page, totp(key, setupStep)), 422, 'the setup\'s code is taken already');
  await refused(page);
  // The next step's code is accepted (one step of drift).
  assert.ok(stepNow() <= setupStep + 2, 'the journey reached the code page while the next step is still accepted');
  assert.equal(await submitCode(page, totp(key, setupStep + 1)), 303);
  await flash(page, 'Vous êtes connecté·e.');
  assert.equal(await signedInAs(page), CITIZEN.name);
  assert.ok(!(await page.context().cookies(server.base)).some((c) => c.name === 'second_factor'), 'the waiting cookie is cleared');
  await logout(page);

  // Again: that code is taken; a recovery code is accepted, and the browser trusted.
  await passwordThenCodePage(page);
  assert.equal(await submitCode(page, totp(key, setupStep + 1)), 422, 'a code is taken once');
  await refused(page);
  assert.equal(await submitCode(page, codes[0], { trust: true }), 303);
  await flash(page, 'Vous êtes connecté·e.');
  assert.equal(await signedInAs(page), CITIZEN.name);
  const trusted = (await page.context().cookies(server.base)).find((c) => c.name === 'trusted_browser');
  assert.ok(trusted, 'the browser holds a trusted-browser cookie');
  assert.ok(trusted.httpOnly, 'the trusted-browser cookie is HttpOnly');
  assert.ok(trusted.expires * 1000 > Date.now() + 29 * 24 * 3600 * 1000, 'trusted for 30 days');
  await logout(page);

  // A trusted browser is not asked again.
  await login(server.base, page, CITIZEN);
  assert.notEqual(new URL(page.url()).pathname, '/login/code');

  // The recovery code taken at sign-in does not serve again in another browser.
  const other = await newPage(browser);
  await passwordThenCodePage(other);
  assert.equal(await submitCode(other, codes[0]), 422, 'a recovery code is taken once');
  await refused(other);
  await other.context().close();

  // Turned off with a code: a used recovery code is refused, another one accepted.
  await page.goto(server.base + '/account/security');
  await page.getByText('9 codes de secours restants').waitFor();
  const off = page.locator('form[action="/account/security/totp/off"]');
  await off.getByLabel('Code', { exact: true }).fill(codes[0]);
  await off.getByRole('button', { name: 'Désactiver la vérification en deux étapes' }).click();
  await refused(page, page.locator('form[action="/account/security/totp/off"]'));
  await page.getByText('9 codes de secours restants').waitFor();
  await checkPage(page, 'security turn off refused');
  await off.getByLabel('Code', { exact: true }).fill(codes[1]);
  const turnedOff = page.waitForResponse((r) => r.request().method() === 'POST'
    && r.url() === `${server.base}/account/security/totp/off`);
  await off.getByRole('button', { name: 'Désactiver la vérification en deux étapes' }).click();
  const answer = await turnedOff;
  if (answer.status() !== 303) {
    await page.waitForLoadState();
    const sent = answer.request().postData().replace(/_csrf=[^&]*&?/, '');
    assert.fail(`an unused recovery code did not turn it off: ${answer.status()} (sent ${sent})\n`
      + await page.locator('main').innerText());
  }
  await page.waitForURL(`${server.base}/account/security`);
  await flash(page, 'La vérification en deux étapes est désactivée.');
  await page.getByRole('button', { name: 'Mettre en place la vérification en deux étapes' }).waitFor();
  await checkPage(page, 'security turned off');
  await logout(page);

  // Off: a browser never trusted is not asked for a code either.
  const fresh = await newPage(browser);
  await login(server.base, fresh, CITIZEN);
  assert.notEqual(new URL(fresh.url()).pathname, '/login/code');
  await fresh.context().close();
  await page.context().close();
  assert.deepEqual(tooWide, [], 'pages wider than a 320 px window');
});

test('the code page without a waiting sign-in leads to the sign-in page', async () => {
  const page = await newPage(browser);
  await page.goto(server.base + '/login/code');
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.context().close();
});

test('an instance administrator without an app sets one up before their session, and gets the recovery codes', async () => {
  const tooWideBefore = tooWide.length;
  // The first-run administrator's session came from the first-run page; the next sign-in asks.
  const page = await newPage(browser);
  await page.goto(server.base + '/login');
  await page.getByLabel('Adresse électronique').fill(ADMIN.email);
  await page.getByLabel('Mot de passe').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${server.base}/login/code`);
  await page.getByText('Votre rôle sur la plateforme demande').waitFor();
  assert.equal(await signedInAs(page), null);
  const key = (await page.locator('code.secret').textContent()).trim();
  await checkPage(page, 'code page setting up');
  // A wrong code keeps the same key; a right one turns it on and shows the codes once.
  await awayFromStepEnd();
  assert.equal(await submitCode(page, wrongCode(key)), 422);
  assert.equal((await page.locator('code.secret').textContent()).trim(), key);
  await checkPage(page, 'code page setting up after a wrong code');
  await awayFromStepEnd();
  assert.equal(await submitCode(page, totp(key, stepNow())), 200);
  const codes = await page.locator('ul.codes li code').allTextContents();
  assert.equal(codes.length, 10);
  await checkPage(page, 'recovery codes after setting up');
  await page.getByRole('link', { name: 'Continuer' }).click();
  assert.equal(await signedInAs(page), ADMIN.name);
  // Their role asks for it: it cannot be turned off.
  await page.goto(server.base + '/account/security');
  const off = page.locator('form[action="/account/security/totp/off"]');
  await off.getByLabel('Code').fill(codes[0].trim());
  await off.getByRole('button', { name: 'Désactiver la vérification en deux étapes' }).click();
  await page.getByText('Votre rôle demande la vérification en deux étapes').first().waitFor();
  await page.context().close();
  assert.deepEqual(tooWide.slice(tooWideBefore), [], 'pages wider than a 320 px window');
});
