import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { RetryableConflict } from './errors';

/**
 * What the locking code reports as it runs, for the server's metrics. Registered per ORM (every fork of its
 * EntityManager shares its configuration), so that several servers in one process each hear only their own.
 */
export interface LockObserver {
  /** A locked transaction met a conflict and runs again. */
  lockRetried(conflict: RetryableConflict): void;
  /** How long `lockStock` waited for its row locks (reading the rows included), whether it got them or timed out. */
  stockLockWaited(seconds: number): void;
}

const observers = new WeakMap<object, LockObserver>();

export function observeLocks(orm: MikroORM, observer: LockObserver): void {
  observers.set(orm.config, observer);
}

export function lockObserverOf(em: EntityManager): LockObserver | undefined {
  return observers.get(em.config);
}
