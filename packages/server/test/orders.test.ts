import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProblem, type ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp } from '../../../test/support/app';
import { invariantViolations, makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';

let app: TestApp;
let vendorId: string;
beforeAll(async () => {
  app = await startTestApp();
  ({ vendorId } = await makeVendor(app));
});
afterAll(async () => {
  expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  await app.close();
});

const postOrder = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  app.http('/api/v1/orders/', jsonPost(body, { ...bearer(token), ...headers }));

async function problem(res: Response): Promise<ProblemDetails> {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()) as ProblemDetails;
}

describe('orders.create', () => {
  it('places an order, reserves its stock and records its creation', async () => {
    const buyer = await makeBuyer(app);
    const mango = await makeProduct(app, vendorId, { stock: 10, priceCents: 450, name: 'Alphonso mango' });
    const apple = await makeProduct(app, vendorId, { stock: 5, priceCents: 95 });
    const res = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: mango, quantity: 3 }, { productId: apple, quantity: 2 }] });
    expect(res.status).toBe(201);
    const order = (await res.json()) as { id: string; status: string; totalCents: number; items: unknown[]; allowedTransitions: string[] };
    expect(order).toMatchObject({ status: 'PENDING', totalCents: 3 * 450 + 2 * 95, currency: 'INR', customerId: buyer.id, vendorId });
    expect(order.items).toHaveLength(2);
    expect(order.allowedTransitions.sort()).toEqual(['cancel', 'pay']);
    const em = app.orm.em.fork();
    expect(await stockOf(em, mango)).toBe(7);
    expect(await stockOf(em, apple)).toBe(3);
    const history = await em.execute('select previous_status, new_status, changed_by_id, request_id from order_status_history where order_id = ?', [order.id]);
    expect(history).toEqual([{ previous_status: null, new_status: 'PENDING', changed_by_id: buyer.id, request_id: res.headers.get('x-request-id') }]);
    const events = await em.execute('select type from outbox_event where aggregate_id = ?', [order.id]);
    expect(events).toEqual([{ type: 'order.created' }]);
  });

  it('keeps product names with quotes, question marks and backslashes intact in the order', async () => {
    const buyer = await makeBuyer(app);
    const name = `What? "Mango" 'King' \\ 100% ?? $1 -- ;`;
    const product = await makeProduct(app, vendorId, { name });
    const order = (await (await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }], idempotencyKey: 'k?\'"' })).json()) as { id: string; items: { productName: string }[] };
    expect(order.items[0]!.productName).toBe(name);
    const stored = await app.orm.em.fork().execute('select product_name from order_item where order_id = ?', [order.id]);
    expect(stored).toEqual([{ product_name: name }]);
  });

  it('sums duplicate lines before checking stock', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 5, name: 'Kesar mango' });
    const refused = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: product, quantity: 3 }, { productId: product, quantity: 3 }] });
    expect(refused.status).toBe(400);
    expect(await problem(refused)).toMatchObject({
      error_code: 'INSUFFICIENT_STOCK',
      detail: 'Not enough stock for "Kesar mango"',
      errors: [{ field: 'items.0.quantity', message: expect.stringContaining('Not enough stock for "Kesar mango"') }],
    });
    expect(await stockOf(app.orm.em.fork(), product)).toBe(5);
    const ok = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: product, quantity: 2 }, { productId: product, quantity: 3 }] });
    const order = (await ok.json()) as { items: { quantity: number }[] };
    expect(order.items).toEqual([expect.objectContaining({ quantity: 5 })]);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(0);
  });

  it('reports every short line at once and takes nothing', async () => {
    const buyer = await makeBuyer(app);
    const a = await makeProduct(app, vendorId, { stock: 1, name: 'Lychee' });
    const b = await makeProduct(app, vendorId, { stock: 10, name: 'Pear' });
    const c = await makeProduct(app, vendorId, { stock: 0, name: 'Cherry' });
    const res = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }, { productId: c, quantity: 1 }] });
    const body = await problem(res);
    expect(body.error_code).toBe('INSUFFICIENT_STOCK');
    expect(body.errors.map((e) => e.field)).toEqual(['items.0.quantity', 'items.2.quantity']);
    const em = app.orm.em.fork();
    expect([await stockOf(em, a), await stockOf(em, b), await stockOf(em, c)]).toEqual([1, 10, 0]);
    const orders = await em.execute('select count(*)::int as n from customer_order where customer_id = ?', [buyer.id]);
    expect(orders[0]).toEqual({ n: 0 });
  });
});

describe("the seed's error table", () => {
  it('ORDER_ADDRESS_REQUIRED when no address is given (field addressId)', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId);
    for (const body of [{ items: [{ productId: product, quantity: 1 }] }, { addressId: null, items: [{ productId: product, quantity: 1 }] }]) {
      const res = await postOrder(buyer.token, body);
      expect(res.status).toBe(400);
      expect(await problem(res)).toMatchObject({ error_code: 'ORDER_ADDRESS_REQUIRED', errors: [{ field: 'addressId' }], instance: '/api/v1/orders/' });
    }
  });

  it('PRODUCT_NOT_FOUND for an unknown product or one without stock, naming the line', async () => {
    const buyer = await makeBuyer(app);
    const real = await makeProduct(app, vendorId);
    const em = app.orm.em.fork();
    const unstocked = await makeProduct(app, vendorId, { stock: 0 });
    await em.execute('delete from stock where product_id = ?', [unstocked]);
    const unknown = '01890000-0000-7000-8000-00000000abcd';
    const res = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: real, quantity: 1 }, { productId: unknown, quantity: 1 }] });
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ error_code: 'PRODUCT_NOT_FOUND', detail: 'One or more products are unavailable', errors: [{ field: 'items.1.productId' }] });
    const noStock = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: unstocked, quantity: 1 }] });
    expect(await problem(noStock)).toMatchObject({ error_code: 'PRODUCT_NOT_FOUND', errors: [{ field: 'items.0.productId' }] });
  });

  it('INSUFFICIENT_STOCK names the product', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 2, name: 'Alphonso mango' });
    const res = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: product, quantity: 3 }] });
    expect(await problem(res)).toMatchObject({ status: 400, error_code: 'INSUFFICIENT_STOCK', detail: 'Not enough stock for "Alphonso mango"' });
  });

  it('UNAUTHORIZED without a token, FORBIDDEN for a vendor', async () => {
    const res = await app.http('/api/v1/orders', jsonPost({ addressId: '01890000-0000-7000-8000-000000000000', items: [] }));
    expect(res.status).toBe(401);
    expect((await problem(res)).error_code).toBe('UNAUTHORIZED');
    const { vendor } = await makeVendor(app, 'Other');
    expect((await problem(await postOrder(vendor.token, { items: [] }))).error_code).toBe('FORBIDDEN');
  });

  it('INVALID_UUID naming each malformed id, VALIDATION_ERROR for other bad input', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId);
    const bad = await postOrder(buyer.token, { addressId: 'abc', items: [{ productId: product, quantity: 1 }, { productId: '123', quantity: 1 }] });
    expect(await problem(bad)).toMatchObject({
      error_code: 'INVALID_UUID',
      errors: [
        { field: 'addressId', message: 'Invalid format for addressId' },
        { field: 'items.1.productId', message: 'Invalid format for items.1.productId' },
      ],
    });
    const cases: [unknown, string[]][] = [
      [{ addressId: buyer.addressId, items: [] }, ['items']],
      [{ addressId: buyer.addressId, items: [{ productId: product, quantity: 0 }] }, ['items.0.quantity']],
      [{ addressId: buyer.addressId, items: [{ productId: product, quantity: 1.5 }] }, ['items.0.quantity']],
      [{ addressId: buyer.addressId, items: [{ productId: product, quantity: 1001 }] }, ['items.0.quantity']],
      [{ addressId: buyer.addressId, items: Array.from({ length: 101 }, () => ({ productId: product, quantity: 1 })) }, ['items']],
      [{ addressId: buyer.addressId, items: [{ productId: product, quantity: '2' }] }, ['items.0.quantity']],
    ];
    for (const [body, fields] of cases) {
      const p = await problem(await postOrder(buyer.token, body));
      expect(p.error_code).toBe('VALIDATION_ERROR');
      expect(p.errors.map((e) => e.field)).toEqual(fields);
    }
    expect(await stockOf(app.orm.em.fork(), product)).toBe(10);
  });

  it('refuses, as VALIDATION_ERROR, an order whose total does not fit', async () => {
    const buyer = await makeBuyer(app);
    const pricey = await makeProduct(app, vendorId, { stock: 10_000, priceCents: 100_000_000 });
    const res = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: pricey, quantity: 1000 }] });
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'items' }] });
    expect(await stockOf(app.orm.em.fork(), pricey)).toBe(10_000);
  });

  it("NOT_FOUND for another customer's address", async () => {
    const buyer = await makeBuyer(app);
    const other = await makeBuyer(app);
    const product = await makeProduct(app, vendorId);
    const res = await postOrder(buyer.token, { addressId: other.addressId, items: [{ productId: product, quantity: 1 }] });
    expect(res.status).toBe(404);
    expect(await problem(res)).toMatchObject({ error_code: 'NOT_FOUND', errors: [{ field: 'addressId' }] });
  });

  it('logs a refused order as a warning with user, code, field and request id', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 0 });
    const res = await postOrder(buyer.token, { addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }, { 'x-request-id': 'req_refusal_log' });
    expect(res.status).toBe(400);
    const line = app.logs.find((l) => l.request_id === 'req_refusal_log' && l.level === 'warn');
    expect(line).toMatchObject({ user_id: buyer.id, error_code: 'INSUFFICIENT_STOCK', field: 'items.0.quantity' });
  });

  it('is the same over tRPC through the SDK', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 1, name: 'Dragon fruit' });
    const client = app.client(buyer.token);
    const err = await client.orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 2 }] }).catch((e: unknown) => e);
    expect(getProblem(err, 'INSUFFICIENT_STOCK')?.errors).toEqual([{ field: 'items.0.quantity', message: expect.stringContaining('Dragon fruit') }]);
    const missing = await client.orders.create.mutate({ items: [{ productId: product, quantity: 1 }] }).catch((e: unknown) => e);
    expect(getProblem(missing, 'ORDER_ADDRESS_REQUIRED')?.instance).toBe('/trpc/orders.create');
    const order = await client.orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] });
    expect(order.createdAt).toBeInstanceOf(Date);
    expect(await client.orders.byId.query({ id: order.id })).toEqual(order);
  });
});
