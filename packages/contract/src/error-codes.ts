/**
 * Every error code the API can answer with, defined once for the server and the SDK.
 * `status` is the HTTP status on the REST face; tRPC answers the same status.
 */
export const ERROR_CODES = {
  ORDER_ADDRESS_REQUIRED: { status: 400, title: 'Address required', retryable: false },
  PRODUCT_NOT_FOUND: { status: 400, title: 'Product not found', retryable: false },
  INSUFFICIENT_STOCK: { status: 400, title: 'Insufficient stock', retryable: false },
  INVALID_UUID: { status: 400, title: 'Invalid identifier', retryable: false },
  VALIDATION_ERROR: { status: 400, title: 'Validation failed', retryable: false },
  INVALID_DELIVERY_OTP: { status: 400, title: 'Invalid delivery code', retryable: false },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized', retryable: false },
  PAYMENT_FAILED: { status: 402, title: 'Payment failed', retryable: false },
  FORBIDDEN: { status: 403, title: 'Forbidden', retryable: false },
  NOT_FOUND: { status: 404, title: 'Not found', retryable: false },
  CONCURRENT_ORDER_CONFLICT: { status: 409, title: 'Concurrent order conflict', retryable: true },
  INVALID_STATUS_TRANSITION: { status: 409, title: 'Invalid status transition', retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', retryable: false },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused', retryable: false },
  RATE_LIMITED: { status: 429, title: 'Too many requests', retryable: true },
  INTERNAL_ERROR: { status: 500, title: 'Internal error', retryable: false },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', retryable: true },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** `ErrorCode.INSUFFICIENT_STOCK === 'INSUFFICIENT_STOCK'`, for switching on codes without string literals. */
export const ErrorCode = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])) as { [K in ErrorCode]: K },
);

export const ERROR_TYPE_BASE = 'https://api.frookoon.com/errors/';

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** `INSUFFICIENT_STOCK` → `https://api.frookoon.com/errors/insufficient-stock` */
export function errorTypeUri(code: ErrorCode): string {
  return ERROR_TYPE_BASE + code.toLowerCase().replaceAll('_', '-');
}
