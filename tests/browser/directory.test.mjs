// Directory journeys on the demo instance: a confirmed citizen proposes a fablab with its
// position; the directory's moderator publishes it; a visitor then finds it in the list, under
// its facet, by a search typed without accents, on the live map and in the open data; the
// owner edits it, the moderator reads the field-by-field diff and approves it, and the page
// shows the new text. Every page is scanned with axe-core. Demo actors, if any, are left aside:
// the names are the test's own and the counts are relative.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, expectAccessible, shot, signIn } from './harness.mjs';

let server, browser;
const PASSWORD = 'Territoires-Demo-2026';
const ADMIN = 'admin@demo.territoires.fr';
const CAMILLE = 'camille.martin@demo.territoires.fr';
// Lannion: its INSEE code, and a spot in the town.
const LANNION = { commune: '22113', lat: '48.7326', lon: '-3.4566' };
const NAME = 'Fablab Étincelle de Kerampont';
const SHORT = 'Un atelier de fabrication numérique ouvert à tous, au cœur du Trégor.';
const SHORT_NEW = 'Un atelier de fabrication numérique ouvert aussi le samedi matin.';

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

/** The number the directory's status line gives ("N acteurs", thin spaces as separators). */
async function count(page) {
  const text = await page.locator('.results [role="status"]').innerText();
  assert.match(text, /\d acteurs?\b/);
  return Number(text.replace(/\D/g, ''));
}

/** Whether an actor is listed on the list's pages, following "next" links. */
async function listed(page, name) {
  for (let i = 0; i < 20; i++) {
    if (await page.locator('ul.actors h2 a', { hasText: name }).count()) return true;
    const next = page.locator('.pager a[rel="next"]');
    if (!(await next.count())) return false;
    await next.click();
    await page.locator('ul.actors').waitFor();
  }
  return false;
}

/** Retries `check` (the search and map indexes follow the database a moment later). */
async function eventually(label, check, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    assert.ok(Date.now() < end, `${label}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a fablab is proposed, published, found everywhere, then edited through a reviewed diff', async () => {
  // What the directory shows before, to a visitor.
  const visitor = await newPage(browser);
  await visitor.goto(server.base + '/directory');
  await visitor.getByRole('heading', { level: 1, name: "Annuaire de l'innovation territoriale" }).waitFor();
  const before = await count(visitor);

  // Camille opens the form from the directory.
  const camille = await newPage(browser);
  await login(camille, CAMILLE);
  await camille.goto(server.base + '/directory');
  await camille.getByRole('link', { name: 'Inscrire un acteur' }).click();
  await camille.getByRole('heading', { level: 1, name: 'Inscrire un acteur' }).waitFor();
  await camille.locator('[data-map].leaflet-container').waitFor();
  await expectAccessible(camille, 'proposal form');

  // Sent empty: every missing field is listed at the top, each link leading to its field.
  await camille.getByRole('button', { name: 'Proposer la fiche' }).click();
  const summary = camille.getByRole('alert');
  await summary.waitFor();
  for (const message of [
    "Choisissez le type d'acteur.",
    "Décrivez l'acteur en une phrase.",
    'Choisissez au moins un thème.',
    'Ce code INSEE ne désigne aucune commune du référentiel.',
  ]) {
    await summary.getByText(message).waitFor();
  }
  const targets = await summary.locator('a').evaluateAll((links) =>
    links.map((a) => [a.getAttribute('href'), !!document.getElementById(a.getAttribute('href').slice(1))]));
  assert.ok(targets.length >= 5, `several errors listed: ${JSON.stringify(targets)}`);
  for (const [href, found] of targets) assert.ok(found, `the summary's link ${href} leads to a field`);
  assert.equal(await camille.getByLabel("Type d'acteur").getAttribute('aria-invalid'), 'true');
  await camille.locator('[data-map].leaflet-container').waitFor();
  await expectAccessible(camille, 'proposal form with errors');
  await shot(camille, 'directory-form-errors');

  // The fablab, its themes, its commune; a tap on the map fills the coordinates, which are
  // then set to the exact spot.
  await camille.getByLabel('Nom', { exact: true }).fill(NAME);
  await camille.getByLabel("Type d'acteur").selectOption('fablab');
  await camille.getByLabel('Description courte').fill(SHORT);
  await camille.getByLabel('Présentation').fill('Imprimantes 3D, découpe laser et électronique.\n\nAteliers pour les scolaires le mercredi.');
  const themes = camille.getByRole('group', { name: 'Thèmes' });
  await themes.getByRole('checkbox', { name: 'Éducation' }).check();
  await themes.getByRole('checkbox', { name: 'Données et objets connectés' }).check();
  await camille.getByRole('group', { name: 'Activités proposées' }).getByRole('checkbox', { name: 'Formation' }).check();
  await camille.getByRole('group', { name: 'Publics' }).getByRole('checkbox', { name: 'Citoyens' }).check();
  await camille.getByLabel('Adresse', { exact: true }).fill('1 rue de la Forge');
  await camille.getByLabel('Code postal').fill('22300');
  await camille.getByLabel('Commune (code INSEE)').fill(LANNION.commune);
  assert.equal(await camille.getByLabel('Latitude').inputValue(), '');
  await camille.locator('[data-map]').click({ position: { x: 200, y: 150 } });
  const lat = Number(await camille.getByLabel('Latitude').inputValue());
  const lon = Number(await camille.getByLabel('Longitude').inputValue());
  // The map opens on France.
  assert.ok(lat > 35 && lat < 56, `latitude ${lat} filled by the tap`);
  assert.ok(lon > -12 && lon < 14, `longitude ${lon} filled by the tap`);
  await camille.locator('[data-map] .leaflet-marker-icon').waitFor();
  await camille.getByLabel('Latitude').fill(LANNION.lat);
  await camille.getByLabel('Longitude').fill(LANNION.lon);
  await camille.getByLabel('Horaires').fill('Mo-Fr 09:00-18:00');
  await camille.getByLabel("Source de l'information").fill("L'équipe du fablab");
  await camille.getByRole('button', { name: 'Proposer la fiche' }).click();
  await flash(camille, 'Merci ! La fiche sera publiée après relecture.');
  await camille.getByRole('heading', { level: 1, name: NAME }).waitFor();
  await camille.getByText("Cette fiche attend la relecture d'un modérateur.").waitFor();
  await camille.getByText(SHORT).waitFor();
  const actorUrl = camille.url();
  assert.match(new URL(actorUrl).pathname, /^\/directory\/actors\/fablab-etincelle-de-kerampont-/);
  await expectAccessible(camille, 'actor page (pending, owner)');

  // Waiting, it is nowhere public.
  assert.equal((await fetch(actorUrl)).status, 404);
  assert.ok(!(await (await fetch(server.base + '/data/actors.csv')).text()).includes(NAME));

  // The moderator publishes it from the queue.
  const admin = await newPage(browser);
  await login(admin, ADMIN);
  await admin.goto(server.base + '/directory');
  await admin.getByRole('link', { name: "Modération de l'annuaire" }).click();
  await admin.getByRole('heading', { level: 1, name: "Modération de l'annuaire" }).waitFor();
  const proposal = admin.locator('.queue > li', { has: admin.getByRole('heading', { level: 3, name: NAME }) });
  await proposal.getByText(SHORT).waitFor();
  const id = (await proposal.getAttribute('id')).replace(/^actor-/, '');
  await expectAccessible(admin, 'directory moderation (a proposal)');
  await shot(admin, 'directory-moderation-proposal');
  await proposal.getByRole('radio', { name: 'Publier' }).check();
  await proposal.getByRole('button', { name: 'Appliquer' }).click();
  await flash(admin, 'La décision est enregistrée');
  assert.equal(await admin.locator('.queue > li', { hasText: NAME }).count(), 0);

  // A visitor finds it in the list, one more than before.
  await visitor.goto(server.base + '/directory');
  assert.equal(await count(visitor), before + 1);
  assert.ok(await listed(visitor, NAME), 'listed in the directory');
  await visitor.goto(server.base + '/directory');
  // The live map draws the published actors as points or clusters.
  await visitor.locator('[data-map] path.leaflet-interactive').first().waitFor();
  await expectAccessible(visitor, 'directory');
  await shot(visitor, 'directory-list');

  // The "Fablab" facet narrows the list to the fablabs, ours among them.
  await visitor.getByRole('navigation', { name: 'Filtres' }).getByRole('link', { name: 'Fablab', exact: true }).click();
  await visitor.waitForURL((u) => u.searchParams.get('kind') === 'fablab');
  await visitor.locator('.facets strong[aria-current]', { hasText: 'Fablab' }).waitFor();
  const fablabs = await count(visitor);
  assert.ok(fablabs >= 1 && fablabs <= before + 1);
  for (const hint of await visitor.locator('ul.actors .hint').allInnerTexts()) assert.match(hint, /^Fablab( ·|$)/);
  assert.ok(await listed(visitor, NAME), 'listed under the Fablab facet');
  await visitor.goto(server.base + '/directory?kind=fablab');
  await expectAccessible(visitor, 'directory filtered by kind');

  // A search typed without accents finds it.
  await visitor.goto(server.base + '/directory');
  const search = visitor.getByRole('search', { name: "Rechercher dans l'annuaire" });
  await search.getByLabel("Rechercher dans l'annuaire").fill('etincelle kerampont');
  await search.getByRole('button', { name: 'Rechercher', exact: true }).click();
  await visitor.waitForURL((u) => u.searchParams.get('q') === 'etincelle kerampont');
  await eventually('the search finds the fablab', async () => {
    if (await visitor.locator('ul.actors h2 a', { hasText: NAME }).count()) return true;
    await visitor.reload();
    return false;
  });
  assert.equal(await count(visitor), 1);
  await expectAccessible(visitor, 'directory search');

  // The map layer holds its point, at its place.
  const box = 'west=-3.47&south=48.72&east=-3.44&north=48.74&zoom=18';
  await eventually('the map layer holds the fablab', async () => {
    const items = (await (await fetch(`${server.base}/directory/map.json?${box}`)).json()).items;
    return items.some((i) => i.id === id && Math.abs(i.lat - 48.7326) < 1e-6 && Math.abs(i.lon + 3.4566) < 1e-6);
  });

  // Its public page, with its marker.
  await visitor.goto(actorUrl);
  await visitor.getByRole('heading', { level: 1, name: NAME }).waitFor();
  assert.equal(await visitor.getByText("Cette fiche attend la relecture d'un modérateur.").count(), 0);
  await visitor.locator(`[data-map] .leaflet-marker-icon[title="${NAME}"]`).waitFor();
  await visitor.getByText('Mo-Fr 09:00-18:00').waitFor();
  assert.equal(await visitor.getByRole('link', { name: 'Modifier la fiche' }).count(), 0);
  await expectAccessible(visitor, 'actor page (published)');

  // The page of one of its themes, and the embeddable map partners put in an iframe.
  await visitor.getByRole('link', { name: 'Éducation' }).first().click();
  await visitor.getByRole('heading', { level: 1, name: 'Éducation' }).waitFor();
  assert.ok(await listed(visitor, NAME), 'listed on its theme page');
  await expectAccessible(visitor, 'theme page');
  await visitor.goto(server.base + '/embed/directory?kind=fablab');
  await visitor.locator('[data-map] .leaflet-tile-pane').waitFor({ state: 'attached' });
  assert.equal(await visitor.locator('header.site-header').count(), 0);
  await expectAccessible(visitor, 'embedded directory');

  // The open data: one row, with its kind, themes, position and hours.
  const csv = await (await fetch(server.base + '/data/actors.csv')).text();
  const rows = csv.split('\n').filter((l) => l.startsWith(id + ','));
  assert.equal(rows.length, 1, 'one CSV row for the fablab');
  for (const cell of [NAME, ',fablab,', ',22113,', ',22,', '48.7326', '-3.4566', 'education;data_iot', 'Mo-Fr 09:00-18:00']) {
    assert.ok(rows[0].includes(cell), `the CSV row holds ${cell}: ${rows[0]}`);
  }

  // Camille, its owner, edits the short description; the change waits for the moderator.
  await camille.goto(actorUrl);
  await camille.getByRole('link', { name: 'Modifier la fiche' }).click();
  await camille.getByRole('heading', { level: 1, name: 'Modifier la fiche' }).waitFor();
  assert.equal(await camille.getByLabel('Description courte').inputValue(), SHORT);
  assert.equal(await camille.getByLabel("Type d'acteur").inputValue(), 'fablab');
  assert.ok(await camille.getByRole('group', { name: 'Thèmes' }).getByRole('checkbox', { name: 'Éducation' }).isChecked());
  await camille.locator('[data-map] .leaflet-marker-icon').waitFor();
  await expectAccessible(camille, 'edit form');
  await camille.getByLabel('Description courte').fill(SHORT_NEW);
  await camille.getByRole('button', { name: 'Envoyer les modifications' }).click();
  await flash(camille, 'Vos modifications seront publiées après relecture');
  await camille.getByText(SHORT).waitFor();

  // The moderator reads the diff: only the short description changed.
  await admin.goto(server.base + '/directory/moderation');
  const revision = admin.locator('.queue > li[id^="revision-"]', { has: admin.getByRole('heading', { level: 3, name: NAME }) });
  const diff = revision.getByRole('table', { name: 'Champs modifiés' });
  await diff.waitFor();
  const changed = diff.locator('tbody tr');
  assert.equal(await changed.count(), 1, `one changed field: ${await diff.innerText()}`);
  await changed.getByRole('rowheader', { name: 'Description courte' }).waitFor();
  assert.equal(await changed.locator('del').innerText(), SHORT);
  assert.equal(await changed.locator('ins').innerText(), SHORT_NEW);
  await expectAccessible(admin, 'directory moderation (a revision)');
  await shot(admin, 'directory-moderation-diff');
  await revision.getByRole('radio', { name: 'Publier' }).check();
  await revision.getByRole('button', { name: 'Appliquer' }).click();
  await flash(admin, 'La décision est enregistrée');
  assert.equal(await admin.locator('.queue > li[id^="revision-"]', { hasText: NAME }).count(), 0);

  // The page shows the new text, to its owner and to everyone.
  await camille.goto(actorUrl);
  await camille.getByText(SHORT_NEW).waitFor();
  assert.equal(await camille.getByText(SHORT).count(), 0);
  await visitor.goto(actorUrl);
  await visitor.getByText(SHORT_NEW).waitFor();
  await shot(visitor, 'directory-actor');
  await eventually('the CSV holds the new text', async () =>
    (await (await fetch(server.base + '/data/actors.csv')).text()).includes(SHORT_NEW));
});
