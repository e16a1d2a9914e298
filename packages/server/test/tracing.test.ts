/**
 * Traces from the real server in a process of its own (the instrumentations must be registered before the modules
 * they patch load, as `main.ts` does), sent to a collector inside this test as OTLP/HTTP JSON.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@frookoon/db';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { spawnServer, type ServerProcess } from '../../../test/support/drill';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';

type OtlpAttributes = { key: string; value: { stringValue?: string } }[];

/** The parts of an OTLP JSON span this test reads (`scope` is its instrumentation's name, added on receipt). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttributes;
  scope: string;
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttributes }; scopeSpans: { scope: { name: string }; spans: Omit<OtlpSpan, 'scope'>[] }[] }[];
}

const SPAN_KIND_SERVER = 2;
const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

let db: TestDatabase;
let app: TestApp;
let collector: Server;
let server: ServerProcess | undefined;
const spans: OtlpSpan[] = [];
const contentTypes: string[] = [];
const services = new Set<string | undefined>();

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        contentTypes.push(req.headers['content-type'] ?? '');
        for (const resource of (JSON.parse(body) as OtlpExport).resourceSpans) {
          services.add(resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
          for (const { scope, spans: scoped } of resource.scopeSpans) spans.push(...scoped.map((s) => ({ ...s, scope: scope.name })));
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  db = await createTestDatabase();
  app = await startTestApp({}, db);
});
afterAll(async () => {
  server?.child.kill('SIGKILL');
  await app.close();
  await db.drop();
  await new Promise((resolve) => collector.close(resolve));
});

describe('traces', () => {
  it('one order is one trace: its HTTP request, its procedure and its SQL, with the request id', async () => {
    const { vendorId } = await makeVendor(app);
    const product = await makeProduct(app, vendorId, { stock: 5 });
    const buyer = await makeBuyer(app);
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    server = await spawnServer(db.url, await freePort(), { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'frookoon-trace-test' });

    const requestId = 'req_trace_test_0001';
    const res = await fetch(`${server.url}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${buyer.token}`, 'x-request-id': requestId },
      body: JSON.stringify({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }),
    });
    expect(res.status).toBe(201);
    // A clean stop sends the spans still buffered.
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    expect(contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    expect([...services]).toEqual(['frookoon-trace-test']);
    const http = spans.find((s) => s.kind === SPAN_KIND_SERVER && attribute(s, 'frookoon.request_id') === requestId);
    expect(http, 'the HTTP server span of the order').toBeDefined();
    const trace = spans.filter((s) => s.traceId === http!.traceId);
    const procedure = trace.find((s) => s.name === 'trpc orders.create');
    expect(procedure, 'the procedure span').toBeDefined();
    expect(attribute(procedure!, 'frookoon.request_id')).toBe(requestId);
    const sql = trace.filter((s) => s.scope === '@opentelemetry/instrumentation-pg' && attribute(s, 'db.query.text'));
    expect(sql.length).toBeGreaterThan(0);

    // Each SQL span sits under the procedure, and the procedure under the HTTP request.
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestors = (span: OtlpSpan) => {
      const found: OtlpSpan[] = [];
      for (let at = byId.get(span.parentSpanId ?? ''); at; at = byId.get(at.parentSpanId ?? '')) found.push(at);
      return found;
    };
    expect(ancestors(procedure!)).toContain(http);
    for (const statement of sql) expect(ancestors(statement)).toContain(procedure);
    expect(sql.map((s) => attribute(s, 'db.query.text')).join('\n')).toMatch(/update stock set quantity = quantity - \$2/i);
  });
});
