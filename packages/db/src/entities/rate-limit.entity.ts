import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The counters of every rate limit, shared by all instances: the table `rate-limiter-flexible`'s PostgreSQL
 * store reads and writes (its own column names and types), one row per limit and key.
 */
export const RateLimit = defineEntity({
  name: 'RateLimit',
  tableName: 'rate_limit',
  indexes: [{ name: 'rate_limit_expire_idx', properties: ['expire'] }],
  properties: {
    /** `<limit>:<key>`, e.g. the limit's name and a token hash. */
    key: p.string().length(255).primary(),
    points: p.integer().default(0),
    /** When the window ends, in milliseconds since the epoch; spent rows can go after that. */
    expire: p.bigint().nullable(),
  },
});
export type IRateLimit = InferEntity<typeof RateLimit>;
