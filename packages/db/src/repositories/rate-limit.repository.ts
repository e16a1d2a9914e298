import { asyncCommit, statement, type Step, type StepResult } from '../sql';

/**
 * One more use of a key in its fixed window, or the first of a new window once the old one has expired: the upsert
 * rate-limiter-flexible's PostgreSQL store runs, on the same rows (`points` used, `expire` in epoch milliseconds of
 * the application's clock), so that both count alike.
 */
const COUNT_USE = statement(
  'count_use',
  `insert into rate_limit (key, points, expire) values ($1, 1, $2)
     on conflict (key) do update set
       points = case when rate_limit.expire <= $3 then 1 else rate_limit.points + 1 end,
       expire = case when rate_limit.expire <= $3 then $2 else rate_limit.expire end
   returning points, expire`,
);

/**
 * The steps that count one use of `key` in a window of `windowMs`, for a caller to send with the statements of its
 * own first round trip: they make its transaction commit without waiting for the write-ahead log to reach the disk
 * (a crash may forget the last fraction of a second of counts). The last step's result is read by `countedUse`.
 */
export function countUseSteps(key: string, windowMs: number, now = Date.now()): Step[] {
  return [asyncCommit, { statement: COUNT_USE, values: [key, now + windowMs, now] }];
}

/** The uses counted in the key's window, with the end of that window (epoch milliseconds). */
export function countedUse(result: StepResult): { points: number; expiresAt: number } {
  const row = result.rows[0] as { points: number; expire: string | number };
  return { points: row.points, expiresAt: Number(row.expire) };
}
