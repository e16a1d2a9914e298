import { setTimeout as sleep } from 'node:timers/promises';
import type { OrderStatus } from '@frookoon/sdk';
import { dispatchOutbox } from '../../packages/server/src/jobs/outbox-dispatcher';
import { bearer, jsonPost, type TestApp, type TestUser } from './app';
import { makeBuyer, makeProduct } from './fixtures';

export interface PlacedOrder {
  id: string;
  buyer: Awaited<ReturnType<typeof makeBuyer>>;
  products: string[];
}

export async function placeOrder(app: TestApp, vendorId: string, lines: { stock?: number; quantity: number; name?: string }[] = [{ quantity: 2 }]): Promise<PlacedOrder> {
  const buyer = await makeBuyer(app);
  const products = await Promise.all(lines.map((l) => makeProduct(app, vendorId, { stock: l.stock ?? 10, name: l.name })));
  const res = await app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: lines.map((l, i) => ({ productId: products[i], quantity: l.quantity })) }, bearer(buyer.token)));
  if (res.status !== 201) throw new Error(`order refused: ${await res.text()}`);
  return { id: ((await res.json()) as { id: string }).id, buyer, products };
}

export const act = (app: TestApp, token: string, orderId: string, step: string, body: Record<string, unknown> = {}) =>
  app.http(`/api/v1/orders/${orderId}/${step}`, jsonPost(body, bearer(token)));

export async function deliveryOtp(app: TestApp, orderId: string): Promise<string | null> {
  const rows = await app.orm.em.fork().execute<{ delivery_otp: string | null }[]>('select delivery_otp from customer_order where id = ?', [orderId]);
  return rows[0]?.delivery_otp ?? null;
}

/** Places an order and drives it through the real transitions to `status`. */
export async function orderIn(app: TestApp, vendor: TestUser, status: OrderStatus): Promise<PlacedOrder> {
  const order = await placeOrder(app, vendor.vendorId!);
  const must = async (res: Promise<Response>) => {
    const r = await res;
    if (r.status !== 200) throw new Error(`could not reach ${status}: ${await r.text()}`);
  };
  if (status === 'PENDING') return order;
  if (status === 'CANCELLED') {
    await must(act(app, order.buyer.token, order.id, 'cancel', { reason: 'changed my mind' }));
    return order;
  }
  await must(act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' }));
  if (status === 'CONFIRMED') return order;
  await must(act(app, vendor.token, order.id, 'packing'));
  if (status === 'PACKING') return order;
  await must(act(app, vendor.token, order.id, 'ship', { carrier: 'BlueDart' }));
  if (status === 'SHIPPED') return order;
  await must(act(app, vendor.token, order.id, 'deliver', { otp: (await deliveryOtp(app, order.id)) ?? undefined }));
  return order;
}

export async function statusOf(app: TestApp, orderId: string): Promise<OrderStatus> {
  const rows = await app.orm.em.fork().execute<{ status: OrderStatus }[]>('select status from customer_order where id = ?', [orderId]);
  return rows[0]!.status;
}

/**
 * Waits until every event written so far has been dispatched (inbox rows and NOTIFY committed). It runs the
 * dispatcher itself, and when the app's own dispatcher holds the turn it waits for that one to finish, rather
 * than taking a refused turn for a finished dispatch.
 */
export async function drainOutbox(app: TestApp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await dispatchOutbox(app.orm.em.fork());
    const [row] = await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from outbox_event where dispatched_at is null');
    if (row?.n === 0) return;
    if (Date.now() > deadline) throw new Error(`${row?.n} outbox events still undispatched after ${timeoutMs} ms`);
    await sleep(20);
  }
}
