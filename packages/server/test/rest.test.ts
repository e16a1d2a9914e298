import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import createClient from 'openapi-fetch';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';
import type { paths } from './generated/openapi';

interface Operation {
  security?: unknown[];
  requestBody?: { required?: boolean; content: Record<string, { schema: { required?: string[]; properties?: Record<string, unknown> } }> };
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

let app: TestApp;
let served: Record<string, unknown>;
let doc: Document;
let vendorId: string;
beforeAll(async () => {
  app = await startTestApp();
  served = (await (await app.http('/api/v1/openapi.json')).json()) as Record<string, unknown>;
  doc = served as unknown as Document;
  ({ vendorId } = await makeVendor(app));
});
afterAll(() => app.close());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })));

/** A concrete URL for a documented path: every path parameter is an id that names nothing. */
const urlOf = (path: string) => `/api/v1${path.replace(/\{[^}]+\}/g, () => randomUUID())}`;

async function problemOf(res: Response): Promise<ProblemDetails> {
  expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  return (await res.json()) as ProblemDetails;
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(served));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('secures an operation exactly when calling it without a token answers 401', async () => {
    for (const { path, method, operation } of operations()) {
      const res = await app.http(urlOf(path), method === 'GET' ? {} : { ...jsonPost({}), method });
      await res.body?.cancel();
      expect({ operation: `${method} ${path}`, unauthorized: res.status === 401 }).toEqual({
        operation: `${method} ${path}`,
        unauthorized: (operation.security?.length ?? 0) > 0,
      });
    }
    const open = operations().filter((o) => !o.operation.security).map((o) => `${o.method} ${o.path}`);
    expect(open.sort()).toEqual(['GET /products', 'GET /products/{id}', 'GET /stock/{productId}', 'GET /vendors/{id}', 'POST /auth/login', 'POST /auth/register']);
  });

  it('lists addressId as required for an order, while the server still answers ORDER_ADDRESS_REQUIRED without one', async () => {
    const body = doc.paths['/orders']!.post!.requestBody!;
    expect(body.required).toBe(true);
    expect(body.content['application/json']!.schema.required).toEqual(['addressId', 'items']);
    expect(JSON.stringify(doc)).not.toContain('x-documented-as-required');

    const buyer = await makeBuyer(app);
    const product = await makeProduct(app, vendorId);
    for (const order of [{ items: [{ productId: product, quantity: 1 }] }, { addressId: null, items: [{ productId: product, quantity: 1 }] }]) {
      const problem = await problemOf(await app.http('/api/v1/orders', jsonPost(order, bearer(buyer.token))));
      expect(problem).toMatchObject({ status: 400, error_code: 'ORDER_ADDRESS_REQUIRED', errors: [{ field: 'addressId' }] });
    }
  });

  it('requires a request body only where it has a required field', async () => {
    const bodyRequired = (path: string) => doc.paths[path]!.post!.requestBody!.required;
    expect(bodyRequired('/orders/{id}/pay')).toBe(true);
    expect(bodyRequired('/orders/{id}/ship')).toBe(true);
    expect(bodyRequired('/orders/{id}/deliver')).toBe(false);
    expect(bodyRequired('/orders/{id}/cancel')).toBe(false);

    const buyer = await makeBuyer(app);
    const created = await app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId: await makeProduct(app, vendorId), quantity: 1 }] }, bearer(buyer.token)));
    const { id } = (await created.json()) as { id: string };
    const cancelled = await app.http(`/api/v1/orders/${id}/cancel`, { method: 'POST', headers: bearer(buyer.token) });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id, status: 'CANCELLED' });
  });

  it('answers 201 with a Location header for exactly the creations', () => {
    const creations = operations().filter((o) => '201' in o.operation.responses);
    expect(creations.map((o) => `${o.method} ${o.path}`).sort()).toEqual([
      'POST /addresses', 'POST /checkouts', 'POST /orders', 'POST /products', 'POST /users', 'POST /vendors',
    ]);
    for (const { operation } of creations) {
      expect(operation.responses['200']).toBeUndefined();
      expect(Object.keys(operation.responses['201']!.headers ?? {})).toEqual(['location']);
    }
  });
});

describe('creations', () => {
  /** 201 with a Location that the creator can read back. */
  const expectCreated = async (res: Response, collection: string, token: string) => {
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const { id } = JSON.parse(text) as { id: string };
    expect(res.headers.get('location')).toBe(`/api/v1/${collection}/${id}`);
    const read = await app.http(res.headers.get('location')!, { headers: bearer(token) });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id });
    // A read carries an ETag for conditional requests; the answer to a change, compared with nothing, has none.
    expect(read.headers.get('etag')).toMatch(/^W\/"/);
    expect(res.headers.get('etag')).toBeNull();
    return id;
  };

  it('answers 201 Created with the Location of the new resource', async () => {
    const admin = await app.makeUser('admin');
    const newVendor = await expectCreated(await app.http('/api/v1/vendors', jsonPost({ name: 'Kesar Farms' }, bearer(admin.token))), 'vendors', admin.token);
    await expectCreated(
      await app.http('/api/v1/users', jsonPost({ email: `kesar-${randomUUID()}@example.test`, password: 'a long password', name: 'Kesar', role: 'vendor', vendorId: newVendor }, bearer(admin.token))),
      'users',
      admin.token,
    );
    const product = await expectCreated(
      await app.http('/api/v1/products/', jsonPost({ name: 'Kesar mango', sku: `KESAR-${randomUUID()}`, priceCents: 300, currency: 'INR', initialStock: 5, vendorId }, bearer(admin.token))),
      'products',
      admin.token,
    );
    expect(await (await app.http(`/api/v1/products/${product}`)).json()).toMatchObject({ id: product, name: 'Kesar mango' });

    const buyer = await makeBuyer(app);
    const address = await expectCreated(
      await app.http('/api/v1/addresses', jsonPost({ line1: '2 Mango Lane', city: 'Ratnagiri', postalCode: '415612', country: 'in' }, bearer(buyer.token))),
      'addresses',
      buyer.token,
    );
    const order = jsonPost({ addressId: address, items: [{ productId: product, quantity: 2 }] }, bearer(buyer.token));
    const placed = await app.http('/api/v1/orders', { ...order, headers: { ...order.headers, 'idempotency-key': randomUUID() } });
    await expectCreated(placed, 'orders', buyer.token);

    const checkout = await app.http('/api/v1/checkouts', jsonPost({ addressId: address, items: [{ productId: product, quantity: 1 }] }, bearer(buyer.token)));
    await expectCreated(checkout, 'checkouts', buyer.token);
  });

  it('answers an idempotent replay of an order with 201 and the same Location', async () => {
    const buyer = await makeBuyer(app);
    const body = jsonPost({ addressId: buyer.addressId, items: [{ productId: await makeProduct(app, vendorId), quantity: 1 }] }, { ...bearer(buyer.token), 'idempotency-key': randomUUID() });
    const first = await app.http('/api/v1/orders', body);
    const replay = await app.http('/api/v1/orders', body);
    expect([first.status, replay.status]).toEqual([201, 201]);
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    expect(await replay.json()).toEqual(await first.json());
  });
});

describe('405 Method Not Allowed', () => {
  it('answers an unsupported method on a known path with 405, an Allow header and a problem', async () => {
    const res = await app.http('/api/v1/products', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await problemOf(res)).toMatchObject({ status: 405, error_code: 'METHOD_NOT_ALLOWED', instance: '/api/v1/products', request_id: res.headers.get('x-request-id') });

    const order = `/api/v1/orders/${randomUUID()}`;
    const put = await app.http(`${order}/`, { ...jsonPost({}), method: 'PUT' });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const getPay = await app.http(`${order}/pay`);
    expect([getPay.status, getPay.headers.get('allow')]).toEqual([405, 'POST']);
    const headPay = await app.http(`${order}/pay`, { method: 'HEAD' });
    expect([headPay.status, headPay.headers.get('allow')]).toEqual([405, 'POST']);
    const postDocument = await app.http('/api/v1/openapi.json', jsonPost({}));
    expect([postDocument.status, postDocument.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect((await problemOf(postDocument)).error_code).toBe('METHOD_NOT_ALLOWED');
  });

  it('allows on every documented path exactly the methods the document lists there', async () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      const methods = Object.keys(item).map((m) => m.toUpperCase());
      const res = await app.http(urlOf(path), { method: 'PATCH' });
      await res.body?.cancel();
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')?.split(', ').sort()).toEqual([...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].sort());
    }
  });

  it('still answers a path nobody serves with NOT_FOUND', async () => {
    const res = await app.http('/api/v1/nothing-here', { method: 'DELETE' });
    expect((await problemOf(res)).error_code).toBe('NOT_FOUND');
    expect(res.headers.get('allow')).toBeNull();
  });
});

describe('request bodies that are not JSON', () => {
  it('tells a form or plain-text body to send Content-Type: application/json', async () => {
    const user = await app.makeUser('customer');
    const json = JSON.stringify({ email: user.email, password: user.password });
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await app.http('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': contentType }, body: json });
      const problem = await problemOf(res);
      expect(problem).toMatchObject({ status: 400, error_code: 'VALIDATION_ERROR', errors: [{ field: 'body' }] });
      expect(problem.detail).toContain('send Content-Type: application/json');
      expect(problem.detail).toContain(contentType);
    }
    const ok = await app.http('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: json });
    expect(ok.status).toBe(200);
  });
});

describe('a client generated from the served document', () => {
  it('is the committed one: the document has not drifted from generated/openapi.d.ts', async () => {
    const source = astToString(await openapiTS(JSON.stringify(served), { silent: true }));
    const banner = '// Generated from GET /api/v1/openapi.json by rest.test.ts; `npx vitest run packages/server/test/rest.test.ts -u` rewrites it.\n';
    await expect(banner + source).toMatchFileSnapshot('./generated/openapi.d.ts');
  });

  it('registers, adds an address, orders, pays and reads the history, typed by the document alone', async () => {
    const client = createClient<paths>({ baseUrl: `${app.url}/api/v1` });
    const { vendor } = await makeVendor(app, 'Typed Orchard');

    const product = await client.POST('/products', {
      body: { name: 'Typed mango', sku: `TYPED-${randomUUID()}`, priceCents: 250, currency: 'INR', initialStock: 3 },
      headers: bearer(vendor.token),
    });
    expect(product.response.status).toBe(201);

    const registered = await client.POST('/auth/register', { body: { email: `typed-${randomUUID()}@example.test`, password: 'a long password', name: 'Typed Customer' } });
    expect(registered.error).toBeUndefined();
    const auth = bearer(registered.data!.token);

    const address = await client.POST('/addresses', { body: { line1: '3 Client Road', city: 'Pune', postalCode: '411001', country: 'IN' }, headers: auth });
    expect(address.response.status).toBe(201);

    const placed = await client.POST('/orders', {
      body: { addressId: address.data!.id, items: [{ productId: product.data!.id, quantity: 2 }] },
      params: { header: { 'idempotency-key': randomUUID() } },
      headers: auth,
    });
    expect(placed.response.status).toBe(201);
    expect(placed.response.headers.get('location')).toBe(`/api/v1/orders/${placed.data!.id}`);
    expect(placed.data).toMatchObject({ status: 'PENDING', totalCents: 500, allowedTransitions: expect.arrayContaining(['pay']) });

    const short = await client.POST('/orders', { body: { addressId: address.data!.id, items: [{ productId: product.data!.id, quantity: 2 }] }, headers: auth });
    expect(short.error).toMatchObject({ error_code: 'INSUFFICIENT_STOCK', errors: [{ field: 'items.0.quantity' }] });

    const paid = await client.POST('/orders/{id}/pay', { params: { path: { id: placed.data!.id } }, body: { paymentToken: 'tok_visa' }, headers: auth });
    expect(paid.data?.status).toBe('CONFIRMED');

    const history = await client.GET('/orders/{id}/history', { params: { path: { id: placed.data!.id } }, headers: auth });
    expect(history.data?.map((h) => [h.previousStatus, h.newStatus])).toEqual([['PENDING', 'CONFIRMED'], [null, 'PENDING']]);
    expect(history.data?.[0]?.changedBy).toBe(registered.data!.user.id);
  });
});
