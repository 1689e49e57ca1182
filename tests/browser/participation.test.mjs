// Participation journeys on the demo instance (Lannion 2030): a citizen drops an idea with a
// photo on the participatory map, inside the process's perimeter; a second citizen supports it
// and comments; the first flags that comment and a moderator hides it from the queue; the
// administrator answers "accepted" and the author is told by mail. Every page is scanned with
// axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, newPage, expectAccessible, shot, makePng, signIn } from './harness.mjs';

let server, browser;
const PASSWORD = 'Territoires-Demo-2026';
const ADMIN = 'admin@demo.territoires.fr';
const CAMILLE = 'camille.martin@demo.territoires.fr';
const YANN = 'yann.le-gall@demo.territoires.fr';
const PROCESS = '/s/lannion/processes/lannion-2030';
// The demo process's perimeter: a box around Lannion.
const PERIMETER = { south: 48.715, north: 48.76, west: -3.5, east: -3.42 };

before(async () => {
  server = await startServer(['--demo']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function login(page, email) {
  await signIn(server.base, page, email, PASSWORD);
}

/** The flash message shown after an action. */
function flash(page, text) {
  return page.locator('.flash').filter({ hasText: text }).waitFor();
}

test('an idea on the map is supported, its flagged comment hidden, and it is answered', async () => {
  // The administrator's set-up pages: the process, its configuration, a component's settings.
  const admin = await newPage(browser);
  await login(admin, ADMIN);
  await admin.goto(server.base + PROCESS);
  await admin.getByRole('heading', { level: 1, name: /Lannion 2030/ }).waitFor();
  await expectAccessible(admin, 'process page (administrator)');
  await admin.getByRole('link', { name: 'Configurer la démarche' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Configurer la démarche' }).waitFor();
  // The settings are tabs, each its own page: a navigation of links, the current one marked.
  const tabs = admin.getByRole('navigation', { name: 'Réglages de la démarche' });
  assert.equal(await tabs.locator('a[aria-current="page"]').textContent(), 'Général');
  await expectAccessible(admin, 'process configuration');
  for (const [tab, heading] of [['Périmètre', 'Périmètre'], ['Image', 'Image'], ['Étapes', 'Étapes'], ['Composants', 'Composants']]) {
    await tabs.getByRole('link', { name: tab, exact: true }).click();
    await admin.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor();
    assert.equal(await tabs.locator('a[aria-current="page"]').textContent(), tab);
    await expectAccessible(admin, `process configuration, tab ${tab}`);
  }
  await admin.getByRole('link', { name: 'Réglages Carte participative' }).click();
  await admin.getByRole('heading', { level: 1, name: /Réglages : Carte participative/ }).waitFor();
  await expectAccessible(admin, 'component settings');

  // Camille finds the map from the process page, and the idea box beside it.
  const camille = await newPage(browser);
  await login(camille, CAMILLE);
  await camille.goto(server.base + PROCESS);
  await expectAccessible(camille, 'process page');
  const ideasHref = await camille.locator('a[href*="/c/"]', { hasText: 'Boîte à idées' }).getAttribute('href');
  await camille.locator('a[href*="/c/"]', { hasText: 'Carte participative' }).click();
  await camille.getByRole('heading', { level: 1, name: 'Carte participative' }).waitFor();
  await camille.locator('[data-map].leaflet-container').waitFor();
  await expectAccessible(camille, 'participatory map');
  await shot(camille, 'participation-map');

  // The form sent empty: its errors, listed at the top and beside the fields.
  await camille.getByRole('link', { name: 'Proposer une contribution' }).click();
  await camille.getByRole('heading', { level: 1, name: 'Proposer une contribution' }).waitFor();
  await expectAccessible(camille, 'contribution form');
  await camille.getByRole('button', { name: 'Envoyer ma contribution' }).click();
  const summary = camille.getByRole('alert');
  await summary.waitFor();
  await summary.getByText('Choisissez une catégorie.').waitFor();
  await summary.getByText('Placez votre contribution sur la carte.').waitFor();
  await expectAccessible(camille, 'contribution form with errors');
  await shot(camille, 'participation-form-errors');

  // A tap in the middle of the map, which opens framing the whole perimeter, fills the
  // coordinates.
  await camille.locator('[data-map].leaflet-container').waitFor();
  const frame = await camille.locator('[data-map]').boundingBox();
  await camille.locator('[data-map]').click({ position: { x: frame.width / 2, y: frame.height / 2 } });
  const lat = Number(await camille.getByLabel('Latitude').inputValue());
  const lon = Number(await camille.getByLabel('Longitude').inputValue());
  assert.ok(lat > PERIMETER.south && lat < PERIMETER.north, `latitude ${lat} inside the perimeter`);
  assert.ok(lon > PERIMETER.west && lon < PERIMETER.east, `longitude ${lon} inside the perimeter`);
  const title = 'Un abri à vélos devant la médiathèque';
  await camille.getByLabel('Titre').fill(title);
  await camille.getByLabel('Votre proposition').fill('Des arceaux couverts pour laisser son vélo à l\'abri de la pluie.');
  await camille.getByRole('radio', { name: /Idée/ }).check();
  const photo = join(tmpdir(), 'territoires-abri.png');
  writeFileSync(photo, makePng(80, 60));
  await camille.getByLabel('Photos').setInputFiles(photo);
  await camille.getByRole('button', { name: 'Envoyer ma contribution' }).click();
  await flash(camille, 'Votre contribution est publiée');
  await camille.getByRole('heading', { level: 1, name: title }).waitFor();
  await camille.locator('img.photo').first().waitFor();
  assert.ok(await camille.locator('img.photo').first().evaluate((img) => img.complete && img.naturalWidth === 80));
  const url = camille.url();
  assert.match(url, /\/contributions\//);
  await expectAccessible(camille, 'contribution page (author)');

  // The idea box lists its ideas without a map.
  await camille.goto(server.base + ideasHref);
  await camille.getByRole('heading', { level: 1, name: 'Boîte à idées' }).waitFor();
  assert.equal(await camille.locator('[data-map]').count(), 0);
  await expectAccessible(camille, 'idea box');

  // Yann supports the idea and comments.
  const yann = await newPage(browser);
  await login(yann, YANN);
  await yann.goto(url);
  await yann.getByRole('button', { name: 'Soutenir' }).click();
  await flash(yann, 'Merci pour votre soutien.');
  await yann.getByRole('heading', { level: 2, name: '1 soutien' }).waitFor();
  await yann.getByRole('button', { name: 'Retirer mon soutien' }).waitFor();
  const comment = 'Bonne idée, mais les arceaux du parking suffisent, inutile de dépenser plus.';
  await yann.getByLabel('Votre commentaire').fill(comment);
  await yann.getByRole('button', { name: 'Publier', exact: true }).click();
  await flash(yann, 'Votre commentaire est publié.');
  await yann.locator('.thread .comment', { hasText: comment }).waitFor();

  // Camille flags the comment, with a reason.
  await camille.goto(url);
  await camille.getByRole('heading', { level: 2, name: '1 soutien' }).waitFor();
  const item = camille.locator('.thread .comment', { hasText: comment });
  await item.locator('summary', { hasText: 'Signaler' }).click();
  await item.getByLabel('Motif').fill('Hors sujet et désobligeant');
  await expectAccessible(camille, 'contribution page with comments');
  await item.getByRole('button', { name: 'Envoyer le signalement' }).click();
  await flash(camille, 'la modération examinera ce contenu');

  // The moderator hides it from the queue, with a reason.
  await admin.goto(server.base + '/s/lannion/moderation');
  await admin.getByRole('heading', { level: 1, name: 'Modération' }).waitFor();
  const queued = admin.locator('.queue > li', { hasText: comment });
  await queued.getByText('Hors sujet et désobligeant').waitFor();
  await expectAccessible(admin, 'moderation queue');
  await shot(admin, 'participation-moderation');
  await queued.getByRole('radio', { name: 'Masquer', exact: true }).check();
  await queued.getByLabel(/Motif/).fill('Propos désobligeants');
  await queued.getByRole('button', { name: 'Appliquer' }).click();
  await flash(admin, 'La décision est enregistrée.');
  assert.equal(await admin.locator('.queue > li', { hasText: comment }).count(), 0);

  // The comment no longer shows to the others, signed in or not.
  for (const reader of [camille, await newPage(browser)]) {
    await reader.goto(url);
    await reader.getByText('Ce commentaire a été masqué par la modération.').waitFor();
    assert.equal(await reader.getByText(comment).count(), 0);
  }

  // The administrator answers: accepted, with its progress.
  await admin.goto(url);
  await admin.getByRole('heading', { level: 2, name: 'Réponse de la collectivité' }).waitFor();
  await expectAccessible(admin, 'contribution page with the answer form');
  await admin.getByRole('radio', { name: 'Retenue', exact: true }).check();
  await admin.getByLabel('Avancement').fill('20');
  await admin.getByLabel('Texte de la réponse').fill('Les services installeront un abri au printemps.');
  await admin.getByRole('button', { name: 'Publier la réponse' }).click();
  await flash(admin, 'La réponse est publiée');
  await expectAccessible(admin, 'contribution page answered (administrator)');

  await camille.reload();
  const answer = camille.getByRole('region', { name: 'Réponse de la collectivité' });
  await answer.getByText('Retenue', { exact: true }).waitFor();
  await answer.getByText('Les services installeront un abri au printemps.').waitFor();
  assert.equal(await answer.locator('progress').getAttribute('value'), '20');
  await expectAccessible(camille, 'contribution page answered');
  await shot(camille, 'participation-answered');

  // Camille, who follows what she wrote, is told by mail.
  await admin.goto(server.base + '/admin/outbox');
  await admin.locator('tr', { hasText: CAMILLE }).filter({ hasText: `Réponse de la collectivité : ${title}` }).first().waitFor();
});
