// The Territoires en commun network on the demo instance: a visitor on a 320 px phone reads
// the network's home and filters its members by method; an owner (the demo's administrator owns
// the demo's actors) makes one of them leave, asks again with a form missing the charter (the
// error summary says so), then with a good one; the network moderator accepts it from the
// queue and it is listed again. Then that member publishes a methodological resource, Lannion's
// administrator asks the network for support, the member answers and the commune chooses the
// answer, and turns the outcome into a library report's form. A member starts a network
// conversation for the members only and a visitor reads it. Every page is scanned with axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, expectAccessible, shot, login, flash } from './harness.mjs';

let server, browser;
const ADMIN = { email: 'admin@demo.territoires.fr', password: 'Territoires-Demo-2026', name: 'Administration Territoires' };
const PHONE = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true };
const MEMBER = 'Service Innovation de Brest';

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

/** Whether a member is listed on the network's home. */
async function listed(page, name) {
  await page.goto(server.base + '/commun');
  return (await page.locator('.network-members h3 a', { hasText: name }).count()) > 0;
}

test('an owner leaves, asks again with the charter, and the moderator accepts', async () => {
  const visitor = await newPage(browser, PHONE);
  await visitor.goto(server.base + '/commun');
  await visitor.getByRole('heading', { level: 1, name: 'Territoires en commun' }).waitFor();
  await expectAccessible(visitor, 'network home');
  assert.equal(await overflow(visitor), 0, 'the network fits a 320 px phone');
  await shot(visitor, 'network-phone');
  await visitor.getByLabel('Méthode').selectOption('conversation');
  await visitor.getByRole('button', { name: 'Filtrer' }).click();
  await visitor.waitForURL(/method=conversation/);
  const members = visitor.locator('.network-members li');
  assert.ok((await members.count()) > 0, 'members practise Polis-style conversations');
  for (const text of await members.allInnerTexts()) {
    assert.match(text, /Conversation à la Polis/);
  }
  await expectAccessible(visitor, 'network filtered');
  assert.equal(await visitor.locator('.map.leaflet-container').count(), 1, 'the map is drawn');
  assert.ok(await listed(visitor, MEMBER));

  const owner = await newPage(browser, PHONE);
  await login(server.base, owner, ADMIN);
  await owner.goto(server.base + '/commun/join');
  await owner.getByRole('heading', { level: 1, name: 'Rejoindre Territoires en commun' }).waitFor();
  await owner.getByRole('button', { name: `Quitter le réseau : ${MEMBER}` }).click();
  await flash(owner, 'ne fait plus partie du réseau');
  assert.ok(!(await listed(visitor, MEMBER)), 'a member that left is no longer listed');

  await owner.goto(server.base + '/commun/join');
  await owner.getByLabel(MEMBER, { exact: true }).check();
  await owner.getByLabel('Budget participatif').check();
  await owner.getByLabel('Départements où vous intervenez').fill("29, Côtes-d'Armor");
  await owner.getByRole('button', { name: 'Envoyer la demande' }).click();
  await owner.getByRole('alert').getByText('Acceptez la charte des membres pour rejoindre le réseau.').waitFor();
  await expectAccessible(owner, 'join refused');
  assert.equal(await overflow(owner), 0, 'the join form fits a 320 px phone');
  await shot(owner, 'network-join-phone');
  await owner.getByLabel("J'ai lu la charte des membres et je l'accepte au nom de l'acteur.").check();
  await owner.getByRole('button', { name: 'Envoyer la demande' }).click();
  await flash(owner, 'un modérateur du réseau va l');
  await owner.getByText('Demande en attente de validation').waitFor();
  await expectAccessible(owner, 'join page with a request');

  const moderator = await newPage(browser);
  await login(server.base, moderator, ADMIN);
  await moderator.goto(server.base + '/commun/moderation');
  await moderator.getByRole('heading', { level: 1, name: "Demandes d'adhésion" }).waitFor();
  await expectAccessible(moderator, 'network queue');
  const item = moderator.locator('.queue li', { hasText: MEMBER });
  await item.getByLabel('Publier').check();
  await item.getByRole('button', { name: 'Appliquer' }).click();
  await flash(moderator, 'La décision est enregistrée');
  assert.ok(await listed(visitor, MEMBER), 'the member accepted is listed again');
  const csv = await (await fetch(server.base + '/data/network/members.csv')).text();
  assert.match(csv, new RegExp(`${MEMBER},[^\\n]*,budget-participatif,"22,29",`));
});

test('the member publishes a resource, a commune asks for support, the member answers and is chosen', async () => {
  // The member of the first journey (its owner is the demo administrator) publishes a guide.
  const owner = await newPage(browser, PHONE);
  await login(server.base, owner, ADMIN);
  await owner.goto(server.base + '/commun/resources/new');
  await owner.getByRole('heading', { level: 1, name: 'Proposer une ressource' }).waitFor();
  await expectAccessible(owner, 'resource form');
  assert.equal(await overflow(owner), 0, 'the resource form fits a 320 px phone');
  await owner.getByLabel(MEMBER, { exact: true }).check();
  await owner.getByLabel('Titre').fill('Mener un budget participatif en petite commune');
  await owner.getByLabel('Résumé').fill('Les étapes, le calendrier et les pièges à éviter, pas à pas.');
  await owner.getByLabel('Guide', { exact: true }).check();
  await owner.getByLabel('Budget participatif').check();
  await owner.getByLabel('CC BY 4.0').check();
  await owner.getByRole('button', { name: 'Proposer la ressource' }).click();
  await flash(owner, 'sera publiée après relecture');

  const moderator = await newPage(browser);
  await login(server.base, moderator, ADMIN);
  await moderator.goto(server.base + '/commun/moderation/resources');
  await moderator.getByRole('heading', { level: 1, name: 'Ressources à relire' }).waitFor();
  await expectAccessible(moderator, 'resources queue');
  const item = moderator.locator('.queue li', { hasText: 'Mener un budget participatif en petite commune' });
  await item.getByLabel('Publier').check();
  await item.getByRole('button', { name: 'Appliquer' }).click();
  await flash(moderator, 'La décision est enregistrée');

  const visitor = await newPage(browser, PHONE);
  await visitor.goto(server.base + '/commun/resources');
  await visitor.getByRole('link', { name: 'Mener un budget participatif en petite commune' }).click();
  await visitor.getByRole('heading', { level: 1, name: 'Mener un budget participatif en petite commune' }).waitFor();
  await expectAccessible(visitor, 'resource page');
  assert.equal(await overflow(visitor), 0, 'a resource fits a 320 px phone');

  // Lannion's administrator asks the network for support.
  const commune = await newPage(browser, PHONE);
  await login(server.base, commune, { email: 'yann.le-gall@demo.territoires.fr', password: ADMIN.password, name: 'Yann Le Gall' });
  await commune.goto(server.base + '/commun/requests/new');
  await commune.getByRole('heading', { level: 1, name: 'Demander un accompagnement au réseau' }).waitFor();
  await expectAccessible(commune, 'request form');
  assert.equal(await overflow(commune), 0, 'the request form fits a 320 px phone');
  await commune.getByLabel('Lannion participe').check();
  await commune.getByLabel('Titre').fill('Lancer notre premier budget participatif');
  await commune.getByLabel('Le besoin').fill('Nous voulons un budget participatif de 50 000 € pour les quartiers en 2027.');
  await commune.getByLabel('Budget participatif').check();
  await commune.getByLabel('Département').fill('22');
  await commune.getByLabel('Début souhaité').fill('2027-01-15');
  await commune.getByLabel('Fin souhaitée').fill('2027-06-30');
  await commune.getByLabel('De 5 000 à 20 000 €').check();
  await commune.getByRole('button', { name: 'Envoyer la demande' }).click();
  await flash(commune, 'les membres du réseau concernés en sont informés');
  await commune.getByRole('heading', { level: 1, name: 'Lancer notre premier budget participatif' }).waitFor();
  await expectAccessible(commune, 'request page');
  const requestUrl = commune.url();

  // The member answers privately; the commune chooses it.
  await owner.goto(requestUrl);
  await owner.getByLabel(MEMBER, { exact: true }).check();
  await owner.getByLabel('Votre réponse').fill('Nous accompagnons ce type de budget : trois ateliers, un vote en ligne et un bilan.');
  await owner.getByRole('button', { name: 'Envoyer la réponse' }).click();
  await flash(owner, 'Votre réponse est envoyée');
  await commune.reload();
  await commune.getByText('trois ateliers, un vote en ligne').waitFor();
  await expectAccessible(commune, 'request with an answer');
  await commune.getByRole('button', { name: 'Retenir cette réponse' }).click();
  await flash(commune, 'La réponse est retenue');
  await expectAccessible(commune, 'request answered');
  await shot(commune, 'network-request-answered');
  // The outcome can become a library report: the form, filled with the request.
  await commune.getByRole('link', { name: 'Proposer un retour d\'expérience' }).click();
  await commune.waitForURL(/\/library\/propose/);
  assert.equal(await commune.getByLabel('Titre', { exact: true }).inputValue(), 'Lancer notre premier budget participatif');
  await expectAccessible(commune, 'library form from a request');
});

test('a member starts a network conversation for members only, and a visitor reads it on a phone', async () => {
  const visitor = await newPage(browser, PHONE);
  await visitor.goto(server.base + '/commun/conversations');
  await visitor.getByRole('heading', { level: 1, name: 'Conversations du réseau' }).waitFor();
  await expectAccessible(visitor, 'network conversations');
  assert.equal(await overflow(visitor), 0, 'the list fits a 320 px phone');

  const member = await newPage(browser, PHONE);
  await login(server.base, member, ADMIN);
  await member.goto(server.base + '/commun/conversations/new');
  await expectAccessible(member, 'network conversation form');
  assert.equal(await overflow(member), 0, 'the form fits a 320 px phone');
  await member.getByLabel('Membre qui anime la conversation').selectOption({ label: MEMBER });
  await member.getByLabel('Question posée').fill('Quels outils pour les petites communes ?');
  await member.getByLabel('Réservée aux membres du réseau').check();
  await member.getByRole('button', { name: 'Enregistrer' }).click();
  await flash(member, 'La conversation est ouverte');
  await member.getByLabel('Votre proposition').fill('Un kit de concertation partagé entre communes voisines.');
  await member.getByRole('button', { name: 'Proposer', exact: true }).click();
  await flash(member, 'Votre proposition est ajoutée');
  // Its author agrees with it: nothing is left to vote on.
  await member.getByText('Vous avez voté sur toutes les propositions').waitFor();
  await expectAccessible(member, 'network conversation');
  assert.equal(await overflow(member), 0, 'the conversation fits a 320 px phone');
  await shot(member, 'network-conversation-phone');

  await visitor.goto(server.base + '/commun');
  await visitor.getByRole('link', { name: 'Quels outils pour les petites communes ?' }).click();
  await visitor.getByText('Animée par ' + MEMBER + ' · Réservée aux membres').waitFor();
  await expectAccessible(visitor, 'network conversation, visitor');
});
