import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrookoonClient, ERROR_CODES, ErrorCode, getProblem, isProblemDetails, isRetryable, type ProblemDetails } from '@frookoon/sdk';
import { jsonPost, startTestApp, type TestApp } from '../../../test/support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('SDK over real HTTP', () => {
  it('registers, reads the user back and logs out through tRPC, typed end to end', async () => {
    const anonymous = createFrookoonClient({ url: app.url });
    const { token, user, expiresAt } = await anonymous.auth.register.mutate({ email: 'sdk@example.test', password: 'a long password', name: 'SDK' });
    expect(expiresAt).toBeInstanceOf(Date);
    let current: string | null = token;
    const client = createFrookoonClient({ url: app.url, token: () => current });
    const me = await client.auth.me.query();
    expect(me).toEqual(user);
    expect(me.createdAt).toBeInstanceOf(Date);
    expect(await client.auth.logout.mutate()).toEqual({ revoked: true });
    const err = await client.auth.me.query().catch((e: unknown) => e);
    const problem = getProblem(err, ErrorCode.UNAUTHORIZED);
    expect(problem?.status).toBe(ERROR_CODES.UNAUTHORIZED.status);
    current = null;
    expect(getProblem(await client.auth.me.query().catch((e: unknown) => e))?.error_code).toBe('UNAUTHORIZED');
  });

  it('narrows problems by code and carries field errors', async () => {
    const client = createFrookoonClient({ url: app.url });
    const err = await client.auth.register.mutate({ email: 'nope', password: 'x', name: '' }).catch((e: unknown) => e);
    expect(getProblem(err, 'UNAUTHORIZED')).toBeUndefined();
    const problem = getProblem(err, 'VALIDATION_ERROR');
    expect(problem?.errors.map((e) => e.field).sort()).toEqual(['email', 'name', 'password']);
    expect(isRetryable(err)).toBe(false);
    expect(getProblem(new Error('plain'))).toBeUndefined();
  });

  it('reads the same problem from the REST face', async () => {
    const res = await app.http('/api/v1/auth/login', jsonPost({ email: 'ghost@example.test', password: 'whatever it is' }));
    const body: unknown = await res.json();
    expect(isProblemDetails(body)).toBe(true);
    expect(getProblem(body as ProblemDetails, 'UNAUTHORIZED')?.detail).toBe('Email or password is incorrect');
  });

  it('answers REST calls with plain JSON for the same procedures', async () => {
    const reg = await app.http('/api/v1/auth/register/', jsonPost({ email: 'rest@example.test', password: 'a long password', name: 'REST' }));
    expect(reg.status).toBe(200);
    const { token } = (await reg.json()) as { token: string };
    const me = await app.http('/api/v1/auth/me/', { headers: { authorization: `Token ${token}` } });
    expect(await me.json()).toMatchObject({ email: 'rest@example.test', createdAt: expect.stringMatching(/Z$/) });
  });
});

describe('user messages', () => {
  it('gives the seed message for every code, filled from the problem', async () => {
    const { userMessage } = await import('@frookoon/sdk');
    expect(userMessage('CONCURRENT_ORDER_CONFLICT')).toBe('High demand! Someone just ordered the last item. Please try again.');
    expect(userMessage('ORDER_ADDRESS_REQUIRED')).toBe('Please provide a delivery address');
    expect(userMessage({ error_code: 'INVALID_UUID', detail: 'x', errors: [{ field: 'items.0.productId', message: 'Invalid format' }] })).toBe('Invalid format for items.0.productId');
    expect(userMessage({ error_code: 'INSUFFICIENT_STOCK', detail: 'Not enough stock for "Mango"', errors: [] })).toBe('Not enough stock for "Mango"');
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) expect(userMessage(code)).not.toMatch(/[{}]/);
  });
});
