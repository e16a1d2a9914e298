import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { User } from './user.entity';

/** A stored response to a request made with an `Idempotency-Key`, per principal, for 24 hours. */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_key',
  uniques: [{ name: 'idempotency_key_user_key_unique', properties: ['user', 'key'] }],
  indexes: [{ name: 'idempotency_key_expires_at_idx', properties: ['expiresAt'] }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    user: () => p.manyToOne(User).mapToPk().deleteRule('cascade'),
    key: p.string().length(255),
    /** SHA-256 of the canonical request, to tell a replay from a different request under the same key. */
    requestHash: p.string().length(64),
    resourceId: p.uuid(),
    /** The first response, answered again to every replay. */
    response: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
  },
});
export type IIdempotencyKey = InferEntity<typeof IdempotencyKey>;
