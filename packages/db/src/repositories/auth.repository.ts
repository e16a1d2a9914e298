import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '@frookoon/contract';
import { statement, withSql } from '../sql';

export interface TokenPrincipal {
  userId: string;
  role: Role;
  vendorId: string | null;
}

/**
 * Where the database announces each token that stops being live before its expiry (its hash), and each user whose
 * tokens all change meaning (`user:<id>`), for the instances that cache principals (a trigger, see the migrations).
 */
export const TOKEN_REVOCATIONS_CHANNEL = 'frookoon_token_revocations';

const PRINCIPAL = statement(
  'principal',
  `select u.id, u.role, u.vendor_id, t.expires_at
     from api_token t join app_user u on u.id = t.user_id
    where t.token_hash = $1 and t.revoked_at is null and t.expires_at > now()`,
);

/** The user behind a live (unrevoked, unexpired) token and when the token expires, in one indexed lookup. */
export async function findPrincipalByTokenHash(em: EntityManager, tokenHash: string): Promise<(TokenPrincipal & { expiresAt: Date }) | null> {
  const rows = await withSql(em, (sql) => sql.query<{ id: string; role: Role; vendor_id: string | null; expires_at: Date }>(PRINCIPAL, [tokenHash]));
  const row = rows[0];
  return row ? { userId: row.id, role: row.role, vendorId: row.vendor_id, expiresAt: row.expires_at } : null;
}

/** Revokes a live token; true when one was revoked. */
export async function revokeToken(em: EntityManager, tokenHash: string): Promise<boolean> {
  const result = await em.execute<{ affectedRows: number }>(
    'update api_token set revoked_at = now() where token_hash = ? and revoked_at is null',
    [tokenHash],
    'run',
  );
  return result.affectedRows > 0;
}

/** Revokes every live token of a user; returns how many were revoked. */
export async function revokeUserTokens(em: EntityManager, userId: string): Promise<number> {
  const result = await em.execute<{ affectedRows: number }>(
    'update api_token set revoked_at = now() where user_id = ? and revoked_at is null',
    [userId],
    'run',
  );
  return result.affectedRows;
}
