import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** How the server is run: from its TypeScript sources, or as the production build (`pnpm --filter @frookoon/server build`). */
const ENTRIES = {
  source: ['--import', 'tsx', 'packages/server/src/main.ts'],
  compiled: ['--enable-source-maps', 'packages/server/dist/main.mjs'],
};

/** The real server in a process of its own, on 127.0.0.1, ready when this resolves. */
export async function spawnServer(
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
  entry: keyof typeof ENTRIES = 'source',
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ENTRIES[entry], {
    cwd: repoRoot,
    // A drill's shoppers order as fast as the server answers, far past any person's pace: no rate limit applies.
    env: {
      ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', METRICS_PORT: '0',
      RATE_LIMITS: 'off', ...env,
    },
    // The server's JSON log, kept for reading after a failed drill.
    stdio: ['ignore', openSync(join(tmpdir(), `frookoon-drill-${port}.log`), 'a'), 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited at start (${child.exitCode}): ${stderr}`);
    const status = await request(url, 'GET', '/readyz').then((r) => r.status, () => 0);
    if (status === 200) return { url, child, exited };
    if (Date.now() > deadline) throw new Error(`server not ready after 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Answer {
  status: number;
  body: unknown;
}

/** One request on a connection of its own, so that a stopping server's refusals and cuts are told apart. */
export function request(base: string, method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${base}${path}`, {
      method,
      agent: false,
      headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        } catch (err) {
          reject(new Error(`a response that is not JSON (${res.statusCode}): ${text.slice(0, 200)}`, { cause: err }));
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface Shopper {
  token: string;
  addressId: string;
}

export interface LoadResult {
  /** Orders the clients were told were accepted (201). */
  accepted: Set<string>;
  /** Orders the clients were told were paid (200). */
  paid: Set<string>;
  /** Answers by status, and transport errors by code. */
  answers: Map<string, number>;
}

/**
 * Each shopper places an order for one unit of a product, then pays it, over and over until `until` resolves,
 * against whichever base URL `target()` names at that moment. Every answer is recorded.
 */
export async function orderAndPayLoad(target: () => string, shoppers: readonly Shopper[], productIds: readonly string[], until: Promise<unknown>): Promise<LoadResult> {
  const result: LoadResult = { accepted: new Set(), paid: new Set(), answers: new Map() };
  let stop = false;
  void until.then(() => (stop = true));
  const note = (key: string) => result.answers.set(key, (result.answers.get(key) ?? 0) + 1);
  const call = async (method: string, path: string, body: unknown, token: string): Promise<Answer | null> => {
    try {
      const answer = await request(target(), method, path, body, token);
      const code = (answer.body as { error_code?: string } | null)?.error_code;
      note(code ? `${answer.status} ${code}` : String(answer.status));
      return answer;
    } catch (err) {
      note((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      await new Promise((r) => setTimeout(r, 20));
      return null;
    }
  };
  await Promise.all(shoppers.map(async (shopper, i) => {
    for (let n = 0; !stop; n++) {
      const productId = productIds[(i + n) % productIds.length]!;
      const placed = await call('POST', '/api/v1/orders', { addressId: shopper.addressId, items: [{ productId, quantity: 1 }] }, shopper.token);
      if (placed?.status !== 201) continue;
      const id = (placed.body as { id: string }).id;
      result.accepted.add(id);
      const paid = await call('POST', `/api/v1/orders/${id}/pay`, { paymentToken: 'tok_visa' }, shopper.token);
      if (paid?.status === 200) result.paid.add(id);
    }
  }));
  return result;
}
