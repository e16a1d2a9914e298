/**
 * Every error code the API can answer with, defined once for the server and the SDK.
 * `status` is the HTTP status on the REST face; tRPC answers the same status. `message` is what a UI shows a
 * person (the seed's user messages; `{placeholders}` are filled by `userMessage`).
 */
export const ERROR_CODES = {
  ORDER_ADDRESS_REQUIRED: { status: 400, title: 'Address required', retryable: false, message: 'Please provide a delivery address' },
  PRODUCT_NOT_FOUND: { status: 400, title: 'Product not found', retryable: false, message: 'One or more products are unavailable' },
  INSUFFICIENT_STOCK: { status: 400, title: 'Insufficient stock', retryable: false, message: 'Not enough stock for "{product_name}"' },
  INVALID_UUID: { status: 400, title: 'Invalid identifier', retryable: false, message: 'Invalid format for {field_name}' },
  VALIDATION_ERROR: { status: 400, title: 'Validation failed', retryable: false, message: 'Please check the highlighted fields' },
  INVALID_DELIVERY_OTP: { status: 400, title: 'Invalid delivery code', retryable: false, message: 'That delivery code is not right; ask the customer for the six-digit code' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized', retryable: false, message: 'Please login to place an order' },
  PAYMENT_FAILED: { status: 402, title: 'Payment failed', retryable: false, message: 'Your payment was declined; the order has been cancelled' },
  FORBIDDEN: { status: 403, title: 'Forbidden', retryable: false, message: 'Your account may not do this' },
  NOT_FOUND: { status: 404, title: 'Not found', retryable: false, message: 'We could not find that' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false, message: 'That cannot be done here' },
  CONCURRENT_ORDER_CONFLICT: { status: 409, title: 'Concurrent order conflict', retryable: true, message: 'High demand! Someone just ordered the last item. Please try again.' },
  INVALID_STATUS_TRANSITION: { status: 409, title: 'Invalid status transition', retryable: false, message: 'This order can no longer be changed that way' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', retryable: false, message: 'That request is too large' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused', retryable: false, message: 'This request was already sent with different details' },
  RATE_LIMITED: { status: 429, title: 'Too many requests', retryable: true, message: 'Too many attempts; please wait a moment and try again' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error', retryable: false, message: 'Something went wrong on our side; please try again later' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', retryable: true, message: 'The shop is briefly unavailable; please try again in a moment' },
  TOO_MANY_PENDING_ORDERS: { status: 409, title: 'Too many unpaid orders', retryable: false, message: 'You have too many unpaid orders; pay for or cancel some before ordering more' },
  DELIVERY_OTP_LOCKED: { status: 409, title: 'Delivery code locked', retryable: false, message: 'Too many wrong delivery codes were tried; an admin must issue a new code' },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** `ErrorCode.INSUFFICIENT_STOCK === 'INSUFFICIENT_STOCK'`, for switching on codes without string literals. */
export const ErrorCode = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])) as { [K in ErrorCode]: K },
);

export const ERROR_TYPE_BASE = 'https://api.frookoon.com/errors/';

export function isKnownErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** `INSUFFICIENT_STOCK` → `https://api.frookoon.com/errors/insufficient-stock` */
export function errorTypeUri(code: ErrorCode): string {
  return ERROR_TYPE_BASE + code.toLowerCase().replaceAll('_', '-');
}
