import type { EntityManager } from '@mikro-orm/postgresql';
import { Notification } from '@frookoon/db';
import type { Actor } from '../shared/actor';
import { page } from '../shared/schemas';

/** A vendor's inbox, newest first. */
export async function listNotifications(deps: { em: EntityManager; actor: Actor }, input: { cursor?: string; limit: number }) {
  const rows = await deps.em.find(
    Notification,
    { vendor: deps.actor.vendorId!, ...(input.cursor ? { id: { $lt: input.cursor } } : {}) },
    { orderBy: { id: 'desc' }, limit: input.limit + 1 },
  );
  return page(
    rows.map((n) => ({ id: n.id, type: n.type, orderId: n.orderId ?? null, payload: n.payload, createdAt: n.createdAt, readAt: n.readAt ?? null })),
    input.limit,
  );
}
