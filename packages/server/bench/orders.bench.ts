/**
 * Order placement under load: the compiled server in production mode and a hand-written `node:http` + `pg`
 * floor (floor-server.ts), each its own process, on one throwaway embedded PostgreSQL, in the same run.
 * Workloads (one hot product; uniform over many products; three-line orders over 100 products; place-and-pay)
 * run at 16 and 64 connections for BENCH_SECONDS each, Frookoon and the floor in alternating turns (BENCH_PAIR_SLICES
 * of each), so that a stretch of the host running slower falls on both; place-and-pay also takes turns with the same
 * orders placed alone, its create measured under the same conditions. Then hot and uniform again at the most
 * connections with the server restarted as WORKERS=2 (its fresh workers warmed on those workloads first), again in
 * turns with the floor. The vendor, the products with their stock and the customers with their tokens and
 * addresses are made through Frookoon's own REST API, as a client would. Rate limits and the cap on
 * unpaid orders stay at their defaults: Frookoon's customers are one pool whose pending orders they pay
 * through the API after each run (after its stock check), so neither limit shapes the figures; the floor,
 * which enforces neither, has a pool of its own. BENCH_PGBOUNCER=1 puts PgBouncer (transaction pooling) in
 * front of the database for both servers. Prints one table and writes it as JSON to bench/results/<timestamp>.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import pg from 'pg';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, freePort, scratchServer, startPgBouncer, withDatabaseName, type RunningPgBouncer } from '@frookoon/db';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '16,64').split(',').map(Number);
/** Workload names to run (hot, uniform, three-line, pay); all by default. */
const ONLY = process.env.BENCH_WORKLOADS?.split(',');
/** Node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const SERVER_FLAGS = process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
/**
 * Frookoon's pool of customers; with MAX_PENDING_ORDERS it bounds the orders one run may place (see the footer): at
 * ~1,100 orders/s a run of 15 s places ~11 orders per customer, well under the cap of 20.
 */
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1500);
/** The floor's pool: it looks every token up anyway and caps nothing, so its size changes nothing it does. */
const FLOOR_CUSTOMERS = Number(process.env.BENCH_FLOOR_CUSTOMERS ?? 100);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 10_000);
/** Worker count of the rows measured after the single-worker ones (hot and uniform, at the most connections); 1 skips them. */
const MULTI_WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
/** Turns of each side of a row (Frookoon, the floor, and for place-and-pay the same orders placed alone), alternated. */
const PAIR_SLICES = Number(process.env.BENCH_PAIR_SLICES ?? 5);
const PGBOUNCER = process.env.BENCH_PGBOUNCER === '1';
const DB_POOL_MAX = process.env.DB_POOL_MAX ?? '10';
/** The most `products.create` takes as initial stock; far more than every run together sells of one product. */
const STOCK = 1_000_000;
/** The server's default (MAX_PENDING_ORDERS), which the bench leaves as it is. */
const MAX_PENDING_ORDERS = 20;
const SETUP_CONCURRENCY = 32;
/**
 * A login counts as a failed one until its password checks (RATE_LOGIN_FAILURES, 10 per 15 minutes per address),
 * and an address past the limit is refused for the rest of the window: fewer than 10 may be in flight.
 */
const LOGIN_CONCURRENCY = 8;
const PASSWORD = `bench-${randomBytes(12).toString('base64url')}`;
const CLK_TCK = 100;
const serverDir = new URL('..', import.meta.url).pathname;
/** What `pnpm start` runs in production (`start:prod`: Node's flags and the entry), so that the bench measures it. */
const PRODUCTION_COMMAND = (JSON.parse(readFileSync(`${serverDir}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod']!
  .split(' ')
  .slice(1);

interface Buyer {
  customerId: string;
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
  /** The most orders one customer placed in the run, to stay under MAX_PENDING_ORDERS. */
  maxOrdersPerCustomer: number;
  /** Non-2xx answers by status (0: the connection failed), to tell a cap or a rate limit from a failure. */
  refusals: Record<string, number>;
}

interface Row {
  workload: string;
  connections: number;
  workers: number;
  frookoon: Figures;
  floor: Figures;
  ratio: number;
  /**
   * Place-and-pay only: orders placed without paying (the same products, one line) at the same concurrency, in
   * turns with the cycles, so that a cycle is compared with a create measured under the same conditions.
   */
  createAlone?: Figures;
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

/** The largest VmHWM of one process in a process tree, in MB; reset (clear_refs 5) before each run. */
function peakRssMb(pid: number): number {
  return Math.max(...processTree(pid).map((p) => Number(readFileSync(`/proc/${p}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)![1]) / 1024));
}

function resetPeakRss(pid: number): void {
  for (const p of processTree(pid)) writeFileSync(`/proc/${p}/clear_refs`, '5');
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** A request over the keep-alive agent; a connection that fails answers status 0. */
function send(agent: Agent, port: number, method: string, path: string, token: string | undefined, body: unknown): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        agent, host: '127.0.0.1', port, path, method,
        headers: {
          'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
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

/** A set-up call that must answer `expected`; anything else ends the bench, as the data would be incomplete. */
async function api<T>(agent: Agent, port: number, path: string, token: string | undefined, body: unknown, expected: number): Promise<T> {
  const answer = await send(agent, port, 'POST', `/api/v1${path}`, token, body);
  if (answer.status !== expected) throw new Error(`POST /api/v1${path} answered ${answer.status}, not ${expected}: ${answer.body.slice(0, 500)}`);
  return JSON.parse(answer.body) as T;
}

/** `work(i)` for every i below `count`, at most `concurrency` at a time, results in order. */
async function inParallel<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
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
  if (target.process.exitCode !== null || target.process.signalCode !== null) return;
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
  const directUrl = withDatabaseName(adminUrl, dbName);
  const targets: Target[] = [];
  const db = new pg.Client({ connectionString: directUrl });
  const setupAgent = new Agent({ keepAlive: true, maxSockets: SETUP_CONCURRENCY });
  let bouncer: RunningPgBouncer | undefined;

  try {
    // As many server connections as one server process may open: a single worker waits for none it would not wait
    // for directly, while two workers share them, as instances behind one pooler do.
    if (PGBOUNCER) bouncer = await startPgBouncer({ targetUrl: directUrl, poolSize: Number(DB_POOL_MAX) });
    const serverUrls: Record<string, string> = bouncer ? { DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: directUrl } : { DATABASE_URL: directUrl };
    const frookoonEnv = {
      ...serverUrls, DB_POOL_MAX, NODE_ENV: 'production', PAYMENT_GATEWAY: 'test', SEED_DEMO: 'true', LOG_LEVEL: 'warn',
      METRICS_PORT: process.env.METRICS_PORT ?? 'off',
    };
    await db.connect();
    /**
     * A cluster answers /readyz once one worker listens. Each instance opens its LISTEN connection just before it
     * listens for HTTP, so one such connection per worker means none of them is left out of the measurement.
     */
    const startFrookoon = async (workers: number): Promise<Target> => {
      // The backend of a stopped server's listener may outlive it by a moment: only those started since count.
      const since = (await db.query<{ t: Date }>('select now() as t')).rows[0]!.t;
      const target = await start('frookoon', [...SERVER_FLAGS, ...PRODUCTION_COMMAND], { ...frookoonEnv, WORKERS: String(workers) });
      for (let i = 0; ; i++) {
        const { rows } = await db.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where application_name = 'frookoon-listen' and datname = current_database() and backend_start >= $1",
          [since],
        );
        if (Number(rows[0]!.n) >= workers) return target;
        if (i === 300) throw new Error(`fewer than ${workers} Frookoon workers are listening after 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    targets.push(await startFrookoon(1));
    targets.push(await start('floor', ['--import', 'tsx', 'bench/floor-server.ts'], { DATABASE_URL: bouncer?.url ?? directUrl, DB_POOL_MAX }));

    // The data, through Frookoon's API. Products and customers go side by side: hashing passwords runs on the
    // server's thread pool, creating products on its event loop.
    const setupStarted = performance.now();
    const port = targets[0]!.port;
    const { token: adminToken } = await api<{ token: string }>(setupAgent, port, '/auth/login', undefined, { email: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD }, 200);
    const { id: vendorId } = await api<{ id: string }>(setupAgent, port, '/vendors', adminToken, { name: 'Bench' }, 201);
    let productsSeconds = 0;
    let customersSeconds = 0;
    const createProducts = async (label: string, count: number): Promise<string[]> =>
      inParallel(count, SETUP_CONCURRENCY, async (i) => {
        const body = { name: `Bench ${label} ${i}`, sku: `BENCH-${label}-${i}`, priceCents: 100, currency: 'INR', initialStock: STOCK, vendorId };
        return (await api<{ id: string }>(setupAgent, port, '/products', adminToken, body, 201)).id;
      });
    const createCustomers = async (label: string, count: number): Promise<Buyer[]> =>
      inParallel(count, LOGIN_CONCURRENCY, async (i) => {
        const email = `${label}-${i}@bench.frookoon.test`;
        const user = { email, password: PASSWORD, name: `Bench ${label} ${i}`, role: 'customer' };
        const { id: customerId } = await api<{ id: string }>(setupAgent, port, '/users', adminToken, user, 201);
        const { token } = await api<{ token: string }>(setupAgent, port, '/auth/login', undefined, { email, password: PASSWORD }, 200);
        const address = { line1: `${i} Bench Road`, city: 'Pune', postalCode: '411001', country: 'IN' };
        return { customerId, token, addressId: (await api<{ id: string }>(setupAgent, port, '/addresses', token, address, 201)).id };
      });
    const [[hot, many, few], [buyers, floorBuyers]] = await Promise.all([
      (async () => {
        const made = [await createProducts('hot', 1), await createProducts('many', PRODUCTS), await createProducts('few', 100)] as const;
        productsSeconds = (performance.now() - setupStarted) / 1000;
        return made;
      })(),
      (async () => {
        const made = [await createCustomers('buyer', CUSTOMERS), await createCustomers('floor', FLOOR_CUSTOMERS)] as const;
        customersSeconds = (performance.now() - setupStarted) / 1000;
        return made;
      })(),
    ]);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const floorCustomerIds = floorBuyers.map((b) => b.customerId);

    const stockSum = async (ids: string[]) =>
      Number((await db.query<{ s: string }>('select sum(quantity) as s from stock where product_id = any($1)', [ids])).rows[0]!.s);

    const workloads = [
      { key: 'hot', name: 'one hot product', products: hot, lines: 1, pay: false },
      { key: 'uniform', name: `uniform over ${PRODUCTS} products`, products: many, lines: 1, pay: false },
      { key: 'three-line', name: 'three lines over 100 products', products: few, lines: 3, pay: false },
      { key: 'pay', name: 'place and pay', products: many, lines: 1, pay: true },
    ].filter((w) => !ONLY || ONLY.includes(w.key));

    /** What runs counted, added up over the slices of one measurement, before `figuresOf` reduces it. */
    interface Tally {
      latencies: number[];
      wallMs: number;
      cpuMs: number;
      /** Orders placed (each by the next buyer of the pool), accepted (201) and completed (paid, for place-and-pay). */
      placed: number;
      accepted: number;
      completed: number;
      non2xx: number;
      refusals: Record<string, number>;
      peakRssMb: number;
      stockSold: number;
      unpaid: { id: string; token: string }[];
    }
    const newTally = (): Tally => ({
      latencies: [], wallMs: 0, cpuMs: 0, placed: 0, accepted: 0, completed: 0, non2xx: 0, refusals: {}, peakRssMb: 0, stockSold: 0, unpaid: [],
    });
    const figuresOf = (t: Tally, lines: number, poolSize: number): Figures => {
      const latencies = [...t.latencies].sort((a, b) => a - b);
      return {
        perSecond: (t.completed / t.wallMs) * 1000,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        non2xx: t.non2xx,
        cpuMsPerOrder: t.cpuMs / Math.max(1, t.completed),
        peakRssMb: t.peakRssMb,
        unitsAccepted: t.accepted * lines,
        stockSold: t.stockSold,
        maxOrdersPerCustomer: Math.ceil(t.placed / poolSize),
        refusals: t.refusals,
      };
    };

    /**
     * Workers loop for `seconds`, each order as the next buyer after those `tally` already used, of `lines` distinct
     * products one unit each; a request that fails to connect counts as non-2xx. Adds what it counted to `tally`,
     * with the orders it left unpaid.
     */
    const runInto = async (
      tally: Tally, target: Target, pool: Buyer[], products: string[], lines: number, pay: boolean, connections: number, seconds: number,
    ): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: connections });
      const before = await stockSum(products);
      resetPeakRss(target.process.pid!);
      const cpuBefore = cpuMs(target.process.pid!);
      const refused = (status: number) => {
        tally.non2xx++;
        tally.refusals[status] = (tally.refusals[status] ?? 0) + 1;
      };
      const started = performance.now();
      const deadline = started + seconds * 1000;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < deadline) {
            const i = tally.placed++;
            const buyer = pool[i % pool.length]!;
            const t0 = performance.now();
            const created = await send(agent, target.port, 'POST', '/api/v1/orders', buyer.token, {
              addressId: buyer.addressId,
              items: Array.from({ length: lines }, (_, k) => ({ productId: products[(i * 7919 + k) % products.length]!, quantity: 1 })),
            });
            if (created.status === 201) tally.accepted++;
            else refused(created.status);
            if (created.status === 201) {
              const { id } = JSON.parse(created.body) as { id: string };
              if (pay) {
                const paid = await send(agent, target.port, 'POST', `/api/v1/orders/${id}/pay`, buyer.token, { paymentToken: 'tok_visa' });
                if (paid.status < 200 || paid.status > 299) {
                  refused(paid.status);
                  tally.unpaid.push({ id, token: buyer.token });
                } else tally.completed++;
              } else {
                tally.completed++;
                tally.unpaid.push({ id, token: buyer.token });
              }
            }
            tally.latencies.push(performance.now() - t0);
          }
        }),
      );
      tally.wallMs += performance.now() - started;
      tally.cpuMs += cpuMs(target.process.pid!) - cpuBefore;
      agent.destroy();
      tally.peakRssMb = Math.max(tally.peakRssMb, peakRssMb(target.process.pid!));
      tally.stockSold += before - (await stockSum(products));
    };

    /** Frookoon's outbox drained, so that dispatching what a run and its payments wrote does not run into the next measurement. */
    const settle = async () => {
      for (let i = 0; i < 1200; i++) {
        const { rows } = await db.query<{ n: string }>('select count(*) as n from outbox_event where dispatched_at is null');
        if (rows[0]!.n === '0') return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("Frookoon's outbox was not dispatched within 2 minutes");
    };
    /** One side of a comparison: whose server, which customers, whether each order is paid, and what its turns counted. */
    interface Side {
      target: Target;
      pool: Buyer[];
      pay: boolean;
      tally: Tally;
    }
    const side = (target: Target, pool: Buyer[], pay: boolean): Side => ({ target, pool, pay, tally: newTally() });
    let closeSeconds = 0;
    /**
     * After the turns of `sides`, not measured. The floor's orders stay PENDING; closed in SQL here, they are never
     * expired by Frookoon's sweeper, which would give their stock back during a later run and upset its stock check.
     * Frookoon's unpaid orders are paid by their customers through the API once the stock is counted, so that every
     * run starts with no customer holding any (the cap on unpaid orders then never refuses one; paying leaves the stock
     * sold, as the run counted it, and costs the server less than cancelling), and its outbox is drained.
     */
    const closeSides = async (sides: readonly Side[]) => {
      await db.query("update customer_order set status = 'CANCELLED', updated_at = now() where customer_id = any($1) and status = 'PENDING'", [floorCustomerIds]);
      const t0 = performance.now();
      const unpaid = sides.flatMap((s) => (s.target === targets[0] ? s.tally.unpaid : []));
      await inParallel(unpaid.length, SETUP_CONCURRENCY, (i) =>
        api(setupAgent, targets[0]!.port, `/orders/${unpaid[i]!.id}/pay`, unpaid[i]!.token, { paymentToken: 'tok_visa' }, 200),
      );
      await settle();
      closeSeconds += (performance.now() - t0) / 1000;
    };
    /**
     * The sides of one row, each for SECONDS in all, in PAIR_SLICES turns of each, their order reversed every other
     * slice (A B, B A, A B…): a stretch of the host running slower falls on every side of the comparison rather
     * than on one. Frookoon's outbox is drained after each of its turns (not measured), so that its dispatching
     * does not run into the next turn, whoever's.
     */
    const inTurns = async (w: (typeof workloads)[number], connections: number, sides: Side[], seconds = SECONDS, slices = PAIR_SLICES) => {
      for (let slice = 0; slice < slices; slice++) {
        for (const turn of slice % 2 === 0 ? sides : [...sides].reverse()) {
          // One line on stderr per turn, to follow a long run (and to attach a profiler at the right moment), and
          // what the turn counted, to tell a stretch of the host from a steady difference.
          const label = `${turn.target.name} (pid ${turn.target.process.pid}): ${w.name}${turn.pay ? ', paying' : ''}, ${connections} connections`;
          process.stderr.write(`${new Date().toISOString()} ${label}, ${seconds / slices} s\n`);
          const before = { ...turn.tally };
          await runInto(turn.tally, turn.target, turn.pool, w.products, w.lines, turn.pay, connections, seconds / slices);
          const done = turn.tally.completed - before.completed;
          process.stderr.write(
            `  ${((done / (turn.tally.wallMs - before.wallMs)) * 1000).toFixed(0)}/s, ${((turn.tally.cpuMs - before.cpuMs) / Math.max(1, done)).toFixed(2)} ms CPU each\n`,
          );
          if (turn.target === targets[0]) await settle();
        }
      }
    };
    /**
     * One row: Frookoon beside the floor in turns; for place-and-pay, also the same orders placed alone on Frookoon,
     * so that a cycle is compared with a create measured under the same conditions.
     */
    const measureRow = async (w: (typeof workloads)[number], connections: number, workers: number): Promise<Row> => {
      const frookoon = side(targets[0]!, buyers, w.pay);
      const floor = side(targets[1]!, floorBuyers, w.pay);
      const alone = w.pay ? side(targets[0]!, buyers, false) : undefined;
      const sides = alone ? [alone, frookoon, floor] : [frookoon, floor];
      await inTurns(w, connections, sides);
      await closeSides(sides);
      const figures = (s: Side) => figuresOf(s.tally, w.lines, s.pool.length);
      const [ours, theirs] = [figures(frookoon), figures(floor)];
      return { workload: w.name, connections, workers, frookoon: ours, floor: theirs, ratio: ours.perSecond / theirs.perSecond, createAlone: alone && figures(alone) };
    };

    /** JIT, pools, prepared plans, before anything is measured: `seconds` of each workload of `ws` on each of `who`. */
    const warmUp = async (who: Target[], ws: typeof workloads, connections: number, seconds: number) => {
      for (const w of ws) {
        const sides = who.map((target) => side(target, target === targets[0] ? buyers : floorBuyers, w.pay));
        await inTurns(w, connections, sides, seconds, 1);
        await closeSides(sides);
      }
    };
    // The first server has just made the data through its API; 2 s of paid orders warm the rest of its path.
    await warmUp(targets, [workloads.find((w) => w.key === 'pay') ?? workloads[0]!], 16, 2);

    const rows: Row[] = [];
    for (const w of workloads) {
      for (const connections of CONNECTIONS) rows.push(await measureRow(w, connections, 1));
    }

    const multi = MULTI_WORKERS > 1 ? workloads.filter((w) => w.key === 'hot' || w.key === 'uniform') : [];
    const multiConnections = Math.max(...CONNECTIONS);
    if (multi.length > 0) {
      await stop(targets[0]!);
      targets[0] = await startFrookoon(MULTI_WORKERS);
      // Fresh workers, which made no data: their JIT is warmed on the very workloads measured next.
      await warmUp([targets[0]], multi, multiConnections, 5);
      for (const w of multi) rows.push(await measureRow(w, multiConnections, MULTI_WORKERS));
    }

    const balanced = (f: Figures) => f.stockSold === f.unitsAccepted;
    const allBalanced = (r: Row) => balanced(r.frookoon) && balanced(r.floor) && (!r.createAlone || balanced(r.createAlone));
    const header = ['workload', 'conn', 'workers', 'orders/s', 'p50 ms', 'p99 ms', 'non-2xx', 'CPU ms/order', 'peak RSS MB', 'stock = sold', 'floor/s', 'floor p50', 'floor p99', 'floor CPU', 'ratio'];
    const cells = rows.map((r) => [
      r.workload + (r.workload === 'place and pay' ? ' (paid/s, per cycle)' : ''),
      String(r.connections),
      String(r.workers),
      r.frookoon.perSecond.toFixed(0),
      r.frookoon.p50.toFixed(1),
      r.frookoon.p99.toFixed(1),
      String(r.frookoon.non2xx),
      r.frookoon.cpuMsPerOrder.toFixed(2),
      r.frookoon.peakRssMb.toFixed(0),
      allBalanced(r) ? 'yes' : 'NO',
      r.floor.perSecond.toFixed(0),
      r.floor.p50.toFixed(1),
      r.floor.p99.toFixed(1),
      r.floor.cpuMsPerOrder.toFixed(2),
      `${r.ratio.toFixed(2)}x`,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |\n`;
    process.stdout.write(line(header) + line(widths.map((w) => '-'.repeat(w))) + cells.map(line).join(''));
    for (const r of rows.filter((r) => r.createAlone)) {
      const { p50 } = r.createAlone!;
      process.stdout.write(
        `place and pay, ${r.connections} connections: a cycle took ${r.frookoon.p50.toFixed(1)} ms at p50, a create alone in turns with it ` +
          `${p50.toFixed(1)} ms (${r.createAlone!.perSecond.toFixed(0)} orders/s, ${r.createAlone!.cpuMsPerOrder.toFixed(2)} ms CPU each): ${(r.frookoon.p50 / p50).toFixed(2)}x\n`,
      );
    }
    const mostPerCustomer = Math.max(...rows.flatMap((r) => [r.frookoon, ...(r.createAlone ? [r.createAlone] : [])]).map((f) => f.maxOrdersPerCustomer));
    const footer = [
      `${SECONDS} s per run, in ${PAIR_SLICES} turns alternating with the floor's; rate limits and caps at their defaults; the busiest customer placed ${mostPerCustomer} orders in one run (MAX_PENDING_ORDERS ${MAX_PENDING_ORDERS}); ` +
        `server CPU summed over its process tree, peak RSS of its largest process; DB_POOL_MAX ${DB_POOL_MAX} connections per server, shared by its workers`,
      `data made through the API: ${PRODUCTS + 101} products, ${CUSTOMERS} Frookoon customers and ${FLOOR_CUSTOMERS} floor customers (one pool each, ` +
        `Frookoon's unpaid orders paid through the API after each run), set-up ${setupSeconds.toFixed(1)} s ` +
        `(products ${productsSeconds.toFixed(1)} s, customers ${customersSeconds.toFixed(1)} s side by side); paying them took ${closeSeconds.toFixed(1)} s in all`,
      ...(rows.some((r) => r.workers > 1) ? [`workers = ${MULTI_WORKERS} rows: the same server restarted with WORKERS=${MULTI_WORKERS}, in turns with the floor as the others`] : []),
      bouncer ? `through PgBouncer (transaction pooling, ${DB_POOL_MAX} server connections), for Frookoon and the floor alike` : 'straight to PostgreSQL',
    ];
    process.stdout.write(`${footer.join('\n')}\n`);
    if (mostPerCustomer > MAX_PENDING_ORDERS) {
      process.stderr.write(`a run placed up to ${mostPerCustomer} orders per customer, past MAX_PENDING_ORDERS: raise BENCH_CUSTOMERS\n`);
    }

    const resultsDir = new URL('results/', import.meta.url).pathname;
    mkdirSync(resultsDir, { recursive: true });
    const file = `${resultsDir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    const summary = {
      at: new Date().toISOString(), seconds: SECONDS, customers: CUSTOMERS, floorCustomers: FLOOR_CUSTOMERS, products: PRODUCTS, pgbouncer: PGBOUNCER,
      setup: { through: 'api', seconds: setupSeconds, productsSeconds, customersSeconds }, closeSeconds, rows,
    };
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`results: ${file}\n`);
    if (!rows.every(allBalanced)) {
      process.stderr.write('stock sold differs from orders accepted\n');
      process.exitCode = 1;
    }
  } finally {
    setupAgent.destroy();
    await db.end().catch(() => undefined);
    for (const target of targets) await stop(target);
    await bouncer?.stop();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await stopCluster();
  }
}

// Read through `| head`, the table's reader may go before the bench is done: the bench still stops its servers and
// its database rather than dying on the closed pipe and leaving them running.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
await main();
