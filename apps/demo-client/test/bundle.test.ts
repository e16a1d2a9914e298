import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildDemo } from './build-demo';

it('builds a production bundle that holds the SDK client and no server code', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'frookoon-demo-'));
  try {
    await buildDemo(outDir);
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
