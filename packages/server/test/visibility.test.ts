import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';

let app: TestApp;
let alice: Awaited<ReturnType<typeof makeBuyer>>;
let bob: Awaited<ReturnType<typeof makeBuyer>>;
let vendorA: TestUser;
let vendorB: TestUser;
let aliceOrder: string;
let bobOrder: string;

beforeAll(async () => {
  app = await startTestApp();
  const a = await makeVendor(app, 'A');
  const b = await makeVendor(app, 'B');
  vendorA = a.vendor;
  vendorB = b.vendor;
  const productA = await makeProduct(app, a.vendorId);
  const productB = await makeProduct(app, b.vendorId);
  alice = await makeBuyer(app);
  bob = await makeBuyer(app);
  const place = async (buyer: typeof alice, productId: string) =>
    ((await (await app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId, quantity: 1 }] }, bearer(buyer.token)))).json()) as { id: string }).id;
  aliceOrder = await place(alice, productA);
  bobOrder = await place(bob, productB);
});
afterAll(() => app.close());

const get = (token: string, path: string) => app.http(path, { headers: bearer(token) });
const ids = async (res: Response) => ((await res.json()) as { items: { id: string }[] }).items.map((o) => o.id);

describe('who sees which order', () => {
  it("answers another customer's order as if it did not exist, and never lists it", async () => {
    const res = await get(bob.token, `/api/v1/orders/${aliceOrder}`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as ProblemDetails;
    expect(body.error_code).toBe('NOT_FOUND');
    expect(JSON.stringify(body)).not.toContain(alice.id);
    expect(await ids(await get(bob.token, '/api/v1/orders'))).toEqual([bobOrder]);
    expect(await ids(await get(alice.token, '/api/v1/orders'))).toEqual([aliceOrder]);
  });

  it("lets a vendor see only its vendor's orders", async () => {
    expect((await get(vendorA.token, `/api/v1/orders/${aliceOrder}`)).status).toBe(200);
    expect((await get(vendorA.token, `/api/v1/orders/${bobOrder}`)).status).toBe(404);
    expect(await ids(await get(vendorB.token, '/api/v1/orders'))).toEqual([bobOrder]);
  });

  it('lets an admin see everything, filtered by status, page by page', async () => {
    const admin = await app.makeUser('admin');
    expect((await get(admin.token, `/api/v1/orders/${aliceOrder}`)).status).toBe(200);
    const first = (await (await get(admin.token, '/api/v1/orders?limit=1&status=PENDING')).json()) as { items: { id: string }[]; nextCursor: string };
    expect(first.items.map((o) => o.id)).toEqual([bobOrder]);
    const second = (await (await get(admin.token, `/api/v1/orders?limit=1&status=PENDING&cursor=${first.nextCursor}`)).json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(second.items.map((o) => o.id)).toEqual([aliceOrder]);
    expect(second.nextCursor).toBeNull();
    expect(await ids(await get(admin.token, '/api/v1/orders?status=SHIPPED'))).toEqual([]);
  });

  it('shows the caller the actions its role may take', async () => {
    const own = (await (await get(alice.token, `/api/v1/orders/${aliceOrder}`)).json()) as { allowedTransitions: string[] };
    expect(own.allowedTransitions.sort()).toEqual(['cancel', 'pay']);
    const vendorView = (await (await get(vendorA.token, `/api/v1/orders/${aliceOrder}`)).json()) as { allowedTransitions: string[] };
    expect(vendorView.allowedTransitions).toEqual([]);
  });
});

describe('who sees which address and account', () => {
  it("answers another customer's address or account as if it did not exist", async () => {
    expect((await get(alice.token, `/api/v1/addresses/${alice.addressId}`)).status).toBe(200);
    const foreign = await get(bob.token, `/api/v1/addresses/${alice.addressId}`);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as ProblemDetails).error_code).toBe('NOT_FOUND');
    expect((await get(alice.token, `/api/v1/users/${alice.id}`)).status).toBe(200);
    expect((await get(bob.token, `/api/v1/users/${alice.id}`)).status).toBe(404);
    expect((await get(vendorA.token, `/api/v1/users/${alice.id}`)).status).toBe(404);
  });
});
