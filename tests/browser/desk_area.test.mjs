// The agents' desk on the demo instance: the road agent draws an area on the desk's map (with
// the mouse, then with two taps of a finger), filters, and the queue then holds only the reports
// inside it; the area is drawn again when the page opens with it, and cleared. Moving the map
// chooses no area. The handling page maps its report with one marker and fits a 320 px window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoInstance, newPage, login, expectAccessible, shot, SHOTS } from './harness.mjs';

const it = demoInstance();
const AGENT = { email: 'agent.voirie@demo.territoires.fr', password: 'Territoires-Demo-2026', name: 'Service voirie de Montauban' };
const DESK = '/s/montauban/reports/desk';
const SIDES = ['Ouest (longitude)', 'Sud (latitude)', 'Est (longitude)', 'Nord (latitude)'];

/** The number of reports the desk counts ("12 signalements"). */
async function counted(page) {
  const text = await page.locator('main p', { hasText: /^\d+ signalements?$/ }).textContent();
  return Number(text.match(/^(\d+)/)[1]);
}

/** The reports of the desk's page: its rows' ids, and each one's point from the map's data. */
async function queue(page) {
  const rows = await page.locator('table.desk tbody tr th a').evaluateAll((links) =>
    links.map((a) => a.getAttribute('href').split('/').at(-2)));
  const points = JSON.parse(await page.locator('[data-map]').getAttribute('data-points'));
  const where = new Map(points.map(([lat, lon, , url]) => [url.split('/').at(-2), { lat, lon }]));
  return { rows, where };
}

/** The four sides of the area, as the form holds them. */
async function sides(page) {
  return Promise.all(SIDES.map((label) => page.getByLabel(label, { exact: true }).inputValue()));
}

/** The rectangles drawn on the desk's map (the area is the only path of its overlay pane). */
function rectangles(page) {
  return page.locator('[data-map] .leaflet-overlay-pane path');
}

test('the agent draws an area on the desk map, and the queue keeps the reports inside it', async () => {
  const page = await newPage(it.browser);
  await login(it.server.base, page, AGENT);
  await page.goto(it.server.base + DESK);
  const map = page.locator('[data-map]');
  await map.locator('.leaflet-marker-icon').first().waitFor();
  const all = await counted(page);
  const before = await queue(page);
  assert.ok(all > 1, `the road team has reports to sort: ${all}`);
  // The coordinates wait in a closed block, for the keyboard.
  assert.equal(await page.locator('details:has(#west)').getAttribute('open'), null);
  const clear = page.getByRole('button', { name: 'Effacer la zone' });
  assert.equal(await clear.isDisabled(), true, 'no area to clear yet');

  // Moving the map chooses nothing.
  const box = await map.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 40, { steps: 5 });
  await page.mouse.up();
  assert.deepEqual(await sides(page), ['', '', '', ''], 'a moved map fills no side');

  // The left half of the map, by press-drag (clear of the zoom buttons at the top left).
  const draw = page.getByRole('button', { name: 'Dessiner une zone' });
  await draw.click();
  assert.equal(await draw.getAttribute('aria-pressed'), 'true');
  const from = { x: box.x + 60, y: box.y + 15 };
  const to = { x: box.x + box.width / 2, y: box.y + box.height - 15 };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
  assert.equal(await draw.getAttribute('aria-pressed'), 'false', 'the drawing ends when released');
  const [west, south, east, north] = (await sides(page)).map(Number);
  assert.ok(west < east && south < north, `an area: ${[west, south, east, north]}`);
  assert.equal(await rectangles(page).count(), 1, 'the rectangle stays drawn');
  assert.equal(await clear.isDisabled(), false);
  // The map moves again once the area is drawn.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  assert.deepEqual((await sides(page)).map(Number), [west, south, east, north], 'the area stays as drawn');

  await page.getByRole('button', { name: 'Filtrer' }).click();
  await page.waitForURL((u) => u.searchParams.get('west') !== null && u.searchParams.get('west') !== '');
  await map.locator('.leaflet-overlay-pane path').first().waitFor();
  const inside = await counted(page);
  const after = await queue(page);
  assert.ok(inside > 0 && inside < all, `${inside} of ${all} reports in the area`);
  assert.equal(after.rows.length, inside);
  for (const id of after.rows) {
    const p = after.where.get(id);
    assert.ok(p && p.lon >= west && p.lon <= east && p.lat >= south && p.lat <= north, `${id} at ${JSON.stringify(p)}`);
  }
  if (all <= 50) {
    // Every report of the whole queue that lies in the area is listed, and no other.
    const expected = before.rows.filter((id) => {
      const p = before.where.get(id);
      return p.lon >= west && p.lon <= east && p.lat >= south && p.lat <= north;
    });
    assert.deepEqual([...after.rows].sort(), expected.sort());
  }
  // The page opens on the area, drawn, with its sides in the form.
  assert.equal(await rectangles(page).count(), 1);
  assert.deepEqual((await sides(page)).map(Number), [west, south, east, north]);
  const drawn = await rectangles(page).boundingBox();
  const shown = await map.boundingBox();
  assert.ok(drawn.x >= shown.x && drawn.y >= shown.y && drawn.x + drawn.width <= shown.x + shown.width + 1
    && drawn.y + drawn.height <= shown.y + shown.height + 1, 'the map opens on the area');
  await expectAccessible(page, 'desk with an area');
  await shot(page, 'desk-area');

  // Cleared, the whole queue comes back.
  await clear.click();
  assert.deepEqual(await sides(page), ['', '', '', '']);
  assert.equal(await rectangles(page).count(), 0);
  assert.equal(await clear.isDisabled(), true);
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await page.waitForURL((u) => u.searchParams.get('west') === '');
  assert.equal(await counted(page), all);
  await page.close();
});

test('on a phone, two taps on opposite corners or a finger dragged across draw the area', async () => {
  const page = await newPage(it.browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await login(it.server.base, page, AGENT);
  await page.goto(it.server.base + DESK);
  const map = page.locator('[data-map]');
  await map.locator('.leaflet-marker-icon').first().waitFor();
  await map.scrollIntoViewIfNeeded();
  await page.getByRole('button', { name: 'Dessiner une zone' }).tap();
  const box = await map.boundingBox();
  await page.touchscreen.tap(box.x + 60, box.y + 20);
  assert.deepEqual(await sides(page), ['', '', '', ''], 'one corner is no area yet');
  await page.touchscreen.tap(box.x + box.width - 20, box.y + box.height - 40);
  const [west, south, east, north] = (await sides(page)).map(Number);
  assert.ok(west < east && south < north, `an area: ${[west, south, east, north]}`);
  assert.equal(await rectangles(page).count(), 1);

  // A finger dragged from corner to corner (clear of the zoom buttons) draws another, and
  // scrolls nothing meanwhile.
  await page.getByRole('button', { name: 'Dessiner une zone' }).tap();
  const at = await map.boundingBox();
  const scrolled = await page.evaluate(() => window.scrollY);
  const touch = await page.context().newCDPSession(page);
  const finger = (x, y) => [{ x: Math.round(x), y: Math.round(y), id: 1 }];
  await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: finger(at.x + 70, at.y + 30) });
  for (let i = 1; i <= 8; i += 1) {
    await touch.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: finger(at.x + 70 + i * 20, at.y + 30 + i * 25) });
  }
  await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  const dragged = (await sides(page)).map(Number);
  assert.ok(dragged[0] < dragged[2] && dragged[1] < dragged[3], `an area: ${dragged}`);
  assert.notDeepEqual(dragged, [west, south, east, north], 'the dragged area replaces the tapped one');
  assert.equal(await page.evaluate(() => window.scrollY), scrolled);
  assert.equal(await rectangles(page).count(), 1);
  await page.screenshot({ path: join(SHOTS, 'desk-area-phone.png') });
  await page.close();
});

test('the handling page maps its report with one marker and fits a 320 px window', async () => {
  const page = await newPage(it.browser);
  await login(it.server.base, page, AGENT);
  await page.goto(it.server.base + DESK);
  const { rows, where } = await queue(page);
  const id = rows[0];
  await page.goto(`${it.server.base}/s/montauban/reports/${id}/handle`);
  const map = page.getByRole('region', { name: "Carte : l'endroit du signalement" });
  await map.locator('.leaflet-marker-icon').first().waitFor();
  assert.equal(await map.locator('.leaflet-marker-icon').count(), 1);
  // The marker is in the map's view, which opens on the point.
  const marker = await map.locator('.leaflet-marker-icon').boundingBox();
  const shown = await map.boundingBox();
  const tip = { x: marker.x + marker.width / 2, y: marker.y + marker.height };
  assert.ok(Math.abs(tip.x - (shown.x + shown.width / 2)) < 30 && Math.abs(tip.y - (shown.y + shown.height / 2)) < 30,
    'the map is centred on the report');
  assert.ok(await page.locator('p.place', { hasText: /^Lieu : / }).isVisible());
  assert.ok(where.has(id));
  await expectAccessible(page, 'handling page with its map');
  await page.setViewportSize({ width: 320, height: 640 });
  await page.reload();
  await map.locator('.leaflet-marker-icon').first().waitFor();
  const beyond = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(beyond, 0, `the handling page is ${beyond} px wider than a 320 px window`);
  await shot(page, 'handle-map-320');
  await page.close();
});
