import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@frookoon/sdk';
import { trpcProblem } from '../../../test/support/trpc';
import { bearer, jsonPost, startTestApp, type TestApp } from '../../../test/support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ CORS_ALLOWED_ORIGINS: 'http://localhost:3000,https://shop.example.test', DEMO_PORT: '5999' });
});
afterAll(() => app.close());

const REQUEST_ID = /^req_[0-9a-f]{12}$/;

async function problemOf(res: Response): Promise<ProblemDetails> {
  expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  const body = (await res.json()) as ProblemDetails;
  expect(body).toMatchObject({
    type: expect.stringMatching(/^https:\/\/api\.frookoon\.com\/errors\/[a-z-]+$/),
    title: expect.any(String),
    status: res.status,
    detail: expect.any(String),
    instance: expect.stringMatching(/^\//),
    error_code: expect.any(String),
    errors: expect.any(Array),
    retryable: expect.any(Boolean),
    request_id: res.headers.get('x-request-id'),
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  });
  return body;
}

describe('CORS', () => {
  it('allows a listed origin, with the headers a browser needs', async () => {
    const res = await app.http('/healthz', { headers: { origin: 'https://shop.example.test' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example.test');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it("always allows the demo client's own origin", async () => {
    const res = await app.http('/healthz', { headers: { origin: 'http://localhost:5999' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5999');
  });

  it('sets no CORS header on a request that sends no Origin', async () => {
    const res = await app.http('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
  });

  it('gives an unlisted origin no Access-Control-Allow-Origin', async () => {
    const res = await app.http('/healthz', { headers: { origin: 'https://evil.example.test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight for the headers clients send', async () => {
    const res = await app.http('/api/v1/orders', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key,x-request-id',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const allowed = res.headers.get('access-control-allow-headers')?.split(',') ?? [];
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'x-request-id']));
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('refuses a preflight from an unlisted origin', async () => {
    const res = await app.http('/trpc/auth.me', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'GET' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('request id', () => {
  it('keeps a sane id sent by the caller, in the header, the problem and the logs', async () => {
    const res = await app.http('/api/v1/auth/me', { headers: { 'x-request-id': 'checkout-42.retry-1' } });
    expect(res.headers.get('x-request-id')).toBe('checkout-42.retry-1');
    const problem = await problemOf(res);
    expect(problem.request_id).toBe('checkout-42.retry-1');
    const lines = app.logs.filter((l) => l.request_id === 'checkout-42.retry-1');
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });

  it('writes one line per request, with its id, status and path without the query string; none for the probes', async () => {
    const res = await app.http('/api/v1/products?limit=1&ticket=not-for-the-log', { headers: { 'x-request-id': 'access-line-1' } });
    expect(res.status).toBe(200);
    await app.http('/healthz', { headers: { 'x-request-id': 'access-line-probe' } });
    await expect.poll(() => app.logs.filter((l) => l.request_id === 'access-line-1')).toEqual([
      expect.objectContaining({ level: 'info', msg: 'request completed', req: { method: 'GET', url: '/api/v1/products' }, res: { status: 200 }, responseTime: expect.any(Number) }),
    ]);
    expect(JSON.stringify(app.logs)).not.toContain('not-for-the-log');
    expect(app.logs.filter((l) => l.request_id === 'access-line-probe')).toEqual([]);
  });

  it('makes one when none, or an insane one, is sent', async () => {
    const none = await app.http('/healthz');
    expect(none.headers.get('x-request-id')).toMatch(REQUEST_ID);
    const insane = await app.http('/healthz', { headers: { 'x-request-id': 'a b<script>' + 'x'.repeat(100) } });
    expect(insane.headers.get('x-request-id')).toMatch(REQUEST_ID);
    expect(insane.headers.get('x-request-id')).not.toBe(none.headers.get('x-request-id'));
  });
});

describe('hardening and probes', () => {
  it('sends security headers and no X-Powered-By', async () => {
    const res = await app.http('/healthz');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await app.http('/api/v1/products?limit=1', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('is ready when the database answers', async () => {
    const res = await app.http('/readyz');
    expect(res.status).toBe(200);
  });

  it('serves an OpenAPI 3.1 document naming every REST route', async () => {
    const res = await app.http('/api/v1/openapi.json');
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/addresses',
      '/addresses/{id}', '/admin/stock-audit', '/auth/login', '/auth/logout', '/auth/logout-all', '/auth/me', '/auth/register',
      '/auth/subscription-ticket',
      '/checkouts', '/checkouts/{id}', '/checkouts/{id}/pay', '/notifications', '/orders', '/orders/{id}', '/orders/{id}/cancel',
      '/orders/{id}/deliver', '/orders/{id}/history', '/orders/{id}/otp', '/orders/{id}/packing', '/orders/{id}/pay', '/orders/{id}/ship',
      '/payouts/balance', '/payouts/ledger', '/products', '/products/{id}', '/stock/{productId}', '/stock/{productId}/adjust',
      '/users',
      '/users/{id}', '/vendors',
      '/vendors/{id}',
    ]);
    const create = (doc.paths['/orders'] as { post: { parameters: { name: string; in: string }[]; responses: Record<string, { content: Record<string, unknown> }> } }).post;
    expect(create.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header' })]));
    expect(Object.keys(create.responses['409']!.content)).toEqual(['application/problem+json']);
    expect(JSON.stringify(doc)).not.toContain('error.BAD_REQUEST');
  });
});

describe('problem details on every error path', () => {
  it('answers an unknown route with NOT_FOUND', async () => {
    const problem = await problemOf(await app.http('/api/v1/nothing-here'));
    expect(problem).toMatchObject({ status: 404, error_code: 'NOT_FOUND', instance: '/api/v1/nothing-here' });
    const outside = await problemOf(await app.http('/nowhere'));
    expect(outside.error_code).toBe('NOT_FOUND');
  });

  it('answers malformed JSON with a 400 problem, on both faces', async () => {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": "a@b.c",' };
    const rest = await problemOf(await app.http('/api/v1/auth/login', init));
    expect(rest).toMatchObject({ status: 400, error_code: 'VALIDATION_ERROR' });
    const trpc = await app.http('/trpc/auth.login', init);
    expect(trpc.status).toBe(400);
    expect(trpcProblem(await trpc.json())).toMatchObject({ status: 400, error_code: 'VALIDATION_ERROR', instance: '/trpc/auth.login' });
  });

  it('answers a procedure called with the wrong HTTP method with METHOD_NOT_ALLOWED, on both faces', async () => {
    const rest = await app.http('/api/v1/auth/login', { method: 'GET' });
    expect(rest.status).toBe(405);
    expect((await problemOf(rest)).error_code).toBe('METHOD_NOT_ALLOWED');
    const trpc = await app.http('/trpc/auth.login?input=%7B%7D');
    expect(trpc.status).toBe(405);
    expect(trpcProblem(await trpc.json())).toMatchObject({ status: 405, error_code: 'METHOD_NOT_ALLOWED' });
  });

  it('answers a body over the limit with PAYLOAD_TOO_LARGE, on both faces', async () => {
    const big = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(1_100_000) });
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: big };
    const rest = await problemOf(await app.http('/api/v1/auth/login', init));
    expect(rest).toMatchObject({ status: 413, error_code: 'PAYLOAD_TOO_LARGE' });
    const trpc = await app.http('/trpc/auth.login', init);
    expect(trpc.status).toBe(413);
    expect(trpcProblem(await trpc.json()).error_code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('lists every invalid field as a dotted path', async () => {
    const problem = await problemOf(await app.http('/api/v1/auth/register', jsonPost({ email: 'not-an-email', password: 'short' })));
    expect(problem.error_code).toBe('VALIDATION_ERROR');
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['email', 'name', 'password']);
  });

  it('answers text the database cannot store (a NUL byte) with VALIDATION_ERROR, not a crash', async () => {
    const res = await app.http('/api/v1/auth/register', jsonPost({ email: 'nul@example.test', password: 'a long password', name: 'Nul\u0000Byte' }));
    const problem = await problemOf(res);
    expect(problem).toMatchObject({ status: 400, error_code: 'VALIDATION_ERROR' });
    const retry = await app.http('/api/v1/auth/register', jsonPost({ email: 'nul@example.test', password: 'a long password', name: 'Fine' }));
    expect(retry.status).toBe(200);
  });

  it('names a malformed id with INVALID_UUID', async () => {
    const admin = await app.makeUser('admin');
    const res = await app.http('/api/v1/users', jsonPost(
      { email: 'v@example.test', password: 'long-enough-password', name: 'V', role: 'vendor', vendorId: 'not-a-uuid' },
      bearer(admin.token),
    ));
    const problem = await problemOf(res);
    expect(problem).toMatchObject({ status: 400, error_code: 'INVALID_UUID', errors: [{ field: 'vendorId', message: 'Invalid format for vendorId' }] });
  });

  it('turns an unexpected failure into INTERNAL_ERROR: stack in the log, nothing internal in the body', async () => {
    const broken = await startTestApp();
    try {
      const admin = await broken.makeUser('admin');
      await broken.orm.em.getConnection().execute('drop table notification; drop table vendor cascade');
      const res = await broken.http('/api/v1/vendors', jsonPost({ name: 'Acme' }, bearer(admin.token)));
      const text = await res.clone().text();
      const problem = await problemOf(res);
      expect(problem).toMatchObject({ status: 500, error_code: 'INTERNAL_ERROR', retryable: false });
      expect(text).not.toMatch(/relation|does not exist|select|insert|stack|\.ts/i);
      const line = broken.logs.find((l) => l.level === 'error' && l.request_id === problem.request_id);
      expect(line).toBeDefined();
      expect(JSON.stringify(line)).toMatch(/relation .*vendor.* does not exist/);
      expect((line!.err as { stack: string }).stack).toContain('\n    at ');
      await expect
        .poll(() => broken.logs.find((l) => l.request_id === problem.request_id && l.msg === 'request errored'))
        .toMatchObject({ level: 'error', res: { status: 500 }, req: { method: 'POST', url: '/api/v1/vendors' } });
    } finally {
      await broken.close();
    }
  });
});
