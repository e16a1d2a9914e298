import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '@frookoon/db';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startServer } from './server';

const config = loadConfig();
const log = createLogger(config.logLevel);

process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

try {
  const running = await startServer(config, log);
  log.info({ url: running.url, port: config.port }, 'Frookoon API listening');
  if (config.seedDemo) {
    log.info(
      { accounts: Object.values(DEMO_ACCOUNTS), password: DEMO_PASSWORD, demo_client: `http://localhost:${config.demoPort}` },
      'demo accounts (password for all three)',
    );
  }
  const shutdown = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down');
    running.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
} catch (err) {
  log.fatal({ err }, 'failed to start');
  process.exit(1);
}
