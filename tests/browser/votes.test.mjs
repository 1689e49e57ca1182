// Vote journeys on the demo instance: an administrator prepares a majority-judgment votation
// with a residents' list; a resident votes, confirms, keeps the receipt, and after closing finds
// the tracker among those published and reads the results. A participatory budget refuses a
// basket over budget. Every page is scanned with axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, newPage, expectAccessible, shot, signIn } from './harness.mjs';

let server, browser;
const ADMIN = { email: 'admin@demo.territoires.fr', password: 'Territoires-Demo-2026' };
// A phone held upright, used by touch.
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

before(async () => {
  server = await startServer(['--demo']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function login(page) {
  await signIn(server.base, page, ADMIN.email, ADMIN.password);
}

async function newProcess(page, space, title, slug) {
  await page.goto(`${server.base}/s/${space}`);
  await page.getByRole('link', { name: 'Nouvelle démarche' }).click();
  await expectAccessible(page, 'new process');
  await page.getByLabel('Titre').fill(title);
  await page.getByLabel('Adresse (identifiant)').fill(slug);
  await page.getByRole('button', { name: 'Créer la démarche' }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  // A new process is a draft until it is published.
  await page.locator('h1 .badge.draft').waitFor();
  await expectAccessible(page, 'process (draft)');
  await page.getByRole('button', { name: 'Publier', exact: true }).click();
  await page.getByText('C\'est publié').waitFor();
  assert.equal(await page.locator('h1 .badge.draft').count(), 0);
  await expectAccessible(page, 'process');
  await page.getByRole('link', { name: 'Nouveau vote' }).click();
  await expectAccessible(page, 'new vote');
}

test('a resident on the census votes by majority judgment and finds the receipt after closing', async () => {
  const admin = await newPage(browser);
  await login(admin);
  await newProcess(admin, 'occitanie', 'Votation citoyenne 2027', 'votation-2027');
  await admin.getByLabel('Titre').fill('Avenir des petites lignes ferroviaires');
  await admin.getByLabel('Les résidents inscrits sur la liste').check();
  await admin.getByLabel('Âge minimum (facultatif)').fill('16');
  await admin.getByRole('button', { name: 'Créer le vote' }).click();
  await admin.getByRole('heading', { name: /Gérer le vote/ }).waitFor();
  await expectAccessible(admin, 'vote administration');
  await admin.getByLabel('Question', { exact: true }).fill('Que pensez-vous de chaque scénario ?');
  await admin.getByLabel('Options').fill('Réouverture aux voyageurs\nCars express\nVoie verte');
  await admin.getByRole('button', { name: 'Ajouter la question' }).click();
  await admin.getByRole('status').filter({ hasText: 'modifications sont enregistrées' }).waitFor();
  const census = join(tmpdir(), 'territoires-census.csv');
  writeFileSync(census, 'identifiant;date de naissance\nOC-1001;1975-03-21\nOC-1002;12/08/1990\n');
  await admin.getByLabel('Fichier de la liste (CSV)').setInputFiles(census);
  await admin.getByRole('button', { name: 'Enregistrer la liste' }).click();
  await admin.getByText('2 résidents enregistrés').waitFor();
  await admin.getByRole('button', { name: 'Publier', exact: true }).click();
  await admin.getByText('C\'est publié').waitFor();
  await admin.getByRole('button', { name: 'Ouvrir le vote maintenant' }).click();
  await admin.getByText('Le vote est ouvert.').waitFor();
  const voteUrl = admin.url();

  // The resident votes without an account, on a phone, by touch: one card per option, its
  // grades as chips within reach of a thumb.
  const resident = await newPage(browser, PHONE);
  await resident.goto(voteUrl);
  await expectAccessible(resident, 'ballot');
  await resident.getByLabel('Identifiant de résident').fill('oc 1002');
  await resident.getByLabel('Date de naissance').fill('1990-08-12');
  const option = (name) => resident.getByRole('group', { name, exact: true });
  await option('Réouverture aux voyageurs').getByText('Très bien', { exact: true }).tap();
  await option('Cars express').getByText('Passable', { exact: true }).tap();
  assert.ok(await option('Réouverture aux voyageurs').getByLabel('Très bien', { exact: true }).isChecked());
  for (const chip of await resident.locator('.grade').all()) {
    const box = await chip.boundingBox();
    assert.ok(box.height >= 44 && box.x >= 0 && box.x + box.width <= 390, `a grade chip out of reach: ${JSON.stringify(box)}`);
  }
  assert.equal(await resident.evaluate(() => document.documentElement.scrollWidth), 390, 'the ballot fits the phone');
  await shot(resident, 'vote-ballot-phone');
  // One grade forgotten: a clear message naming the option left out, the other choices kept.
  await resident.getByRole('button', { name: 'Vérifier mon vote' }).tap();
  await resident.getByRole('alert').getByText(/Donnez une mention à chaque option/).waitFor();
  await option('Voie verte').getByText('Choisissez une mention pour cette option.').waitFor();
  assert.equal(await option('Cars express').getByText('Choisissez une mention pour cette option.').count(), 0);
  await expectAccessible(resident, 'ballot with errors');
  assert.ok(await option('Cars express').getByLabel('Passable', { exact: true }).isChecked());
  await option('Voie verte').getByText('À rejeter', { exact: true }).tap();
  await resident.getByRole('button', { name: 'Vérifier mon vote' }).tap();
  await resident.getByRole('heading', { name: 'Vérifiez votre vote' }).waitFor();
  await resident.getByText('Réouverture aux voyageurs : Très bien').waitFor();
  await expectAccessible(resident, 'confirmation');
  await resident.getByRole('button', { name: 'Confirmer mon vote' }).tap();
  await resident.getByRole('heading', { name: 'Votre reçu' }).waitFor();
  await expectAccessible(resident, 'receipt');
  await shot(resident, 'vote-receipt');
  const tracker = (await resident.locator('#tracker').textContent()).trim();
  assert.match(tracker, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  // The receipt is copied and printed from the page, and kept by this browser only.
  await resident.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  await resident.getByRole('button', { name: 'Copier le numéro' }).tap();
  await resident.getByText('Numéro copié').waitFor();
  assert.equal(await resident.evaluate(() => navigator.clipboard.readText()), tracker);
  await resident.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
  await resident.getByRole('button', { name: 'Imprimer le reçu' }).tap();
  assert.equal(await resident.evaluate(() => window.printed), 1);
  const kept = await resident.evaluate(() => Object.keys(localStorage).map((k) => [k, JSON.parse(localStorage.getItem(k)).tracker]));
  assert.equal(kept.length, 1);
  assert.equal(kept[0][1], tracker);

  // The administrator closes; the resident finds the tracker and the results.
  await admin.goto(voteUrl + '/admin');
  await admin.getByRole('button', { name: 'Clôturer le vote maintenant' }).click();
  await admin.getByText('Le vote est clos').waitFor();
  await resident.goto(voteUrl);
  await resident.getByRole('heading', { name: 'Résultats' }).waitFor();
  // Back on the vote, the browser shows the kept number again.
  await resident.locator('[data-saved-tracker]').filter({ hasText: tracker }).waitFor();
  await resident.getByText(/participation 50,0\s%/).waitFor();
  await expectAccessible(resident, 'results');
  await shot(resident, 'vote-results');
  await resident.getByRole('link', { name: 'Vérifier mon numéro de suivi' }).first().click();
  assert.equal(await resident.getByLabel('Vérifier un numéro de suivi').inputValue(), tracker, 'the check is filled with the kept number');
  await resident.getByRole('button', { name: 'Vérifier', exact: true }).click();
  await resident.getByText('Ce numéro est dans la liste').waitFor();
  await expectAccessible(resident, 'trackers');
});

test('a participatory budget refuses a basket over budget', async () => {
  const admin = await newPage(browser);
  await login(admin);
  await newProcess(admin, 'lannion', 'Budget participatif 2027', 'budget-2027');
  await admin.getByLabel('Budget participatif', { exact: true }).check();
  await admin.getByLabel('Titre').fill('Budget participatif 2027');
  await admin.getByLabel('Les détenteurs d\'un code d\'invitation').check();
  await admin.getByLabel('Budget total (€)').fill('100000');
  await admin.getByRole('button', { name: 'Créer le vote' }).click();
  await admin.getByRole('heading', { name: /Gérer le vote/ }).waitFor();
  for (const [title, cost] of [['Aire de jeux du Stanco', '60000'], ['Jardin partagé de Ker Uhel', '40000'], ['Boîtes à livres', '15000']]) {
    await admin.getByLabel('Titre du projet').fill(title);
    await admin.getByLabel('Coût').fill(cost);
    await admin.getByRole('button', { name: 'Ajouter le projet' }).click();
    await admin.getByRole('status').filter({ hasText: 'modifications sont enregistrées' }).waitFor();
  }
  await admin.getByLabel('Nombre de codes à créer').fill('3');
  await admin.getByRole('button', { name: 'Créer et imprimer' }).click();
  await expectAccessible(admin, 'printable codes');
  const code = (await admin.locator('ul.codes code').first().textContent()).trim();
  await admin.goBack();
  await admin.reload();
  await admin.getByRole('button', { name: 'Publier', exact: true }).click();
  await admin.getByText('C\'est publié').waitFor();
  await admin.getByRole('button', { name: 'Ouvrir le vote maintenant' }).click();
  await admin.getByText('Le vote est ouvert.').waitFor();

  const voter = await newPage(browser);
  await voter.goto(admin.url());
  await voter.getByLabel('Code d\'invitation').fill(code);
  await voter.getByLabel(/Aire de jeux du Stanco/).check();
  await voter.getByLabel(/Jardin partagé de Ker Uhel/).check();
  await voter.getByLabel(/Boîtes à livres/).check();
  // The running total warns before sending; the server refuses all the same.
  await voter.locator('[data-sum-over]').waitFor({ state: 'visible' });
  await voter.getByRole('button', { name: 'Vérifier mon vote' }).click();
  await voter.getByRole('alert').getByText('Le coût total de votre panier dépasse le budget.').waitFor();
  await expectAccessible(voter, 'budget ballot over budget');
  await shot(voter, 'budget-over');
  await voter.getByLabel(/Boîtes à livres/).uncheck();
  await voter.getByRole('button', { name: 'Vérifier mon vote' }).click();
  await voter.getByRole('heading', { name: 'Vérifiez votre vote' }).waitFor();
  await voter.getByRole('button', { name: 'Confirmer mon vote' }).click();
  await voter.getByRole('heading', { name: 'Votre reçu' }).waitFor();
});
