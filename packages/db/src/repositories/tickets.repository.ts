import type { EntityManager } from '@mikro-orm/postgresql';
import type { TokenPrincipal } from './auth.repository';

/**
 * Issues a subscription ticket for the live token `tokenHash`, in one statement; the ticket's expiry, or null
 * when the token is not live.
 */
export async function issueSubscriptionTicket(em: EntityManager, input: { id: string; tokenHash: string; ticketHash: string; ttlMs: number }): Promise<Date | null> {
  const rows = await em.execute<{ expires_at: Date }[]>(
    `insert into subscription_ticket (id, ticket_hash, token_id, expires_at, used_at)
     select ?, ?, t.id, least(t.expires_at, now() + make_interval(secs => ?)), null
       from api_token t where t.token_hash = ? and t.revoked_at is null and t.expires_at > now()
     returning expires_at`,
    [input.id, input.ticketHash, input.ttlMs / 1000, input.tokenHash],
  );
  return rows[0] ? new Date(rows[0].expires_at) : null;
}

export interface RedeemedTicket extends TokenPrincipal {
  /** The token the ticket was issued to: the stream lives as long as it does. */
  tokenHash: string;
  tokenExpiresAt: Date;
}

/**
 * Spends a ticket, in one statement: only an unused, unexpired ticket of a live token opens a stream, once.
 */
export async function redeemSubscriptionTicket(em: EntityManager, ticketHash: string): Promise<RedeemedTicket | null> {
  const rows = await em.execute<{ id: string; role: TokenPrincipal['role']; vendor_id: string | null; token_hash: string; expires_at: Date }[]>(
    `update subscription_ticket s set used_at = now()
       from api_token t join app_user u on u.id = t.user_id
      where s.ticket_hash = ? and s.used_at is null and s.expires_at > now()
        and t.id = s.token_id and t.revoked_at is null and t.expires_at > now()
      returning u.id, u.role, u.vendor_id, t.token_hash, t.expires_at`,
    [ticketHash],
  );
  const row = rows[0];
  return row ? { userId: row.id, role: row.role, vendorId: row.vendor_id, tokenHash: row.token_hash, tokenExpiresAt: new Date(row.expires_at) } : null;
}
