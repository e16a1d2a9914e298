import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format';
import { bearer, jsonPost, startTestApp, type TestApp } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

async function scrape(): Promise<Map<string, PrometheusFamily>> {
  const res = await fetch(app.metricsUrl!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  const families = parsePrometheusTextFormat(await res.text());
  return new Map(families.map((f) => [f.name, f]));
}

const matches = (sample: PrometheusSample, labels: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v);

/** A counter's or gauge's value (an unlabelled histogram's count), summed over the samples with these labels. */
function valueOf(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}): number {
  const samples = families.get(name)?.metrics.filter((s) => matches(s, labels)) ?? [];
  return samples.reduce((sum, s) => sum + Number(s.value ?? s.count), 0);
}

describe('GET /metrics', () => {
  it('is served on its own loopback port, apart from the API', async () => {
    expect(app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(app.metricsUrl!).port).not.toBe(new URL(app.url).port);
    const onApi = await app.http('/metrics');
    expect(onApi.status).toBe(404);
    expect(onApi.headers.get('content-type')).toContain('application/problem+json');
    expect(await onApi.json()).toMatchObject({ error_code: 'NOT_FOUND' });
    expect((await fetch(new URL('/', app.metricsUrl)).then((r) => r.status))).toBe(404);
  });

  it('moves as orders are placed and refused, by route template and error code, with no id in any label', async () => {
    const { vendorId } = await makeVendor(app);
    const product = await makeProduct(app, vendorId, { stock: 3 });
    const buyer = await makeBuyer(app);
    const before = await scrape();

    const placed = await app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }, bearer(buyer.token)));
    expect(placed.status).toBe(201);
    const { id } = (await placed.json()) as { id: string };
    expect((await app.http(`/api/v1/orders/${id}`, { headers: bearer(buyer.token) })).status).toBe(200);
    const overTrpc = await app.client(buyer.token).orders.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] });
    expect(overTrpc.status).toBe('PENDING');
    const refused = await app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId: product, quantity: 5 }] }, bearer(buyer.token)));
    expect(((await refused.json()) as { error_code: string }).error_code).toBe('INSUFFICIENT_STOCK');

    // Paths that match nothing are counted without what they carried.
    for (const path of [`/api/v1/no-such/${id}`, `/trpc/${id}`, `/trpc/orders.byId,${id}`, `/${id}`]) expect((await app.http(path)).status).toBe(404);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(moved('frookoon_orders_created_total')).toBe(2);
    expect(moved('frookoon_orders_refused_total', { error_code: 'INSUFFICIENT_STOCK' })).toBe(1);
    expect(moved('frookoon_http_requests_total', { method: 'POST', route: '/api/v1/orders', status: '201' })).toBe(1);
    expect(moved('frookoon_http_requests_total', { method: 'POST', route: '/api/v1/orders', status: String(refused.status) })).toBe(1);
    expect(moved('frookoon_http_requests_total', { method: 'GET', route: '/api/v1/orders/{id}', status: '200' })).toBe(1);
    expect(moved('frookoon_http_requests_total', { method: 'POST', route: '/trpc/orders.create', status: '200' })).toBe(1);
    // The parser folds a labelled histogram's samples into one; their counts are the request counter's.
    expect(after.get('frookoon_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // The refused order was refused under the lock, after its stock was read.
    expect(moved('frookoon_stock_lock_wait_seconds')).toBe(3);
    expect(after.get('frookoon_stock_lock_wait_seconds')?.type).toBe('HISTOGRAM');

    for (const family of after.values()) {
      for (const sample of family.metrics) {
        for (const value of Object.values(sample.labels ?? {})) expect(value, `${family.name} ${value}`).not.toMatch(UUID);
      }
    }
  });

  it('reads the backlogs, the pool and the process when scraped', async () => {
    const families = await scrape();
    expect(families.get('frookoon_outbox_undispatched_events')?.metrics).toHaveLength(1);
    expect(valueOf(families, 'frookoon_outbox_oldest_undispatched_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(families.get('frookoon_refunds')?.metrics.map((s) => s.labels?.status).sort()).toEqual(['failed', 'requested', 'succeeded']);
    expect(valueOf(families, 'frookoon_db_pool_connections_max')).toBe(app.config.dbPoolMax);
    expect(families.get('frookoon_db_pool_connections_in_use')?.type).toBe('GAUGE');
    expect(families.get('frookoon_db_pool_pending_acquires')?.type).toBe('GAUGE');
    expect(valueOf(families, 'frookoon_job_runs_total', { job: 'outbox', outcome: 'ok' })).toBeGreaterThan(0);
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('is not served at all with METRICS_PORT=off', async () => {
    const off = await startTestApp({ METRICS_PORT: 'off' }, app.db);
    try {
      expect(off.metricsUrl).toBeUndefined();
      expect((await off.http('/healthz')).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
