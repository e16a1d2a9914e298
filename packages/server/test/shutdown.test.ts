import { expect, it } from 'vitest';
import { TestPaymentGateway } from '../src/domain/payments/test-payment-gateway';
import { startTestApp } from '../../../test/support/app';
import { makeVendor } from '../../../test/support/fixtures';
import { act, placeOrder, statusOf } from '../../../test/support/lifecycle';

it('finishes the requests in flight when stopping, ends subscriptions, then refuses new connections', async () => {
  const app = await startTestApp({}, undefined, { paymentGateway: new TestPaymentGateway(400) });
  const { vendorId } = await makeVendor(app);
  const order = await placeOrder(app, vendorId);
  const url = app.url;

  let started!: () => void;
  const subscribed = new Promise<void>((resolve) => (started = resolve));
  app.client(order.buyer.token).orders.onStatusChange.subscribe({ id: order.id }, { onStarted: () => started() });
  await subscribed;

  const inFlight = act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' });
  await new Promise((r) => setTimeout(r, 100));
  const stopping = performance.now();
  const stopped = app.stop();
  const res = await inFlight;
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe('CONFIRMED');
  await stopped;
  // Open subscriptions end with the server instead of holding it open for the whole grace period.
  expect(performance.now() - stopping).toBeLessThan(app.config.shutdownGraceMs / 2);
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();

  const again = await startTestApp({}, app.db);
  try {
    expect(await statusOf(again, order.id)).toBe('CONFIRMED');
  } finally {
    await again.close();
  }
});
