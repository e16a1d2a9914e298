import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProblem, type ErrorCode } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';
import { deliveryOtp, drainOutbox, orderIn } from '../../../test/support/lifecycle';
import { restOutcome, restRequest, routerProcedures, trpcOutcome, trpcRequest, type Outcome, type RouterProcedure } from '../../../test/support/faces';

/**
 * Who may call what: every procedure of the router, called by each kind of caller, through the real HTTP server
 * with real tokens. Each cell arranges its own objects (a fresh order in the status the allowed roles can act in),
 * so that no cell depends on what another did.
 */

const PRINCIPALS = ['anonymous', 'owner', 'otherCustomer', 'vendor', 'otherVendor', 'admin'] as const;
type Principal = (typeof PRINCIPALS)[number];

/** 200 allowed (201 for a REST creation); 401 no token; 403 the role may not; 404 the caller may not see the object. */
type Status = 200 | 401 | 403 | 404;
type Expected = readonly [anonymous: Status, owner: Status, otherCustomer: Status, vendor: Status, otherVendor: Status, admin: Status];

const CODE_OF: Record<Exclude<Status, 200>, ErrorCode> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

type Buyer = Awaited<ReturnType<typeof makeBuyer>>;

/** The callers of one cell: the owner is whoever owns the object the row arranges (a fresh customer otherwise). */
interface World {
  vendor: TestUser;
  otherVendor: TestUser;
  admin: TestUser;
  otherCustomer: Buyer;
}

interface Arranged {
  input: unknown;
  owner: Buyer;
}

interface Row {
  procedure: string;
  /** Tells apart rows of one procedure called with different inputs. */
  variant?: string;
  expected: Expected;
  arrange(world: World): Promise<Arranged>;
}

let app: TestApp;
let seq = 0;
const unique = () => `${++seq}-${randomUUID().slice(0, 8)}`;

const anyOwner = async (input: (owner: Buyer) => unknown = () => undefined): Promise<Arranged> => {
  const owner = await makeBuyer(app);
  return { input: input(owner), owner };
};

/** A fresh order of the cell's vendor, placed by a fresh customer (its owner) and driven to `status`. */
const orderOf = async (world: World, status: Parameters<typeof orderIn>[2], input: (id: string) => unknown = (id) => ({ id })): Promise<Arranged> => {
  const order = await orderIn(app, world.vendor, status);
  return { input: input(order.id), owner: order.buyer };
};

/** A PENDING checkout of the owner, with one order of the cell's vendor and one of the other vendor. */
async function checkoutOf(world: World): Promise<{ id: string; owner: Buyer }> {
  const owner = await makeBuyer(app);
  const items = [
    { productId: await makeProduct(app, world.vendor.vendorId!), quantity: 1 },
    { productId: await makeProduct(app, world.otherVendor.vendorId!), quantity: 1 },
  ];
  const res = await app.http('/api/v1/checkouts', jsonPost({ addressId: owner.addressId, items }, bearer(owner.token)));
  if (res.status !== 201) throw new Error(`checkout refused: ${await res.text()}`);
  return { id: ((await res.json()) as { id: string }).id, owner };
}

const address = () => ({ line1: `${unique()} Market Road`, city: 'Pune', postalCode: '411001', country: 'IN' });
const account = () => ({ email: `new-${unique()}@test.frookoon.test`, password: 'a long enough password', name: 'New Account' });

//                                                   anonymous owner other-customer vendor other-vendor admin
const ROWS: Row[] = [
  { procedure: 'auth.register', expected: [200, 200, 200, 200, 200, 200], arrange: () => anyOwner(() => account()) },
  { procedure: 'auth.login', expected: [200, 200, 200, 200, 200, 200], arrange: () => anyOwner((o) => ({ email: o.email, password: o.password })) },
  { procedure: 'auth.logout', expected: [401, 200, 200, 200, 200, 200], arrange: () => anyOwner() },
  { procedure: 'auth.logoutAll', expected: [401, 200, 200, 200, 200, 200], arrange: () => anyOwner() },
  { procedure: 'auth.subscriptionTicket', expected: [401, 200, 200, 200, 200, 200], arrange: () => anyOwner() },
  { procedure: 'auth.me', expected: [401, 200, 200, 200, 200, 200], arrange: () => anyOwner() },

  { procedure: 'users.create', expected: [401, 403, 403, 403, 403, 200], arrange: () => anyOwner(() => ({ ...account(), role: 'customer' })) },
  { procedure: 'users.byId', expected: [401, 200, 404, 404, 404, 200], arrange: () => anyOwner((o) => ({ id: o.id })) },
  { procedure: 'vendors.create', expected: [401, 403, 403, 403, 403, 200], arrange: () => anyOwner(() => ({ name: `Vendor ${unique()}` })) },
  { procedure: 'vendors.byId', expected: [200, 200, 200, 200, 200, 200], arrange: (w) => anyOwner(() => ({ id: w.vendor.vendorId })) },

  { procedure: 'addresses.create', expected: [401, 200, 200, 403, 403, 403], arrange: () => anyOwner(() => address()) },
  { procedure: 'addresses.list', expected: [401, 200, 200, 403, 403, 403], arrange: () => anyOwner() },
  { procedure: 'addresses.byId', expected: [401, 200, 404, 403, 403, 403], arrange: () => anyOwner((o) => ({ id: o.addressId })) },

  { procedure: 'products.list', expected: [200, 200, 200, 200, 200, 200], arrange: (w) => anyOwner(() => ({ vendorId: w.vendor.vendorId })) },
  {
    procedure: 'products.byId', expected: [200, 200, 200, 200, 200, 200],
    arrange: async (w) => {
      const id = await makeProduct(app, w.vendor.vendorId!);
      return anyOwner(() => ({ id }));
    },
  },
  {
    procedure: 'products.create', expected: [401, 403, 403, 200, 404, 200],
    arrange: (w) => anyOwner(() => ({ name: 'Kesar mango', sku: `KSR-${unique()}`, priceCents: 500, currency: 'INR', initialStock: 5, vendorId: w.vendor.vendorId })),
  },
  {
    procedure: 'stock.get', expected: [200, 200, 200, 200, 200, 200],
    arrange: async (w) => {
      const productId = await makeProduct(app, w.vendor.vendorId!);
      return anyOwner(() => ({ productId }));
    },
  },
  {
    procedure: 'stock.adjust', expected: [401, 403, 403, 200, 404, 200],
    arrange: async (w) => {
      const productId = await makeProduct(app, w.vendor.vendorId!);
      return anyOwner(() => ({ productId, delta: 3, reason: 'recount' }));
    },
  },
  { procedure: 'stock.audit', expected: [401, 403, 403, 403, 403, 200], arrange: () => anyOwner() },

  {
    procedure: 'orders.create', expected: [401, 200, 404, 403, 403, 403],
    arrange: async (w) => {
      const productId = await makeProduct(app, w.vendor.vendorId!);
      return anyOwner((o) => ({ addressId: o.addressId, items: [{ productId, quantity: 1 }] }));
    },
  },
  { procedure: 'orders.byId', expected: [401, 200, 404, 200, 404, 200], arrange: (w) => orderOf(w, 'PENDING') },
  { procedure: 'orders.list', expected: [401, 200, 200, 200, 200, 200], arrange: () => anyOwner(() => ({ limit: 5 })) },
  {
    procedure: 'orders.list', variant: 'by customer email', expected: [401, 403, 403, 403, 403, 200],
    arrange: (w) => orderOf(w, 'PENDING').then(({ owner }) => ({ owner, input: { customerEmail: owner.email } })),
  },
  { procedure: 'orders.history', expected: [401, 200, 404, 200, 404, 200], arrange: (w) => orderOf(w, 'CONFIRMED') },
  { procedure: 'orders.pay', expected: [401, 200, 404, 403, 403, 403], arrange: (w) => orderOf(w, 'PENDING', (id) => ({ id, paymentToken: 'tok_visa' })) },
  { procedure: 'orders.startPacking', expected: [401, 403, 403, 200, 404, 200], arrange: (w) => orderOf(w, 'CONFIRMED') },
  { procedure: 'orders.ship', expected: [401, 403, 403, 200, 404, 200], arrange: (w) => orderOf(w, 'PACKING', (id) => ({ id, carrier: 'BlueDart' })) },
  {
    procedure: 'orders.deliver', expected: [401, 403, 403, 200, 404, 200],
    arrange: async (w) => {
      const { input, owner } = await orderOf(w, 'SHIPPED');
      const { id } = input as { id: string };
      return { owner, input: { id, otp: (await deliveryOtp(app, id)) ?? undefined } };
    },
  },
  { procedure: 'orders.reissueOtp', expected: [401, 403, 403, 403, 403, 200], arrange: (w) => orderOf(w, 'SHIPPED') },
  // From CONFIRMED, the one status in which owner, vendor and admin may all cancel (a vendor saying why).
  { procedure: 'orders.cancel', expected: [401, 200, 404, 200, 404, 200], arrange: (w) => orderOf(w, 'CONFIRMED', (id) => ({ id, reason: 'cannot fulfil' })) },
  {
    procedure: 'orders.onStatusChange', expected: [401, 200, 404, 200, 404, 200],
    // From the very first event on, so that a caller who may watch gets the order's creation at once.
    arrange: (w) => orderOf(w, 'PENDING', (id) => ({ id, lastEventId: '00000000-0000-0000-0000-000000000000' })),
  },

  {
    procedure: 'checkouts.create', expected: [401, 200, 404, 403, 403, 403],
    arrange: async (w) => {
      const items = [
        { productId: await makeProduct(app, w.vendor.vendorId!), quantity: 1 },
        { productId: await makeProduct(app, w.otherVendor.vendorId!), quantity: 1 },
      ];
      return anyOwner((o) => ({ addressId: o.addressId, items }));
    },
  },
  { procedure: 'checkouts.byId', expected: [401, 200, 404, 404, 404, 200], arrange: (w) => checkoutOf(w).then(({ id, owner }) => ({ owner, input: { id } })) },
  {
    procedure: 'checkouts.pay', expected: [401, 200, 404, 403, 403, 403],
    arrange: (w) => checkoutOf(w).then(({ id, owner }) => ({ owner, input: { id, paymentToken: 'tok_visa' } })),
  },

  { procedure: 'payouts.balance', expected: [401, 403, 403, 200, 404, 200], arrange: (w) => anyOwner(() => ({ vendorId: w.vendor.vendorId })) },
  { procedure: 'payouts.ledger', expected: [401, 403, 403, 200, 404, 200], arrange: (w) => anyOwner(() => ({ vendorId: w.vendor.vendorId })) },
  { procedure: 'notifications.list', expected: [401, 403, 403, 200, 200, 403], arrange: () => anyOwner(() => ({})) },
];

type Face = 'trpc' | 'rest';

interface Cell {
  row: Row;
  procedure: RouterProcedure;
  face: Face;
  principal: Principal;
  expected: Status;
}

const procedures = routerProcedures();
const byPath = new Map(procedures.map((p) => [p.path, p]));

const cells: Cell[] = ROWS.flatMap((row) => {
  const procedure = byPath.get(row.procedure);
  if (!procedure) return [];
  const faces: Face[] = procedure.rest ? ['trpc', 'rest'] : ['trpc'];
  return faces.flatMap((face) => PRINCIPALS.map((principal, i) => ({ row, procedure, face, principal, expected: row.expected[i]! })));
});

const cellName = (c: Cell) => `${c.row.procedure}${c.row.variant ? ` (${c.row.variant})` : ''} over ${c.face} as ${c.principal} → ${c.expected}`;

async function newWorld(): Promise<World> {
  const [a, b] = [await makeVendor(app, 'Orchard'), await makeVendor(app, 'Grove')];
  return { vendor: a.vendor, otherVendor: b.vendor, admin: await app.makeUser('admin'), otherCustomer: await makeBuyer(app) };
}

function tokenOf(principal: Principal, world: World, owner: Buyer): string | null {
  if (principal === 'anonymous') return null;
  if (principal === 'owner') return owner.token;
  return world[principal].token;
}

/** A subscription answers over a stream: refused, it ends with the problem; allowed, it replays what the order went through. */
function subscribe(token: string | null, input: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish({ status: 0, contentType: null, text: 'no event and no error within 10 s' }), 10_000);
    const subscription = app.client(token).orders.onStatusChange.subscribe(input as { id: string }, {
      onData: (event) => finish({ status: 200, contentType: 'text/event-stream', data: event, text: JSON.stringify(event) }),
      onError: (err) => {
        const problem = getProblem(err);
        finish({ status: problem?.status ?? -1, contentType: 'text/event-stream', problem, text: String(err) });
      },
    });
    function finish(outcome: Outcome) {
      clearTimeout(timer);
      queueMicrotask(() => subscription.unsubscribe());
      resolve(outcome);
    }
  });
}

async function call(cell: Cell, input: unknown, token: string | null): Promise<Outcome> {
  if (cell.procedure.type === 'subscription') return subscribe(token, input);
  if (cell.face === 'trpc') return trpcOutcome(await app.http(...trpcRequest(cell.procedure, input, token)));
  return restOutcome(await app.http(...restRequest(cell.procedure, input, token)));
}

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe(`authorization matrix: ${cells.length} cells (${ROWS.length} rows × ${PRINCIPALS.length} callers, over tRPC and REST)`, () => {
  it('has a row for every procedure of the router, and none for a procedure the router lacks', () => {
    const inRouter = procedures.map((p) => p.path).sort();
    const inTable = [...new Set(ROWS.map((r) => r.procedure))].sort();
    expect(inRouter.filter((p) => !inTable.includes(p)), 'procedures without a row in the matrix').toEqual([]);
    expect(inTable.filter((p) => !inRouter.includes(p)), 'rows for procedures the router does not have').toEqual([]);
  });

  it.each(cells.map((c) => [cellName(c), c] as const))('%s', async (_name, cell) => {
    const world = await newWorld();
    const { input, owner } = await cell.row.arrange(world);
    if (cell.procedure.type === 'subscription') await drainOutbox(app);
    const outcome = await call(cell, input, tokenOf(cell.principal, world, owner));

    const expectedHttp = cell.expected === 200 && cell.face === 'rest' && cell.procedure.rest?.creates ? 201 : cell.expected;
    expect(outcome.status, outcome.text).toBe(expectedHttp);
    if (cell.expected !== 200) {
      expect(outcome.problem?.error_code, outcome.text).toBe(CODE_OF[cell.expected]);
      expect(outcome.problem?.status).toBe(cell.expected);
    }
  });

  it('leaves every stock, lifecycle and money invariant holding', async () => {
    expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  });
});
