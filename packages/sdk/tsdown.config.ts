import { defineConfig } from 'tsdown';

/**
 * ESM and one bundled declaration file. The router's types come from the server's sources (tsconfig `paths`),
 * with the server-only members stripped (`stripInternal`), so consumers need no server package; every other
 * package stays an import.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'neutral',
  dts: { resolve: ['@frookoon/contract', '@frookoon/server'] },
  deps: { alwaysBundle: ['@frookoon/contract'], neverBundle: [/^(?!@frookoon\/(contract|server)$)[^./]/] },
});
