// Maps that say something, on the demo instance: a report's popup gives its title, category
// and status in words, reached from the list by keyboard as well as by tapping its marker; the
// legend names every colour; the map asks with the list's filters; the process page maps its
// contributions. Every page is scanned with axe-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoInstance, newPage, expectAccessible, shot, eventually } from './harness.mjs';

const it = demoInstance();

test('a report popup shows its title, category and status; the map follows the filters', async () => {
  const page = await newPage(it.browser);
  await page.goto(it.server.base + '/s/montauban/reports');
  const legend = page.locator('.map-legend');
  await legend.getByText('Légende de la carte').waitFor();
  assert.ok(await legend.getByText('Nid-de-poule').isVisible(), 'a category in words');
  assert.ok(await legend.getByText('Résolu').isVisible(), 'a status in words');
  // The live map shows markers of the space's reports.
  await page.locator('[data-map] path.leaflet-interactive').first().waitFor();

  // From the list, by keyboard: the first report is shown on the map, its popup focused.
  const first = page.locator('#report-list > li').first();
  const show = first.getByRole('button', { name: 'Voir sur la carte' });
  await show.focus();
  await page.keyboard.press('Enter');
  const popup = page.locator('.leaflet-popup-content .map-card');
  await popup.waitFor();
  const title = popup.locator('.map-card-title a');
  assert.ok((await title.textContent()).trim().length > 0, 'the popup has a title');
  assert.match(await popup.locator('.map-card-status').textContent(), /^État : /);
  assert.ok((await popup.locator('.map-card-category').textContent()).trim().length > 0);
  assert.equal(await page.evaluate(() => document.activeElement?.closest('.map-card') !== null), true,
    'the popup link has the focus');
  await expectAccessible(page, 'reports list with a popup open');
  await shot(page, 'maps-report-popup');

  // Escape closes it and gives the focus back to the button.
  await page.keyboard.press('Escape');
  await page.locator('.leaflet-popup').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Voir sur la carte');
  // By tapping a marker: the first one within the map that opens a popup (a group's marker
  // zooms in instead; the popup's panning may have moved the map since).
  const box = await page.locator('[data-map]').boundingBox();
  await eventually('a popup from a tapped marker', async () => {
    const markers = page.locator('[data-map] path.leaflet-interactive');
    for (let i = 0; i < await markers.count(); i += 1) {
      const b = await markers.nth(i).boundingBox();
      if (!b || b.x < box.x || b.y < box.y || b.x + b.width > box.x + box.width || b.y + b.height > box.y + box.height) continue;
      await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
      if ((await page.locator('.leaflet-popup-content .map-card-title a').count()) > 0) return true;
    }
    return false;
  });

  // A filter of the list is the map's: it asks for the resolved reports only.
  const asked = page.waitForResponse((r) => r.url().includes('/reports/map.json') && r.url().includes('status=resolved'));
  await page.getByLabel('État').selectOption('resolved');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  const answer = await (await asked).json();
  const cards = answer.items.filter((i) => !i.count);
  assert.ok(answer.items.length > 0, 'resolved reports are on the map');
  assert.ok(cards.every((c) => c.status === 'resolved'), JSON.stringify(cards));
  await page.close();
});

test('the process page maps its contributions, each listed beside the map', async () => {
  const page = await newPage(it.browser);
  await page.goto(it.server.base + '/s/lannion/processes/lannion-2030');
  await page.getByRole('heading', { name: 'Carte des contributions' }).waitFor();
  const listed = await page.locator('#process-map-list [data-map-point]').count();
  assert.ok(listed > 0, 'the process has located contributions');
  await page.locator('[data-map] path.leaflet-interactive').first().waitFor();
  const markers = await page.locator('[data-map] path.leaflet-interactive').count();
  // The perimeter is one more path; every contribution is a marker.
  assert.ok(markers >= listed, `${markers} markers for ${listed} contributions`);
  await page.locator('.map-list summary').click();
  const item = page.locator('#process-map-list > li').first();
  const name = (await item.getByRole('link').textContent()).trim();
  await item.getByRole('button', { name: 'Voir sur la carte' }).click();
  const title = page.locator('.leaflet-popup-content .map-card-title a');
  await title.waitFor();
  assert.equal((await title.textContent()).trim(), name);
  await expectAccessible(page, 'process page with its map');
  await shot(page, 'maps-process');
  await page.close();
});
