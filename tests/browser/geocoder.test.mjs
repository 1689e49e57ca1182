// Address search and reverse geocoding against a real addok (started by tests/clients/run.sh
// with the demo towns' addresses, tests/clients/addresses.ndjson): skipped unless
// TERRITOIRES_TEST_GEOCODER_URL names it. A resident opens the report form (its map on the
// town), finds a street by typing, picks it (the marker moves, the address is filled), taps a
// point and gets its address, sends the report and reads the address on the report's page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, login, expectAccessible, shot, eventually } from './harness.mjs';

const GEOCODER = process.env.TERRITOIRES_TEST_GEOCODER_URL;
const skip = GEOCODER ? false : 'TERRITOIRES_TEST_GEOCODER_URL names no geocoder';
// The area Montauban's report maps open on (the demo's): west, south, east, north.
const MONTAUBAN = [1.24, 43.93, 1.47, 44.10];
const camille = { email: 'camille.martin@demo.territoires.fr', password: 'Territoires-Demo-2026', name: 'Camille Martin' };

let server, browser;
before(async () => {
  if (skip) return;
  server = await startServer(['--demo', '--geocoder-url', GEOCODER]);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const position = async (page) => [
  Number(await page.getByLabel('Latitude').inputValue()),
  Number(await page.getByLabel('Longitude').inputValue()),
];

test('a street is found, picked and tapped on the report form, and its address is on the report', { skip }, async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await login(server.base, page, camille);
  await page.goto(server.base + '/s/montauban/reports/new');
  await page.getByRole('link', { name: 'Nid-de-poule' }).click();

  // The map opens on the town: a tap at its centre lands inside the space's area.
  const map = page.locator('[data-map]');
  await map.scrollIntoViewIfNeeded();
  const box = await map.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const [lat0, lon0] = await position(page);
  assert.ok(lon0 > MONTAUBAN[0] && lat0 > MONTAUBAN[1] && lon0 < MONTAUBAN[2] && lat0 < MONTAUBAN[3],
    `the map's centre ${lat0}, ${lon0} is in Montauban`);

  // Typing finds the street; choosing by keyboard moves the marker and fills the address.
  const search = page.getByRole('combobox', { name: 'Chercher une adresse' });
  await search.fill('12 rue de la republique montauban');
  const option = page.getByRole('option', { name: /^12 Rue de la République 82000 Montauban$/ });
  await option.waitFor();
  await expectAccessible(page, 'report form with address choices');
  await search.press('ArrowDown');
  await search.press('Enter');
  await page.getByText('Adresse : 12 Rue de la République 82000 Montauban').waitFor();
  const [lat1, lon1] = await position(page);
  assert.ok(Math.abs(lat1 - 44.0189) < 0.001 && Math.abs(lon1 - 1.354) < 0.001, `the point moved to the street: ${lat1}, ${lon1}`);
  assert.equal(await page.locator('#address').inputValue(), '12 Rue de la République 82000 Montauban');
  assert.equal(await page.locator('[data-map] .leaflet-marker-icon').count(), 1, 'one marker, at the address');
  const marker = await page.locator('[data-map] .leaflet-marker-icon').boundingBox();
  const mapBox = await map.boundingBox();
  assert.ok(Math.abs(marker.x + marker.width / 2 - (mapBox.x + mapBox.width / 2)) < 3, 'the marker is at the centre');

  // A tap a little to the east gets the address of the point tapped.
  await page.mouse.click(mapBox.x + mapBox.width / 2 + 25, mapBox.y + mapBox.height / 2);
  const [lat2, lon2] = await position(page);
  assert.ok(lon2 > lon1, 'the point moved east');
  await eventually('the tapped point gets its address', async () =>
    /Montauban$/.test(await page.locator('#address').inputValue()));
  const tapped = await page.locator('#address').inputValue();
  assert.match(tapped, /^\d+ Rue de la République 82000 Montauban$/);
  await page.getByText(`Adresse : ${tapped}`).waitFor();

  // The report is sent with its address, shown on its page.
  await page.getByLabel('Plus de 50 cm').check();
  await page.getByLabel('Description').fill('Trou profond devant la pharmacie.');
  await page.getByRole('button', { name: 'Envoyer le signalement' }).click();
  await page.getByText('Votre signalement est publié').waitFor();
  await page.getByRole('link', { name: 'Voir le signalement' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nid-de-poule' }).waitFor();
  await page.getByText(tapped).first().waitFor();
  assert.ok(Math.abs(lat2 - lat1) < 0.001);
  await shot(page, 'geocoder-report-page');
  await page.close();
});
