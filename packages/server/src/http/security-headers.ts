import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** Helmet's defaults, but the API's answers may be read by pages of other origins (the demo client, any SDK user). */
export const SECURITY_POLICY: Readonly<HelmetOptions> = { crossOriginResourcePolicy: { policy: 'cross-origin' } };

/**
 * Helmet's response headers, worked out once: with fixed options every response gets the same ones, and setting
 * them from a list costs less than running helmet's dozen middlewares on every request.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): RequestHandler {
  const set = new Map<string, string>();
  const removed = new Set<string>();
  const probe = {
    setHeader: (name: string, value: string | number | readonly string[]) => set.set(name, String(value)),
    removeHeader: (name: string) => removed.add(name),
    getHeader: () => undefined,
  } as unknown as ServerResponse;
  helmet(options)({} as IncomingMessage, probe, () => undefined);
  const headers = [...set];
  const gone = [...removed].filter((name) => !set.has(name));
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of gone) res.removeHeader(name);
    next();
  };
}
