import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { ApiToken } from './api-token.entity';

/**
 * A short-lived, single-use ticket that opens one live subscription for the token it was issued to. An
 * EventSource cannot send headers, so what it sends travels in the URL: a ticket, spent on use, rather than the
 * bearer token. Only its SHA-256 is stored.
 */
export const SubscriptionTicket = defineEntity({
  name: 'SubscriptionTicket',
  tableName: 'subscription_ticket',
  indexes: [{ name: 'subscription_ticket_expires_idx', properties: ['expiresAt'] }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    ticketHash: p.string().length(64).unique(),
    token: () => p.manyToOne(ApiToken).mapToPk().deleteRule('cascade').index(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});
export type ISubscriptionTicket = InferEntity<typeof SubscriptionTicket>;
