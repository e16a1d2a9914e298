import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';

const ROOT = resolve(import.meta.dirname, '../../..');
/** What `pnpm ops` runs, without pnpm in between, so that the exit codes are the CLI's own. */
const CLI = ['--import', 'tsx', 'apps/ops-cli/src/main.ts'];

let app: TestApp;
let configHome: string;
let admin: TestUser;
let vendor: TestUser;
let buyer: Awaited<ReturnType<typeof makeBuyer>>;
let productId: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as the admin (through FROOKOON_TOKEN) unless `env` says otherwise; `STORED` uses the stored login. */
function start(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, FROOKOON_URL: app.url, XDG_CONFIG_HOME: configHome, FROOKOON_TOKEN: admin.token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const STORED = { FROOKOON_TOKEN: '' };

const ops = (args: readonly string[], env?: Record<string, string>) => finished(start(args, env));

async function opsJson<T>(args: readonly string[], env?: Record<string, string>): Promise<T> {
  const run = await ops([...args, '--json'], env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

async function placeOrder(quantity = 1): Promise<string> {
  return (await app.client(buyer.token).orders.create.mutate({ addressId: buyer.addressId, items: [{ productId, quantity }] })).id;
}

beforeAll(async () => {
  app = await startTestApp();
  configHome = await mkdtemp(join(tmpdir(), 'frookoon-ops-'));
  admin = await app.makeUser('admin');
  const made = await makeVendor(app, 'Ops Orchard');
  vendor = made.vendor;
  productId = await makeProduct(app, made.vendorId, { stock: 50, priceCents: 1250, name: 'Alphonso mango' });
  buyer = await makeBuyer(app);
});
afterAll(async () => {
  await app.close();
  await rm(configHome, { recursive: true, force: true });
});

describe('logging in', () => {
  it('keeps the token in the config directory, readable by its owner only, and whoami answers with it', async () => {
    const login = await ops(['login', '--email', admin.email, '--password', admin.password], STORED);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${app.url} as ${admin.email} (admin).`);
    expect(login.stdout).not.toContain(admin.token);

    const file = join(configHome, 'frookoon', 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, { token: string; email: string }>;
    expect(stored[app.url]?.email).toBe(admin.email);

    const me = await opsJson<{ user: { email: string; role: string }; tokenSource: string }>(['whoami'], STORED);
    expect(me.user).toMatchObject({ email: admin.email, role: 'admin' });
    expect(me.tokenSource).toBe(file);
  });

  it('lets FROOKOON_TOKEN override the stored login', async () => {
    const run = await ops(['whoami', '--json'], { FROOKOON_TOKEN: vendor.token });
    expect(JSON.parse(run.stdout)).toMatchObject({ user: { email: vendor.email, role: 'vendor' }, tokenSource: 'FROOKOON_TOKEN' });
  });

  it('prints a wrong password as the problem, with its request id, and exits 1', async () => {
    const run = await ops(['login', '--email', admin.email, '--password', 'not the password'], STORED);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Error: .+ \(UNAUTHORIZED, 401\)$/m);
    expect(run.stderr).toMatch(/^Request id: req_\w+$/m);
  });
});

describe('orders', () => {
  it('lists orders as a table and as JSON, searched by customer email and status', async () => {
    const id = await placeOrder();
    const table = await ops(['orders', 'list', '--customer-email', buyer.email]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`│ ${id} │ PENDING +│ 1 +│ ₹12\\.50 `));

    const page = await opsJson<{ items: { id: string; status: string }[]; nextCursor: string | null }>([
      'orders', 'list', '--customer-email', buyer.email, '--status', 'PENDING', '--since', '2020-01-01',
    ]);
    expect(page.items.map((o) => o.id)).toContain(id);
    expect(page.items.every((o) => o.status === 'PENDING')).toBe(true);
    expect((await opsJson<{ items: unknown[] }>(['orders', 'list', '--until', '2020-01-01'])).items).toEqual([]);
  });

  it('shows an order with its items, money and allowed actions', async () => {
    const id = await placeOrder(2);
    await app.client(buyer.token).orders.pay.mutate({ id, paymentToken: 'tok_visa' });
    const run = await ops(['orders', 'show', id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/│ status +│ CONFIRMED +│/);
    expect(run.stdout).toMatch(/│ paid +│ ₹25\.00 +│/);
    expect(run.stdout).toMatch(/│ refund status +│ none +│/);
    expect(run.stdout).toMatch(/│ allowed actions +│ startPacking, cancel +│/);
    expect(run.stdout).toMatch(/│ SKU-\S+ +│ Alphonso mango +│ 2 +│ ₹12\.50 +│ ₹25\.00 +│/);

    const order = await opsJson<{ id: string; paidCents: number; items: unknown[] }>(['orders', 'show', id]);
    expect(order).toMatchObject({ id, paidCents: 2500 });
    expect(order.items).toHaveLength(1);
  });

  it('watches an order live until it is cancelled, printing the changes another client makes', async () => {
    const id = await placeOrder();
    await app.client(buyer.token).orders.pay.mutate({ id, paymentToken: 'tok_visa' });
    const child = start(['orders', 'watch', id, '--json']);
    const run = finished(child);
    const lines: { type: string; status: string; previousStatus: string | null }[] = [];
    let partial = '';
    let wake = () => undefined as void;
    child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.map((l) => JSON.parse(l) as (typeof lines)[number]));
      wake();
    });
    child.on('close', () => wake());
    const seen = async (n: number) => {
      while (lines.length < n && child.exitCode === null) await new Promise<void>((done) => (wake = done));
      expect(lines.length).toBeGreaterThanOrEqual(n);
    };

    // The first line is printed once the stream is open: from then on, no change is missed.
    await seen(1);
    expect(lines[0]).toMatchObject({ type: 'order.current', status: 'CONFIRMED' });
    await app.client(vendor.token).orders.startPacking.mutate({ id });
    await seen(2);
    await app.client(admin.token).orders.cancel.mutate({ id, reason: 'Out of boxes' });

    const { code, stderr } = await run;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lines.slice(1)).toEqual([
      expect.objectContaining({ type: 'order.packing', previousStatus: 'CONFIRMED', status: 'PACKING' }),
      expect.objectContaining({ type: 'order.cancelled', previousStatus: 'PACKING', status: 'CANCELLED' }),
    ]);
  });

  it('cancels with a reason kept in the history; cancelling again is refused with the problem and exit 1', async () => {
    const id = await placeOrder();
    const cancel = await ops(['orders', 'cancel', id, '--reason', 'Customer called support']);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`Order ${id} is now CANCELLED.`);

    const history = await opsJson<{ newStatus: string; reason: string | null }[]>(['orders', 'history', id]);
    expect(history[0]).toMatchObject({ newStatus: 'CANCELLED', reason: 'Customer called support' });

    const again = await ops(['orders', 'cancel', id, '--reason', 'Twice']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^Error: .+ \([A-Z_]+, 409\)$/m);
    expect(again.stderr).toMatch(/^Request id: req_\w+$/m);

    const asJson = await ops(['orders', 'cancel', id, '--reason', 'Twice', '--json']);
    expect(asJson.code).toBe(1);
    const problem = JSON.parse(asJson.stderr) as ProblemDetails;
    expect(problem.status).toBe(409);
    expect(problem.request_id).toMatch(/^req_/);
  });
});

describe('stock', () => {
  it('adjusts by a negative delta with a reason, reads it back, and the audit finds the ledger sound', async () => {
    const before = await opsJson<{ quantity: number }>(['stock', 'get', productId]);
    const adjusted = await ops(['stock', 'adjust', productId, '-3', '--reason', 'Counted on the shelf']);
    expect(adjusted.code).toBe(0);
    expect(adjusted.stdout).toContain(`Stock of ${productId} is now ${before.quantity - 3} (-3).`);
    expect((await opsJson<{ quantity: number }>(['stock', 'get', productId])).quantity).toBe(before.quantity - 3);

    const audit = await ops(['stock', 'audit']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('Stock is sound');
    expect(await opsJson<{ sound: boolean; mismatches: unknown[] }>(['stock', 'audit'])).toMatchObject({ sound: true, mismatches: [] });
  });
});

describe('usage', () => {
  it('exits 2 with the usage when an argument is wrong or missing', async () => {
    const noReason = await ops(['orders', 'cancel', '0197a0e0-0000-7000-8000-000000000000']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("error: required option '--reason <text>' not specified");
    expect(noReason.stderr).toContain('Usage: ops orders cancel [options] <id>');

    const notANumber = await ops(['stock', 'adjust', productId, 'three', '--reason', 'x']);
    expect(notANumber.code).toBe(2);
    expect(notANumber.stderr).toContain('Usage: ops stock adjust [options] <productId> <delta>');

    const badStatus = await ops(['orders', 'list', '--status', 'LOST']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('Allowed choices are PENDING, CONFIRMED');
  });

  it('answers --help on every command with exit 0', async () => {
    const help = await ops(['orders', 'watch', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: ops orders watch [options] <id>');
    expect(help.stdout).toContain('--json');
  });
});

describe('logging out', () => {
  it('revokes the stored token and forgets it; the next call says how to log in again', async () => {
    expect((await ops(['login', '--email', vendor.email, '--password', vendor.password], STORED)).code).toBe(0);
    const logout = await ops(['logout'], STORED);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('the token is revoked');
    await expect(stat(join(configHome, 'frookoon', 'credentials.json'))).rejects.toThrow();

    const whoami = await ops(['whoami'], STORED);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toContain('(UNAUTHORIZED, 401)');
    expect(whoami.stderr).toContain('pnpm ops login');
  });
});
