import cors from 'cors';
import type { RequestHandler } from 'express';

export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'trpc-accept'];

/** CORS for the listed origins only; any other origin gets no `Access-Control-Allow-Origin` at all. */
export function corsMiddleware(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  const handler = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
  // A request with no Origin is not a cross-origin one: cors would set nothing on it, after copying its options for it.
  return (req, res, next) => (req.headers.origin === undefined ? next() : handler(req, res, next));
}
