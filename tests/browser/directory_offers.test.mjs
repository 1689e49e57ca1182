// Directory offers journeys on a fresh instance (no demo data, so the open data holds only what
// the test adds): a confirmed citizen proposes a company with its position and a social link;
// the administrator, who moderates the directory, publishes it; the owner invites a co-owner,
// first with a mistyped address; the invited person registers, accepts, and adds an offer,
// first with a territory that does not exist; the offer is found in the list filtered by theme
// and in the open data; the owner uploads a logo; the owners' and the moderator's settings on
// the actor's page. Every page is scanned with axe-core. Then, on another fresh instance, the
// administrator manages the directory's vocabularies: adds a theme, first with a wrong code,
// renames it, and retires it; a citizen's proposal form offers it, then no longer does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, newPage, expectAccessible, shot, makePng } from './harness.mjs';
import * as h from './harness.mjs';

let server, browser;
const ADMIN = { email: 'maire@lannion.bzh', password: 'Lannion-Mairie-2026', name: 'Mairie de Lannion' };
const ANNE = { email: 'anne@exemple.fr', password: 'Une phrase de passe', name: 'Anne Le Bihan' };
const BRUNO = { email: 'bruno@test.fr', password: 'Une autre phrase de passe', name: 'Bruno Guillou' };
// Lannion: its INSEE code, and a spot in the town.
const LANNION = { commune: '22113', lat: '48.7326', lon: '-3.4566' };
const NAME = 'Lumière Trégor Systèmes';
const SHORT = 'Une jeune entreprise qui pilote à distance l\'éclairage public des communes.';
const SOCIAL = 'https://mastodon.example/@lumiere_tregor';
const OFFER = 'Éclairage public piloté';
const CLAIRE = { email: 'claire@exemple.fr', password: 'Encore une phrase de passe', name: 'Claire Prigent' };

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const register = (admin, who) => h.registerConfirmed(browser, server.base, admin, who);
const { flash, eventually } = h;

test('a company is published, gets a co-owner who adds an offer, found by theme, with a logo', async () => {
  // The first run makes the administrator, who moderates the directory.
  const admin = await h.setupAdmin(browser, server.base, ADMIN);

  // Anne, a confirmed citizen, proposes her company, with its position and a social link.
  const anne = await register(admin, ANNE);
  await anne.goto(server.base + '/directory');
  await anne.getByRole('link', { name: 'Inscrire un acteur' }).click();
  await anne.getByRole('heading', { level: 1, name: 'Inscrire un acteur' }).waitFor();
  await anne.getByLabel('Nom', { exact: true }).fill(NAME);
  await anne.getByLabel("Type d'acteur").selectOption({ label: 'Entreprise ou start-up' });
  await anne.getByLabel('Description courte').fill(SHORT);
  await anne.getByRole('group', { name: 'Thèmes' }).getByRole('checkbox', { name: 'Éclairage public' }).check();
  await anne.getByLabel('Réseaux sociaux et liens').fill(SOCIAL);
  await anne.getByLabel('Commune (code INSEE)').fill(LANNION.commune);
  await anne.getByLabel('Latitude').fill(LANNION.lat);
  await anne.getByLabel('Longitude').fill(LANNION.lon);
  await anne.getByRole('button', { name: 'Proposer la fiche' }).click();
  await flash(anne, 'Merci ! La fiche sera publiée après relecture.');
  await anne.getByRole('heading', { level: 1, name: NAME }).waitFor();
  const actorUrl = anne.url();
  assert.match(new URL(actorUrl).pathname, /^\/directory\/actors\/lumiere-tregor-systemes-/);

  // The administrator publishes it from the moderation queue.
  await admin.goto(server.base + '/directory/moderation');
  await admin.getByRole('heading', { level: 1, name: "Modération de l'annuaire" }).waitFor();
  const proposal = admin.locator('.queue > li', { has: admin.getByRole('heading', { level: 3, name: NAME }) });
  await proposal.getByText(SHORT).waitFor();
  await proposal.getByRole('radio', { name: 'Publier' }).check();
  await proposal.getByRole('button', { name: 'Appliquer' }).click();
  await flash(admin, 'La décision est enregistrée');
  assert.equal(await admin.locator('.queue > li', { hasText: NAME }).count(), 0);

  // Published, it shows its kind and its social link.
  await anne.goto(actorUrl);
  assert.equal(await anne.getByText("Cette fiche attend la relecture d'un modérateur.").count(), 0);
  await anne.locator('p.hint', { hasText: 'Entreprise ou start-up' }).waitFor();
  assert.equal(await anne.locator(`a[href="${SOCIAL}"]`).innerText(), 'mastodon.example/@lumiere_tregor');

  // Anne invites Bruno, first with a mistyped address: the error is listed and at the field.
  const invite = anne.getByLabel('Inviter un copropriétaire (adresse électronique)');
  await invite.fill('bruno.test.fr');
  await anne.getByRole('button', { name: 'Inviter', exact: true }).click();
  const summary = anne.getByRole('alert');
  await summary.waitFor();
  await summary.getByRole('heading', { name: 'Le formulaire contient des erreurs' }).waitFor();
  await summary.getByRole('link', { name: /Saisissez une adresse électronique valide/ }).waitFor();
  assert.equal(await summary.getByRole('link').first().getAttribute('href'), '#email');
  await anne.locator('#email-error', { hasText: 'Saisissez une adresse électronique valide' }).waitFor();
  assert.equal(await invite.getAttribute('aria-invalid'), 'true');
  assert.equal(await invite.inputValue(), 'bruno.test.fr');
  await anne.getByRole('heading', { level: 1, name: NAME }).waitFor();
  await expectAccessible(anne, 'actor page with an invitation error');
  await shot(anne, 'directory-invite-error');

  // Then the right one: the invitation waits, and Bruno is told by mail.
  await invite.fill(BRUNO.email);
  await anne.getByRole('button', { name: 'Inviter', exact: true }).click();
  await flash(anne, "L'invitation est envoyée.");
  const owners = anne.getByRole('region', { name: 'Propriétaires de la fiche' });
  await owners.locator('li', { hasText: BRUNO.email }).getByText('invitation envoyée').waitFor();
  await admin.goto(server.base + '/admin/outbox');
  await admin.locator('tr', { hasText: BRUNO.email }).filter({ hasText: `Invitation à gérer la fiche « ${NAME} »` }).waitFor();

  // Bruno registers with that address, confirms it, and accepts the invitation on the page.
  const bruno = await register(admin, BRUNO);
  await bruno.goto(actorUrl);
  const invitation = bruno.getByRole('region', { name: 'Vous êtes invité·e à gérer cette fiche' });
  await invitation.waitFor();
  await expectAccessible(bruno, 'actor page (invited)');
  await invitation.getByRole('button', { name: 'Accepter' }).click();
  await flash(bruno, 'Vous êtes maintenant propriétaire de la fiche.');
  assert.equal(await bruno.getByRole('region', { name: 'Vous êtes invité·e à gérer cette fiche' }).count(), 0);
  await bruno.getByRole('region', { name: 'Propriétaires de la fiche' }).getByText(`${BRUNO.name} (${BRUNO.email})`).waitFor();

  // He adds an offer, first deployed in a territory that does not exist.
  await bruno.getByRole('link', { name: 'Ajouter une offre' }).click();
  await bruno.getByRole('heading', { level: 1, name: 'Ajouter une offre' }).waitFor();
  await expectAccessible(bruno, 'offer form');
  const references = bruno.getByLabel("Territoires où l'offre est déployée");
  await references.fill('Atlantide');
  await bruno.getByRole('button', { name: "Enregistrer l'offre" }).click();
  await bruno.getByRole('alert').waitFor();
  const refError = 'Un des territoires n\'existe pas dans le référentiel : vérifiez son nom ou son code.';
  await bruno.getByRole('alert').getByRole('link', { name: refError }).waitFor();
  await bruno.locator('#references-error', { hasText: refError }).waitFor();
  assert.equal(await references.getAttribute('aria-invalid'), 'true');
  assert.equal(await references.inputValue(), 'Atlantide');
  await expectAccessible(bruno, 'offer form with errors');
  await shot(bruno, 'directory-offer-errors');

  await bruno.getByLabel('Titre').fill(OFFER);
  const themes = bruno.getByRole('group', { name: 'Thèmes' });
  await themes.getByRole('checkbox', { name: 'Éclairage public' }).check();
  await themes.getByRole('checkbox', { name: 'Énergie' }).check();
  await bruno.getByRole('group', { name: 'Tailles de territoire visées' })
    .getByRole('checkbox', { name: '2 000 à 10 000 habitants' }).check();
  await references.fill('Lannion');
  await bruno.getByRole('button', { name: "Enregistrer l'offre" }).click();
  await flash(bruno, "L'offre est enregistrée.");
  await bruno.getByRole('heading', { level: 1, name: OFFER }).waitFor();
  const offerUrl = bruno.url();
  assert.match(new URL(offerUrl).pathname, /^\/directory\/offers\/[^/]+$/);
  const lannion = bruno.getByRole('link', { name: 'Lannion', exact: true });
  assert.equal(await lannion.getAttribute('href'), '/territories/commune/22113');
  await bruno.getByRole('link', { name: NAME }).first().waitFor();
  await expectAccessible(bruno, 'offer page');
  await shot(bruno, 'directory-offer');

  // A visitor finds it in the list of offers, filtered by theme.
  const visitor = await newPage(browser);
  await visitor.goto(server.base + '/directory/offers');
  await visitor.getByRole('heading', { level: 1, name: 'Offres des entreprises' }).waitFor();
  await visitor.getByLabel('Thème').selectOption({ label: 'Énergie' });
  await visitor.getByRole('button', { name: 'Filtrer' }).click();
  await visitor.waitForURL((u) => u.searchParams.get('theme') === 'energy');
  await eventually('the list by theme holds the offer', async () => {
    if (await visitor.locator('ul.results h2 a', { hasText: OFFER }).count()) return true;
    await visitor.reload();
    return false;
  });
  assert.equal(await visitor.getByLabel('Thème').inputValue(), 'energy');
  await visitor.getByRole('status').filter({ hasText: '1 offre' }).waitFor();
  await expectAccessible(visitor, 'offers filtered by theme');
  await shot(visitor, 'directory-offers');

  // The open data: a header and the offer's row.
  await eventually('the CSV holds the offer', async () => {
    const response = await visitor.request.get(server.base + '/data/offers.csv');
    assert.equal(response.status(), 200);
    const lines = (await response.text()).split('\n').filter((l) => l !== '');
    if (lines.length !== 2) return false;
    assert.match(lines[0], /^id,actor_id,actor_name,title,/);
    for (const cell of [NAME, OFFER, 'energy;lighting', '2k_10k', 'commune/22113', 'available']) {
      assert.ok(lines[1].includes(cell), `the CSV row holds ${cell}: ${lines[1]}`);
    }
    return true;
  });

  // Anne uploads a logo, shown at the top of the page.
  await anne.goto(actorUrl);
  assert.equal(await anne.locator('img.logo').count(), 0);
  const logo = join(tmpdir(), 'territoires-offers-logo.png');
  writeFileSync(logo, makePng(64, 64));
  await anne.getByLabel('Image du logo').setInputFiles(logo);
  await anne.getByRole('button', { name: 'Envoyer le logo' }).click();
  await flash(anne, 'Les modifications sont enregistrées.');
  const img = anne.locator('img.logo');
  await img.waitFor();
  assert.equal(await img.getAttribute('alt'), `Logo de ${NAME}`);
  await eventually('the logo is loaded', () => img.evaluate((i) => i.complete && i.naturalWidth > 0));
  // The offer is listed on the actor's page, and both owners in its owners' section.
  await anne.getByRole('region', { name: 'Offres', exact: true }).getByRole('link', { name: OFFER }).waitFor();
  const ownersNow = anne.getByRole('region', { name: 'Propriétaires de la fiche' });
  await ownersNow.getByText(`${ANNE.name} (${ANNE.email})`).waitFor();
  await ownersNow.getByText(`${BRUNO.name} (${BRUNO.email})`).waitFor();
  await anne.getByRole('button', { name: 'Retirer le logo' }).waitFor();
  await expectAccessible(anne, 'actor page (owner, with a logo)');
  await shot(anne, 'directory-actor-owner');

  // The moderator's view: the owners' section and the trust section.
  await admin.goto(actorUrl);
  await admin.getByRole('region', { name: 'Propriétaires de la fiche' }).waitFor();
  const trust = admin.getByRole('region', { name: 'Confiance des modérateurs' });
  await trust.getByText('Les modifications des propriétaires passent par la relecture.').waitFor();
  await trust.getByRole('button', { name: 'Faire confiance aux propriétaires' }).waitFor();
  await expectAccessible(admin, 'actor page (moderator)');
  await shot(admin, 'directory-actor-moderator');
});

test('the administrator adds a theme, renames it and retires it; the proposal form follows', async () => {
  // A fresh instance of its own: the vocabularies start as seeded.
  const fresh = await startServer();
  try {
    const admin = await h.setupAdmin(browser, fresh.base, ADMIN);

    // From the moderation queue to the vocabularies.
    await admin.goto(fresh.base + '/directory/moderation');
    await admin.getByRole('heading', { level: 1, name: "Modération de l'annuaire" }).waitFor();
    await admin.getByRole('link', { name: "Vocabulaires de l'annuaire" }).click();
    await admin.waitForURL((u) => u.pathname === '/directory/taxonomy');
    await admin.getByRole('heading', { level: 1, name: "Vocabulaires de l'annuaire" }).waitFor();
    const themes = admin.getByRole('region', { name: 'Thème', exact: true });
    await themes.getByRole('cell', { name: 'Éclairage public', exact: true }).waitFor();
    assert.equal(await themes.getByRole('cell', { name: 'Agriculture urbaine' }).count(), 0);
    await expectAccessible(admin, 'directory vocabularies');
    await shot(admin, 'directory-taxonomy');

    // A theme with a code that has a space and capitals, and no French name: both errors are
    // listed at the top, each at its field, and what was typed is kept.
    const vocabulary = admin.getByLabel('Vocabulaire', { exact: true });
    const code = admin.getByLabel('Code', { exact: true });
    const nameFr = admin.getByLabel('Nom en français');
    const nameEn = admin.getByLabel('Nom en anglais');
    await admin.getByRole('heading', { level: 2, name: 'Ajouter un terme' }).waitFor();
    await vocabulary.selectOption({ label: 'Thème' });
    await code.fill('Agri Urbaine');
    await nameFr.fill('');
    await nameEn.fill('Urban farming');
    const [response] = await Promise.all([
      admin.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/directory/taxonomy'),
      admin.getByRole('button', { name: 'Ajouter', exact: true }).click(),
    ]);
    assert.equal(response.status(), 422);
    const summary = admin.getByRole('alert');
    await summary.waitFor();
    await summary.getByRole('heading', { name: 'Le formulaire contient des erreurs' }).waitFor();
    const codeError = 'Le code compte 2 à 40 lettres minuscules sans accent, chiffres ou « _ ».';
    const requiredError = 'Ce champ est obligatoire.';
    const links = await summary.getByRole('link').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent.trim()]));
    assert.deepEqual(links, [['#code', codeError], ['#name_fr', requiredError]]);
    await admin.locator('#code-error', { hasText: codeError }).waitFor();
    await admin.locator('#name_fr-error', { hasText: requiredError }).waitFor();
    assert.equal(await code.getAttribute('aria-invalid'), 'true');
    assert.equal(await nameFr.getAttribute('aria-invalid'), 'true');
    assert.equal(await nameEn.getAttribute('aria-invalid'), null);
    assert.equal(await code.inputValue(), 'Agri Urbaine');
    assert.equal(await nameEn.inputValue(), 'Urban farming');
    assert.equal(await vocabulary.inputValue(), 'theme');
    await expectAccessible(admin, 'directory vocabularies with errors');
    await shot(admin, 'directory-taxonomy-errors');

    // Then a right one: it is listed among the themes, offered.
    await code.fill('agriculture_urbaine');
    await nameFr.fill('Agriculture urbaine');
    await nameEn.fill('Urban farming');
    await admin.getByRole('button', { name: 'Ajouter', exact: true }).click();
    await flash(admin, 'Le terme est enregistré.');
    const row = themes.getByRole('row').filter({ has: admin.getByRole('cell', { name: 'agriculture_urbaine', exact: true }) });
    // The cells, the last one being the link (its hidden text names the term).
    const cells = async () => (await row.getByRole('cell').allInnerTexts()).slice(0, 4);
    assert.deepEqual(await cells(), ['agriculture_urbaine', 'Agriculture urbaine', 'Urban farming', 'proposé']);
    assert.equal(await admin.getByRole('alert').count(), 0);

    // Its edit page: renamed in French.
    await row.getByRole('link', { name: 'Modifier Agriculture urbaine' }).click();
    await admin.waitForURL((u) => u.pathname === '/directory/taxonomy/theme/agriculture_urbaine');
    await admin.getByRole('heading', { level: 1, name: 'Modifier : agriculture_urbaine' }).waitFor();
    assert.equal(await admin.getByLabel('Nom en français').inputValue(), 'Agriculture urbaine');
    assert.equal(await admin.getByLabel('Nom en anglais').inputValue(), 'Urban farming');
    const retire = admin.getByRole('checkbox', { name: 'Retirer ce terme' });
    assert.equal(await retire.isChecked(), false);
    await expectAccessible(admin, 'term edit page');
    await shot(admin, 'directory-term');
    await admin.getByLabel('Nom en français').fill('Agriculture en ville');
    await admin.getByRole('button', { name: 'Enregistrer' }).click();
    await flash(admin, 'Le terme est enregistré.');
    assert.equal(new URL(admin.url()).pathname, '/directory/taxonomy');
    assert.deepEqual(await cells(), ['agriculture_urbaine', 'Agriculture en ville', 'Urban farming', 'proposé']);
    await row.getByRole('link', { name: 'Modifier Agriculture en ville' }).waitFor();

    // Claire, a confirmed citizen, finds it among the themes of the proposal form.
    const claire = await h.registerConfirmed(browser, fresh.base, admin, CLAIRE);
    await claire.goto(fresh.base + '/directory/propose');
    await claire.getByRole('heading', { level: 1, name: 'Inscrire un acteur' }).waitFor();
    const offered = claire.getByRole('group', { name: 'Thèmes' });
    await offered.getByRole('checkbox', { name: 'Agriculture en ville' }).waitFor();
    assert.equal(await offered.getByRole('checkbox', { name: 'Agriculture urbaine' }).count(), 0);

    // Retired, it is no longer offered.
    await admin.goto(fresh.base + '/directory/taxonomy/theme/agriculture_urbaine');
    await retire.check();
    await admin.getByRole('button', { name: 'Enregistrer' }).click();
    await flash(admin, 'Le terme est enregistré.');
    assert.deepEqual(await cells(), ['agriculture_urbaine', 'Agriculture en ville', 'Urban farming', 'retiré']);
    await claire.goto(fresh.base + '/directory/propose');
    await offered.getByRole('checkbox', { name: 'Éclairage public' }).waitFor();
    assert.equal(await offered.getByRole('checkbox', { name: 'Agriculture en ville' }).count(), 0);
  } finally {
    await fresh.stop();
  }
});
