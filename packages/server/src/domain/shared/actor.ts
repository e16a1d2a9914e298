import type { Role } from '@frookoon/contract';

/** Who is calling: resolved from the bearer token for every authenticated procedure. */
export interface Actor {
  userId: string;
  role: Role;
  /** Set for vendors only: the vendor they act for. */
  vendorId: string | null;
  /** SHA-256 of the token in use, so that logout can revoke exactly it. */
  tokenHash: string;
}
