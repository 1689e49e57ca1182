// Sign-in through a real OpenID Connect provider (panva's oidc-provider, tests/browser/
// oidc_provider.mjs, with its development login and consent pages), configured as the provider
// `oidc` by the TERRITOIRES_OIDC_* settings. Claire is new: she comes back signed in with a new
// account, sees the provider among her identities, and signing out takes her through the
// provider's end-session page. Anne already has an account with a password at her address:
// nothing is linked until she follows the mailed link, after which the provider signs her in
// straight away. A forged answer is refused with a page of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  startServer, launchBrowser, newPage, expectAccessible, shot, flash, freePort, waitForHttp,
  setupAdmin, registerConfirmed,
} from './harness.mjs';
import { CLIENT_ID, CLIENT_SECRET, USERS } from './oidc_provider.mjs';

const ADMIN = { email: 'mairie@plouha.bzh', password: 'Plouha-Mairie-2026', name: 'Mairie de Plouha' };
const ANNE = { email: USERS.anne.email, password: 'Une phrase de passe', name: 'Anne Le Bihan' };
const CLAIRE_NAME = `${USERS.claire.given_name} ${USERS.claire.family_name}`;
const BUTTON = 'Se connecter avec oidc';
const NARROW = { width: 320, height: 640 };

let server, browser, admin, provider, issuer;
let providerLog = '';

before(async () => {
  // The provider's port is chosen first: the platform reads its discovery document only when a
  // sign-in starts, and the provider must know the platform's addresses.
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  server = await startServer([], {
    TERRITOIRES_OIDC_ISSUER: issuer,
    TERRITOIRES_OIDC_CLIENT_ID: CLIENT_ID,
    TERRITOIRES_OIDC_CLIENT_SECRET: CLIENT_SECRET,
  });
  const script = fileURLToPath(new URL('./oidc_provider.mjs', import.meta.url));
  provider = spawn(process.execPath, [script, String(port), server.base], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Its startup warnings (runtime, in-memory adapter, development keys) are expected: kept, and
  // shown only when something goes wrong.
  provider.stderr.on('data', (d) => { providerLog += d; });
  provider.once('exit', (code) => {
    if (code) console.error(`oidc-provider exited with ${code}:\n${providerLog}`);
  });
  await waitForHttp(`${issuer}/.well-known/openid-configuration`, 30000);
  browser = await launchBrowser();
  admin = await setupAdmin(browser, server.base, ADMIN);
});

after(async () => {
  await browser?.close();
  if (provider && provider.exitCode === null) {
    provider.kill('SIGTERM');
    await new Promise((r) => provider.once('exit', r));
  }
  await server?.stop();
});

/** How many pixels the page is wider than its window. */
function beyond(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Checks that the page fits a 320 px window, then gives the page its width back. */
async function fitsNarrow(page, label) {
  const wide = page.viewportSize();
  await page.setViewportSize(NARROW);
  assert.equal(await beyond(page), 0, `${label} is wider than a 320 px window`);
  await shot(page, `oidc-${label.replaceAll(' ', '-')}-320`);
  await page.setViewportSize(wide);
}

/** Whether the page's header shows someone signed in. */
async function signedInAs(page) {
  const nav = page.getByRole('navigation', { name: 'Compte' });
  if (await nav.getByRole('button', { name: 'Se déconnecter' }).count() === 0) return null;
  return (await nav.locator('a[href="/account"]').textContent()).trim();
}

/** From the platform's sign-in page, through the provider's development login and consent
 * pages as `login`; resolves with the platform's answer to the provider's callback. */
async function signInAtProvider(page, login) {
  await page.goto(server.base + '/login');
  const callback = page.waitForResponse((r) => r.url().startsWith(`${server.base}/auth/oidc/callback`));
  await page.getByRole('link', { name: BUTTON }).click();
  await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('nimporte quoi');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  const answer = await callback;
  await page.waitForURL((u) => u.origin === server.base);
  await page.waitForLoadState();
  return answer;
}

/** Signs out on the platform; someone who came through the provider confirms on its
 * end-session page, and comes back to the platform's home page. */
async function signOutThroughProvider(page) {
  // A navigation the browser refuses (a Content-Security-Policy directive) is only told in the
  // console: kept, to say so.
  const refused = [];
  const listen = (m) => { if (/Content Security Policy/.test(m.text())) refused.push(m.text()); };
  page.on('console', listen);
  await page.getByRole('navigation', { name: 'Compte' }).getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/session/end'), { timeout: 10000 })
    .catch((e) => {
      throw new Error(`signing out did not reach the provider's end-session page; still at ${page.url()}`
        + (refused.length ? `; the browser refused: ${refused.join(' | ')}` : ''), { cause: e });
    })
    .finally(() => page.off('console', listen));
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`${server.base}/`, { timeout: 10000 }).catch(async (e) => {
    const text = await page.locator('body').innerText().catch(() => '');
    throw new Error(`after signing out at the provider: ${page.url()}\n${text}`, { cause: e });
  });
}

test('Claire, new, signs in with the provider, finds it among her identities, and signs out there too', async () => {
  const page = await newPage(browser);
  await page.goto(server.base + '/login');
  await page.getByRole('link', { name: BUTTON }).waitFor();
  await expectAccessible(page, 'login with a provider');
  await fitsNarrow(page, 'login');

  const answer = await signInAtProvider(page, 'claire');
  assert.equal(answer.status(), 303, 'the callback redirects once signed in');
  assert.equal(new URL(page.url()).pathname, '/');
  await flash(page, 'Bienvenue ! Votre compte est créé.');
  // Her name reached the platform through the signed userinfo only: the ID token carries `sub`.
  assert.equal(await signedInAs(page), CLAIRE_NAME);
  const cookies = await page.context().cookies(server.base);
  assert.ok(!cookies.some((c) => c.name === 'oidc_state'), 'the sign-in cookie is cleared');
  await expectAccessible(page, 'home after a provider sign-in');
  await shot(page, 'oidc-claire-signed-in');

  await page.goto(server.base + '/account/identities');
  await page.getByRole('heading', { name: 'Mes comptes de connexion' }).waitFor();
  const held = page.locator('main li', { hasText: 'lié le' });
  assert.equal(await held.count(), 1);
  assert.match(await held.textContent(), /oidc/);
  await expectAccessible(page, 'identities');
  await fitsNarrow(page, 'identities');
  // Her only way in (she has no password): removing it is refused, with the reason.
  await held.getByRole('button', { name: /^Retirer/ }).click();
  await page.getByRole('alert').filter({ hasText: 'C\'est votre seul moyen de connexion' }).waitFor();
  assert.equal(await page.locator('main li', { hasText: 'lié le' }).count(), 1);
  await expectAccessible(page, 'identities with the removal refused');

  await signOutThroughProvider(page);
  assert.equal(await signedInAs(page), null, 'signed out on the platform');
  await expectAccessible(page, 'home after signing out at the provider');
  await page.goto(server.base + '/account/identities');
  assert.match(new URL(page.url()).pathname, /^\/login/, 'her identities ask for a sign-in again');

  // Signed out at the provider too: a new sign-in asks for the login again.
  await page.getByRole('link', { name: BUTTON }).click();
  await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('input[name=login]').waitFor();
  await page.context().close();
});

test('Anne, who has an account at her address, links the provider from the mailed link only', async () => {
  const own = await registerConfirmed(browser, server.base, admin, ANNE);
  await own.context().close();

  // Signing in with the provider does not sign her in: a mail asks her to confirm.
  const page = await newPage(browser);
  const answer = await signInAtProvider(page, 'anne');
  assert.equal(answer.status(), 200);
  await page.getByRole('heading', { name: 'Confirmez depuis votre messagerie' }).waitFor();
  assert.equal(await signedInAs(page), null, 'not signed in before the link is confirmed');
  await expectAccessible(page, 'check your mail');
  await fitsNarrow(page, 'check mail');
  await shot(page, 'oidc-anne-check-mail');

  // The mail, read in the outbox.
  await admin.goto(server.base + '/admin/outbox');
  const mails = admin.locator('tr', { hasText: ANNE.email }).filter({ hasText: /Lier .* à votre compte/ });
  assert.equal(await mails.count(), 1);
  await mails.getByRole('link').first().click();
  await admin.waitForURL(/\/admin\/outbox\/.+/);
  const link = await admin.locator('pre.mail a').first().getAttribute('href');
  assert.match(link, /\/auth\/link\/[^/]+$/);

  await page.goto(link);
  await page.getByRole('heading', { name: 'Lier ce compte de connexion' }).waitFor();
  await expectAccessible(page, 'link confirmation');
  await fitsNarrow(page, 'link confirmation');
  await page.getByRole('button', { name: 'Confirmer et lier' }).click();
  await page.waitForURL(`${server.base}/account/identities`);
  await flash(page, 'Le service de connexion est lié à votre compte.');
  assert.equal(await signedInAs(page), ANNE.name);
  assert.equal(await page.locator('main li', { hasText: 'lié le' }).count(), 1);
  await expectAccessible(page, 'identities after linking');
  await page.context().close();

  // The link serves once: followed again, in another browser, it signs no one in.
  const stale = await newPage(browser);
  await stale.goto(link);
  const used = stale.waitForResponse((r) => r.request().method() === 'POST' && r.url() === link);
  await stale.getByRole('button', { name: 'Confirmer et lier' }).click();
  assert.equal((await used).status(), 410);
  await stale.getByRole('heading', { name: 'Lien expiré ou déjà utilisé' }).waitFor();
  assert.equal(await signedInAs(stale), null);
  await expectAccessible(stale, 'link used already');
  await stale.context().close();

  // From now on the provider signs her in to her account, with no mail.
  const later = await newPage(browser);
  const second = await signInAtProvider(later, 'anne');
  assert.equal(second.status(), 303);
  await flash(later, 'Vous êtes connecté·e.');
  assert.equal(await signedInAs(later), ANNE.name);
  await admin.goto(server.base + '/admin/outbox');
  assert.equal(await mails.count(), 1, 'no second link mail');
  await signOutThroughProvider(later);
  assert.equal(await signedInAs(later), null);
  await later.context().close();
});

test('a forged answer to the callback is refused on a page of its own', async () => {
  const page = await newPage(browser);
  const res = await page.goto(server.base + '/auth/oidc/callback?code=x&state=forged');
  assert.equal(res.status(), 400);
  await page.getByRole('heading', { name: "La connexion n'a pas abouti" }).waitFor();
  assert.equal(await signedInAs(page), null);
  // Starting again is offered.
  await page.getByRole('main').getByRole('link', { name: BUTTON }).waitFor();
  await expectAccessible(page, 'sign-in refused');
  await fitsNarrow(page, 'sign-in refused');

  // A real code, but a state this browser never started: refused the same way, and the code
  // is not traded.
  const started = await page.request.get(server.base + '/auth/oidc', { maxRedirects: 0 });
  assert.equal(started.status(), 303);
  const state = new URL(started.headers().location).searchParams.get('state');
  const other = await newPage(browser);
  const stolen = await other.goto(`${server.base}/auth/oidc/callback?code=x&state=${encodeURIComponent(state)}`);
  assert.equal(stolen.status(), 400);
  assert.equal(await signedInAs(other), null);
  await other.context().close();
  await page.context().close();
});
