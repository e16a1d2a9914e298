import { isProblemDetails, type ErrorCode, type ProblemDetails } from '@frookoon/contract';

function problemOf(err: unknown): ProblemDetails | undefined {
  if (isProblemDetails(err)) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const data = (err as { data?: { problem?: unknown } }).data;
  if (isProblemDetails(data?.problem)) return data.problem;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err ? problemOf(cause) : undefined;
}

/**
 * The problem details carried by any error the client throws (or a problem body read from REST).
 * With `code`, answers only for that code, narrowed: `getProblem(err, 'INSUFFICIENT_STOCK')?.errors`.
 */
export function getProblem(err: unknown): ProblemDetails | undefined;
export function getProblem<C extends ErrorCode>(err: unknown, code: C): ProblemDetails<C> | undefined;
export function getProblem(err: unknown, code?: ErrorCode): ProblemDetails | undefined {
  const problem = problemOf(err);
  if (!problem || (code !== undefined && problem.error_code !== code)) return undefined;
  return problem;
}

/** An error the client threw whose problem has the code `C`: `err.data.problem` is narrowed. */
export type FrookoonError<C extends ErrorCode = ErrorCode> = Error & { data: { problem: ProblemDetails<C> } };

/**
 * Whether `err`, thrown by the client, carries the problem `code`; narrows like `getProblem(err, code)`:
 * `if (isErrorCode(err, 'INSUFFICIENT_STOCK')) err.data.problem.errors.forEach(...)`.
 */
export function isErrorCode<C extends ErrorCode>(err: unknown, code: C): err is FrookoonError<C> {
  if (!(err instanceof Error)) return false;
  const problem = (err as { data?: { problem?: unknown } }).data?.problem;
  return isProblemDetails(problem) && problem.error_code === code;
}

/** Whether the request behind `err` may be retried as is (lock conflicts, rate limits, unavailability). */
export function isRetryable(err: unknown): boolean {
  return getProblem(err)?.retryable ?? false;
}
