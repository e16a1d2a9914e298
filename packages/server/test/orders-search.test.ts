import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProblem, type ProblemDetails } from '@frookoon/sdk';
import { Order } from '@frookoon/db';
import { bearer, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';

let app: TestApp;
let admin: TestUser;
let vendorA: { vendorId: string; vendor: TestUser };
let vendorB: { vendorId: string; vendor: TestUser };
let alice: Awaited<ReturnType<typeof makeBuyer>>;
let bob: Awaited<ReturnType<typeof makeBuyer>>;
/** Placed on these days, oldest first: alice with A (Jan 1), alice with B (Jan 2), bob with A (Jan 3, then paid). */
let aliceA: string;
let aliceB: string;
let bobA: string;

const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12));

beforeAll(async () => {
  app = await startTestApp();
  vendorA = await makeVendor(app, 'A');
  vendorB = await makeVendor(app, 'B');
  const productA = await makeProduct(app, vendorA.vendorId);
  const productB = await makeProduct(app, vendorB.vendorId);
  alice = await makeBuyer(app);
  bob = await makeBuyer(app);
  const place = async (buyer: typeof alice, productId: string, placedOn: Date) => {
    const order = await app.client(buyer.token).orders.create.mutate({ addressId: buyer.addressId, items: [{ productId, quantity: 1 }] });
    await app.orm.em.fork().nativeUpdate(Order, { id: order.id }, { createdAt: placedOn });
    return order.id;
  };
  aliceA = await place(alice, productA, day(1));
  aliceB = await place(alice, productB, day(2));
  bobA = await place(bob, productA, day(3));
  await app.client(bob.token).orders.pay.mutate({ id: bobA, paymentToken: 'tok_visa' });
  admin = await app.makeUser('admin');
});
afterAll(() => app.close());

type ListInput = Parameters<ReturnType<TestApp['client']>['orders']['list']['query']>[0];
const list = async (user: TestUser, input: ListInput) => (await app.client(user.token).orders.list.query(input)).items.map((o) => o.id);

describe('admin order search', () => {
  it("finds a customer's orders by email, whatever its case, and nothing for an unknown email", async () => {
    expect(await list(admin, { customerEmail: alice.email })).toEqual([aliceB, aliceA]);
    expect(await list(admin, { customerEmail: `  ${bob.email.toUpperCase()} ` })).toEqual([bobA]);
    expect(await list(admin, { customerEmail: 'nobody@test.frookoon.test' })).toEqual([]);
  });

  it('combines vendor, status and customer', async () => {
    expect(await list(admin, { vendorId: vendorA.vendorId })).toEqual([bobA, aliceA]);
    expect(await list(admin, { vendorId: vendorA.vendorId, status: 'PENDING' })).toEqual([aliceA]);
    expect(await list(admin, { vendorId: vendorA.vendorId, customerEmail: alice.email })).toEqual([aliceA]);
    expect(await list(admin, { vendorId: vendorB.vendorId, customerEmail: bob.email })).toEqual([]);
  });

  it('takes a creation range from its first instant up to, not including, its last', async () => {
    expect(await list(admin, { createdFrom: day(2).toISOString() })).toEqual([bobA, aliceB]);
    expect(await list(admin, { createdUntil: day(2).toISOString() })).toEqual([aliceA]);
    expect(await list(admin, { createdFrom: '2026-01-01T00:00:00Z', createdUntil: '2026-01-03T00:00:00+05:30' })).toEqual([aliceB, aliceA]);
  });

  it('pages through a filtered search with the cursor', async () => {
    const client = app.client(admin.token);
    const first = await client.orders.list.query({ vendorId: vendorA.vendorId, limit: 1 });
    expect(first.items.map((o) => o.id)).toEqual([bobA]);
    const second = await client.orders.list.query({ vendorId: vendorA.vendorId, limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((o) => o.id)).toEqual([aliceA]);
    expect(second.nextCursor).toBeNull();
  });

  it('is a REST query too, and an instant without an offset is a validation error', async () => {
    const query = new URLSearchParams({ customerEmail: alice.email, createdFrom: '2026-01-02T00:00:00Z' });
    const res = await app.http(`/api/v1/orders?${query}`, { headers: bearer(admin.token) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: { id: string }[] }).items.map((o) => o.id)).toEqual([aliceB]);

    const bad = await app.http('/api/v1/orders?createdFrom=yesterday', { headers: bearer(admin.token) });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as ProblemDetails;
    expect(problem.error_code).toBe('VALIDATION_ERROR');
    expect(problem.errors.map((e) => e.field)).toEqual(['createdFrom']);
  });
});

describe('the same filters for vendors and customers', () => {
  it("narrow a vendor's own orders, and another vendor's id finds nothing", async () => {
    expect(await list(vendorA.vendor, { vendorId: vendorA.vendorId })).toEqual([bobA, aliceA]);
    expect(await list(vendorA.vendor, { vendorId: vendorB.vendorId })).toEqual([]);
    expect(await list(vendorA.vendor, { createdFrom: day(2).toISOString() })).toEqual([bobA]);
  });

  it('narrow a customer to its own orders only', async () => {
    expect(await list(alice, { vendorId: vendorB.vendorId })).toEqual([aliceB]);
    expect(await list(bob, { vendorId: vendorB.vendorId })).toEqual([]);
  });

  it('refuse a search by customer email to anyone but an admin', async () => {
    for (const user of [vendorA.vendor, alice]) {
      const err = await app.client(user.token).orders.list.query({ customerEmail: alice.email }).catch((e: unknown) => e);
      const problem = getProblem(err, 'FORBIDDEN');
      expect(problem?.errors.map((e) => e.field)).toEqual(['customerEmail']);
    }
  });
});
