import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      requestId: string;
    }
  }
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** `req_` and 12 random hex digits: the last 48 bits of a random UUID, which Node draws from a buffer it refills in bulk. */
export const newRequestId = (): string => `req_${randomUUID().slice(24)}`;

/** Keeps the caller's `X-Request-Id` when it is sane, else makes one; echoes it on every response. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  req.requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
  res.setHeader('X-Request-Id', req.requestId);
  next();
};
