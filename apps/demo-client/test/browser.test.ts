/**
 * The demo client in a real browser (Debian's chromium, driven by playwright-core) against the real API on
 * another origin, so CORS, the SDK's batching and its EventSource subscription all run as they do for people.
 * Set DEMO_SCREENSHOTS to a directory to keep screenshots of the main screens.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userMessage } from '@frookoon/sdk';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { buildDemo, DEMO_ROOT } from './build-demo';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.DEMO_SCREENSHOTS;
const WAIT = { timeout: 10_000 };

let app: TestApp;
let site: PreviewServer;
let browser: Browser;
let outDir: string;
let demoUrl: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const demoPort = await freePort();
  app = await startTestApp({
    SEED_DEMO: 'true',
    // The API lets the demo origin in through CORS as it does in production: by its port.
    DEMO_PORT: String(demoPort),
    // Under a loaded test run, ten orders queued on one stock row must not time out waiting for the lock.
    STOCK_LOCK_TIMEOUT_MS: '15000',
  });
  outDir = mkdtempSync(join(tmpdir(), 'frookoon-demo-e2e-'));
  await buildDemo(outDir, app.url);
  site = await preview({ root: DEMO_ROOT, logLevel: 'silent', build: { outDir }, preview: { port: demoPort, strictPort: true, host: '127.0.0.1' } });
  demoUrl = `http://127.0.0.1:${demoPort}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await app?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** A window of its own (own storage, own connections), signed in with one click on a demo account. */
async function signedIn(role: 'customer' | 'vendor' | 'admin'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  page.on('pageerror', (err) => pageErrors.push(`${role}: ${err.message}`));
  await page.goto(demoUrl);
  if (role === 'customer') await shot(page, 'sign-in');
  await page.getByTestId(`demo-login-${role}`).click();
  await page.getByTestId('logout').waitFor();
  return page;
}

async function shot(page: Page, name: string) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function productId(sku: string): Promise<string> {
  const { items } = await app.client().products.list.query({ limit: 100 });
  return items.find((p) => p.sku === sku)!.id;
}

let customer: Page;
let vendor: Page;

it('follows a paid order to SHIPPED live, without reloading, while the vendor packs and ships it in another window', async () => {
  customer = await signedIn('customer');
  expect(await customer.getByTestId('who').innerText()).toContain('Demo Customer');
  await customer.getByTestId('add-MANGO-ALPH').click();
  await customer.getByTestId('add-MANGO-ALPH').click();
  await customer.getByTestId('add-DATE-MEDJ').click();
  await customer.getByTestId('address-option').first().waitFor();
  await shot(customer, 'shop');
  await customer.getByTestId('place-order').click();
  await customer.getByTestId('card-tok_visa').check();
  await customer.getByTestId('pay').click();
  await customer.getByTestId('go-to-orders').click();

  const detail = customer.getByTestId('order-detail');
  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('CONFIRMED');
  await expect.poll(() => customer.getByTestId('live-indicator').getAttribute('data-state'), WAIT).toBe('live');
  const orderId = (await detail.getAttribute('data-order-id'))!;
  await customer.evaluate(() => Object.assign(window, { sameDocument: true }));

  vendor = await signedIn('vendor');
  await vendor.getByTestId(`pack-${orderId}`).click();
  await vendor.getByTestId('picklist').waitFor();
  await vendor.getByTestId(`carrier-${orderId}`).fill('BlueDart');
  await vendor.getByTestId(`ship-${orderId}`).click();
  await vendor.getByTestId(`otp-${orderId}`).waitFor();

  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('SHIPPED');
  const timeline = () => customer.getByTestId('timeline-entry').evaluateAll((li) => li.map((e) => e.getAttribute('data-status')));
  await expect.poll(timeline, WAIT).toEqual(['SHIPPED', 'PACKING', 'CONFIRMED', 'PENDING']);
  expect(await customer.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  const otp = (await customer.getByTestId('delivery-otp').innerText()).trim();
  expect(otp).toMatch(/^\d{6}$/);
  await shot(customer, 'customer-orders');
  await vendor.getByTestId('console-refresh').click();
  await shot(vendor, 'vendor-console');

  await vendor.getByTestId(`otp-${orderId}`).fill(otp);
  await vendor.getByTestId(`deliver-${orderId}`).click();
  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('DELIVERED');
  expect(await customer.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
});

it('shows a declined card as its friendly message with the request id for support', async () => {
  await customer.getByTestId('nav-shop').click();
  await customer.getByTestId('add-ORNG-BLOD').click();
  await customer.getByTestId('place-order').click();
  await customer.getByTestId('card-tok_chargeDeclined').check();
  await customer.getByTestId('pay').click();
  const problem = customer.getByTestId('problem');
  await expect.poll(() => problem.innerText(), WAIT).toContain(userMessage('PAYMENT_FAILED'));
  expect(await problem.getByTestId('request-id').innerText()).toMatch(/^req_[0-9a-f]{12}$/);
  expect(await customer.getByTestId('placed-order').innerText()).toContain('Cancelled');
});

it('sells exactly the stock when ten shoppers order the last three units at once', async () => {
  const cherries = await productId('CHRY-RAIN');
  await vendor.getByTestId('nav-flash').click();
  await vendor.getByTestId('flash-product').selectOption(cherries);
  await vendor.getByTestId('flash-stock-target').fill('3');
  await vendor.getByTestId('flash-set-stock').click();
  await expect.poll(() => vendor.getByTestId('flash-stock-now').innerText(), WAIT).toBe('3');

  await customer.getByTestId('nav-flash').click();
  await customer.getByTestId('flash-product').selectOption(cherries);
  await expect.poll(() => customer.getByTestId('flash-stock-now').innerText(), WAIT).toBe('3');
  await customer.getByTestId('flash-shoppers').fill('10');
  await customer.getByTestId('flash-fire').click();

  const result = customer.getByTestId('flash-result');
  await result.waitFor();
  expect(await result.getByTestId('flash-accepted').innerText()).toBe('3');
  expect(await result.getByTestId('flash-insufficient').innerText()).toBe('7');
  expect(await result.getByTestId('flash-other').innerText()).toBe('0');
  expect(await result.getByTestId('flash-stock-before').innerText()).toBe('3');
  expect(await result.getByTestId('flash-stock-after').innerText()).toBe('0');
  expect(await result.getByTestId('flash-verdict').getAttribute('data-ok')).toBe('true');
  expect(await result.getByTestId('flash-refusal').getByTestId('request-id').innerText()).toMatch(/^req_/);
  expect((await app.client().stock.get.query({ productId: cherries })).quantity).toBe(0);
  await shot(customer, 'flash-sale');

  const admin = await signedIn('admin');
  await admin.getByTestId('nav-audit').click();
  await expect.poll(() => admin.getByTestId('audit-verdict').getAttribute('data-sound'), WAIT).toBe('true');
  await admin.getByTestId('logout').click();
  await admin.getByTestId('demo-login-admin').waitFor();
  expect(await admin.getByTestId('who').count()).toBe(0);
  expect(pageErrors).toEqual([]);
});
