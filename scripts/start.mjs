/**
 * `pnpm start`: the API (with its embedded database and demo data) and the demo client, on their own origins.
 * With NODE_ENV=production both are built first: the server runs as compiled JavaScript and the demo client is
 * served from its production build instead of a development server.
 */
import { execFileSync, spawn } from 'node:child_process';

const production = process.env.NODE_ENV === 'production';
if (production) {
  for (const pkg of ['@frookoon/server', '@frookoon/demo-client']) execFileSync('pnpm', ['--filter', pkg, 'build'], { stdio: 'inherit' });
}
const api = `pnpm --filter @frookoon/server ${production ? 'start:prod' : 'start'}`;
const demo = `pnpm --filter @frookoon/demo-client ${production ? 'preview' : 'dev'}`;
const both = spawn('concurrently', ['--kill-others', '--names', 'api,demo', '--prefix-colors', 'blue,green', api, demo], { stdio: 'inherit' });

// Ctrl-C reaches concurrently from the terminal itself; a supervisor's SIGTERM is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => both.kill('SIGTERM'));
both.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
