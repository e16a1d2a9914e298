import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { expect, it } from 'vitest';

it('builds a production bundle that holds the SDK client and no server code', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'frookoon-demo-'));
  try {
    await build({
      root: fileURLToPath(new URL('..', import.meta.url)),
      logLevel: 'silent',
      build: { outDir, sourcemap: false, emptyOutDir: true },
    });
    const assets = join(outDir, 'assets');
    const code = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
    expect(code).toContain('/trpc');
    for (const forbidden of ['@mikro-orm', 'MikroORM', 'express', 'knex', 'pg-protocol', 'argon2']) {
      expect(code, forbidden).not.toContain(forbidden);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
