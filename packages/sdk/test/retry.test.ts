import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrookoonClient, getProblem, isErrorCode } from '@frookoon/sdk';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';

let app: TestApp;
let vendorId: string;
beforeAll(async () => {
  app = await startTestApp({ STOCK_LOCK_TIMEOUT_MS: '100' });
  ({ vendorId } = await makeVendor(app));
});
afterAll(() => app.close());

/** A fetch that counts the requests it sends and can act when a response comes back. */
function countingFetch(onResponse: (n: number) => void = () => undefined) {
  const calls = { count: 0 };
  const fetcher: typeof fetch = async (input, init) => {
    const n = ++calls.count;
    const res = await fetch(input, init);
    onResponse(n);
    return res;
  };
  return { calls, fetcher };
}

/** Holds the product's stock row locked until `release` is called, so orders for it time out on the lock. */
async function holdStockLock(productId: string): Promise<{ release: () => void; done: Promise<unknown> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let done!: Promise<unknown>;
  await new Promise<void>((locked) => {
    done = app.orm.em.fork().transactional(async (tx) => {
      await tx.execute('select * from stock where product_id = ? for update', [productId]);
      locked();
      await released;
    });
  });
  return { release, done };
}

async function ordersOf(customerId: string): Promise<number> {
  const rows = await app.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from customer_order where customer_id = ?', [customerId]);
  return Number(rows[0]!.n);
}

describe('SDK retries', () => {
  it('retries a CONCURRENT_ORDER_CONFLICT and orders exactly once, under one idempotency key', async () => {
    const product = await makeProduct(app, vendorId, { stock: 5 });
    const buyer = await makeBuyer(app);
    const lock = await holdStockLock(product);
    // The first answer is the conflict: only then is the lock let go, so the retry is what succeeds.
    const { calls, fetcher } = countingFetch((n) => n === 1 && lock.release());
    const client = createFrookoonClient({ url: app.url, token: buyer.token, fetch: fetcher, EventSource, retry: { attempts: 4, baseDelayMs: 20 } });

    const order = await client.orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 2 }] });
    await lock.done;

    expect(order.status).toBe('PENDING');
    expect(calls.count).toBe(2);
    expect(app.logs.some((l) => l.error_code === 'CONCURRENT_ORDER_CONFLICT' && l.user_id === buyer.id)).toBe(true);
    expect(await ordersOf(buyer.id)).toBe(1);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(3);
    const keys = await app.orm.em.fork().execute<{ key: string }[]>('select key from idempotency_key where user_id = ?', [buyer.id]);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.key).toMatch(/^[0-9a-f-]{32,36}$/);
  });

  it('gives up after the attempts it was given, answering the last problem', async () => {
    const product = await makeProduct(app, vendorId, { stock: 5 });
    const buyer = await makeBuyer(app);
    const lock = await holdStockLock(product);
    const { calls, fetcher } = countingFetch();
    const client = createFrookoonClient({ url: app.url, token: buyer.token, fetch: fetcher, retry: { attempts: 2, baseDelayMs: 10 } });
    try {
      const err = await client.orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }).catch((e: unknown) => e);
      expect(isErrorCode(err, 'CONCURRENT_ORDER_CONFLICT')).toBe(true);
      expect(calls.count).toBe(2);
    } finally {
      lock.release();
      await lock.done;
    }
    expect(await ordersOf(buyer.id)).toBe(0);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(5);
  });

  it('does not retry a problem that is not retryable', async () => {
    const product = await makeProduct(app, vendorId, { stock: 1 });
    const buyer = await makeBuyer(app);
    const { calls, fetcher } = countingFetch();
    const client = createFrookoonClient({ url: app.url, token: buyer.token, fetch: fetcher, retry: { attempts: 5, baseDelayMs: 10 } });
    const err = await client.orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 2 }] }).catch((e: unknown) => e);
    expect(isErrorCode(err, 'INSUFFICIENT_STOCK')).toBe(true);
    if (isErrorCode(err, 'INSUFFICIENT_STOCK')) expect(err.data.problem.errors[0]?.field).toBe('items.0.quantity');
    expect(calls.count).toBe(1);
  });

  it('keeps a key the caller gave, so a repeated call answers the first order', async () => {
    const product = await makeProduct(app, vendorId, { stock: 5 });
    const buyer = await makeBuyer(app);
    const client = createFrookoonClient({ url: app.url, token: buyer.token });
    const input = { addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }], idempotencyKey: 'checkout-42' };
    const first = await client.orders.create.mutate(input);
    const again = await client.orders.create.mutate(input);
    expect(again.id).toBe(first.id);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(4);
    // Without a key, each call is a new order: the generated key is per call, not per client.
    await client.orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] });
    await client.orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] });
    expect(await ordersOf(buyer.id)).toBe(3);
    expect(getProblem(new Error('plain'))).toBeUndefined();
  });
});
