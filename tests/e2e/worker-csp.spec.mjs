// The page's Content-Security-Policy holds inside every worker (SECURITY.md, "The policy in the
// workers"), under `vite preview` (`make serve`, which sends the policy as a header) and under a
// plain static server that sends no header at all (the book's static site). Inside the engine
// worker, the spare engine worker and the service worker: a timer given a string of code does
// not run, and a request to another local port never arrives.
import { test, expect } from '@playwright/test';
import { countingServer, serveStatic } from './static-server.mjs';

const STATIC_PORT = 8137;
const OTHER_PORT = 8138;

/** Runs inside a worker: what the policy let through. */
async function probe(target) {
  const out = {};
  self.__probe = 0;
  try { setTimeout('self.__probe = 1', 0); } catch { /* refused */ }
  await new Promise((r) => setTimeout(r, 150));
  out.stringTimer = self.__probe === 1 ? 'ran' : 'blocked';
  try { out.codeFromString = new Function('return "ran"')(); } catch { out.codeFromString = 'blocked'; }
  try { await fetch(target, { mode: 'no-cors', cache: 'no-store' }); out.otherPort = 'sent'; } catch { out.otherPort = 'blocked'; }
  return out;
}

/** Open the retrain-trigger panel (it starts the spare worker) and probe every worker. */
async function probeAll(page, context, base, hits) {
  await page.goto(`${base}/index.html#panel=retrain-trigger`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', '1', { timeout: 30_000 });
  await expect.poll(() => page.workers().length, { timeout: 20_000 }).toBe(2);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await expect.poll(() => context.serviceWorkers().length, { timeout: 15_000 }).toBeGreaterThan(0);
  const target = `http://127.0.0.1:${OTHER_PORT}/`;
  const results = {};
  for (const w of page.workers()) {
    results[await w.evaluate(() => self.name)] = await w.evaluate(probe, `${target}${Math.random()}`);
  }
  results['service worker'] = await context.serviceWorkers()[0].evaluate(probe, `${target}sw`);
  expect(hits, 'no request from a worker reached the other port').toEqual([]);
  return results;
}

let other;
test.beforeAll(async () => { other = await countingServer(OTHER_PORT); });
test.afterAll(async () => { other?.server.close(); });
test.beforeEach(() => { other.hits.length = 0; });

test('the control: the other port answers requests that no policy governs (from the test process)', async () => {
  const r = await fetch(`http://127.0.0.1:${OTHER_PORT}/control`);
  expect(await r.text()).toBe('arrived');
  expect(other.hits).toEqual(['/control']);
});

test('vite preview: the policy holds in the engine, spare and service workers', async ({ page, context, baseURL }) => {
  const r = await page.request.get(`${baseURL}/sw.js`);
  expect(r.headers()['content-security-policy']).toContain("connect-src 'self'");
  const results = await probeAll(page, context, baseURL, other.hits);
  const blocked = { stringTimer: 'blocked', codeFromString: 'blocked', otherPort: 'blocked' };
  expect(results).toEqual({ 'mlops-loop-engine': blocked, 'mlops-loop-engine-2': blocked, 'service worker': blocked });
});

test('a static host with no headers: the policy still holds in the workers', async ({ page, context }) => {
  const server = await serveStatic('dist', STATIC_PORT);
  try {
    const base = `http://127.0.0.1:${STATIC_PORT}`;
    const r = await page.request.get(`${base}/sw.js`);
    expect(r.headers()['content-security-policy']).toBeUndefined();
    const results = await probeAll(page, context, base, other.hits);
    const blocked = { stringTimer: 'blocked', codeFromString: 'blocked', otherPort: 'blocked' };
    expect(results['mlops-loop-engine']).toEqual(blocked);
    expect(results['mlops-loop-engine-2']).toEqual(blocked);
    // No browser gives a service worker the page's policy: without a header it has its own guard
    // (string timers and other origins refused), which does not cover `new Function`.
    expect(results['service worker']).toEqual({ stringTimer: 'blocked', codeFromString: 'ran', otherPort: 'blocked' });
  } finally {
    server.close();
  }
});
