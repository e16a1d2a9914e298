import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { poolQuery } from '@frookoon/db';
import { AppError } from '../errors/app-error';
import type { RateLimitsConfig } from '../config';

export type RateLimitName = 'loginFailures' | 'registrations' | 'orders';

/** The limits of DESIGN §10, counted in PostgreSQL so that every instance shares them. */
export interface RateLimiter {
  /** Counts one use of `key` (one statement); over the limit, `RATE_LIMITED` with the seconds its window has left. */
  consume(name: RateLimitName, key: string): Promise<void>;
  /** Gives back one use `consume` counted (a login that succeeded was no failed login). */
  refund(name: RateLimitName, key: string): Promise<void>;
}

const REFUSAL: Record<RateLimitName, string> = {
  loginFailures: 'Too many failed logins for this account or from this address',
  registrations: 'Too many accounts were registered from this address',
  orders: 'Too many orders were placed with this token',
};

/** A bounded key for a value of any length (an email may be longer than a key column), that does not store it. */
export const hashedKey = (value: string): string => createHash('sha256').update(value).digest('hex');

const unlimited: RateLimiter = { consume: async () => undefined, refund: async () => undefined };

export function createRateLimiter(orm: MikroORM, config: RateLimitsConfig): RateLimiter {
  if (!config.enabled) return unlimited;
  const limiter = (rule: RateLimitsConfig[RateLimitName], name: RateLimitName) =>
    new RateLimiterPostgres({
      // rate-limiter-flexible names its statements, so each connection prepares its upsert once (unnamed when
      // prepared statements are off, behind a pooler that cannot keep them).
      storeClient: { query: poolQuery(orm) },
      storeType: 'pool',
      // The table comes with the migrations; spent rows (`expire` in the past) are left to retention.
      tableName: 'rate_limit',
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix: name,
      points: rule.points,
      duration: rule.durationSeconds,
      // A key over its limit is refused from memory for the rest of its window: a flood costs no statements.
      inMemoryBlockOnConsumed: rule.points + 1,
    });
  const limiters: Record<RateLimitName, RateLimiterPostgres> = {
    loginFailures: limiter(config.loginFailures, 'loginFailures'),
    registrations: limiter(config.registrations, 'registrations'),
    orders: limiter(config.orders, 'orders'),
  };
  return {
    async consume(name, key) {
      try {
        await limiters[name].consume(key);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new AppError('RATE_LIMITED', `${REFUSAL[name]}; try again in ${retryAfter} s`, { retryAfter });
      }
    },
    async refund(name, key) {
      await limiters[name].reward(key);
    },
  };
}
