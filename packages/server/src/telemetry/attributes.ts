/** Names shared by the spans the server makes and the tracing setup. */
export const SERVICE_NAME = 'frookoon-api';

/** The request id (`X-Request-Id`) on the HTTP span and on every procedure span, to find a trace from a problem. */
export const REQUEST_ID_ATTRIBUTE = 'frookoon.request_id';
