/**
 * Order placement under load: the compiled server in production mode and a hand-written `node:http` + `pg`
 * floor (floor-server.ts), each its own process, on one throwaway embedded PostgreSQL, in the same run.
 * Workloads (one hot product; uniform over many products; three-line orders over 100 products; place-and-pay)
 * run at 16 and 64 connections for BENCH_SECONDS each; rate limits stay at their defaults and every run gets
 * fresh customers, so neither the per-token rate limit nor the cap on unpaid orders shapes the figures. Customers, addresses, tokens and
 * products are written directly in SQL (registration is rate limited per address and hashes passwords).
 * Prints one table and writes it as JSON to bench/results/<timestamp>.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { freePort, scratchServer, withDatabaseName } from '@frookoon/db';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '16,64').split(',').map(Number);
/** Workload names to run (hot, uniform, three-line, pay); all by default. */
const ONLY = process.env.BENCH_WORKLOADS?.split(',');
/** Node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const SERVER_FLAGS = process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const STOCK = 10_000_000;
const CLK_TCK = 100;
const serverDir = new URL('..', import.meta.url).pathname;

interface Buyer {
  token: string;
  addressId: string;
}

interface Target {
  name: 'frookoon' | 'floor';
  process: ChildProcess;
  port: number;
}

interface Figures {
  /** Orders (or, for place-and-pay, paid orders) per second. */
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  cpuMsPerOrder: number;
  peakRssMb: number;
  /** Units in the orders answered 201, to be equal to the stock sold. */
  unitsAccepted: number;
  stockSold: number;
}

/** A process and every process below it, from /proc. */
function processTree(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return [pid, ...children.flatMap(processTree)];
}

/** utime + stime summed over a process tree, in milliseconds. */
function cpuMs(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return sum + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  }, 0);
}

/** The largest VmHWM in a process tree, in MB; reset (clear_refs 5) before each run. */
function peakRssMb(pid: number): number {
  return Math.max(...processTree(pid).map((p) => Number(readFileSync(`/proc/${p}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)![1]) / 1024));
}

function resetPeakRss(pid: number): void {
  for (const p of processTree(pid)) writeFileSync(`/proc/${p}/clear_refs`, '5');
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** A POST over the keep-alive agent; a connection that fails answers status 0. */
function post(agent: Agent, port: number, path: string, token: string, body: unknown): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        agent, host: '127.0.0.1', port, path, method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(payload);
  });
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`process on port ${port} exited with ${child.exitCode}`);
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`process on port ${port} did not become ready`);
}

async function start(name: Target['name'], args: string[], env: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, args, { cwd: serverDir, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, child);
  return { name, process: child, port };
}

async function stop(target: Target): Promise<void> {
  if (target.process.exitCode !== null) return;
  const exited = new Promise((resolve) => target.process.once('exit', resolve));
  target.process.kill('SIGTERM');
  await exited;
}

async function main() {
  const built = spawn('pnpm', ['--filter', '@frookoon/server', 'build'], { cwd: serverDir, stdio: ['ignore', 'ignore', 'inherit'] });
  const buildCode = await new Promise<number | null>((resolve) => built.once('exit', resolve));
  if (buildCode !== 0) throw new Error(`server build failed (${buildCode})`);

  const { adminUrl, stop: stopCluster } = await scratchServer(await freePort());
  const dbName = `frookoon_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dbUrl = withDatabaseName(adminUrl, dbName);
  const common = { DATABASE_URL: dbUrl, DB_POOL_MAX: process.env.DB_POOL_MAX ?? '10' };
  const targets: Target[] = [];
  const db = new pg.Client({ connectionString: dbUrl });

  try {
    targets.push(
      await start('frookoon', [...SERVER_FLAGS, 'dist/main.mjs'], {
        ...common, NODE_ENV: 'production', PAYMENT_GATEWAY: 'test', SEED_DEMO: 'false', LOG_LEVEL: 'warn', METRICS_PORT: process.env.METRICS_PORT ?? 'off',
      }),
    );
    targets.push(await start('floor', ['--import', 'tsx', 'bench/floor-server.ts'], common));
    await db.connect();

    const vendorId = uuidv7();
    await db.query("insert into vendor (id, name, created_at) values ($1, 'Bench', now())", [vendorId]);
    const createProducts = async (count: number): Promise<string[]> => {
      const ids = Array.from({ length: count }, () => uuidv7());
      await db.query(
        `insert into product (id, vendor_id, name, sku, price_cents, currency, created_at)
         select id, $2, 'Bench ' || n, 'BENCH-' || id, 100, 'INR', now() from unnest($1::uuid[]) with ordinality as t(id, n)`,
        [ids, vendorId],
      );
      await db.query('insert into stock (product_id, quantity, updated_at) select id, $2, now() from unnest($1::uuid[]) as t(id)', [ids, STOCK]);
      await db.query(
        "insert into stock_movement (id, product_id, kind, delta, at) select gen_random_uuid(), id, 'restock', $2, now() from unnest($1::uuid[]) as t(id)",
        [ids, STOCK],
      );
      return ids;
    };
    const createBuyers = async (count: number): Promise<Buyer[]> => {
      const users = Array.from({ length: count }, () => uuidv7());
      const addresses = users.map(() => uuidv7());
      const tokens = users.map(() => `fk_${randomBytes(32).toString('base64url')}`);
      await db.query(
        `insert into app_user (id, email, name, password_hash, role, created_at)
         select id, id || '@bench.test', 'Bench buyer', 'x', 'customer', now() from unnest($1::uuid[]) as t(id)`,
        [users],
      );
      await db.query(
        `insert into address (id, customer_id, line1, city, postal_code, country, created_at)
         select a, u, '1 Bench Road', 'Pune', '411001', 'IN', now() from unnest($1::uuid[], $2::uuid[]) as t(a, u)`,
        [addresses, users],
      );
      await db.query(
        `insert into api_token (id, user_id, token_hash, created_at, expires_at)
         select gen_random_uuid(), u, h, now(), now() + interval '1 day' from unnest($1::uuid[], $2::text[]) as t(u, h)`,
        [users, tokens.map((t) => createHash('sha256').update(t).digest('hex'))],
      );
      return tokens.map((token, i) => ({ token, addressId: addresses[i]! }));
    };
    const stockSum = async (ids: string[]) =>
      Number((await db.query<{ s: string }>('select sum(quantity) as s from stock where product_id = any($1)', [ids])).rows[0]!.s);

    const hot = await createProducts(1);
    const many = await createProducts(PRODUCTS);

    const few = await createProducts(100);

    const workloads = [
      { key: 'hot', name: 'one hot product', products: hot, lines: 1, pay: false },
      { key: 'uniform', name: `uniform over ${PRODUCTS} products`, products: many, lines: 1, pay: false },
      { key: 'three-line', name: 'three lines over 100 products', products: few, lines: 3, pay: false },
      { key: 'pay', name: 'place and pay', products: many, lines: 1, pay: true },
    ].filter((w) => !ONLY || ONLY.includes(w.key));

    /**
     * Workers loop for `seconds`, each order as the next buyer, of `lines` distinct products one unit each; a
     * request that fails to connect counts as non-2xx.
     */
    const run = async (target: Target, products: string[], lines: number, pay: boolean, connections: number, seconds: number): Promise<Figures> => {
      const buyers = await createBuyers(CUSTOMERS);
      const agent = new Agent({ keepAlive: true, maxSockets: connections });
      const before = await stockSum(products);
      resetPeakRss(target.process.pid!);
      const cpuBefore = cpuMs(target.process.pid!);
      const latencies: number[] = [];
      let next = 0;
      let accepted = 0;
      let completed = 0;
      let non2xx = 0;
      const started = performance.now();
      const deadline = started + seconds * 1000;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < deadline) {
            const i = next++;
            const buyer = buyers[i % buyers.length]!;
            const t0 = performance.now();
            const created = await post(agent, target.port, '/api/v1/orders', buyer.token, {
              addressId: buyer.addressId,
              items: Array.from({ length: lines }, (_, k) => ({ productId: products[(i * 7919 + k) % products.length]!, quantity: 1 })),
            });
            if (created.status === 201) accepted++;
            else non2xx++;
            if (pay && created.status === 201) {
              const { id } = JSON.parse(created.body) as { id: string };
              const paid = await post(agent, target.port, `/api/v1/orders/${id}/pay`, buyer.token, { paymentToken: 'tok_visa' });
              if (paid.status < 200 || paid.status > 299) non2xx++;
              else completed++;
            } else if (!pay && created.status === 201) completed++;
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const wall = performance.now() - started;
      const cpu = cpuMs(target.process.pid!) - cpuBefore;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      return {
        perSecond: (completed / wall) * 1000,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        non2xx,
        cpuMsPerOrder: cpu / Math.max(1, completed),
        peakRssMb: peakRssMb(target.process.pid!),
        unitsAccepted: accepted * lines,
        stockSold: before - (await stockSum(products)),
      };
    };

    // Warm-up: JIT, pools, prepared plans, before anything is measured.
    for (const target of targets) await run(target, many, 1, true, 16, 2);

    const rows: { workload: string; connections: number; frookoon: Figures; floor: Figures; ratio: number }[] = [];
    for (const w of workloads) {
      for (const connections of CONNECTIONS) {
        const frookoon = await run(targets[0]!, w.products, w.lines, w.pay, connections, SECONDS);
        const floor = await run(targets[1]!, w.products, w.lines, w.pay, connections, SECONDS);
        rows.push({ workload: w.name, connections, frookoon, floor, ratio: frookoon.perSecond / floor.perSecond });
      }
    }

    const balanced = (f: Figures) => f.stockSold === f.unitsAccepted;
    const header = ['workload', 'conn', 'orders/s', 'p50 ms', 'p99 ms', 'non-2xx', 'CPU ms/order', 'peak RSS MB', 'stock = sold', 'floor/s', 'floor p50', 'floor p99', 'floor CPU', 'ratio'];
    const cells = rows.map((r) => [
      r.workload + (r.workload === 'place and pay' ? ' (paid/s, per cycle)' : ''),
      String(r.connections),
      r.frookoon.perSecond.toFixed(0),
      r.frookoon.p50.toFixed(1),
      r.frookoon.p99.toFixed(1),
      String(r.frookoon.non2xx),
      r.frookoon.cpuMsPerOrder.toFixed(2),
      r.frookoon.peakRssMb.toFixed(0),
      balanced(r.frookoon) && balanced(r.floor) ? 'yes' : 'NO',
      r.floor.perSecond.toFixed(0),
      r.floor.p50.toFixed(1),
      r.floor.p99.toFixed(1),
      r.floor.cpuMsPerOrder.toFixed(2),
      `${r.ratio.toFixed(2)}x`,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |\n`;
    process.stdout.write(line(header) + line(widths.map((w) => '-'.repeat(w))) + cells.map(line).join(''));
    process.stdout.write(`${SECONDS} s per run, ${CUSTOMERS} fresh customers per run, rate limits at their defaults, server CPU summed over its process tree\n`);

    const resultsDir = new URL('results/', import.meta.url).pathname;
    mkdirSync(resultsDir, { recursive: true });
    const file = `${resultsDir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, customers: CUSTOMERS, products: PRODUCTS, rows }, null, 2)}\n`);
    process.stdout.write(`results: ${file}\n`);
    if (rows.some((r) => !balanced(r.frookoon) || !balanced(r.floor))) {
      process.stderr.write('stock sold differs from orders accepted\n');
      process.exitCode = 1;
    }
  } finally {
    await db.end().catch(() => undefined);
    for (const target of targets) await stop(target);
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await stopCluster();
  }
}

await main();
