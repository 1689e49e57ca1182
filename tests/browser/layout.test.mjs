// No page scrolls sideways on a 320 px phone (WCAG 1.4.10, reflow): the demo instance is walked
// from its home page, following its own links, as a visitor and as the administrator (who sees
// the desks, queues and settings), a few pages of each shape of address; each page's width
// beyond the screen is measured. The pages that overflow are named with their width; those whose
// tables are still to become cards on phones are listed apart (`TABLES_PENDING`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoInstance, newPage, login, shot } from './harness.mjs';

const demo = demoInstance();
const ADMIN = { email: 'admin@demo.territoires.fr', password: 'Territoires-Demo-2026', name: 'Administration Territoires' };
// A 320 px wide window, as a 1280 px screen at 400 % zoom (a phone's emulation would zoom out
// to show what is wider, and hide the overflow this test looks for).
const NARROW = { viewport: { width: 320, height: 640 } };
/**
 * The pages whose tables are still wider than a phone: none any more (every table of records
 * is a card per row there). Any page wider than the screen fails the test.
 */
const TABLES_PENDING = [];
// A 1280 × 900 screen at 400 % zoom: the same 320 CSS pixels, four device pixels each, and a
// short window.
const ZOOMED = { viewport: { width: 320, height: 225 }, deviceScaleFactor: 4 };
/** Pages of the visitor's walk read again at 400 % zoom. */
const ZOOMED_PAGES = 40;

/** Pages walked per reader, and pages per shape of address. */
const MOST = 140;
const PER_SHAPE = 2;

/** The shape of an address: its segments, those that name an item (digits, ids) as `*`. */
function shape(path) {
  return path
    .split('/')
    .map((s) => (/\d/.test(s) || s.length > 24 ? '*' : s))
    .join('/');
}

/** Whether the walk follows a link to `path`: pages only, nothing that signs out or changes. */
function walkable(path) {
  return !/^\/(api|data|open311|assets|uploads|lang|logout|auth)\b/.test(path)
    && !/\.(csv|json|geojson|xml|atom|ics|svg|png|jpg|pdf|txt)$/.test(path)
    && !/\/(attachments|export|download)\b/.test(path);
}

/** Walks the site from `/` as `page` reads it; returns the pages that scroll sideways and those read. */
async function walk(page) {
  const seen = new Set();
  const shapes = new Map();
  const queue = ['/'];
  const wide = [];
  const pages = [];
  let walked = 0;
  while (queue.length > 0 && walked < MOST) {
    const path = queue.shift();
    // A link that starts a download (`/account/data`) is no page.
    const response = await page.goto(demo.server.base + path).catch(() => null);
    walked += 1;
    if (!response || !response.ok() || !(response.headers()['content-type'] || '').startsWith('text/html')) {
      continue;
    }
    pages.push(path);
    const beyond = await overflow(page);
    if (beyond > 0 && !pending(path)) {
      wide.push(`${path} (+${beyond} px)`);
    }
    const links = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')));
    for (const href of links) {
      if (!href.startsWith('/') || href.startsWith('//')) continue;
      const next = href.split('#')[0];
      const key = shape(next.split('?')[0]);
      if (seen.has(next) || !walkable(next.split('?')[0])) continue;
      if ((shapes.get(key) || 0) >= PER_SHAPE) continue;
      seen.add(next);
      shapes.set(key, (shapes.get(key) || 0) + 1);
      queue.push(next);
    }
  }
  return { wide, walked, pages };
}

/** How many CSS pixels the page is wider than its window. */
function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Whether a page is one of those still waiting for its tables to become cards. */
function pending(path) {
  return TABLES_PENDING.some((p) => p.test(path.split('?')[0]));
}

test('no page scrolls sideways at 320 px, for a visitor and for the administrator, nor at 400 % zoom', async () => {
  const visitor = await newPage(demo.browser, NARROW);
  const seen = await walk(visitor);
  const admin = await newPage(demo.browser, NARROW);
  await login(demo.server.base, admin, ADMIN);
  const staff = await walk(admin);
  assert.ok(seen.walked > 60 && staff.walked > 60, `pages walked: ${seen.walked}, ${staff.walked}`);
  assert.deepEqual([...seen.wide, ...staff.wide], [], 'pages wider than a 320 px phone');

  // The same pages on a desktop screen zoomed to 400 %.
  const zoomed = await newPage(demo.browser, ZOOMED);
  const wide = [];
  for (const path of seen.pages.slice(0, ZOOMED_PAGES)) {
    const response = await zoomed.goto(demo.server.base + path).catch(() => null);
    if (!response || !response.ok()) continue;
    const beyond = await overflow(zoomed);
    if (beyond > 0 && !pending(path)) wide.push(`${path} (+${beyond} px)`);
  }
  assert.deepEqual(wide, [], 'pages wider than a 1280 px screen at 400 % zoom');
});

test('the staff pages fit a 320 px window: the workplace, the dashboards, the desk, its statistics and its setup', async () => {
  const admin = await newPage(demo.browser, NARROW);
  await login(demo.server.base, admin, ADMIN);
  // Signed in without asking for a page, staff land on their workplace.
  assert.match(admin.url(), /\/workplace$/);
  for (const path of ['/workplace', '/admin', '/s/montauban/admin', '/s/montauban/reports/desk', '/s/montauban/reports/stats', '/s/montauban/reports/setup']) {
    const response = await admin.goto(demo.server.base + path);
    assert.equal(response.status(), 200, path);
    const beyond = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(beyond, 0, `${path} is ${beyond} px wider than a 320 px window`);
  }
});

/** The main journeys' pages, photographed on a phone as the suite's artefacts (in `shots/`). */
const JOURNEYS = [
  ['home', '/'],
  ['space', '/s/lannion'],
  ['process', '/s/lannion/processes/lannion-2030'],
  ['report-form', '/s/montauban/reports/new'],
  ['budget-results', '/s/lannion/processes/budget-participatif-2026'],
  ['directory', '/directory'],
  ['library', '/library'],
  ['network', '/commun'],
];

test('the main journeys are photographed on a phone', async () => {
  const phone = await newPage(demo.browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  for (const [name, path] of JOURNEYS) {
    const response = await phone.goto(demo.server.base + path);
    assert.ok(response.ok(), `${path}: ${response.status()}`);
    // The budget's page leads to its vote, whose results are the page to show.
    if (name === 'budget-results') {
      await phone.locator('main a[href*="/votes/"]').first().click();
      await phone.getByRole('heading', { name: 'Résultats' }).waitFor();
    }
    await shot(phone, `phone-${name}`);
  }
  const admin = await newPage(demo.browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await login(demo.server.base, admin, ADMIN);
  for (const [name, path] of [['workplace', '/workplace'], ['desk', '/s/montauban/reports/desk']]) {
    const response = await admin.goto(demo.server.base + path);
    assert.ok(response.ok(), `${path}: ${response.status()}`);
    await shot(admin, `phone-${name}`);
  }
});
