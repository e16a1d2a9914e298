import { expect, it } from 'vitest';
import { TestPaymentGateway } from '../src/domain/payments/test-payment-gateway';

it('answers a retried charge as it answered it first, for the latest fifty to a hundred thousand attempts', async () => {
  const gateway = new TestPaymentGateway();
  const charge = (i: number) =>
    gateway.charge({ attemptId: `attempt-${i}`, amountCents: 100, currency: 'INR', paymentToken: 'tok_visa', metadata: { orderId: `order-${i}` } });
  const first = await charge(0);
  expect(first).toMatchObject({ outcome: 'succeeded' });
  expect(await charge(0)).toEqual(first);
  for (let i = 1; i <= 100_000; i++) await charge(i);
  // The oldest half is forgotten whole; the latest fifty thousand are all remembered, and their charges refundable.
  expect(await gateway.retrieve('attempt-0')).toBeNull();
  const recent = await gateway.retrieve('attempt-50000');
  expect(recent).toMatchObject({ outcome: 'succeeded' });
  expect(await charge(50_000)).toEqual(recent);
  const reference = (recent as { reference: string }).reference;
  await expect(gateway.refund({ refundId: 'refund-1', paymentReference: reference, amountCents: 100, currency: 'INR' })).resolves.toMatchObject({ reference: expect.any(String) });
});
