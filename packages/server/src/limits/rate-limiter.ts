import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { countUseSteps, countedUse, poolQuery, type Step, type StepResult } from '@frookoon/db';
import { AppError } from '../errors/app-error';
import type { RateLimitsConfig } from '../config';

export type RateLimitName = 'loginFailures' | 'registrations' | 'orders';
/** The limits counted by `rate-limiter-flexible` with a statement of their own. */
type ConsumedLimit = Exclude<RateLimitName, 'orders'>;

/** A use of a key counted by statements its caller sends with its own first round trip (see `RateLimiter.countWith`). */
export interface CountedUse {
  /** The statements that count it; the last one's result goes to `check`. */
  steps: Step[];
  /** `RATE_LIMITED` when the count is over the limit; the key is then refused from memory for the rest of its window. */
  check(result: StepResult): void;
}

/** The limits of DESIGN §10, counted in PostgreSQL so that every instance shares them. */
export interface RateLimiter {
  /** Counts one use of `key` (one statement); over the limit, `RATE_LIMITED` with the seconds its window has left. */
  consume(name: ConsumedLimit, key: string): Promise<void>;
  /** Gives back one use `consume` counted (a login that succeeded was no failed login). */
  refund(name: ConsumedLimit, key: string): Promise<void>;
  /**
   * One use of `key`, counted by statements the caller sends along with its first read instead of a round trip of
   * their own; undefined when limits are off. A key over its limit is refused here, from memory, with no statement.
   */
  countWith(name: 'orders', key: string): CountedUse | undefined;
}

const REFUSAL: Record<RateLimitName, string> = {
  loginFailures: 'Too many failed logins for this account or from this address',
  registrations: 'Too many accounts were registered from this address',
  orders: 'Too many orders were placed with this token',
};

/** A bounded key for a value of any length (an email may be longer than a key column), that does not store it. */
export const hashedKey = (value: string): string => createHash('sha256').update(value).digest('hex');

const unlimited: RateLimiter = { consume: async () => undefined, refund: async () => undefined, countWith: () => undefined };

const refusal = (name: RateLimitName, msLeft: number): AppError => {
  const retryAfter = Math.max(1, Math.ceil(msLeft / 1000));
  return new AppError('RATE_LIMITED', `${REFUSAL[name]}; try again in ${retryAfter} s`, { retryAfter });
};

/** Keys refused until the end of their window; past this many, the expired ones are dropped when one is added. */
const MAX_BLOCKED_IN_MEMORY = 10_000;

export function createRateLimiter(orm: MikroORM, config: RateLimitsConfig): RateLimiter {
  if (!config.enabled) return unlimited;
  const limiter = (rule: RateLimitsConfig[RateLimitName], name: ConsumedLimit) =>
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
  const limiters: Record<ConsumedLimit, RateLimiterPostgres> = {
    loginFailures: limiter(config.loginFailures, 'loginFailures'),
    registrations: limiter(config.registrations, 'registrations'),
  };
  // Keys `countWith` found over their limit (with the library's prefix), and when their window ends.
  const blocked = new Map<string, number>();
  const block = (key: string, until: number) => {
    if (blocked.size >= MAX_BLOCKED_IN_MEMORY) for (const [k, end] of blocked) if (end <= Date.now()) blocked.delete(k);
    blocked.set(key, until);
  };
  return {
    async consume(name, key) {
      try {
        await limiters[name].consume(key);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        throw refusal(name, err.msBeforeNext);
      }
    },
    async refund(name, key) {
      await limiters[name].reward(key);
    },
    countWith(name, key) {
      const rule = config[name];
      const stored = `${name}:${key}`;
      const until = blocked.get(stored);
      if (until !== undefined) {
        if (until > Date.now()) throw refusal(name, until - Date.now());
        blocked.delete(stored);
      }
      return {
        steps: countUseSteps(stored, rule.durationSeconds * 1000),
        check(result) {
          const { points, expiresAt } = countedUse(result);
          if (points <= rule.points) return;
          block(stored, expiresAt);
          throw refusal(name, expiresAt - Date.now());
        },
      };
    },
  };
}
