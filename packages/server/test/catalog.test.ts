import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp } from '../../../test/support/app';
import { invariantViolations, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  await app.close();
});

const json = async <T>(res: Response) => (await res.json()) as T;
type Page = { items: { id: string; stock: number | null; createdAt: string }[]; nextCursor: string | null };

describe('products', () => {
  it('lists products with their stock, page by page, filtered by vendor', async () => {
    const { vendorId } = await makeVendor(app, 'Pager');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await makeProduct(app, vendorId, { stock: i }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/v1/products?vendorId=${vendorId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Page = await json<Page>(await app.http(query));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const all = await app.client().products.list.query({ vendorId, limit: 10 });
    expect(all.items.map((p) => p.stock)).toEqual([0, 1, 2, 3, 4]);
    expect(all.items[0]!.createdAt).toBeInstanceOf(Date);
    expect(all.nextCursor).toBeNull();
  });

  it('reads one product; an unknown id is NOT_FOUND and a malformed one INVALID_UUID', async () => {
    const { vendorId } = await makeVendor(app);
    const id = await makeProduct(app, vendorId, { stock: 7, name: 'Pomegranate' });
    expect(await json(await app.http(`/api/v1/products/${id}`))).toMatchObject({ id, name: 'Pomegranate', stock: 7, vendorId });
    expect((await json<ProblemDetails>(await app.http('/api/v1/products/01890000-0000-7000-8000-000000000000'))).error_code).toBe('NOT_FOUND');
    expect(await json<ProblemDetails>(await app.http('/api/v1/products/zzz'))).toMatchObject({ error_code: 'INVALID_UUID', errors: [{ field: 'id' }] });
  });

  it('lets a vendor create products for its own vendor only, with a restock ledger row', async () => {
    const { vendorId, vendor } = await makeVendor(app);
    const other = await makeVendor(app, 'Other');
    const body = { name: 'Hass avocado', sku: 'AVOC-1', priceCents: 199, currency: 'INR', initialStock: 12 };
    const created = await json<{ id: string; vendorId: string; stock: number }>(await app.http('/api/v1/products', jsonPost(body, bearer(vendor.token))));
    expect(created).toMatchObject({ vendorId, stock: 12 });
    const ledger = await app.orm.em.fork().execute('select kind, delta from stock_movement where product_id = ?', [created.id]);
    expect(ledger).toEqual([{ kind: 'restock', delta: 12 }]);

    const dup = await json<ProblemDetails>(await app.http('/api/v1/products', jsonPost(body, bearer(vendor.token))));
    expect(dup).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'sku' }] });
    const foreign = await app.http('/api/v1/products', jsonPost({ ...body, sku: 'AVOC-2', vendorId: other.vendorId }, bearer(vendor.token)));
    expect(foreign.status).toBe(404);
    expect(await json<ProblemDetails>(foreign)).toMatchObject({ error_code: 'NOT_FOUND', errors: [{ field: 'vendorId' }] });
    const customer = await app.makeUser('customer');
    expect((await app.http('/api/v1/products', jsonPost(body, bearer(customer.token)))).status).toBe(403);
  });

  it('lets an admin create products for any existing vendor', async () => {
    const admin = await app.makeUser('admin');
    const { vendorId } = await makeVendor(app);
    const body = { name: 'Blood orange', sku: 'ORNG-1', priceCents: 120, currency: 'INR', initialStock: 0 };
    const noVendor = await json<ProblemDetails>(await app.http('/api/v1/products', jsonPost(body, bearer(admin.token))));
    expect(noVendor).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'vendorId' }] });
    const unknown = await app.http('/api/v1/products', jsonPost({ ...body, vendorId: '01890000-0000-7000-8000-000000000000' }, bearer(admin.token)));
    expect((await json<ProblemDetails>(unknown)).error_code).toBe('NOT_FOUND');
    const ok = await json<{ stock: number }>(await app.http('/api/v1/products', jsonPost({ ...body, vendorId }, bearer(admin.token))));
    expect(ok.stock).toBe(0);
    const bad = await json<ProblemDetails>(await app.http('/api/v1/products', jsonPost({ ...body, vendorId, currency: 'rupees', priceCents: -1 }, bearer(admin.token))));
    expect(bad.errors.map((e) => e.field).sort()).toEqual(['currency', 'priceCents']);
  });
});

describe('stock', () => {
  it('reads and adjusts stock with a ledger row, never below zero', async () => {
    const { vendorId, vendor } = await makeVendor(app);
    const id = await makeProduct(app, vendorId, { stock: 5 });
    expect(await json(await app.http(`/api/v1/stock/${id}`))).toMatchObject({ productId: id, quantity: 5 });
    const adjust = (token: string, delta: number) => app.http(`/api/v1/stock/${id}/adjust`, jsonPost({ delta, reason: 'count' }, bearer(token)));
    expect(await json(await adjust(vendor.token, -3))).toMatchObject({ quantity: 2 });
    const under = await adjust(vendor.token, -3);
    expect(under.status).toBe(400);
    expect(await json<ProblemDetails>(under)).toMatchObject({ error_code: 'INSUFFICIENT_STOCK', errors: [{ field: 'delta' }] });
    const admin = await app.makeUser('admin');
    expect(await json(await adjust(admin.token, 10))).toMatchObject({ quantity: 12 });
    expect(await stockOf(app.orm.em.fork(), id)).toBe(12);
    const ledger = await app.orm.em.fork().execute("select delta from stock_movement where product_id = ? and kind = 'adjust' order by id", [id]);
    expect(ledger).toEqual([{ delta: -3 }, { delta: 10 }]);
  });

  it("answers another vendor's product as if it did not exist, and refuses customers and zero adjustments", async () => {
    const { vendorId } = await makeVendor(app);
    const other = await makeVendor(app, 'Other');
    const id = await makeProduct(app, vendorId, { stock: 5 });
    const adjust = (token: string, delta: number) => app.http(`/api/v1/stock/${id}/adjust`, jsonPost({ delta, reason: 'x' }, bearer(token)));
    expect((await adjust(other.vendor.token, 1)).status).toBe(404);
    expect((await adjust((await app.makeUser('customer')).token, 1)).status).toBe(403);
    expect((await json<ProblemDetails>(await adjust(other.vendor.token, 0))).error_code).toBe('VALIDATION_ERROR');
    const admin = await app.makeUser('admin');
    await app.orm.em.fork().execute('update stock set quantity = 2147483000 where product_id = ?', [id]);
    expect(await json<ProblemDetails>(await adjust(admin.token, 1000))).toMatchObject({ status: 400, error_code: 'VALIDATION_ERROR', errors: [{ field: 'delta' }] });
    await app.orm.em.fork().execute('update stock set quantity = 5 where product_id = ?', [id]);
    expect(await stockOf(app.orm.em.fork(), id)).toBe(5);
  });
});

describe('stock audit', () => {
  it('lets an admin check the stock invariant at any time, and finds a stock changed behind the ledger', async () => {
    const admin = await app.makeUser('admin');
    const audit = () => app.http('/api/v1/admin/stock-audit', { headers: bearer(admin.token) }).then((r) => r.json()) as Promise<{ sound: boolean; mismatches: { productId: string; quantity: number; ledgerTotal: number }[] }>;
    expect(await audit()).toMatchObject({ sound: true, mismatches: [] });
    const { vendorId, vendor } = await makeVendor(app);
    const id = await makeProduct(app, vendorId, { stock: 4 });
    await app.orm.em.fork().execute('update stock set quantity = 9 where product_id = ?', [id]);
    expect(await audit()).toMatchObject({ sound: false, mismatches: [{ productId: id, quantity: 9, ledgerTotal: 4 }] });
    await app.orm.em.fork().execute('update stock set quantity = 4 where product_id = ?', [id]);
    expect((await app.http('/api/v1/admin/stock-audit', { headers: bearer(vendor.token) })).status).toBe(403);
  });
});

describe('addresses', () => {
  it('lets a customer add and list only its own addresses', async () => {
    const a = await app.makeUser('customer');
    const b = await app.makeUser('customer');
    const body = { line1: '12 Orchard Lane', city: 'Pune', postalCode: '411001', country: 'in' };
    const created = await json<{ id: string; country: string; line2: null }>(await app.http('/api/v1/addresses', jsonPost(body, bearer(a.token))));
    expect(created).toMatchObject({ country: 'IN', line2: null });
    await app.http('/api/v1/addresses', jsonPost({ ...body, line1: 'Elsewhere' }, bearer(b.token)));
    const mine = await json<{ id: string }[]>(await app.http('/api/v1/addresses', { headers: bearer(a.token) }));
    expect(mine.map((x) => x.id)).toEqual([created.id]);
    const bad = await json<ProblemDetails>(await app.http('/api/v1/addresses', jsonPost({ ...body, country: 'India', postalCode: '' }, bearer(a.token))));
    expect([...new Set(bad.errors.map((e) => e.field))].sort()).toEqual(['country', 'postalCode']);
    const { vendor } = await makeVendor(app);
    expect((await app.http('/api/v1/addresses', { headers: bearer(vendor.token) })).status).toBe(403);
  });
});
