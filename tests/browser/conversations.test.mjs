// A conversation on a 320 px phone, on the demo instance: a resident without an account votes on ten
// statements of Lannion 2030 with the keyboard, adds one, a moderator accepts it, and the map
// and the report show the opinion groups. A bad statement gets a clear message. Every page is
// scanned with axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, expectAccessible, shot, login, flash } from './harness.mjs';

let server, browser;
const ADMIN = { email: 'admin@demo.territoires.fr', password: 'Territoires-Demo-2026', name: 'Administration Territoires' };
const PHONE = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true };

before(async () => {
  server = await startServer(['--demo']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The width of the page beyond the screen's: 0 when nothing scrolls sideways. */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test('a resident votes by keyboard, adds a statement a moderator accepts, and sees the groups', async () => {
  const resident = await newPage(browser, PHONE);
  await resident.goto(server.base + '/s/lannion/processes/lannion-2030');
  await resident.getByRole('link', { name: /Lannion en 2030/ }).click();
  await resident.getByRole('heading', { level: 1, name: /Lannion en 2030/ }).waitFor();
  await expectAccessible(resident, 'conversation');
  assert.equal(await overflow(resident), 0, 'the conversation fits a phone');
  await shot(resident, 'conversation-phone');
  const progress = resident.getByText(/Vous avez voté sur \d+ des \d+ propositions\./);
  const total = Number((await progress.textContent()).match(/des (\d+)/)[1]);
  assert.ok(total >= 20, `the demo's statements are offered (${total})`);
  for (let i = 0; i < 10; i++) {
    const statement = await resident.locator('.statement-card blockquote').textContent();
    await resident.locator('body').press(['a', 'd', 'p'][i % 3]);
    await resident.waitForURL(/#vote$/);
    await resident.getByText(`Vous avez voté sur ${i + 1} des ${total} propositions.`).waitFor();
    const next = await resident.locator('.statement-card blockquote').textContent();
    assert.notEqual(next, statement, 'a statement voted on is not offered again');
  }
  // An empty statement: the field says why, nothing is added.
  await resident.getByRole('button', { name: 'Proposer' }).click();
  await resident.getByRole('alert').getByText('Ce champ est obligatoire.').waitFor();
  await expectAccessible(resident, 'statement refused');
  await resident.getByLabel('Votre proposition').fill('Une navette électrique entre la gare et le centre.');
  await resident.getByRole('button', { name: 'Proposer' }).click();
  await flash(resident, 'une fois acceptée par un modérateur');

  const admin = await newPage(browser);
  await login(server.base, admin, ADMIN);
  await admin.goto(resident.url().replace(/#vote$/, '') + '/moderation');
  await admin.getByRole('heading', { name: 'Modération des propositions' }).waitFor();
  await expectAccessible(admin, 'moderation queue');
  const item = admin.locator('.queue li', { hasText: 'Une navette électrique' });
  await item.getByRole('button', { name: 'Accepter' }).click();
  await flash(admin, 'La décision est enregistrée.');

  // The accepted statement is offered; the author agreed with it already.
  await resident.reload();
  await resident.getByText(`Vous avez voté sur 11 des ${total + 1} propositions.`).waitFor();
  await resident.getByRole('link', { name: 'Voir la carte des opinions' }).click();
  await resident.getByRole('heading', { name: 'Carte des opinions' }).waitFor();
  await resident.getByRole('table').getByRole('rowheader', { name: /A/ }).waitFor();
  await expectAccessible(resident, 'opinion map');
  assert.equal(await overflow(resident), 0, 'the map fits a phone');
  await shot(resident, 'conversation-map');
  await resident.getByRole('link', { name: 'Voir la synthèse' }).click();
  await resident.getByRole('heading', { name: 'Synthèse de la conversation' }).waitFor();
  await resident.getByRole('heading', { name: /Groupe A/ }).waitFor();
  await resident.getByRole('heading', { name: /Groupe B/ }).waitFor();
  await expectAccessible(resident, 'report');
  assert.equal(await overflow(resident), 0, 'the report fits a phone');
  await shot(resident, 'conversation-report');
});
