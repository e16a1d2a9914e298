import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const DEMO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The production bundle that `vite build` makes, written to `outDir`; `apiUrl` points it at another API. */
export async function buildDemo(outDir: string, apiUrl?: string): Promise<void> {
  // Vitest sets NODE_ENV=test, under which vite would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: DEMO_ROOT,
      logLevel: 'silent',
      ...(apiUrl ? { define: { __API_URL__: JSON.stringify(apiUrl) } } : {}),
      build: { outDir, sourcemap: false, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
