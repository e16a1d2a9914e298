import { defineConfig } from 'tsdown';

/**
 * The production server: `src/main.ts` compiled to one ESM file with the workspace's own packages (contract,
 * db) inlined; every other package stays an import, resolved from node_modules at run time.
 */
export default defineConfig({
  entry: ['src/main.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  deps: { alwaysBundle: [/^@frookoon\//], neverBundle: [/^(?!@frookoon\/)[^./]/] },
});
