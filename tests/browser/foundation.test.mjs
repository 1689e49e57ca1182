// Foundation journeys: first run, registration confirmed through the outbox, login, a space
// created by the administrator, the language switch; and an accessibility scan of every page
// type of the foundation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, newPage, expectAccessible, shot, makePng } from './harness.mjs';

let server, browser;
const ADMIN = { email: 'maire@lannion.bzh', password: 'Lannion-Mairie-2026', name: 'Mairie de Lannion' };
const CITIZEN = { email: 'anne@exemple.fr', password: 'Une phrase de passe', name: 'Anne Le Bihan' };

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const PNG = makePng(64, 64);

test('first run, registration through the outbox, a new space, English', async () => {
  const admin = await newPage(browser);
  // A fresh instance sends everyone to the first-run page.
  await admin.goto(server.base + '/');
  assert.match(admin.url(), /\/setup$/);
  await expectAccessible(admin, 'setup');
  await admin.getByLabel('Nom affiché').fill(ADMIN.name);
  await admin.getByLabel('Adresse électronique').fill(ADMIN.email);
  await admin.getByLabel('Mot de passe').fill(ADMIN.password);
  await admin.getByRole('button', { name: 'Créer le compte administrateur' }).click();
  await admin.waitForURL(/\/admin$/);
  await admin.getByRole('status').filter({ hasText: 'La plateforme est prête' }).waitFor();

  // A citizen registers.
  const citizen = await newPage(browser);
  await citizen.goto(server.base + '/');
  await citizen.getByRole('link', { name: 'Créer un compte' }).click();
  await expectAccessible(citizen, 'register');
  await citizen.getByLabel('Nom affiché').fill(CITIZEN.name);
  await citizen.getByLabel('Adresse électronique').fill('anne@exemple');
  await citizen.getByLabel('Mot de passe').fill('court');
  await citizen.getByRole('button', { name: 'Créer mon compte' }).click();
  // Bad input: the errors are listed and linked, the values kept; the title says so first and
  // the list has the focus.
  await citizen.getByRole('alert').getByText('Saisissez une adresse électronique valide').waitFor();
  await citizen.getByRole('alert').getByText("Acceptez les conditions d'utilisation pour créer un compte.").waitFor();
  assert.match(await citizen.title(), /^Erreur : Créer un compte/);
  assert.ok(await citizen.evaluate(() => document.activeElement.classList.contains('error-summary')), 'the error summary has the focus');
  await expectAccessible(citizen, 'register with errors');
  await shot(citizen, 'register-errors');
  assert.equal(await citizen.getByLabel('Adresse électronique').inputValue(), 'anne@exemple');
  await citizen.getByLabel('Adresse électronique').fill(CITIZEN.email);
  await citizen.getByLabel('Mot de passe').fill(CITIZEN.password);
  await citizen.getByLabel(/J'accepte les conditions d'utilisation/).check();
  await citizen.getByRole('button', { name: 'Créer mon compte' }).click();
  await citizen.getByRole('heading', { name: 'Vérifiez votre messagerie' }).waitFor();
  await expectAccessible(citizen, 'message page');

  // The administrator reads the confirmation mail in the outbox.
  await admin.goto(server.base + '/admin');
  await expectAccessible(admin, 'admin dashboard');
  await admin.getByRole('link', { name: 'Messages de la plateforme' }).click();
  await expectAccessible(admin, 'outbox');
  await admin.getByRole('link', { name: /Confirmez votre adresse/ }).click();
  await expectAccessible(admin, 'outbox mail');
  const link = await admin.locator('pre.mail a').first().getAttribute('href');
  assert.match(link, /\/confirm\//);

  // The citizen follows it, then logs in.
  await citizen.goto(link);
  await citizen.getByRole('heading', { name: 'Adresse confirmée' }).waitFor();
  await citizen.getByRole('link', { name: 'Se connecter' }).first().click();
  await expectAccessible(citizen, 'login');
  await citizen.getByLabel('Adresse électronique').fill(CITIZEN.email);
  await citizen.getByLabel('Mot de passe').fill(CITIZEN.password);
  await citizen.getByRole('button', { name: 'Se connecter' }).click();
  await citizen.getByRole('link', { name: CITIZEN.name }).waitFor();
  await citizen.getByRole('link', { name: CITIZEN.name }).click();
  await expectAccessible(citizen, 'account');
  await citizen.getByRole('link', { name: 'Supprimer mon compte' }).click();
  await expectAccessible(citizen, 'account deletion');

  // The administrator creates a space, with a logo.
  await admin.goto(server.base + '/admin/spaces/new');
  await admin.getByLabel('Nom de l\'espace').fill('Lannion participe');
  await admin.getByLabel('Adresse (identifiant)').fill('Lannion');
  await admin.getByLabel('Territoire', { exact: true }).fill('Lannion');
  await admin.getByRole('button', { name: 'Créer l\'espace' }).click();
  await admin.getByRole('alert').getByText('L\'adresse doit compter').waitFor();
  await expectAccessible(admin, 'new space with errors');
  await admin.getByLabel('Adresse (identifiant)').fill('lannion');
  await admin.getByLabel('Description').fill('Cartographie participative de Lannion.\n\nChaque proposition reçoit une réponse.');
  const logo = join(tmpdir(), 'territoires-logo.png');
  writeFileSync(logo, PNG);
  await admin.getByLabel('Logo').setInputFiles(logo);
  await admin.getByRole('button', { name: 'Créer l\'espace' }).click();
  await admin.waitForURL(/\/s\/lannion$/);
  await admin.getByRole('heading', { level: 1, name: 'Lannion participe' }).waitFor();
  await expectAccessible(admin, 'space');
  await shot(admin, 'space');
  await admin.getByRole('link', { name: 'Gérer cet espace' }).click();
  await expectAccessible(admin, 'space admin');

  // Everyone sees it, finds it, and can read it in English.
  await citizen.goto(server.base + '/');
  await citizen.getByRole('link', { name: 'Lannion participe' }).waitFor();
  await expectAccessible(citizen, 'home');
  await shot(citizen, 'home');
  await citizen.getByLabel('Trouver mon territoire ou un espace de participation').fill('lannion');
  await citizen.getByRole('button', { name: 'Rechercher' }).last().click();
  await citizen.getByRole('link', { name: 'Lannion participe' }).waitFor();
  await expectAccessible(citizen, 'search');
  await citizen.getByRole('link', { name: 'Lannion', exact: true }).click();
  await citizen.getByRole('heading', { level: 1, name: 'Lannion' }).waitFor();
  await expectAccessible(citizen, 'territory');
  await citizen.getByRole('link', { name: 'English' }).click();
  await citizen.getByRole('heading', { level: 1, name: 'Lannion' }).waitFor();
  assert.equal(await citizen.locator('html').getAttribute('lang'), 'en');
  await citizen.getByText('Municipal population').waitFor();
  await expectAccessible(citizen, 'territory in English');
  await citizen.goto(server.base + '/s/lannion');
  await citizen.getByRole('heading', { name: 'About' }).waitFor();
  await citizen.getByRole('link', { name: 'Français' }).click();
  await citizen.getByRole('heading', { name: 'Présentation' }).waitFor();
});

test('other page types are accessible', async () => {
  const page = await newPage(browser);
  for (const [path, label] of [
    ['/n-existe-pas', '404 page'],
    ['/password/forgot', 'forgotten password'],
    ['/password/reset/lien-invalide', 'expired link'],
    ['/spaces', 'spaces list'],
    ['/api/docs', 'API docs'],
    ['/territories/departement/22', 'département'],
    ['/territories/region/76', 'région'],
    ['/search?q=saint', 'search with pages'],
    ['/data/', 'open data'],
  ]) {
    await page.goto(server.base + path);
    await expectAccessible(page, label);
  }
  await shot(page, 'search');
  // A phone-sized screen too.
  const phone = await newPage(browser, { viewport: { width: 375, height: 740 } });
  await phone.goto(server.base + '/s/lannion');
  await expectAccessible(phone, 'space on a phone');
  await shot(phone, 'space-phone');
});
