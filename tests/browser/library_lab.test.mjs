// Library and challenge journeys, each on a fresh instance (no demo data):
// - a confirmed citizen shares an experience report, first with a territory that does not exist,
//   no tool and a text file attached (refused), then with a PDF; the PDF is not served while the
//   report waits; the administrator publishes it; it is found in the library (facets, its own
//   search box, accents left out) and in the site-wide search; its page lists the PDF, which
//   opens; it prints without the site's header;
// - a space launches a challenge on a département with a PDF attached (first with weights that
//   do not make 100: the PDF is kept), the owner of a published company answers it with her offer
//   and a PDF, the evaluator reads it and grades the answer (the answer's PDF is refused to a
//   visitor and to another member), the space selects it and publishes the results, shown on
//   the public page with the challenge's PDF.
// Every page on the way is scanned with axe-core.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, expectAccessible, shot } from './harness.mjs';
import * as h from './harness.mjs';

let server, browser, files;
const ADMIN = { email: 'maire@lannion.bzh', password: 'Lannion-Mairie-2026', name: 'Mairie de Lannion' };
const CLAIRE = { email: 'claire@exemple.fr', password: 'Une phrase de passe', name: 'Claire Morvan' };
const EVE = { email: 'eve@test.fr', password: 'Une phrase pour Eve', name: 'Eve Kerguelen' };
const ANNE = { email: 'anne@test.fr', password: 'Une phrase pour Anne', name: 'Anne Le Bihan' };
const YANN = { email: 'yann@test.fr', password: 'Une phrase pour Yann', name: 'Yann Guillou' };
const LANNION = { commune: '22113', lat: '48.7326', lon: '-3.4566' };

// Files to attach, made here: small whole PDFs (each its own bytes) and a text file.
const REPORT_PDF = 'Bilan du budget participatif.pdf';
const SPECS_PDF = 'Cahier des charges.pdf';
const OFFER_PDF = 'Offre Lumière Trégor.pdf';
const NOTES_TXT = 'notes.txt';
const pdf = (title) => `%PDF-1.4\n% ${title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
const file = (name) => join(files, name);

before(async () => {
  browser = await launchBrowser();
  files = mkdtempSync(join(tmpdir(), 'territoires-files-'));
  for (const name of [REPORT_PDF, SPECS_PDF, OFFER_PDF]) writeFileSync(file(name), pdf(name));
  writeFileSync(file(NOTES_TXT), 'Des notes de réunion, pas un PDF.\n');
});

after(async () => {
  await browser?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

// A fresh instance for each journey.
beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const login = (page, who) => h.login(server.base, page, who);
const setup = () => h.setupAdmin(browser, server.base, ADMIN);
const register = (admin, who) => h.registerConfirmed(browser, server.base, admin, who);
const { flash, eventually } = h;

/** The status, media type and cache rule of a fetch of `url` from `page` (its cookies). */
function fetched(page, url) {
  return page.evaluate(async (u) => {
    const r = await fetch(u);
    return [r.status, r.headers.get('content-type'), r.headers.get('cache-control')];
  }, url);
}

/** The items of the ordered list under a heading of the page. */
function listUnder(page, heading) {
  return page.locator('article.report h2', { hasText: heading }).locator('xpath=following-sibling::*[1][self::ol]/li');
}

test('an experience report is shared, moderated, found in the library and the search, and printed', async () => {
  const TITLE = 'Un budget participatif dans les écoles';
  const admin = await setup();
  const claire = await register(admin, CLAIRE);

  // Claire opens the library and shares an experience.
  await claire.goto(server.base + '/library');
  await claire.getByRole('heading', { level: 1, name: "Recueil d'expériences" }).waitFor();
  await claire.getByRole('link', { name: 'Partager une expérience' }).click();
  await claire.getByRole('heading', { level: 1, name: 'Partager une expérience' }).waitFor();
  const territory = claire.getByLabel('Territoire', { exact: true });
  const themes = claire.getByRole('group', { name: 'Thèmes' });
  const tools = claire.getByRole('group', { name: 'Outils utilisés' });
  const attach = claire.getByRole('group', { name: 'Pièces jointes' }).getByLabel('Ajouter des fichiers');

  // First with a territory that does not exist, no tool and a text file: the three errors
  // listed and at the fields.
  await claire.getByLabel('Titre', { exact: true }).fill(TITLE);
  await territory.fill('Atlantide');
  await themes.getByRole('checkbox', { name: 'Participation citoyenne' }).check();
  await attach.setInputFiles(file(NOTES_TXT));
  const [refused] = await Promise.all([
    claire.waitForResponse((r) => new URL(r.url()).pathname === '/library/propose' && r.request().method() === 'POST'),
    claire.getByRole('button', { name: "Envoyer le retour d'expérience" }).click(),
  ]);
  assert.equal(refused.status(), 422);
  const summary = claire.getByRole('alert');
  await summary.getByRole('heading', { name: 'Le formulaire contient des erreurs' }).waitFor();
  const territoryError = "Ce territoire n'est pas dans le référentiel : vérifiez son nom ou son code.";
  const toolsError = 'Choisissez au moins un outil.';
  const fileError = 'Seuls les documents PDF et les images PNG ou JPEG peuvent être joints.';
  assert.equal(await summary.getByRole('link', { name: territoryError }).getAttribute('href'), '#territory');
  assert.equal(await summary.getByRole('link', { name: toolsError }).getAttribute('href'), '#tools');
  assert.equal(await summary.getByRole('link', { name: fileError }).getAttribute('href'), '#attachment');
  assert.equal(await summary.getByRole('link').count(), 3);
  await claire.locator('#territory-error', { hasText: territoryError }).waitFor();
  await claire.locator('#tools-error', { hasText: toolsError }).waitFor();
  await claire.locator('#attachment-error', { hasText: fileError }).waitFor();
  assert.equal(await territory.getAttribute('aria-invalid'), 'true');
  assert.equal(await attach.getAttribute('aria-invalid'), 'true');
  // The refused file is not kept.
  assert.equal(await claire.locator('input[name="kept_attachment"]').count(), 0);
  assert.equal(await territory.inputValue(), 'Atlantide');
  assert.equal(await claire.getByLabel('Titre', { exact: true }).inputValue(), TITLE);
  assert.ok(await themes.getByRole('checkbox', { name: 'Participation citoyenne' }).isChecked());
  await expectAccessible(claire, 'experience form with errors');
  await shot(claire, 'library-form-errors');

  // Then correctly.
  await territory.fill('Lannion');
  await tools.getByRole('checkbox', { name: 'Budget participatif' }).check();
  await claire.getByLabel('Contexte', { exact: true }).fill(
    'Les conseils d\'écoles voulaient associer les élèves aux travaux des cours de récréation.');
  await claire.getByLabel('Démarche', { exact: true }).fill(
    'Chaque école a proposé des projets, **votés par les élèves** en classe.\n\n- un atelier par classe\n- un vote à l\'urne');
  await claire.getByLabel('Facteurs clés de succès').fill('Des enseignants volontaires\nUn calendrier court');
  await claire.getByLabel('Points de vigilance').fill('Prévoir le temps des services techniques');
  await claire.getByLabel('Conseils', { exact: true }).fill('Montrer vite les premières réalisations');
  await claire.getByLabel('Budget', { exact: true }).selectOption({ label: '10 000 à 50 000 €' });
  await claire.getByLabel('Durée (mois)').fill('9');
  await claire.getByLabel('Résultats et impact').fill('Douze projets réalisés dans huit écoles.');
  await attach.setInputFiles(file(REPORT_PDF));
  await claire.getByRole('button', { name: "Envoyer le retour d'expérience" }).click();
  await flash(claire, 'Merci ! Votre retour d\'expérience sera publié après relecture.');
  await claire.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  await claire.getByText("Ce retour d'expérience attend la relecture d'un modérateur.").waitFor();
  const reportUrl = claire.url();
  assert.match(new URL(reportUrl).pathname, /^\/library\/un-budget-participatif-dans-les-ecoles/);
  // Its author sees the PDF already.
  const pdfHref = await claire.getByRole('region', { name: 'Pièces jointes' })
    .getByRole('link', { name: REPORT_PDF }).getAttribute('href');
  assert.ok(pdfHref.startsWith(`${new URL(reportUrl).pathname}/attachments/`), pdfHref);
  assert.match(pdfHref, /\/attachments\/[0-9a-f]{32}\.pdf$/);
  assert.deepEqual(await fetched(claire, pdfHref), [200, 'application/pdf', 'private, no-store']);

  // Not yet in the library for visitors, nor its PDF.
  const visitor = await newPage(browser);
  const pending = await visitor.goto(reportUrl);
  assert.equal(pending.status(), 404);
  assert.equal((await visitor.request.get(server.base + pdfHref)).status(), 404);

  // The administrator publishes it.
  await admin.goto(server.base + '/library/moderation');
  await admin.getByRole('heading', { level: 1, name: 'Modération du recueil' }).waitFor();
  await expectAccessible(admin, 'library moderation');
  await shot(admin, 'library-moderation');
  const proposal = admin.locator('.queue > li', { has: admin.getByRole('heading', { level: 3, name: TITLE }) });
  await proposal.getByText('Lannion').waitFor();
  await proposal.getByRole('radio', { name: 'Publier' }).check();
  await proposal.getByRole('button', { name: 'Appliquer' }).click();
  await flash(admin, 'La décision est enregistrée');
  assert.equal(await admin.locator('.queue > li', { hasText: TITLE }).count(), 0);
  // The author is told by mail.
  await admin.goto(server.base + '/admin/outbox');
  await admin.locator('tr', { hasText: CLAIRE.email }).filter({ hasText: `Votre retour d'expérience est publié : ${TITLE}` }).waitFor();

  // It shows in the library, with its facets.
  await visitor.goto(server.base + '/library');
  await visitor.getByRole('link', { name: TITLE }).waitFor();
  await visitor.getByRole('status').filter({ hasText: '1 expérience' }).waitFor();
  const facets = visitor.getByRole('navigation', { name: 'Filtres' });
  await facets.getByRole('link', { name: 'Participation citoyenne' }).waitFor();
  await facets.getByRole('link', { name: 'Commune' }).waitFor();
  await facets.getByRole('link', { name: 'Bretagne' }).waitFor();
  await expectAccessible(visitor, 'library');
  await shot(visitor, 'library');
  // A facet narrows the list and is shown as chosen.
  await facets.getByRole('link', { name: 'Budget participatif' }).click();
  await visitor.waitForURL((u) => u.searchParams.get('tool') === 'participatory_budget');
  await visitor.getByRole('link', { name: TITLE }).waitFor();
  assert.equal(await facets.getByRole('link', { name: 'Budget participatif' }).getAttribute('aria-current'), 'true');
  await expectAccessible(visitor, 'library with a facet chosen');
  await visitor.getByRole('link', { name: 'Effacer les filtres' }).click();
  await visitor.waitForURL((u) => u.pathname === '/library' && u.search === '');

  // The library's search box finds it, accents left out.
  const librarySearch = visitor.getByRole('search', { name: 'Rechercher dans le recueil' });
  await eventually('the library search finds the report', async () => {
    await visitor.goto(server.base + '/library');
    await librarySearch.getByRole('searchbox', { name: 'Rechercher dans le recueil' }).fill('ecoles');
    await librarySearch.getByRole('button', { name: 'Rechercher' }).click();
    await visitor.waitForURL((u) => u.searchParams.get('q') === 'ecoles');
    return (await visitor.locator('.results').getByRole('link', { name: TITLE }).count()) === 1;
  });
  await visitor.getByRole('status').filter({ hasText: '1 expérience' }).waitFor();
  assert.equal(await librarySearch.getByRole('searchbox').inputValue(), 'ecoles');
  await expectAccessible(visitor, 'library search');
  // A word it does not hold finds nothing.
  await librarySearch.getByRole('searchbox', { name: 'Rechercher dans le recueil' }).fill('piscine');
  await librarySearch.getByRole('button', { name: 'Rechercher' }).click();
  await visitor.getByRole('status').filter({ hasText: '0 expérience' }).waitFor();

  // The site-wide search finds it too.
  await eventually('the site search finds the report', async () => {
    await visitor.goto(server.base + '/search?q=budget+participatif');
    return (await visitor.locator('ol.results').getByRole('link', { name: TITLE }).count()) === 1;
  });
  await visitor.locator('ol.results li', { hasText: TITLE }).getByText('Expérience', { exact: true }).waitFor();
  await expectAccessible(visitor, 'site search with an experience');

  // The report's page: the facts, the ordered lists, the facet links.
  await visitor.locator('ol.results').getByRole('link', { name: TITLE }).click();
  await visitor.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  assert.equal(visitor.url(), reportUrl);
  assert.equal(await visitor.getByText("Ce retour d'expérience attend la relecture d'un modérateur.").count(), 0);
  assert.deepEqual(await listUnder(visitor, 'Facteurs clés de succès').allInnerTexts(),
    ['Des enseignants volontaires', 'Un calendrier court']);
  assert.deepEqual(await listUnder(visitor, 'Points de vigilance').allInnerTexts(),
    ['Prévoir le temps des services techniques']);
  assert.deepEqual(await listUnder(visitor, 'Conseils').allInnerTexts(), ['Montrer vite les premières réalisations']);
  const facts = visitor.locator('dl.facts');
  assert.equal(await facts.getByRole('link', { name: 'Budget participatif' }).getAttribute('href'),
    '/library?tool=participatory_budget');
  await facts.getByText('10 000 à 50 000 €').waitFor();
  await facts.getByText('9 mois').waitFor();
  assert.equal(await visitor.getByRole('link', { name: 'Lannion', exact: true }).getAttribute('href'),
    '/territories/commune/22113');
  await visitor.locator('article.report strong', { hasText: 'votés par les élèves' }).waitFor();
  // The PDF, listed with its type, opens as sent.
  const attachments = visitor.getByRole('region', { name: 'Pièces jointes' });
  await attachments.getByRole('heading', { level: 2, name: 'Pièces jointes' }).waitFor();
  assert.equal(await attachments.getByRole('link').count(), 1);
  assert.equal(await attachments.getByRole('link', { name: REPORT_PDF }).getAttribute('href'), pdfHref);
  await attachments.getByRole('listitem').filter({ hasText: /\(PDF, 1 ko\)$/ }).waitFor();
  assert.deepEqual(await fetched(visitor, pdfHref), [200, 'application/pdf', 'public, max-age=86400']);
  assert.equal(await visitor.evaluate(async (u) => (await fetch(u)).text(), pdfHref), pdf(REPORT_PDF));
  await expectAccessible(visitor, 'experience report');
  await shot(visitor, 'library-report');

  // Printed: no site header, the title stays.
  await visitor.emulateMedia({ media: 'print' });
  assert.equal(await visitor.locator('header.site-header').evaluate((e) => getComputedStyle(e).display), 'none');
  assert.equal(await visitor.locator('header.site-header').isVisible(), false);
  assert.ok(await visitor.getByRole('heading', { level: 1, name: TITLE }).isVisible());
  await visitor.emulateMedia({ media: 'screen' });
  assert.ok(await visitor.locator('header.site-header').isVisible());
});

test('a space launches a challenge, a company answers, it is graded, selected and the results published', async () => {
  const NAME = 'Lumière Trégor Systèmes';
  const OFFER = 'Éclairage public piloté';
  const CHALLENGE = 'Réduire la facture de l\'éclairage public';
  const admin = await setup();

  // The administrator creates the space of Lannion.
  await admin.goto(server.base + '/admin/spaces/new');
  await admin.getByLabel('Nom de l\'espace').fill('Lannion participe');
  await admin.getByLabel('Adresse (identifiant)').fill('lannion');
  await admin.getByLabel('Territoire', { exact: true }).fill('commune/22113');
  await admin.getByRole('button', { name: 'Créer l\'espace' }).click();
  await admin.waitForURL(/\/s\/lannion$/);
  await admin.getByRole('heading', { level: 1, name: 'Lannion participe' }).waitFor();

  // The evaluator, the company's owner and another member register.
  const eve = await register(admin, EVE);
  const anne = await register(admin, ANNE);
  const yann = await register(admin, YANN);

  // Anne proposes her company; the administrator publishes it.
  await anne.goto(server.base + '/directory/propose');
  await anne.getByRole('heading', { level: 1, name: 'Inscrire un acteur' }).waitFor();
  await anne.getByLabel('Nom', { exact: true }).fill(NAME);
  await anne.getByLabel("Type d'acteur").selectOption({ label: 'Entreprise ou start-up' });
  await anne.getByLabel('Description courte').fill('Une jeune entreprise qui pilote à distance l\'éclairage public.');
  await anne.getByRole('group', { name: 'Thèmes' }).getByRole('checkbox', { name: 'Éclairage public' }).check();
  await anne.getByLabel('Commune (code INSEE)').fill(LANNION.commune);
  await anne.getByLabel('Latitude').fill(LANNION.lat);
  await anne.getByLabel('Longitude').fill(LANNION.lon);
  await anne.getByRole('button', { name: 'Proposer la fiche' }).click();
  await flash(anne, 'Merci ! La fiche sera publiée après relecture.');
  await anne.getByRole('heading', { level: 1, name: NAME }).waitFor();
  const actorUrl = anne.url();

  await admin.goto(server.base + '/directory/moderation');
  const proposal = admin.locator('.queue > li', { has: admin.getByRole('heading', { level: 3, name: NAME }) });
  await proposal.getByRole('radio', { name: 'Publier' }).check();
  await proposal.getByRole('button', { name: 'Appliquer' }).click();
  await flash(admin, 'La décision est enregistrée');

  // Anne adds an offer from her actor's page.
  await anne.goto(actorUrl);
  await anne.getByRole('link', { name: 'Ajouter une offre' }).click();
  await anne.getByRole('heading', { level: 1, name: 'Ajouter une offre' }).waitFor();
  await anne.getByLabel('Titre').fill(OFFER);
  await anne.getByRole('group', { name: 'Thèmes' }).getByRole('checkbox', { name: 'Éclairage public' }).check();
  await anne.getByRole('group', { name: 'Tailles de territoire visées' })
    .getByRole('checkbox', { name: '10 000 à 50 000 habitants' }).check();
  await anne.getByLabel("Territoires où l'offre est déployée").fill('Lannion');
  await anne.getByRole('button', { name: "Enregistrer l'offre" }).click();
  await flash(anne, "L'offre est enregistrée.");
  await anne.getByRole('heading', { level: 1, name: OFFER }).waitFor();

  // The administrator launches a challenge from the space's page.
  await admin.goto(server.base + '/s/lannion');
  await admin.getByRole('link', { name: 'Lancer un appel à solutions' }).click();
  await admin.waitForURL(/\/s\/lannion\/challenges\/new$/);
  await admin.getByRole('heading', { level: 1, name: 'Lancer un appel à solutions' }).waitFor();
  await expectAccessible(admin, 'new challenge form');
  const criteria = admin.getByLabel("Critères d'évaluation");
  // The criteria come with an example.
  assert.match(await criteria.inputValue(), /; 40\n/);
  const d = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const deadline = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T10:00`;
  await admin.getByLabel('Titre', { exact: true }).fill(CHALLENGE);
  await admin.getByLabel('Le besoin').fill('La commune cherche à **piloter** ses 3 000 points lumineux à distance.');
  await admin.getByRole('group', { name: 'Thèmes' }).getByRole('checkbox', { name: 'Éclairage public' }).check();
  await admin.getByLabel('Date limite des réponses').fill(deadline);
  await criteria.fill('Pertinence ; 60\nCoût ; 30');
  await admin.getByLabel('Évaluateurs').fill(EVE.email);
  const area = admin.getByLabel('Territoire concerné');
  await area.fill("Côtes-d'Armor");
  const attachments = admin.getByRole('group', { name: 'Pièces jointes' });
  await attachments.getByLabel('Ajouter des fichiers').setInputFiles(file(SPECS_PDF));

  // Weights that do not make 100: the error is listed and at the field; nothing is stored, so
  // the PDF is asked for again.
  await admin.getByRole('button', { name: "Publier l'appel" }).click();
  const weights = 'Les poids des critères doivent faire 100 au total.';
  const summary = admin.getByRole('alert');
  await summary.getByRole('link', { name: weights }).waitFor();
  assert.equal(await summary.getByRole('link').count(), 2);
  assert.equal(await summary.getByRole('link', { name: weights }).getAttribute('href'), '#criteria');
  await admin.locator('#criteria-error', { hasText: weights }).waitFor();
  assert.equal(await criteria.getAttribute('aria-invalid'), 'true');
  assert.equal(await criteria.inputValue(), 'Pertinence ; 60\nCoût ; 30');
  assert.equal(await admin.getByLabel('Date limite des réponses').inputValue(), deadline);
  assert.equal(await area.inputValue(), "Côtes-d'Armor");
  await admin.locator('#attachment-error', { hasText: 'choisissez-les de nouveau' }).waitFor();
  assert.equal(await attachments.getByRole('checkbox').count(), 0);
  await expectAccessible(admin, 'new challenge form with errors');
  await shot(admin, 'challenge-form-errors');

  await criteria.fill('Pertinence ; 75\nCoût ; 25');
  await attachments.getByLabel('Ajouter des fichiers').setInputFiles(file(SPECS_PDF));
  await admin.getByRole('button', { name: "Publier l'appel" }).click();
  await flash(admin, "L'appel à solutions est publié.");
  await admin.getByRole('heading', { level: 1, name: CHALLENGE }).waitFor();
  const challengeUrl = admin.url();
  assert.match(new URL(challengeUrl).pathname, /^\/s\/lannion\/challenges\/[^/]+$/);
  await admin.getByText(/^Réponses jusqu'au /).waitFor();
  const table = admin.locator('table', { has: admin.getByRole('columnheader', { name: 'Critère' }) });
  assert.deepEqual(await table.locator('tbody tr').allInnerTexts(), ['Pertinence\t75 %', 'Coût\t25 %']);
  await admin.locator('dl.facts').getByText('Éclairage public').waitFor();
  // The area, by its name, and the kept PDF.
  assert.equal(await admin.locator('dl.facts').getByRole('link', { name: "Côtes-d'Armor" }).getAttribute('href'),
    '/territories/departement/22');
  const specs = admin.getByRole('region', { name: 'Pièces jointes' }).getByRole('link', { name: SPECS_PDF });
  const specsHref = await specs.getAttribute('href');
  assert.ok(specsHref.startsWith(`${new URL(challengeUrl).pathname}/attachments/`), specsHref);
  await expectAccessible(admin, 'challenge page (space administrator)');
  await shot(admin, 'challenge');
  // The space's page lists it.
  await admin.goto(server.base + '/s/lannion');
  await admin.getByRole('link', { name: CHALLENGE }).waitFor();

  // Anne answers with her offer.
  await anne.goto(challengeUrl);
  await anne.getByRole('heading', { level: 1, name: CHALLENGE }).waitFor();
  assert.equal(await anne.getByRole('link', { name: 'Réponses reçues' }).count(), 0);
  await anne.getByRole('link', { name: "Répondre à l'appel" }).click();
  await anne.getByRole('heading', { level: 1, name: "Répondre à l'appel" }).waitFor();
  await expectAccessible(anne, 'answer form');
  await shot(anne, 'challenge-answer-form');
  assert.equal(await anne.getByLabel('Répondre au nom de').locator('option:checked').innerText(), NAME);
  await anne.getByLabel('Résumé de la solution').fill('Des armoires connectées qui baissent l\'éclairage la nuit.');
  await anne.getByLabel('Description', { exact: true }).fill('Nous équipons les armoires électriques et formons les services.');
  await anne.getByLabel("Offre de l'annuaire").selectOption({ label: `${NAME} — ${OFFER}` });
  await anne.getByRole('group', { name: 'Pièces jointes' }).getByLabel('Ajouter des fichiers').setInputFiles(file(OFFER_PDF));
  await anne.getByRole('button', { name: 'Envoyer la réponse' }).click();
  await flash(anne, 'Votre réponse est envoyée.');
  assert.equal(anne.url(), challengeUrl);

  // Eve, the evaluator, grades it.
  await eve.goto(challengeUrl + '/answers');
  await eve.getByRole('heading', { level: 1, name: 'Réponses reçues' }).waitFor();
  await expectAccessible(eve, 'answers (evaluator)');
  await eve.getByRole('link', { name: NAME }).click();
  await eve.getByRole('heading', { level: 1, name: NAME }).waitFor();
  await eve.getByRole('link', { name: OFFER }).waitFor();
  assert.equal(await eve.getByRole('button', { name: 'Retenir' }).count(), 0);
  // Anne's PDF, for the evaluator only: not for a visitor (sent to sign in), nor another member.
  const offerHref = await eve.getByRole('region', { name: 'Pièces jointes' })
    .getByRole('link', { name: OFFER_PDF }).getAttribute('href');
  assert.ok(offerHref.startsWith(`${new URL(eve.url()).pathname}/attachments/`), offerHref);
  assert.deepEqual(await fetched(eve, offerHref), [200, 'application/pdf', 'private, no-store']);
  const stranger = await newPage(browser);
  const anonymous = await stranger.request.get(server.base + offerHref, { maxRedirects: 0 });
  assert.equal(anonymous.status(), 303);
  assert.match(anonymous.headers().location, /^\/login\?next=/);
  assert.equal((await yann.request.get(server.base + offerHref)).status(), 404);
  await expectAccessible(eve, 'answer (evaluator)');
  await eve.getByRole('group', { name: 'Pertinence (75 %)' }).getByLabel('Note de 0 à 10').fill('8');
  await eve.getByRole('group', { name: 'Coût (25 %)' }).getByLabel('Note de 0 à 10').fill('6');
  await eve.getByRole('button', { name: 'Enregistrer mes notes' }).click();
  await flash(eve, 'Vos notes sont enregistrées.');
  await eve.getByRole('heading', { level: 1, name: 'Réponses reçues' }).waitFor();

  // The administrator sees the score, selects the answer and publishes the results.
  await admin.goto(challengeUrl + '/answers');
  const row = admin.locator('tbody tr', { hasText: NAME });
  // 75 × 8/10 + 25 × 6/10 = 75.
  assert.equal(await row.locator('td').nth(2).innerText(), '75,0');
  assert.equal(await row.locator('td').nth(3).innerText(), '1');
  await admin.getByRole('listitem').filter({ hasText: `${NAME} — ${OFFER}` }).getByRole('link', { name: NAME }).waitFor();
  await expectAccessible(admin, 'answers (space administrator)');
  await shot(admin, 'challenge-answers');
  await row.getByRole('link', { name: NAME }).click();
  await admin.getByRole('heading', { level: 1, name: NAME }).waitFor();
  // The evaluator's grades, by name.
  await admin.getByRole('heading', { level: 3, name: EVE.name }).waitFor();
  assert.deepEqual(await admin.locator('h3', { hasText: EVE.name }).locator('xpath=following-sibling::ul[1]/li').allInnerTexts(),
    ['Pertinence : 8 / 10', 'Coût : 6 / 10']);
  await expectAccessible(admin, 'answer (space administrator)');
  await admin.getByRole('button', { name: 'Retenir' }).click();
  await flash(admin, 'Les modifications sont enregistrées.');
  await admin.waitForURL((u) => u.pathname.endsWith('/answers'));
  assert.equal(await admin.locator('tbody tr', { hasText: NAME }).locator('td').nth(4).innerText(), 'Retenue');
  await admin.getByLabel('Texte des résultats').fill('La solution de Lumière Trégor Systèmes est retenue pour un essai d\'un an.');
  await admin.getByRole('button', { name: 'Publier les résultats' }).click();
  await flash(admin, 'Les résultats sont publiés');

  // The public page shows the results and the winner.
  const visitor = await newPage(browser);
  await visitor.goto(challengeUrl);
  await visitor.getByRole('heading', { level: 1, name: CHALLENGE }).waitFor();
  await visitor.getByText('Résultats publiés').first().waitFor();
  const outcome = visitor.getByRole('region', { name: 'Résultats' });
  await outcome.getByText('retenue pour un essai d\'un an').waitFor();
  assert.equal(await outcome.getByRole('link', { name: NAME }).getAttribute('href'), new URL(actorUrl).pathname);
  // The challenge's PDF is public.
  const listed = visitor.getByRole('region', { name: 'Pièces jointes' });
  await listed.getByRole('heading', { level: 2, name: 'Pièces jointes' }).waitFor();
  assert.equal(await listed.getByRole('link', { name: SPECS_PDF }).getAttribute('href'), specsHref);
  assert.deepEqual(await fetched(visitor, specsHref), [200, 'application/pdf', 'public, max-age=86400']);
  await expectAccessible(visitor, 'challenge with results');
  await shot(visitor, 'challenge-results');

  // Anne, who owns an actor, can no longer answer.
  await anne.goto(challengeUrl);
  await anne.getByText('Résultats publiés').first().waitFor();
  assert.equal(await anne.getByRole('link', { name: "Répondre à l'appel" }).count(), 0);

  // Anne is told by mail.
  await admin.goto(server.base + '/admin/outbox');
  await admin.locator('tr', { hasText: ANNE.email }).filter({ hasText: `Votre réponse est retenue : ${CHALLENGE}` }).waitFor();
});
