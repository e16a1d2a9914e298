import { ERROR_CODES, type ErrorCode, type ProblemFieldError } from '@frookoon/contract';

/** The one error type of the domain: a code of the shared table, a human detail, and per-field errors. */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'AppError';
  readonly code: C;
  readonly errors: ProblemFieldError[];
  /** Extra response headers the transport should send (e.g. `Allow`, `Retry-After`). */
  readonly headers: Record<string, string>;
  /** Seconds to wait before trying again: `retryAfter` in the problem, `Retry-After` on REST. */
  readonly retryAfter: number | undefined;

  constructor(
    code: C,
    detail?: string,
    options: { errors?: ProblemFieldError[]; cause?: unknown; headers?: Record<string, string>; retryAfter?: number } = {},
  ) {
    super(detail ?? ERROR_CODES[code].title, { cause: options.cause });
    this.code = code;
    this.errors = options.errors ?? [];
    this.retryAfter = options.retryAfter;
    this.headers = { ...options.headers, ...(options.retryAfter === undefined ? {} : { 'Retry-After': String(options.retryAfter) }) };
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** The field of the first per-field error, for log lines. */
  get field(): string | undefined {
    return this.errors[0]?.field;
  }
}
