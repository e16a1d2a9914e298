import { ERROR_CODES, errorTypeUri, isErrorCode, type ErrorCode } from './error-codes';

export interface ProblemFieldError {
  /** Dotted path of the offending input, e.g. `items.0.quantity`. */
  field: string;
  message: string;
}

/** RFC 9457 problem details, as every error of the API carries it. */
export interface ProblemDetails<C extends ErrorCode = ErrorCode> {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  error_code: C;
  errors: ProblemFieldError[];
  retryable: boolean;
  request_id: string;
  timestamp: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function makeProblem<C extends ErrorCode>(input: {
  code: C;
  detail: string;
  instance: string;
  requestId: string;
  errors?: ProblemFieldError[];
  now?: Date;
}): ProblemDetails<C> {
  const spec = ERROR_CODES[input.code];
  return {
    type: errorTypeUri(input.code),
    title: spec.title,
    status: spec.status,
    detail: input.detail,
    instance: input.instance,
    error_code: input.code,
    errors: input.errors ?? [],
    retryable: spec.retryable,
    request_id: input.requestId,
    timestamp: (input.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

export function isProblemDetails(value: unknown): value is ProblemDetails {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    isErrorCode(v.error_code) &&
    typeof v.status === 'number' &&
    typeof v.type === 'string' &&
    typeof v.title === 'string' &&
    Array.isArray(v.errors)
  );
}
