/**
 * Order placement under load, against the real server in a child process and a real PostgreSQL
 * (DATABASE_URL's server, or a throwaway embedded cluster). Prints throughput, latency and the server's
 * CPU time per order; bounded in count, loopback only.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { freePort, scratchServer, withDatabaseName } from '@frookoon/db';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CLK_TCK = 100;
const metrics = process.env.METRICS_PORT === 'off' ? 'off' : '0';

/** utime + stime of a process, in milliseconds. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const { adminUrl, stop: stopCluster } = await scratchServer(await freePort());
  const dbName = `frookoon_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dbUrl = withDatabaseName(adminUrl, dbName);

  const port = await freePort();
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  const server = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    // METRICS_PORT=off measures the server without its metrics.
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', DB_POOL_MAX: '10', METRICS_PORT: metrics },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 300) throw new Error('server did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }

    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    const vendorId = uuidv7();
    await db.query("insert into vendor (id, name, created_at) values ($1, 'Bench', now())", [vendorId]);
    const products: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = uuidv7();
      products.push(id);
      await db.query("insert into product (id, vendor_id, name, sku, price_cents, currency, created_at) values ($1, $2, $3, $4, 100, 'INR', now())", [id, vendorId, `P${i}`, `SKU-${i}`]);
      await db.query('insert into stock (product_id, quantity, updated_at) values ($1, 1000000, now())', [id]);
      await db.query("insert into stock_movement (id, product_id, kind, delta, at) values ($1, $2, 'restock', 1000000, now())", [uuidv7(), id]);
    }
    const buyers: { token: string; addressId: string }[] = [];
    for (let i = 0; i < 250; i++) {
      const userId = uuidv7();
      const addressId = uuidv7();
      const token = `fk_${randomBytes(32).toString('base64url')}`;
      await db.query("insert into app_user (id, email, name, password_hash, role, created_at) values ($1, $2, 'B', 'x', 'customer', now())", [userId, `b${i}@bench.test`]);
      await db.query("insert into address (id, customer_id, line1, city, postal_code, country, created_at) values ($1, $2, 'l', 'c', '1', 'IN', now())", [addressId, userId]);
      await db.query("insert into api_token (id, user_id, token_hash, created_at, expires_at) values ($1, $2, $3, now(), now() + interval '1 day')", [uuidv7(), userId, createHash('sha256').update(token).digest('hex')]);
      buyers.push({ token, addressId });
    }

    const place = async (i: number, items: { productId: string; quantity: number }[]) => {
      const buyer = buyers[i % buyers.length]!;
      const res = await fetch(`${base}/api/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${buyer.token}` },
        body: JSON.stringify({ addressId: buyer.addressId, items }),
      });
      await res.arrayBuffer();
      return res.status;
    };

    // Warm-up: JIT, pool, prepared plans.
    await Promise.all(Array.from({ length: 200 }, (_, i) => place(i, [{ productId: products[i % 20]!, quantity: 1 }])));

    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const cpuBefore = cpuMs(server.pid!);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ORDERS) {
          const i = next++;
          const t0 = performance.now();
          const status = await place(i, [
            { productId: products[i % 20]!, quantity: 1 },
            { productId: products[(i * 7 + 3) % 20]!, quantity: 2 },
          ]);
          latencies.push(performance.now() - t0);
          if (status !== 201) failures++;
        }
      }),
    );
    const wall = performance.now() - started;
    const cpu = cpuMs(server.pid!) - cpuBefore;
    latencies.sort((a, b) => a - b);

    const last = uuidv7();
    await db.query("insert into product (id, vendor_id, name, sku, price_cents, currency, created_at) values ($1, $2, 'Last', 'LAST', 100, 'INR', now())", [last, vendorId]);
    await db.query('insert into stock (product_id, quantity, updated_at) values ($1, 50, now())', [last]);
    await db.query("insert into stock_movement (id, product_id, kind, delta, at) values ($1, $2, 'restock', 50, now())", [uuidv7(), last]);
    const crowdStarted = performance.now();
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => place(i, [{ productId: last, quantity: 1 }])));
    const crowdWall = performance.now() - crowdStarted;
    await db.end();

    const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(40)} ${value}\n`);
    line('orders (2 lines each)', `${ORDERS} at concurrency ${CONCURRENCY}, ${failures} failed, metrics ${metrics === 'off' ? 'off' : 'on'}`);
    line('throughput', `${((ORDERS / wall) * 1000).toFixed(0)} orders/s`);
    line('latency p50 / p95 / p99', `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 95).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`);
    line('server CPU per order', `${(cpu / ORDERS).toFixed(2)} ms`);
    line('200 buyers for the last 50 units', `${crowdWall.toFixed(0)} ms, ${statuses.filter((s) => s === 201).length} sold, ${statuses.filter((s) => s === 400).length} refused`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await stopCluster();
  }
}

await main();
