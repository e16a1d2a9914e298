import { randomBytes } from 'node:crypto';
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

export const newRequestId = (): string => `req_${randomBytes(6).toString('hex')}`;

/** Keeps the caller's `X-Request-Id` when it is sane, else makes one; echoes it on every response. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  req.requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
  res.setHeader('X-Request-Id', req.requestId);
  next();
};
