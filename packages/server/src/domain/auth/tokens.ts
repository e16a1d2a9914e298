import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits; the `fk_` prefix makes leaked tokens easy to spot by secret scanners. */
export function newToken(): string {
  return `fk_${randomBytes(32).toString('base64url')}`;
}

/** A subscription ticket: as random as a token, told apart by its `fkt_` prefix. */
export function newSubscriptionTicket(): string {
  return `fkt_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `Bearer <token>` or the original backend's `Token <token>`; anything else is no token. */
export function tokenFromAuthorization(header: string | undefined): string | null {
  const match = header?.match(/^(?:Bearer|Token)\s+(\S{8,512})\s*$/i);
  return match?.[1] ?? null;
}
