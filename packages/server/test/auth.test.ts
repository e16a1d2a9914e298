import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiToken } from '@frookoon/db';
import { getProblem, type ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp } from '../../../test/support/app';
import { hashToken } from '../src/domain/auth/tokens';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function problem(res: Response): Promise<ProblemDetails> {
  return (await res.json()) as ProblemDetails;
}

const me = (token: string, scheme = 'Bearer') => app.http('/api/v1/auth/me', { headers: { authorization: `${scheme} ${token}` } });

describe('register, login, logout', () => {
  it('registers a customer, whatever role the body asks for, and the token works at once', async () => {
    const res = await app.http('/api/v1/auth/register', jsonPost({ email: 'New.Person@Example.test', password: 'a long password', name: 'New Person', role: 'admin' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: { role: string; email: string } };
    expect(body.user).toMatchObject({ role: 'customer', email: 'new.person@example.test' });
    expect(body.token).toMatch(/^fk_[A-Za-z0-9_-]{43}$/);
    const who = await me(body.token);
    expect(await who.json()).toMatchObject({ email: 'new.person@example.test', role: 'customer' });
  });

  it('stores only a hash of the token', async () => {
    const { token } = await (await app.http('/api/v1/auth/register', jsonPost({ email: 'hash@example.test', password: 'a long password', name: 'H' }))).json() as { token: string };
    const rows = await app.orm.em.fork().find(ApiToken, { tokenHash: hashToken(token) });
    expect(rows).toHaveLength(1);
    const raw = await app.orm.em.getConnection().execute('select count(*)::int as n from api_token where token_hash = ?', [token]);
    expect(raw[0]?.n).toBe(0);
  });

  it('refuses a second account with the same email', async () => {
    await app.http('/api/v1/auth/register', jsonPost({ email: 'twice@example.test', password: 'a long password', name: 'T' }));
    const res = await app.http('/api/v1/auth/register', jsonPost({ email: 'TWICE@example.test', password: 'a long password', name: 'T' }));
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'email' }] });
  });

  it('logs in with the right password and not with a wrong one or an unknown email', async () => {
    const user = await app.makeUser('customer', { password: 'my secret password' });
    const ok = await app.http('/api/v1/auth/login', jsonPost({ email: user.email, password: 'my secret password' }));
    expect(ok.status).toBe(200);
    const wrong = await app.http('/api/v1/auth/login', jsonPost({ email: user.email, password: 'not my password' }));
    expect(wrong.status).toBe(401);
    expect(await problem(wrong)).toMatchObject({ error_code: 'UNAUTHORIZED', detail: 'Email or password is incorrect' });
    const unknown = await app.http('/api/v1/auth/login', jsonPost({ email: 'nobody@example.test', password: 'my secret password' }));
    expect(unknown.status).toBe(401);
    expect((await problem(unknown)).detail).toBe('Email or password is incorrect');
  });

  it('revokes exactly the token in use on logout', async () => {
    const user = await app.makeUser('customer');
    const second = (await (await app.http('/api/v1/auth/login', jsonPost({ email: user.email, password: user.password }))).json()) as { token: string };
    const out = await app.http('/api/v1/auth/logout', { method: 'POST', headers: bearer(user.token) });
    expect(await out.json()).toEqual({ revoked: true });
    const revoked = await me(user.token);
    expect(revoked.status).toBe(401);
    expect((await problem(revoked)).error_code).toBe('UNAUTHORIZED');
    expect((await me(second.token)).status).toBe(200);
  });

  describe('on another instance that cached the token', () => {
    let other: TestApp;
    beforeAll(async () => {
      other = await startTestApp({}, app.db);
    });
    afterAll(() => other.close());

    const sql = (text: string, values: unknown[]) => app.orm.em.getConnection().execute(text, values);
    const meOn = (server: TestApp, token: string) => server.http('/api/v1/auth/me', { headers: bearer(token) });
    /** Milliseconds until `server` stops answering `me` as `before` for `token` (the cache trusts the token until then). */
    async function changedAfter(server: TestApp, token: string, since: number, before: (res: Response) => Promise<boolean>): Promise<number> {
      while (await before(await meOn(server, token))) {
        if (Date.now() - since > 3000) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return Date.now() - since;
    }
    const answers = async (res: Response) => res.status === 200;

    it('honours a logout at once where it was made, and as soon as the other hears of it', async () => {
      const user = await app.makeUser('customer');
      expect((await meOn(other, user.token)).status).toBe(200);
      expect((await meOn(app, user.token)).status).toBe(200);
      const revokedAt = Date.now();
      await app.http('/api/v1/auth/logout', { method: 'POST', headers: bearer(user.token) });
      expect((await meOn(app, user.token)).status).toBe(401);
      expect(await changedAfter(other, user.token, revokedAt, answers)).toBeLessThan(1000);
      expect((await meOn(other, user.token)).status).toBe(401);
    });

    it('honours a token revoked, expired early or deleted in SQL, and a role changed in SQL', async () => {
      for (const change of [
        'update api_token set revoked_at = now() where token_hash = ?',
        "update api_token set expires_at = now() - interval '1 second' where token_hash = ?",
        'delete from api_token where token_hash = ?',
      ]) {
        const user = await app.makeUser('customer');
        expect((await meOn(other, user.token)).status).toBe(200);
        const at = Date.now();
        await sql(change, [hashToken(user.token)]);
        expect(await changedAfter(other, user.token, at, answers)).toBeLessThan(1000);
      }
      // A customer made admin in SQL: refused the admins' audit while the other still trusts its cached principal.
      const user = await app.makeUser('customer');
      const audit = () => other.http('/api/v1/admin/stock-audit', { headers: bearer(user.token) });
      expect((await audit()).status).toBe(403);
      const at = Date.now();
      await sql("update app_user set role = 'admin' where id = ?", [user.id]);
      while ((await audit()).status === 403 && Date.now() - at < 3000) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(Date.now() - at).toBeLessThan(1000);
      expect((await audit()).status).toBe(200);
    });

    it('honours within a second a revocation made while its listener is cut off, and hears revocations again once it is back', async () => {
      const user = await app.makeUser('customer');
      expect((await meOn(other, user.token)).status).toBe(200);
      await sql("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'frookoon-listen' and datname = current_database()", []);
      const at = Date.now();
      await sql('update api_token set revoked_at = now() where token_hash = ?', [hashToken(user.token)]);
      expect(await changedAfter(other, user.token, at, answers)).toBeLessThan(1000 + 250);

      // Back and listening: a logout elsewhere reaches the cache again.
      const next = await app.makeUser('customer');
      await meOn(other, next.token);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await meOn(other, next.token)).status).toBe(200);
      const revokedAt = Date.now();
      await app.http('/api/v1/auth/logout', { method: 'POST', headers: bearer(next.token) });
      expect(await changedAfter(other, next.token, revokedAt, answers)).toBeLessThan(1000);
    });
  });

  it('refuses an expired token', async () => {
    const user = await app.makeUser('customer');
    await app.orm.em.getConnection().execute("update api_token set expires_at = now() - interval '1 second' where token_hash = ?", [hashToken(user.token)]);
    const res = await me(user.token);
    expect(res.status).toBe(401);
    expect((await problem(res)).error_code).toBe('UNAUTHORIZED');
  });

  it('accepts the original `Token` scheme and refuses others, a missing header and a made-up token', async () => {
    const user = await app.makeUser('vendor', { vendorId: await vendorId() });
    expect((await me(user.token, 'Token')).status).toBe(200);
    expect((await me(user.token, 'Basic')).status).toBe(401);
    expect((await app.http('/api/v1/auth/me')).status).toBe(401);
    expect((await me('fk_' + 'A'.repeat(43))).status).toBe(401);
  });

  it('is the same over tRPC: the SDK carries the problem', async () => {
    const err = await app.client('fk_nonsense-token').auth.me.query().catch((e: unknown) => e);
    expect(getProblem(err, 'UNAUTHORIZED')).toMatchObject({ status: 401, instance: '/trpc/auth.me' });
  });
});

let vendorCache: string | undefined;
async function vendorId(): Promise<string> {
  if (vendorCache) return vendorCache;
  const admin = await app.makeUser('admin');
  const res = await app.http('/api/v1/vendors', jsonPost({ name: 'Acme Orchard' }, bearer(admin.token)));
  vendorCache = ((await res.json()) as { id: string }).id;
  return vendorCache;
}

describe('role checks', () => {
  it('lets only an admin create vendors', async () => {
    for (const role of ['customer', 'vendor'] as const) {
      const user = role === 'vendor' ? await app.makeUser(role, { vendorId: await vendorId() }) : await app.makeUser(role);
      const res = await app.http('/api/v1/vendors', jsonPost({ name: 'Sneaky' }, bearer(user.token)));
      expect(res.status).toBe(403);
      expect((await problem(res)).error_code).toBe('FORBIDDEN');
    }
    expect((await app.http('/api/v1/vendors', jsonPost({ name: 'Sneaky' }))).status).toBe(401);
    const admin = await app.makeUser('admin');
    const created = await app.http('/api/v1/vendors', jsonPost({ name: 'Legit' }, bearer(admin.token)));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'Legit', id: expect.any(String) });
  });

  it('lets only an admin create users, and ties vendor accounts to an existing vendor', async () => {
    const customer = await app.makeUser('customer');
    const body = { email: 'staff@example.test', password: 'a long password', name: 'Staff', role: 'admin' };
    expect((await app.http('/api/v1/users', jsonPost(body, bearer(customer.token)))).status).toBe(403);

    const admin = await app.makeUser('admin');
    const made = await app.http('/api/v1/users', jsonPost(body, bearer(admin.token)));
    expect(await made.json()).toMatchObject({ role: 'admin', vendorId: null });

    const noVendor = await app.http('/api/v1/users', jsonPost({ ...body, email: 'v1@example.test', role: 'vendor' }, bearer(admin.token)));
    expect(await problem(noVendor)).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'vendorId' }] });
    const unknownVendor = await app.http('/api/v1/users', jsonPost({ ...body, email: 'v2@example.test', role: 'vendor', vendorId: '01890000-0000-7000-8000-000000000000' }, bearer(admin.token)));
    expect((await problem(unknownVendor)).error_code).toBe('NOT_FOUND');
    const vendor = await app.http('/api/v1/users', jsonPost({ ...body, email: 'v3@example.test', role: 'vendor', vendorId: await vendorId() }, bearer(admin.token)));
    expect(await vendor.json()).toMatchObject({ role: 'vendor', vendorId: await vendorId() });
  });
});
