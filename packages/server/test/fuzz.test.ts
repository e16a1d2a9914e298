import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import superjson from 'superjson';
import { ApiToken } from '@frookoon/db';
import { isProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';
import {
  percentEncode, restOutcome, restRequest, routerProcedures, trpcOutcome, trpcRawRequest, type Outcome, type RouterProcedure,
} from '../../../test/support/faces';
import { hashToken, newToken } from '../src/domain/auth/tokens';

/**
 * Hostile input into every procedure, through both faces: whatever arrives, the answer is never a 5xx, every
 * refusal is a problem with a known `error_code`, and a refused call moves no stock and no money.
 * `FUZZ_SEED` replays a run (every property's seed derives from it); `FUZZ_RUNS` sets the runs per property.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);

type Face = 'trpc' | 'rest';
type Principal = 'anonymous' | 'customer';
type Buyer = Awaited<ReturnType<typeof makeBuyer>>;

let app: TestApp;
let customer: Buyer;
let vendor: TestUser;
let productId: string;
/** A PENDING order of the customer's. */
let ownOrderId: string;
/** Ids of real objects (the customer's own among them), so that fuzzed input also reaches past the id checks. */
let realIds: string[];
let cases = 0;
/** How the cases were answered: `2xx`, or the problem's code. */
const answers = new Map<string, number>();

/** Stock, money and the rows a call could create: what a refused call must leave exactly as it was. */
interface Snapshot {
  stock: string;
  movements: string;
  orders: string;
  checkouts: string;
  paid: string;
  refunds: string;
  ledger: string;
  addresses: string;
  products: string;
  users: string;
}

async function snapshot(): Promise<Snapshot> {
  const [row] = await app.orm.em.fork().execute<Snapshot[]>(`
    select (select coalesce(sum(quantity), 0) from stock)::text as stock,
           (select count(*) from stock_movement)::text as movements,
           (select count(*) from customer_order)::text as orders,
           (select count(*) from checkout)::text as checkouts,
           (select coalesce(sum(paid_cents), 0) from customer_order)::text as paid,
           (select count(*) from refund)::text as refunds,
           (select count(*) from vendor_ledger)::text as ledger,
           (select count(*) from address)::text as addresses,
           (select count(*) from product)::text as products,
           (select count(*) from app_user)::text as users`);
  return row!;
}

/** A new live token of the user: a call that logs out revokes only its own, so no case disturbs the next. */
async function mintToken(userId: string): Promise<string> {
  const em = app.orm.em.fork();
  const token = newToken();
  em.create(ApiToken, { user: userId, tokenHash: hashToken(token), expiresAt: new Date(Date.now() + 3_600_000), revokedAt: null });
  await em.flush();
  return token;
}

/** The customer's token, replaced after any call it made that succeeded: that call may have been a logout. */
let customerToken: Promise<string> | undefined;
const tokenOf = (principal: Principal) => (principal === 'anonymous' ? Promise.resolve(null) : (customerToken ??= mintToken(customer.id)));

/**
 * A subscription answers 200 and then speaks in events: a refusal is a `serialized-error` event carrying the
 * problem. A stream that stays open without one was accepted.
 */
async function streamOutcome(res: Response): Promise<Outcome> {
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return trpcOutcome(res);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + 300;
  let text = '';
  let error: RegExpExecArray | null = null;
  while (!error && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())))]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
    error = /event: serialized-error\ndata: (.*)\n/.exec(text);
  }
  await reader.cancel().catch(() => undefined);
  if (!error) return { status: res.status, contentType: res.headers.get('content-type'), text };
  const problem = superjson.deserialize<{ data?: { problem?: unknown } }>(JSON.parse(error[1]!) as Parameters<typeof superjson.deserialize>[0])?.data?.problem;
  return {
    status: isProblemDetails(problem) ? problem.status : -1,
    contentType: res.headers.get('content-type'),
    problem: isProblemDetails(problem) ? problem : undefined,
    text,
  };
}

async function send(procedure: RouterProcedure, face: Face, request: [string, RequestInit]): Promise<Outcome> {
  const res = await app.http(...request);
  if (procedure.type === 'subscription') return streamOutcome(res);
  return face === 'trpc' ? trpcOutcome(res) : restOutcome(res);
}

/** The answer to one hostile call is clean: no 5xx; a refusal is a known problem, and nothing moved. */
async function expectClean(where: string, face: Face, outcome: Outcome, before: Snapshot): Promise<void> {
  cases += 1;
  const answer = outcome.status < 400 ? '2xx' : (outcome.problem?.error_code ?? String(outcome.status));
  answers.set(answer, (answers.get(answer) ?? 0) + 1);
  const context = `${where} answered ${outcome.status}: ${outcome.text.slice(0, 600)}`;
  expect(outcome.status, context).toBeGreaterThanOrEqual(200);
  expect(outcome.status, context).toBeLessThan(500);
  if (outcome.status < 400) return;
  expect(isProblemDetails(outcome.problem), context).toBe(true);
  expect(outcome.problem!.status, context).toBe(outcome.status);
  if (face === 'rest') expect(outcome.contentType, context).toMatch(/^application\/problem\+json/);
  // A declined charge is the one refusal whose contract is to act: the order is cancelled and its stock restored.
  if (outcome.problem!.error_code !== 'PAYMENT_FAILED') expect(await snapshot(), `${context}\nmoved stock or money`).toEqual(before);
}

async function sendClean(where: string, procedure: RouterProcedure, face: Face, request: [string, RequestInit]): Promise<Outcome> {
  const before = await snapshot();
  const outcome = await send(procedure, face, request);
  await expectClean(where, face, outcome, before);
  return outcome;
}

const HOSTILE_STRINGS = [
  "' OR 1=1 --", "'; drop table stock; --", '" OR ""="', '1; select pg_sleep(5)', '{"$gt": ""}', '$where', '$ne',
  '\u0000', 'a\u0000b', '%00', '\uD800', '\uFFFF', '🥭🍋‍🟩👩🏽‍🌾', '\u202Etxt.exe', '../../etc/passwd', '<script>alert(1)</script>',
  '__proto__', 'constructor', 'null', 'undefined', 'NaN', '-1', '1e308', '', ' ', '\t\n', 'x'.repeat(1_000),
];
const EDGE_NUMBERS = [0, -0, -1, 1, 0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1e308, -1e308, 5e-324];
const SHADY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'role', 'isAdmin', 'customerId', 'vendorId', 'status', 'paidCents', '$where'];

/** Copies keys as own properties (`__proto__` included), never through the prototype setter. */
function withOwn(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const from of [target, source]) {
    for (const key of Object.keys(from)) Object.defineProperty(out, key, { value: from[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function inputs(keys: string[]) {
  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }));
  const operator = fc.constantFrom<unknown>({ $gt: '' }, { $ne: null }, { $in: [] }, { $where: '1' }, { $regex: '.*' });
  const leaf = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }), text, fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom(...EDGE_NUMBERS), fc.constantFrom(...realIds), fc.uuid(), operator,
  );
  const line = fc.record({ productId: fc.oneof(fc.constantFrom(...realIds), leaf), quantity: fc.oneof(fc.constantFrom(...EDGE_NUMBERS), leaf) }, { requiredKeys: [] });
  const lines = fc.array(line, { maxLength: 3 });
  // Ids and lines are mostly real ones, so that fuzzed calls also get past validation into the services.
  const valueFor = (key: string) =>
    /id$/i.test(key)
      ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...realIds) }, { weight: 2, arbitrary: leaf })
      : key === 'items'
        ? fc.oneof({ weight: 3, arbitrary: lines }, { weight: 1, arbitrary: leaf })
        : fc.oneof({ weight: 4, arbitrary: leaf }, { weight: 1, arbitrary: lines });
  const shaped = fc.record(Object.fromEntries(keys.map((k) => [k, valueFor(k)])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
  const shady = fc.dictionary(fc.constantFrom(...SHADY_KEYS), leaf, { maxKeys: 3 });
  // A plausible input with one or two fields made hostile (or left out): the way past validation into the services.
  const nearlyValid = keys.length === 0 ? shaped : fc
    .tuple(fc.subarray(keys, { minLength: 1, maxLength: Math.min(2, keys.length) }), fc.array(fc.option(leaf, { nil: undefined }), { minLength: 2, maxLength: 2 }), shady)
    .map(([hostile, values, extra]) => {
      const input = Object.fromEntries(keys.map((k) => [k, plausible(k)]));
      for (const [i, key] of hostile.entries()) {
        if (values[i] === undefined) delete input[key];
        else input[key] = values[i];
      }
      return withOwn(input, extra);
    });
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    text,
    shaped,
    fc.tuple(shaped, shady).map(([a, b]) => withOwn(a, b)),
    { weight: 2, arbitrary: nearlyValid },
  );
}

/** A value the field would accept, by its name; ids are the customer's own objects. */
function plausible(key: string): unknown {
  const values: Record<string, unknown> = {
    id: ownOrderId, productId, vendorId: vendor.vendorId, addressId: customer.addressId, items: [{ productId, quantity: 1 }],
    paymentToken: 'tok_visa', reason: 'changed my mind', carrier: 'BlueDart', trackingNumber: 'TRK1', otp: '123456',
    email: customer.email, customerEmail: customer.email, password: customer.password, name: 'Fuzzy Name', role: 'customer',
    line1: '1 Fuzz Road', city: 'Pune', postalCode: '411001', country: 'IN', phone: '+91 98765 43210',
    status: 'PENDING', limit: 5, cursor: ownOrderId, createdFrom: '2020-01-01T00:00:00Z', createdUntil: '2100-01-01T00:00:00Z',
    delta: 1, sku: `FZ-${randomUUID().slice(0, 8)}`, priceCents: 100, currency: 'INR', initialStock: 1, lastEventId: null,
  };
  return Object.hasOwn(values, key) ? values[key] : 'x';
}

/** Raw text where JSON is expected: a body, `?input=`, a REST query string, path parameters. */
const rawText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('{', '{"json":', '[1,', 'null', '1e309', '{"json":{"id":"\\u0000"}}'));

function rawRestRequest(procedure: RouterProcedure, text: string, token: string | null): [string, RequestInit] {
  const route = procedure.rest!;
  const path = `/api/v1${route.path.replace(/\{\w+\}/g, () => percentEncode(text))}`;
  const headers = token ? bearer(token) : {};
  if (route.method === 'GET') return [`${path}?${text.replace(/[#\s]|[\uD800-\uDFFF]/gu, percentEncode)}`, { headers }];
  return [path, { method: route.method, headers: { 'content-type': 'application/json', ...headers }, body: text }];
}

const procedures = routerProcedures();
const targets = procedures.flatMap((procedure) =>
  (procedure.rest ? (['trpc', 'rest'] as const) : (['trpc'] as const)).flatMap((face) =>
    (['anonymous', 'customer'] as const).map((principal) => ({ procedure, face, principal })),
  ),
);

beforeAll(async () => {
  app = await startTestApp();
  const made = await makeVendor(app);
  vendor = made.vendor;
  customer = await makeBuyer(app);
  productId = await makeProduct(app, made.vendorId, { stock: 50 });
  const other = await makeProduct(app, made.vendorId, { stock: 50 });
  const order = await app.http('/api/v1/orders', jsonPost({ addressId: customer.addressId, items: [{ productId, quantity: 1 }] }, bearer(customer.token)));
  const checkout = await app.http('/api/v1/checkouts', jsonPost({ addressId: customer.addressId, items: [{ productId: other, quantity: 1 }] }, bearer(customer.token)));
  const idOf = async (res: Response) => ((await res.json()) as { id: string }).id;
  ownOrderId = await idOf(order);
  realIds = [productId, other, made.vendorId, customer.id, customer.addressId, ownOrderId, await idOf(checkout), '00000000-0000-0000-0000-000000000000'];
});
afterAll(async () => {
  const tally = [...answers].sort((a, b) => b[1] - a[1]).map(([answer, n]) => `${answer} ${n}`).join(', ');
  process.stdout.write(`fuzz: ${cases} cases run (${RUNS} runs per property, FUZZ_SEED=${SEED}): ${tally}\n`);
  await app.close();
});

describe(`arbitrary input into all ${procedures.length} procedures (FUZZ_SEED=${SEED})`, () => {
  it.each(targets.map((t, i) => [`${t.procedure.path} over ${t.face} as ${t.principal}`, t, i] as const))('%s', async (name, { procedure, face, principal }, i) => {
    await fc.assert(
      fc.asyncProperty(inputs(procedure.inputKeys), async (input) => {
        const token = await tokenOf(principal);
        const request = face === 'trpc' ? trpcRawRequest(procedure, JSON.stringify({ json: input }), token) : restRequest(procedure, input, token);
        if ((await sendClean(name, procedure, face, request)).status < 400) customerToken = undefined;
      }),
      { numRuns: RUNS, seed: SEED + 2 * i, endOnFailure: true },
    );
    await fc.assert(
      fc.asyncProperty(rawText, async (text) => {
        const token = await tokenOf(principal);
        const request = face === 'trpc' ? trpcRawRequest(procedure, text, token) : rawRestRequest(procedure, text, token);
        if ((await sendClean(`${name}, raw ${JSON.stringify(text)}`, procedure, face, request)).status < 400) customerToken = undefined;
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED + 2 * i + 1, endOnFailure: true },
    );
  });
});

const procedureAt = (path: string): RouterProcedure => {
  const procedure = procedures.find((p) => p.path === path);
  if (!procedure) throw new Error(`The router has no ${path}`);
  return procedure;
};
const facesOf = (procedure: RouterProcedure): Face[] => (procedure.rest ? ['trpc', 'rest'] : ['trpc']);

/**
 * The same input over each face (tRPC `{"json": …}`, REST query or body), every answer held to `expectClean`.
 * A function gives each face an input of its own, for what must be unique (a SKU).
 */
async function overFaces(path: string, inputOf: unknown, token: string | null): Promise<Outcome[]> {
  const procedure = procedureAt(path);
  const outcomes: Outcome[] = [];
  for (const face of facesOf(procedure)) {
    const input: unknown = typeof inputOf === 'function' ? (inputOf as () => unknown)() : inputOf;
    const request = face === 'trpc' ? trpcRawRequest(procedure, JSON.stringify({ json: input }), token) : restRequest(procedure, input, token);
    outcomes.push(await sendClean(`${path} over ${face} with ${JSON.stringify(input)?.slice(0, 200)}`, procedure, face, request));
  }
  return outcomes;
}

/** An input written as JSON text (for what `JSON.stringify` cannot say, such as `__proto__` keys or `1e309`), over each face. */
async function rawOverFaces(path: string, jsonOf: string | (() => string), token: string | null): Promise<Outcome[]> {
  const procedure = procedureAt(path);
  const outcomes: Outcome[] = [];
  for (const face of facesOf(procedure)) {
    const json = typeof jsonOf === 'function' ? jsonOf() : jsonOf;
    const request: [string, RequestInit] =
      face === 'trpc'
        ? trpcRawRequest(procedure, `{"json":${json}}`, token)
        : [`/api/v1${procedure.rest!.path}`, { method: procedure.rest!.method, headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) }, body: json }];
    outcomes.push(await sendClean(`${path} over ${face} with ${json.slice(0, 200)}`, procedure, face, request));
  }
  return outcomes;
}

const statuses = (outcomes: Outcome[]) => outcomes.map((o) => o.status);
const codes = (outcomes: Outcome[]) => outcomes.map((o) => o.problem?.error_code);
const dataOf = <T>(outcomes: Outcome[]) => outcomes.map((o) => o.data as T);
const newAddress = (fields: Record<string, unknown> = {}) => ({ line1: '1 Test Street', city: 'Pune', postalCode: '411001', country: 'IN', ...fields });

async function rowOf(table: string, id: string): Promise<Record<string, unknown> | undefined> {
  const rows = await app.orm.em.fork().execute<{ row: Record<string, unknown> }[]>(`select to_jsonb(t) as row from ${table} t where id = ?`, [id]);
  return rows[0]?.row;
}

describe('abuse', () => {
  it('takes SQL- and operator-looking values as data, never as query', async () => {
    const customerToken = await mintToken(customer.id);
    const sqlish = ["' OR 1=1 --", "'; drop table stock; --", '" OR ""="', "x' UNION SELECT password_hash FROM app_user --", '1 OR 1=1'];
    const operators = [{ $gt: '' }, { $ne: null }, { $in: [productId] }, { $or: [{ id: productId }] }, { $where: 'true' }];
    for (const value of [...sqlish, ...operators]) {
      expect(statuses(await overFaces('auth.login', { email: value, password: value }, null))).toEqual([400, 400]);
      expect(statuses(await overFaces('products.byId', { id: value }, null))).toEqual([400, 400]);
      expect(statuses(await overFaces('orders.byId', { id: value }, customerToken))).toEqual([400, 400]);
      expect(statuses(await overFaces('orders.list', { status: value }, customerToken))).toEqual([400, 400]);
      expect(statuses(await overFaces('products.list', { vendorId: value }, null))).toEqual([400, 400]);
    }

    // Bracketed query keys are not parsed into operators: at most an unknown key, ignored.
    const own = await app.http('/api/v1/orders?customerId[$ne]=x&status[$ne]=CANCELLED', { headers: bearer(customerToken) });
    expect([200, 400]).toContain(own.status);
    if (own.status === 200) {
      for (const order of ((await own.json()) as { items: { customerId: string }[] }).items) expect(order.customerId).toBe(customer.id);
    }

    // An admin's search by email finds nobody for an injection, rather than everybody.
    const admin = await app.makeUser('admin');
    for (const email of ["nobody' OR '1'='1@example.com", 'nobody@example.com\' OR 1=1 --']) {
      for (const outcome of await overFaces('orders.list', { customerEmail: email }, admin.token)) {
        expect([200, 400]).toContain(outcome.status);
        if (outcome.status === 200) expect((outcome.data as { items: unknown[] }).items).toEqual([]);
      }
    }

    // Stored verbatim and read back as sent.
    for (const address of dataOf<{ id: string }>(await overFaces('addresses.create', newAddress({ line1: sqlish[1], city: sqlish[0] }), customerToken))) {
      const read = (await (await app.http(`/api/v1/addresses/${address.id}`, { headers: bearer(customerToken) })).json()) as { line1: string; city: string };
      expect([read.line1, read.city]).toEqual([sqlish[1], sqlish[0]]);
    }
  });

  it('neither pollutes prototypes nor raises a role through __proto__ and constructor keys', async () => {
    const customerToken = await mintToken(customer.id);
    const smuggled = '"__proto__":{"role":"admin","isAdmin":true},"constructor":{"prototype":{"role":"admin","isAdmin":true}},"role":"admin"';
    const registered = await rawOverFaces(
      'auth.register',
      () => `{"email":"proto-${randomUUID()}@test.frookoon.test","password":"a long enough password","name":"Proto",${smuggled}}`,
      null,
    );
    expect(statuses(registered)).toEqual([200, 200]);
    for (const { data } of registered) {
      const { user } = data as { user: { id: string; role: string } };
      expect(user.role).toBe('customer');
      expect((await rowOf('app_user', user.id))?.role).toBe('customer');
    }

    const line = `{"productId":"${productId}","__proto__":{"quantity":1},"constructor":{"prototype":{"quantity":1}}}`;
    expect(statuses(await rawOverFaces('orders.create', `{"addressId":"${customer.addressId}","items":[${line}]}`, customerToken))).toEqual([400, 400]);
    expect(statuses(await rawOverFaces('addresses.create', `{"__proto__":${JSON.stringify(newAddress())}}`, customerToken))).toEqual([400, 400]);

    // superjson's own metadata naming prototype paths is refused, not followed.
    const orders = procedureAt('orders.create');
    for (const meta of ['{"values":{"__proto__.isAdmin":["undefined"]},"v":1}', '{"values":{"constructor.prototype.isAdmin":["undefined"]},"v":1}', '{"referentialEqualities":{"__proto__":["items"]},"v":1}']) {
      const body = `{"json":{"addressId":"${customer.addressId}","items":[{"productId":"${productId}","quantity":1}]},"meta":${meta}}`;
      const outcome = await sendClean(`orders.create with meta ${meta}`, orders, 'trpc', trpcRawRequest(orders, body, customerToken));
      expect(outcome.problem?.error_code).toBe('VALIDATION_ERROR');
    }

    const probe: Record<string, unknown> = {};
    expect([probe.role, probe.isAdmin, Object.prototype.hasOwnProperty.call(Object.prototype, 'isAdmin')]).toEqual([undefined, undefined, false]);
  });

  it('refuses NUL characters cleanly, and keeps emoji exactly as sent', async () => {
    const customerToken = await mintToken(customer.id);
    const vendorToken = await mintToken(vendor.id);
    expect(codes(await overFaces('addresses.create', newAddress({ line1: 'Mango\u0000Lane' }), customerToken))).toEqual(['VALIDATION_ERROR', 'VALIDATION_ERROR']);
    expect(statuses(await overFaces('auth.register', { email: `nul-${randomUUID()}@test.frookoon.test`, password: 'a long enough password', name: 'Nul\u0000' }, null))).toEqual([400, 400]);
    const nulProduct = () => ({ name: 'Kesar\u0000', sku: `NUL-${randomUUID().slice(0, 8)}`, priceCents: 100, currency: 'INR', initialStock: 1 });
    expect(statuses(await overFaces('products.create', nulProduct, vendorToken))).toEqual([400, 400]);
    expect(statuses(await overFaces('products.byId', { id: '\u0000' }, null))).toEqual([400, 400]);
    const buyer = await makeBuyer(app);
    const pending = async () => {
      const res = await app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId, quantity: 1 }] }, bearer(buyer.token)));
      return ((await res.json()) as { id: string }).id;
    };
    for (const face of ['trpc', 'rest'] as const) {
      const cancel = procedureAt('orders.cancel');
      const input = { id: await pending(), reason: 'changed\u0000my mind' };
      const request = face === 'trpc' ? trpcRawRequest(cancel, JSON.stringify({ json: input }), buyer.token) : restRequest(cancel, input, buyer.token);
      expect((await sendClean(`orders.cancel over ${face} with NUL`, cancel, face, request)).status).toBe(400);
    }
    const nulPath = await app.http('/api/v1/orders/%00', { headers: bearer(customerToken) });
    expect([400, 404]).toContain(nulPath.status);

    const line1 = '🥭 Mango Lane 🍋‍🟩 👩🏽‍🌾';
    const city = 'Ratnāgiri 🌧️';
    for (const address of dataOf<{ id: string; line1: string; city: string }>(await overFaces('addresses.create', newAddress({ line1, city }), customerToken))) {
      expect([address.line1, address.city]).toEqual([line1, city]);
      expect(await rowOf('address', address.id)).toMatchObject({ line1, city });
    }
    const name = '🥭 Alphonso 🇮🇳';
    for (const product of dataOf<{ id: string; name: string }>(
      await overFaces('products.create', () => ({ name, sku: `EMJ-${randomUUID().slice(0, 8)}`, priceCents: 100, currency: 'INR', initialStock: 1 }), vendorToken),
    )) {
      expect(product.name).toBe(name);
      expect(((await (await app.http(`/api/v1/products/${product.id}`)).json()) as { name: string }).name).toBe(name);
    }
  });

  it('refuses a 3 MB body with PAYLOAD_TOO_LARGE on both faces', async () => {
    const customerToken = await mintToken(customer.id);
    const pad = 'x'.repeat(3 * 1024 * 1024);
    const tooLarge = [
      await rawOverFaces('addresses.create', JSON.stringify(newAddress({ line1: pad })), customerToken),
      await rawOverFaces('auth.register', JSON.stringify({ email: `big-${randomUUID()}@test.frookoon.test`, password: 'a long enough password', name: pad }), null),
    ].flat();
    expect(tooLarge.map((o) => [o.status, o.problem?.error_code])).toEqual(Array(4).fill([413, 'PAYLOAD_TOO_LARGE']));
    for (const outcome of await rawOverFaces('orders.create', JSON.stringify({ addressId: customer.addressId, items: [], pad: 'x'.repeat(3 * 1024 * 1024) }), customerToken)) {
      expect(outcome.problem?.error_code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('refuses an order or checkout of 5,000 lines cleanly', async () => {
    const customerToken = await mintToken(customer.id);
    const items = Array.from({ length: 5000 }, (_, i) => ({ productId: i % 2 ? productId : randomUUID(), quantity: 1 }));
    for (const path of ['orders.create', 'checkouts.create']) {
      for (const outcome of await overFaces(path, { addressId: customer.addressId, items }, customerToken)) {
        expect(outcome.problem?.error_code).toBe('VALIDATION_ERROR');
        expect(outcome.problem?.errors.map((e) => e.field)).toContain('items');
      }
    }
  });

  it('refuses huge, negative and fractional numbers where counts and money are expected', async () => {
    const customerToken = await mintToken(customer.id);
    const vendorToken = await mintToken(vendor.id);
    const numbers = [1e308, -1e308, -1, 0, 0.5, 2 ** 31, 2 ** 53, -(2 ** 53), 2 ** 53 + 2];
    for (const n of numbers) {
      const lines = [{ productId, quantity: n }];
      expect(codes(await overFaces('orders.create', { addressId: customer.addressId, items: lines }, customerToken))).toEqual(['VALIDATION_ERROR', 'VALIDATION_ERROR']);
      expect(codes(await overFaces('checkouts.create', { addressId: customer.addressId, items: lines }, customerToken))).toEqual(['VALIDATION_ERROR', 'VALIDATION_ERROR']);
      expect(statuses(await overFaces('orders.list', { limit: n }, customerToken))).toEqual([400, 400]);
      // A free product and one out of stock are fine; nothing else here is.
      if (n === 0) continue;
      const product = () => ({ name: 'Kesar', sku: `NUM-${randomUUID().slice(0, 8)}`, currency: 'INR' });
      expect(statuses(await overFaces('products.create', () => ({ ...product(), priceCents: n, initialStock: 1 }), vendorToken))).toEqual([400, 400]);
      expect(statuses(await overFaces('products.create', () => ({ ...product(), priceCents: 100, initialStock: n }), vendorToken))).toEqual([400, 400]);
    }
    for (const delta of [1e308, -1e308, 2 ** 53, -(2 ** 53), 0.5, 0]) {
      expect(codes(await overFaces('stock.adjust', { productId, delta, reason: 'recount' }, vendorToken))).toEqual(['VALIDATION_ERROR', 'VALIDATION_ERROR']);
    }
    // 1e309 is valid JSON that parses to Infinity.
    expect(statuses(await rawOverFaces('orders.create', `{"addressId":"${customer.addressId}","items":[{"productId":"${productId}","quantity":1e309}]}`, customerToken))).toEqual([400, 400]);
    expect(statuses(await rawOverFaces('stock.adjust', `{"productId":"${productId}","delta":-1e309,"reason":"recount"}`, vendorToken))).toEqual([400, 400]);
  });

  it('never stores fields it does not know, nor takes ids, owners, prices or statuses from the caller', async () => {
    const customerToken = await mintToken(customer.id);
    const vendorToken = await mintToken(vendor.id);
    const stranger = await makeBuyer(app);
    const chosenId = randomUUID();
    const extra = { id: chosenId, createdAt: '2000-01-01T00:00:00Z', smuggled: 'SMUGGLED', isAdmin: true };

    for (const address of dataOf<Record<string, unknown>>(await overFaces('addresses.create', newAddress({ ...extra, customerId: stranger.id }), customerToken))) {
      const row = await rowOf('address', address.id as string);
      expect(address.id).not.toBe(chosenId);
      expect(JSON.stringify([address, row])).not.toMatch(/SMUGGLED|isAdmin|is_admin|2000-01-01/);
      expect(row?.customer_id).toBe(customer.id);
    }
    expect(await rowOf('address', chosenId)).toBeUndefined();

    const product = () => ({ ...extra, name: 'Kesar', sku: `XTR-${randomUUID().slice(0, 8)}`, priceCents: 100, currency: 'INR', initialStock: 5, stock: 999_999 });
    const products = await overFaces('products.create', product, vendorToken);
    expect(statuses(products)).toEqual([200, 201]);
    const created = dataOf<Record<string, unknown>>(products)[0]!;
    expect(created.id).not.toBe(chosenId);
    expect(created.stock).toBe(5);
    expect(created.vendorId).toBe(vendor.vendorId);
    expect(JSON.stringify([created, await rowOf('product', created.id as string)])).not.toMatch(/SMUGGLED|isAdmin|is_admin|2000-01-01/);
    const [stockRow] = await app.orm.em.fork().execute<{ quantity: number }[]>('select quantity from stock where product_id = ?', [created.id]);
    expect(stockRow?.quantity).toBe(5);

    // A buyer of its own: the fuzzing may have left the customer at its cap of unpaid orders.
    const buyer = await makeBuyer(app);
    const order = {
      ...extra, addressId: buyer.addressId, status: 'DELIVERED', paidCents: 100_000, totalCents: 1, customerId: stranger.id, checkoutId: randomUUID(),
      items: [{ productId, quantity: 1, unitPriceCents: 1, smuggled: 'SMUGGLED' }],
    };
    const orders = await overFaces('orders.create', order, buyer.token);
    expect(statuses(orders)).toEqual([200, 201]);
    for (const placed of dataOf<Record<string, unknown>>(orders)) {
      expect(placed).toMatchObject({ status: 'PENDING', paidCents: 0, totalCents: 100, customerId: buyer.id, checkoutId: null });
      expect(placed.id).not.toBe(chosenId);
      const row = await rowOf('customer_order', placed.id as string);
      expect(row).toMatchObject({ status: 'PENDING', paid_cents: 0, total_cents: 100, customer_id: buyer.id, checkout_id: null });
      expect(JSON.stringify([placed, row])).not.toMatch(/SMUGGLED|isAdmin|is_admin|2000-01-01/);
    }
  });
});
