// First: the instrumentations must be registered before the modules they patch are loaded.
import { tracing } from './telemetry/tracing';
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config';
import { runPrimary } from './cluster';
import { createLogger, stdoutDestination } from './logger';
import { startServer } from './server';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // No logger yet: its level is part of the configuration.
  process.stderr.write(`Frookoon cannot start. ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
const log = createLogger(config.logLevel, stdoutDestination());

process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

try {
  if (config.workers > 1 && cluster.isPrimary) await runPrimary(config, log);
  else await serve(config);
} catch (err) {
  log.fatal({ err }, 'failed to start');
  process.exit(1);
}

async function serve(config: Config) {
  const running = await startServer(config, log);
  log.info(
    { url: running.url, port: config.port, paymentGateway: config.paymentGateway.kind, metrics: running.metricsUrl, tracing: tracing !== undefined },
    'Frookoon API listening',
  );
  let stopping = false;
  // Once: a terminal's Ctrl-C reaches a cluster worker both directly and through its primary.
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    running
      .stop()
      .then(() => tracing?.shutdown().catch((err: unknown) => log.warn({ err }, 'the last spans could not be sent')))
      .then(
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
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // A cluster's primary asks its workers to stop over IPC.
  process.on('message', (message) => message === 'shutdown' && shutdown('SIGTERM'));
}
