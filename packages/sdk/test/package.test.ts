import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';

const run = promisify(execFile);
const sdkDir = fileURLToPath(new URL('..', import.meta.url));
const typescriptVersion = (JSON.parse(readFileSync(fileURLToPath(new URL('../../../node_modules/typescript/package.json', import.meta.url)), 'utf8')) as { version: string }).version;
const sdkManifest = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

let app: TestApp;
let project: string;
beforeAll(async () => {
  app = await startTestApp();
  // A project of its own, outside this workspace, that knows the SDK only as a packed tarball.
  project = mkdtempSync(join(tmpdir(), 'frookoon-sdk-consumer-'));
});
afterAll(async () => {
  await app.close();
  rmSync(project, { recursive: true, force: true });
});

function write(path: string, text: string) {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), text);
}

async function typecheck(tsconfig: string) {
  return run(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, tsconfig)], { cwd: project }).then(
    () => ({ ok: true, out: '' }),
    (err: { stdout: string }) => ({ ok: false, out: err.stdout }),
  );
}

it('installs from its packed tarball into an outside project, types every procedure, and orders against a live server', async () => {
  const { stdout: packed } = await run('pnpm', ['pack', '--pack-destination', project], { cwd: sdkDir });
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'));
  expect(tarball, packed).toBeDefined();

  write('package.json', JSON.stringify({
    name: 'storefront', private: true, type: 'module',
    dependencies: { '@frookoon/sdk': `file:./${tarball}`, '@trpc/client': sdkManifest.dependencies['@trpc/client'] },
    devDependencies: { typescript: typescriptVersion },
  }));
  await run('pnpm', ['install', '--prefer-offline', '--config.confirmModulesPurge=false'], { cwd: project, env: { ...process.env, CI: 'true' } });
  const installed = readdirSync(join(project, 'node_modules', '.pnpm'));
  for (const server of ['@frookoon+server', '@frookoon+db', '@mikro-orm', 'express@', 'pg@', 'knex@']) {
    expect(installed.filter((p) => p.startsWith(server)), server).toEqual([]);
  }

  const compilerOptions = {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, lib: ['ES2022', 'ESNext.Disposable', 'DOM'],
    types: [], skipLibCheck: false, outDir: 'dist', rootDir: 'src',
  };
  write('tsconfig.json', JSON.stringify({ compilerOptions, files: ['src/main.ts'] }));
  write('tsconfig.wrong.json', JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, files: ['src/wrong.ts'] }));

  const { vendorId } = await makeVendor(app);
  const productId = await makeProduct(app, vendorId, { stock: 4 });
  const buyer = await makeBuyer(app);
  write('src/config.ts', `export const config = ${JSON.stringify({ url: app.url, token: buyer.token, addressId: buyer.addressId, productId })};\n`);
  write('src/main.ts', `
import { createFrookoonClient, isErrorCode, userMessage, type OrderStatus } from '@frookoon/sdk';
import { config } from './config.js';

const client = createFrookoonClient({ url: config.url, token: config.token, retry: { attempts: 3 } });
const order = await client.orders.create.mutate({ addressId: config.addressId, items: [{ productId: config.productId, quantity: 3 }] });
const status: OrderStatus = order.status;
const total: number = order.totalCents;
try {
  await client.orders.create.mutate({ addressId: config.addressId, items: [{ productId: config.productId, quantity: 3 }] });
} catch (err) {
  if (!isErrorCode(err, 'INSUFFICIENT_STOCK')) throw err;
  console.log(JSON.stringify({ id: order.id, status, total, refused: err.data.problem.errors[0]?.field, message: userMessage(err.data.problem) }));
}
`);
  write('src/wrong.ts', `
import { createFrookoonClient } from '@frookoon/sdk';
const client = createFrookoonClient({ url: 'http://localhost:4000' });
await client.orders.create.mutate({ addressId: 'a', items: [{ productId: 'p', quantity: 'three' }] });
`);

  const good = await typecheck('tsconfig.json');
  expect(good.out).toBe('');
  expect(good.ok).toBe(true);
  const wrong = await typecheck('tsconfig.wrong.json');
  expect(wrong.ok).toBe(false);
  expect(wrong.out).toMatch(/src\/wrong\.ts\(4,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);

  const { stdout } = await run(process.execPath, [join(project, 'dist', 'main.js')], { cwd: project });
  const result = JSON.parse(stdout) as { id: string; status: string; total: number; refused: string; message: string };
  expect(result).toMatchObject({ status: 'PENDING', total: 300, refused: 'items.0.quantity' });
  expect(result.message).toMatch(/^Not enough stock for "/);
  expect(await stockOf(app.orm.em.fork(), productId)).toBe(1);
}, 180_000);
