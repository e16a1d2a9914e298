import type { EntityManager } from '@mikro-orm/postgresql';
import { Vendor, VendorLedgerEntry, vendorBalances } from '@frookoon/db';
import { AppError } from '../../errors/app-error';
import type { Actor } from '../shared/actor';
import { page } from '../shared/schemas';

const DEFAULT_CURRENCY = 'INR';

/** The vendor whose money the actor may read: a vendor its own, an admin the one it names. */
async function vendorInScope(deps: { em: EntityManager; actor: Actor }, vendorId: string | undefined): Promise<string> {
  if (deps.actor.role === 'vendor') {
    if (vendorId && vendorId !== deps.actor.vendorId) throw new AppError('NOT_FOUND', 'No such vendor');
    return deps.actor.vendorId!;
  }
  if (!vendorId) {
    throw new AppError('VALIDATION_ERROR', 'Name the vendor whose payouts to read', { errors: [{ field: 'vendorId', message: 'Required for admins' }] });
  }
  if (!(await deps.em.findOne(Vendor, { id: vendorId }, { fields: ['id'] }))) throw new AppError('NOT_FOUND', 'No such vendor');
  return vendorId;
}

/**
 * What the vendor is owed: the sum of its ledger (credits for delivered orders, less payouts). A vendor selling
 * in several currencies has one balance per currency; this answers the one it holds most in.
 */
export async function payoutBalance(deps: { em: EntityManager; actor: Actor }, input: { vendorId?: string }) {
  const vendorId = await vendorInScope(deps, input.vendorId);
  const balances = await vendorBalances(deps.em, vendorId);
  const main = [...balances].sort((a, b) => b.balanceCents - a.balanceCents)[0];
  return { vendorId, balanceCents: main?.balanceCents ?? 0, currency: main?.currency ?? DEFAULT_CURRENCY };
}

/** The vendor's ledger, newest first. */
export async function payoutLedger(deps: { em: EntityManager; actor: Actor }, input: { vendorId?: string; cursor?: string | null; limit: number }) {
  const vendorId = await vendorInScope(deps, input.vendorId);
  const rows = await deps.em.find(
    VendorLedgerEntry,
    { vendor: vendorId, ...(input.cursor ? { id: { $lt: input.cursor } } : {}) },
    { orderBy: { id: 'desc' }, limit: input.limit + 1 },
  );
  const { items, nextCursor } = page(rows, input.limit);
  return {
    items: items.map((r) => ({ id: r.id, kind: r.kind, amountCents: r.amountCents, currency: r.currency, orderId: r.order ?? null, at: r.at })),
    nextCursor,
  };
}
