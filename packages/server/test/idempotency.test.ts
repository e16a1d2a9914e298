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

type Buyer = Awaited<ReturnType<typeof makeBuyer>>;
const post = (buyer: Buyer, key: string, items: { productId: string; quantity: number }[]) =>
  app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items }, { ...bearer(buyer.token), 'idempotency-key': key }));
const countOrders = async (buyer: Buyer) =>
  (await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from customer_order where customer_id = ?', [buyer.id]))[0]!.n;

describe('Idempotency-Key on orders.create', () => {
  it('answers a replay with the same order and takes stock once', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 10 });
    const created = await post(buyer, 'key-1', [{ productId: product, quantity: 2 }]);
    const first = (await created.json()) as { id: string };
    const again = await post(buyer, 'key-1', [{ productId: product, quantity: 2 }]);
    expect(again.status).toBe(201);
    expect(again.headers.get('location')).toBe(created.headers.get('location'));
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(8);
    expect(await countOrders(buyer)).toBe(1);
  });

  it('answers the first response again, even after the order has moved on', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 10 });
    const first = await (await post(buyer, 'key-first', [{ productId: product, quantity: 1 }])).json() as { id: string; status: string };
    expect((await app.http(`/api/v1/orders/${first.id}/pay`, jsonPost({ paymentToken: 'tok_visa' }, bearer(buyer.token)))).status).toBe(200);
    const again = await (await post(buyer, 'key-first', [{ productId: product, quantity: 1 }])).json();
    expect(again).toEqual(first);
    expect(first.status).toBe('PENDING');
    const viaSdk = app.client(buyer.token);
    const input = { addressId: buyer.addressId, items: [{ productId: product, quantity: 2 }], idempotencyKey: 'key-first-sdk' };
    const created = await viaSdk.orders.create.mutate(input);
    expect(await viaSdk.orders.create.mutate(input)).toEqual(created);
  });

  it('treats the same lines in another order, or split, as the same request', async () => {
    const buyer = await makeBuyer(app);
    const a = await makeProduct(app, vendorId);
    const b = await makeProduct(app, vendorId);
    const first = (await (await post(buyer, 'key-2', [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }])).json()) as { id: string };
    const again = (await (await post(buyer, 'key-2', [{ productId: b, quantity: 1 }, { productId: a, quantity: 1 }, { productId: a, quantity: 1 }])).json()) as { id: string };
    expect(again.id).toBe(first.id);
  });

  it('refuses the same key with another body: IDEMPOTENCY_KEY_REUSED (422)', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 10 });
    await post(buyer, 'key-3', [{ productId: product, quantity: 1 }]);
    const other = await post(buyer, 'key-3', [{ productId: product, quantity: 3 }]);
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error_code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(await stockOf(app.orm.em.fork(), product)).toBe(9);
  });

  it('refuses an over-long Idempotency-Key header with VALIDATION_ERROR', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 10 });
    const res = await post(buyer, 'k'.repeat(300), [{ productId: product, quantity: 1 }]);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'idempotencyKey' }] });
    expect(await countOrders(buyer)).toBe(0);
  });

  it('keeps keys per principal: another customer may use the same key', async () => {
    const [one, two] = [await makeBuyer(app), await makeBuyer(app)];
    const product = await makeProduct(app, vendorId, { stock: 10 });
    const a = (await (await post(one, 'shared-key', [{ productId: product, quantity: 1 }])).json()) as { id: string };
    const b = (await (await post(two, 'shared-key', [{ productId: product, quantity: 1 }])).json()) as { id: string };
    expect(a.id).not.toBe(b.id);
  });

  it('makes one order from 10 concurrent requests with one key', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 100 });
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(buyer, 'key-burst', [{ productId: product, quantity: 3 }])));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { id?: string; error_code?: string }[];
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(await countOrders(buyer)).toBe(1);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(97);
  });

  it('stores nothing for a refused request, so a retry with the same key can succeed', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 1 });
    const refused = await post(buyer, 'key-retry', [{ productId: product, quantity: 2 }]);
    expect(((await refused.json()) as ProblemDetails).error_code).toBe('INSUFFICIENT_STOCK');
    const bad = await post(buyer, 'key-retry', [{ productId: product, quantity: 0 }]);
    expect(((await bad.json()) as ProblemDetails).error_code).toBe('VALIDATION_ERROR');
    await app.http(`/api/v1/stock/${product}/adjust`, jsonPost({ delta: 1, reason: 'found more' }, bearer((await app.makeUser('admin')).token)));
    const ok = await post(buyer, 'key-retry', [{ productId: product, quantity: 2 }]);
    expect(ok.status).toBe(201);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(0);
  });

  it('takes the key from the body over tRPC, and expires keys after 24 hours', async () => {
    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId, { stock: 10 });
    const client = app.client(buyer.token);
    const input = { addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }], idempotencyKey: 'sdk-key' };
    const first = await client.orders.create.mutate(input);
    expect((await client.orders.create.mutate(input)).id).toBe(first.id);
    const err = await client.orders.create.mutate({ ...input, items: [{ productId: product, quantity: 2 }] }).catch((e: unknown) => e);
    expect(getProblem(err, 'IDEMPOTENCY_KEY_REUSED')).toBeDefined();
    await app.orm.em.fork().execute("update idempotency_key set expires_at = now() - interval '1 second' where key = 'sdk-key'");
    const fresh = await client.orders.create.mutate(input);
    expect(fresh.id).not.toBe(first.id);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(8);
  });
});
