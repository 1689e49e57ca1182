// Report journeys on the demo instance: a citizen reports a pothole with a photo on the map;
// the road agent acknowledges it, then resolves it with a note; the citizen's two mails are in
// the outbox; the public page shows the history; a second citizen near the same spot is offered
// the existing report. Every page is scanned with axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, newPage, expectAccessible, shot, makePng, signIn } from './harness.mjs';

let server, browser;
const PASSWORD = 'Territoires-Demo-2026';

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

test('a pothole is reported, handled by the road team, and offered to a neighbour', async () => {
  const citizen = await newPage(browser);
  await login(citizen, 'camille.martin@demo.territoires.fr');
  await citizen.goto(server.base + '/s/montauban');
  await citizen.getByRole('link', { name: 'Signaler un problème' }).click();
  await expectAccessible(citizen, 'report categories');
  await citizen.getByRole('link', { name: 'Nid-de-poule' }).click();
  await expectAccessible(citizen, 'report form');
  // A tap on the map fills the coordinates; they are then set to the exact spot.
  await citizen.locator('[data-map]').click({ position: { x: 120, y: 100 } });
  assert.notEqual(await citizen.getByLabel('Latitude').inputValue(), '');
  await citizen.getByLabel('Latitude').fill('44.0302');
  await citizen.getByLabel('Longitude').fill('1.3301');
  await citizen.getByLabel('Plus de 50 cm').check();
  await citizen.getByLabel('Description').fill('Trou profond devant le collège, les vélos l\'évitent de justesse.');
  const photo = join(tmpdir(), 'territoires-trou.png');
  writeFileSync(photo, makePng(80, 60));
  await citizen.getByLabel('Photos (jusqu\'à 3)').setInputFiles(photo);
  await citizen.getByRole('button', { name: 'Envoyer le signalement' }).click();
  await citizen.getByText('Votre signalement est publié').waitFor();
  await expectAccessible(citizen, 'report sent');
  await citizen.getByRole('link', { name: 'Voir le signalement' }).click();
  await citizen.getByRole('heading', { level: 1, name: 'Nid-de-poule' }).waitFor();
  await expectAccessible(citizen, 'report page');
  const reportUrl = citizen.url();

  // The road agent acknowledges it, then resolves it with a note.
  const agent = await newPage(browser);
  await login(agent, 'agent.voirie@demo.territoires.fr');
  await agent.goto(server.base + '/s/montauban/reports/desk?status=new');
  await expectAccessible(agent, 'desk');
  await agent.goto(reportUrl + '/handle');
  await expectAccessible(agent, 'handling page');
  await agent.getByLabel('Nouvel état').selectOption('acknowledged');
  await agent.getByLabel(/Note publique/).fill('Vu, une équipe passe cette semaine.');
  await agent.getByLabel(/Note interne/).fill('Enrobé à froid');
  await agent.getByRole('button', { name: 'Enregistrer' }).click();
  await agent.getByText('Les signalements sont mis à jour').waitFor();
  await agent.getByLabel('Nouvel état').selectOption('resolved');
  await agent.getByLabel(/Note publique/).fill('Rebouché ce matin. Merci !');
  await agent.getByRole('button', { name: 'Enregistrer' }).click();
  await agent.getByText('Les signalements sont mis à jour').waitFor();

  // The public page shows the history, without the internal note.
  await citizen.reload();
  await citizen.getByText('Rebouché ce matin. Merci !').waitFor();
  await citizen.getByText('Vu, une équipe passe cette semaine.').waitFor();
  assert.equal(await citizen.getByText('Enrobé à froid').count(), 0);
  await expectAccessible(citizen, 'report page with history');
  await shot(citizen, 'report-history');

  // Both mails reached the citizen (the demo instance keeps them in the outbox).
  const admin = await newPage(browser);
  await login(admin, 'admin@demo.territoires.fr');
  await admin.goto(server.base + '/admin/outbox');
  const rows = admin.locator('tr', { hasText: 'camille.martin@demo.territoires.fr' });
  await rows.filter({ hasText: 'Pris en compte' }).first().waitFor();
  await rows.filter({ hasText: 'Résolu' }).first().waitFor();
  // The administrator's setup page and the statistics.
  await admin.goto(server.base + '/s/montauban/reports/setup');
  await admin.getByRole('heading', { level: 1, name: 'Réglages des signalements' }).waitFor();
  await expectAccessible(admin, 'reporting setup');
  await admin.goto(server.base + '/s/montauban/reports/stats');
  await expectAccessible(admin, 'report statistics');

  // The citizen reports a fallen sign; a neighbour 10 m away is offered that report first.
  await citizen.goto(server.base + '/s/montauban/reports/new?category=VOIRIE-02');
  await citizen.getByLabel('Latitude').fill('44.0303');
  await citizen.getByLabel('Longitude').fill('1.3302');
  await citizen.getByLabel('Description').fill('Panneau couché');
  await citizen.getByRole('button', { name: 'Envoyer le signalement' }).click();
  await citizen.getByText('Votre signalement est publié').waitFor();
  const neighbour = await newPage(browser);
  await login(neighbour, 'yann.le-gall@demo.territoires.fr');
  await neighbour.goto(server.base + '/s/montauban/reports/new?category=VOIRIE-02');
  await neighbour.getByLabel('Latitude').fill('44.03035');
  await neighbour.getByLabel('Longitude').fill('1.33025');
  await neighbour.getByLabel('Description').fill('Un panneau est tombé');
  await neighbour.getByRole('button', { name: 'Envoyer le signalement' }).click();
  await neighbour.getByRole('heading', { name: 'Déjà signalé ?' }).waitFor();
  await expectAccessible(neighbour, 'similar reports offered');
  await neighbour.getByRole('link', { name: /Signalisation abîmée/ }).click();
  await neighbour.getByRole('button', { name: 'Moi aussi' }).click();
  // The reporter and the neighbour.
  await neighbour.getByText('2 personnes concernées').waitFor();

  // The public list, with its live map: clusters and points of the visible area.
  await neighbour.goto(server.base + '/s/montauban/reports');
  await neighbour.locator('[data-map] path.leaflet-interactive').first().waitFor();
  await expectAccessible(neighbour, 'reports list');
  await shot(neighbour, 'reports-list');
});
