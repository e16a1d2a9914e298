import { ERROR_CODES, errorTypeUri, isKnownErrorCode, type ErrorCode } from './error-codes';

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
  /** Seconds to wait before trying again (`RATE_LIMITED`; also sent as the `Retry-After` header on REST). */
  retryAfter?: number;
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
    isKnownErrorCode(v.error_code) &&
    typeof v.status === 'number' &&
    typeof v.type === 'string' &&
    typeof v.title === 'string' &&
    Array.isArray(v.errors)
  );
}

/**
 * What a UI shows a person for a problem (or a bare code): the code's user message, with `{product_name}` and
 * `{field_name}` filled in from the problem when it names them.
 */
export function userMessage(problem: ErrorCode | Pick<ProblemDetails, 'error_code' | 'detail' | 'errors'>): string {
  const code = typeof problem === 'string' ? problem : problem.error_code;
  const template: string = ERROR_CODES[code].message;
  if (typeof problem === 'string') return template.replace('"{product_name}"', 'this product').replace('{field_name}', 'this field');
  // The server's own detail already names the short products, e.g. `Not enough stock for "Mango", "Lime"`.
  if (code === 'INSUFFICIENT_STOCK') return problem.detail;
  return template.replace('{field_name}', problem.errors[0]?.field ?? 'this field');
}
