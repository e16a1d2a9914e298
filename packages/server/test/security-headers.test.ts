import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { expect, it } from 'vitest';
import { SECURITY_POLICY, securityHeaders } from '../src/http/security-headers';

async function headersOf(middleware: RequestHandler): Promise<[string, string][]> {
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => {
    res.json({});
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const own = new Set(['date', 'etag', 'content-length', 'content-type', 'connection', 'keep-alive']);
    return [...res.headers].filter(([name]) => !own.has(name)).sort();
  } finally {
    server.close();
  }
}

it('sets exactly the headers helmet sets with the same policy, X-Powered-By removed', async () => {
  const expected = await headersOf(helmet(SECURITY_POLICY));
  expect(expected.map(([name]) => name)).toContain('content-security-policy');
  expect(await headersOf(securityHeaders(SECURITY_POLICY))).toEqual(expected);
  expect(expected.some(([name]) => name === 'x-powered-by')).toBe(false);
});
