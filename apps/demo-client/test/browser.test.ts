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
import { userMessage, type FrookoonClient } from '@frookoon/sdk';
import { TestPaymentGateway } from '../../../packages/server/src/domain/payments/test-payment-gateway';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { buildDemo, DEMO_ROOT } from './build-demo';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.DEMO_SCREENSHOTS;
const WAIT = { timeout: 10_000 };

let app: TestApp;
let admin: FrookoonClient;
const gateway = new TestPaymentGateway();
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
  app = await startTestApp(
    {
      SEED_DEMO: 'true',
      // The API lets the demo origin in through CORS as it does in production: by its port.
      DEMO_PORT: String(demoPort),
      // Under a loaded test run, ten orders queued on one stock row must not time out waiting for the lock.
      STOCK_LOCK_TIMEOUT_MS: '15000',
      REFUND_POLL_MS: '200',
    },
    undefined,
    { paymentGateway: gateway },
  );
  await addSecondVendor();
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
  if (!SHOTS) return;
  // Scrolled back up, so that the sticky top bar is drawn at the top of the full page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** A second vendor next to the demo orchard, set up through the API as an admin would: vendor, account, product. */
async function addSecondVendor(): Promise<void> {
  const { token } = await app.client().auth.login.mutate({ email: 'admin@demo.frookoon.test', password: 'frookoon-demo' });
  admin = app.client(token);
  const kiwis = await admin.vendors.create.mutate({ name: 'Hillside Kiwis' });
  const account = { email: 'kiwis@demo.frookoon.test', password: 'hillside-kiwis', name: 'Kiwi Grower' };
  await admin.users.create.mutate({ ...account, role: 'vendor', vendorId: kiwis.id });
  const asVendor = app.client((await app.client().auth.login.mutate(account)).token);
  await asVendor.products.create.mutate({ name: 'Golden kiwi', sku: 'KIWI-GOLD', priceCents: 300, currency: 'INR', initialStock: 30 });
}

async function productId(sku: string): Promise<string> {
  const { items } = await app.client().products.list.query({ limit: 100 });
  return items.find((p) => p.sku === sku)!.id;
}

let customer: Page;
let vendor: Page;
let kiwiOrderId: string;

const statuses = (page: Page, testId: string) => page.getByTestId(testId).evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument);

it('checks a cart of two vendors out with one charge, then follows the orchard order to SHIPPED live while the vendor ships it', async () => {
  customer = await signedIn('customer');
  expect(await customer.getByTestId('who').innerText()).toContain('Demo Customer');
  await customer.getByTestId('add-MANGO-ALPH').click();
  await customer.getByTestId('add-MANGO-ALPH').click();
  await customer.getByTestId('add-DATE-MEDJ').click();
  await customer.getByTestId('add-KIWI-GOLD').click();
  await customer.getByTestId('address-option').first().waitFor();
  await shot(customer, 'shop');
  await customer.getByTestId('place-order').click();

  const checkout = customer.getByTestId('checkout');
  await expect.poll(() => statuses(customer, 'placed-order'), WAIT).toEqual(['PENDING', 'PENDING']);
  const checkoutId = (await checkout.getAttribute('data-checkout-id'))!;
  expect(await customer.getByTestId('checkout-total').innerText()).toContain('20.99');
  await shot(customer, 'checkout-split');
  const chargesBefore = gateway.charges.length;
  await customer.getByTestId('card-tok_visa').check();
  await customer.getByTestId('pay').click();

  await expect.poll(() => statuses(customer, 'placed-order'), WAIT).toEqual(['CONFIRMED', 'CONFIRMED']);
  expect(gateway.charges.slice(chargesBefore)).toMatchObject([{ amountCents: 2 * 450 + 899 + 300, currency: 'INR', metadata: { checkoutId } }]);
  const paid = await admin.checkouts.byId.query({ id: checkoutId });
  expect(paid.status).toBe('PAID');
  expect(new Set(paid.orders.map((o) => o.vendorId)).size).toBe(2);
  expect(new Set(paid.orders.map((o) => o.paymentReference)).size).toBe(1);
  expect(paid.orders.map((o) => o.paidCents).sort((a, b) => a - b)).toEqual([300, 2 * 450 + 899]);
  expect(await customer.getByTestId('checkout-paid').innerText()).toContain('20.99');
  await shot(customer, 'checkout-paid');
  const placed = customer.getByTestId('placed-order');
  const orderId = (await placed.filter({ hasText: 'Alphonso mango' }).getAttribute('data-order-id'))!;
  kiwiOrderId = (await placed.filter({ hasText: 'Golden kiwi' }).getAttribute('data-order-id'))!;
  await customer.getByTestId(`follow-${orderId}`).click();

  const detail = customer.getByTestId('order-detail');
  await expect.poll(() => detail.getAttribute('data-order-id'), WAIT).toBe(orderId);
  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('CONFIRMED');
  await expect.poll(() => customer.getByTestId('live-indicator').getAttribute('data-state'), WAIT).toBe('live');
  expect(await detail.getByTestId('paid-amount').innerText()).toContain('17.99');
  await customer.evaluate(() => Object.assign(window, { sameDocument: true }));

  vendor = await signedIn('vendor');
  await vendor.getByTestId(`pack-${orderId}`).click();
  await vendor.getByTestId('picklist').waitFor();
  expect(await vendor.getByTestId(`vendor-order-${kiwiOrderId}`).count()).toBe(0);
  await vendor.getByTestId(`carrier-${orderId}`).fill('BlueDart');
  await vendor.getByTestId(`ship-${orderId}`).click();
  await vendor.getByTestId(`otp-${orderId}`).waitFor();

  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('SHIPPED');
  const timeline = () => customer.getByTestId('timeline-entry').evaluateAll((li) => li.map((e) => e.getAttribute('data-status')));
  await expect.poll(timeline, WAIT).toEqual(['SHIPPED', 'PACKING', 'CONFIRMED', 'PENDING']);
  expect(await sameDocument(customer)).toBe(true);
  const otp = (await customer.getByTestId('delivery-otp').innerText()).trim();
  expect(otp).toMatch(/^\d{6}$/);
  await shot(customer, 'customer-orders');
  await vendor.getByTestId('console-refresh').click();
  await shot(vendor, 'vendor-console');

  expect(await vendor.getByTestId('payout-balance').getAttribute('data-cents')).toBe('0');
  await vendor.getByTestId(`otp-${orderId}`).fill(otp);
  await vendor.getByTestId(`deliver-${orderId}`).click();
  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('DELIVERED');
  expect(await sameDocument(customer)).toBe(true);

  await expect.poll(() => vendor.getByTestId('payout-balance').getAttribute('data-cents'), WAIT).toBe(String(2 * 450 + 899));
  const credit = vendor.locator(`[data-testid="ledger-entry"][data-order-id="${orderId}"]`);
  expect(await credit.getAttribute('data-kind')).toBe('credit');
  expect(await credit.innerText()).toContain('17.99');
  await vendor.getByRole('tab', { name: /^Done/ }).click();
  await vendor.getByTestId(`vendor-order-${orderId}`).waitFor();
  await shot(vendor, 'vendor-balance');
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

it('pays a checkout left unpaid from the order page, with one charge for both of its orders', async () => {
  await customer.getByTestId('nav-shop').click();
  await customer.getByTestId('add-APPL-HONY').click();
  await customer.getByTestId('add-KIWI-GOLD').click();
  await customer.getByTestId('place-order').click();
  await expect.poll(() => statuses(customer, 'placed-order'), WAIT).toEqual(['PENDING', 'PENDING']);
  const checkoutId = (await customer.getByTestId('checkout').getAttribute('data-checkout-id'))!;
  const appleOrderId = (await customer.getByTestId('placed-order').filter({ hasText: 'Honeycrisp apple' }).getAttribute('data-order-id'))!;

  await customer.getByTestId('nav-orders').click();
  await customer.locator(`[data-testid="order-row"][data-order-id="${appleOrderId}"]`).click();
  const detail = customer.getByTestId('order-detail');
  await expect.poll(() => detail.getAttribute('data-order-id'), WAIT).toBe(appleOrderId);
  expect(await detail.getByTestId('checkout-pay-note').innerText()).toContain('paid through its checkout');
  expect(await detail.getByTestId('order-pay').innerText()).toMatch(/^Pay .*3\.95 for 2 orders$/);
  await shot(customer, 'orders-pay-checkout');
  const chargesBefore = gateway.charges.length;
  await detail.getByTestId('order-pay').click();

  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('CONFIRMED');
  expect(gateway.charges.slice(chargesBefore)).toMatchObject([{ amountCents: 95 + 300, metadata: { checkoutId } }]);
  expect((await admin.checkouts.byId.query({ id: checkoutId })).orders.map((o) => o.status)).toEqual(['CONFIRMED', 'CONFIRMED']);
});

it('refunds a cancelled paid order, and the customer sees it refunded without reloading', async () => {
  await customer.getByTestId('nav-orders').click();
  await customer.locator(`[data-testid="order-row"][data-order-id="${kiwiOrderId}"]`).click();
  const detail = customer.getByTestId('order-detail');
  await expect.poll(() => detail.getAttribute('data-order-id'), WAIT).toBe(kiwiOrderId);
  expect(await detail.getByTestId('paid-amount').innerText()).toContain('3.00');
  await customer.evaluate(() => Object.assign(window, { sameDocument: true }));

  await detail.getByTestId('order-cancel').click();
  await expect.poll(() => detail.getAttribute('data-status'), WAIT).toBe('CANCELLED');
  const refund = detail.getByTestId('refund-status');
  await expect.poll(() => refund.getAttribute('data-refund'), WAIT).toBe('succeeded');
  expect(await refund.innerText()).toMatch(/^Refunded .*3\.00$/);
  const row = customer.locator(`[data-testid="order-row"][data-order-id="${kiwiOrderId}"]`);
  await expect.poll(() => row.getByTestId('refund-tag').getAttribute('data-refund'), WAIT).toBe('succeeded');
  expect(await sameDocument(customer)).toBe(true);
  expect(gateway.refunds).toMatchObject([{ amountCents: 300, currency: 'INR' }]);
  await shot(customer, 'orders-refunded');
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
