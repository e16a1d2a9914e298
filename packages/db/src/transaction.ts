import type { EntityManager } from '@mikro-orm/postgresql';
import { retryableConflict } from './errors';
import { lockObserverOf } from './lock-observer';

export interface LockedTransactionOptions {
  /** `SET LOCAL lock_timeout`: how long one statement may wait for a row lock. */
  lockTimeoutMs: number;
  /** Extra attempts after a deadlock, serialization failure or lock timeout. */
  retries?: number;
  /** Base of the jittered exponential backoff between attempts. */
  backoffMs?: number;
  /**
   * Plan each prepared statement once per connection, generically and without sequential scans (as
   * `indexedGenericPlans`): only for transactions whose statements read every row through an index, so that the plan
   * reads through the indexes however small the tables were when it was made.
   */
  genericPlans?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` in one transaction with a bounded lock wait, and runs the whole transaction again (on a clean
 * unit of work) when PostgreSQL reports a deadlock (40P01), serialization failure (40001) or lock timeout
 * (55P03). After the last attempt the conflict is rethrown for the caller to translate.
 */
export async function inLockedTransaction<T>(
  em: EntityManager,
  options: LockedTransactionOptions,
  fn: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  return withConflictRetries(em, options, () =>
    em.transactional(async (tx) => {
      await tx.execute(setLockTimeout(options), [], 'run');
      return fn(tx);
    }, { clear: true }),
  );
}

/** The statement bounding a transaction's lock waits. */
export const setLockTimeout = (options: LockedTransactionOptions): string => `set local lock_timeout = ${lockTimeoutMs(options)}`;

/** A transaction's lock timeout in whole milliseconds, at least one (zero would mean none). */
export const lockTimeoutMs = (options: LockedTransactionOptions): number => Math.max(1, Math.floor(options.lockTimeoutMs));

/** Runs `transaction` again after a deadlock, serialization failure or lock timeout, with jittered backoff. */
export async function withConflictRetries<T>(em: EntityManager, options: LockedTransactionOptions, transaction: () => Promise<T>): Promise<T> {
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 15;
  for (let attempt = 0; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      const conflict = retryableConflict(err);
      if (attempt >= retries || !conflict) throw err;
      lockObserverOf(em)?.lockRetried(conflict);
      await sleep(backoffMs * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}
