/** Classifies driver errors by SQLSTATE and connection failures, wherever they sit in the cause chain. */

const PROTOCOL_VIOLATION = '08P01';
export type RetryableConflict = 'deadlock' | 'serialization_failure' | 'lock_timeout';
const RETRYABLE_SQLSTATES: ReadonlyMap<string, RetryableConflict> = new Map([
  ['40P01', 'deadlock'],
  ['40001', 'serialization_failure'],
  ['55P03', 'lock_timeout'],
]);
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

function* causes(err: unknown): Generator<Record<string, unknown>> {
  let current = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

export function sqlState(err: unknown): string | undefined {
  for (const e of causes(err)) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** Which conflict the error is, when the whole transaction may be retried for it. */
export function retryableConflict(err: unknown): RetryableConflict | undefined {
  const state = sqlState(err);
  return state === undefined ? undefined : RETRYABLE_SQLSTATES.get(state);
}

/** Deadlock, serialization failure or lock timeout: the whole transaction may be retried. */
export function isRetryableConflict(err: unknown): boolean {
  return retryableConflict(err) !== undefined;
}

const CONNECTION_LOST =
  /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Transaction query already complete/i;

/** The database cannot be reached, is shutting down, or no pooled connection came in time. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    if (typeof e.code === 'string' && CONNECTION_ERRNOS.has(e.code)) return true;
    if (typeof e.code === 'string' && e.code !== PROTOCOL_VIOLATION && /^(08|57P0)/.test(e.code)) return true;
    if (e.name === 'KnexTimeoutError' || e.name === 'ConnectionException') return true;
    // node-postgres: a pooled connection that broke ("… has encountered a connection error and is not queryable");
    // knex: a transaction it already rolled back because its connection broke ("Transaction query already complete").
    if (typeof e.message === 'string' && CONNECTION_LOST.test(e.message)) return true;
  }
  return false;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return violates(err, '23505', constraint);
}

/** A CHECK constraint refused a row (`constraint`: that one). */
export function isCheckViolation(err: unknown, constraint?: string): boolean {
  return violates(err, '23514', constraint);
}

function violates(err: unknown, state: string, constraint?: string): boolean {
  if (sqlState(err) !== state) return false;
  if (!constraint) return true;
  for (const e of causes(err)) {
    if (e.constraint === constraint) return true;
    if (typeof e.message === 'string' && e.message.includes(constraint)) return true;
  }
  return false;
}

export function isForeignKeyViolation(err: unknown): boolean {
  return sqlState(err) === '23503';
}

/**
 * A value PostgreSQL cannot take as given: SQLSTATE class 22 (too long, out of range, bad encoding), or a
 * protocol violation, which is what a NUL character inside query text (inlined parameters) produces.
 */
export function isDataException(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state === PROTOCOL_VIOLATION);
}
