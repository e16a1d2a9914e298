import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { dispatchOutbox } from './outbox-dispatcher';
import { reconcileStaleAttempts, sweepExpiredOrders } from './expiry-sweeper';
import { runRefunds } from './refund-runner';
import { purgeRetained } from './retention';
import type { PaymentGateway } from '../domain/payments/payment-gateway';
import type { JobName, Metrics } from '../telemetry/metrics';

export interface Jobs {
  /** Dispatch within `OUTBOX_BATCH_MS`: called after every mutation, so events do not wait for the next poll. */
  pokeOutbox(): void;
  stop(): Promise<void>;
}

/** A job on a timer that never overlaps itself and logs instead of crashing; each run is counted when metrics are on. */
function periodic(name: JobName, intervalMs: number, log: Logger, metrics: Metrics | undefined, run: () => Promise<unknown>) {
  let running: Promise<void> | undefined;
  let again = false;
  const tick = () => {
    if (running) {
      again = true;
      return;
    }
    running = run()
      .then(
        () => metrics?.jobRan(name, 'ok'),
        (err: unknown) => {
          metrics?.jobRan(name, 'failed');
          log.error({ err, job: name }, 'job failed');
        },
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    tick,
    stop: async () => {
      clearInterval(timer);
      again = false;
      await running;
    },
  };
}

export function startJobs(services: { orm: MikroORM; config: Config; log: Logger; paymentGateway: PaymentGateway; metrics?: Metrics }): Jobs {
  const { orm, config, log, paymentGateway, metrics } = services;
  const outbox = periodic('outbox', config.outboxPollMs, log, metrics, () => dispatchOutbox(orm.em.fork()));
  const refunds = periodic('refunds', config.refundPollMs, log, metrics, async () => {
    const done = await runRefunds(orm.em.fork(), paymentGateway, log, { maxAttempts: config.refundMaxAttempts, retryBaseMs: config.refundRetryBaseMs });
    if (done.length) log.info({ refunds: done }, 'refunds paid back');
  });
  const sweeper = periodic('expiry', config.expirySweepIntervalMs, log, metrics, async () => {
    const reconciled = await reconcileStaleAttempts(orm.em.fork(), paymentGateway, { lockTimeoutMs: config.stockLockTimeoutMs });
    if (reconciled.length) log.info({ attempts: reconciled }, 'stale payment attempts settled with the gateway');
    const cancelled = await sweepExpiredOrders(orm.em.fork(), {
      paymentTimeoutMs: config.orderPaymentTimeoutMs,
      lockTimeoutMs: config.stockLockTimeoutMs,
    });
    if (cancelled.length) log.info({ orders: cancelled }, 'unpaid orders cancelled');
    metrics?.ordersExpired(cancelled.length);
    const purged = await purgeRetained(orm.em.fork(), { outboxRetentionDays: config.outboxRetentionDays });
    if (Object.values(purged).some((n) => n > 0)) log.info({ purged }, 'old rows removed');
  });
  // Mutations poke the dispatcher; pokes within one batch window share a dispatch, however many there are.
  let batch: NodeJS.Timeout | undefined;
  const pokeOutbox = () => {
    batch ??= setTimeout(() => {
      batch = undefined;
      outbox.tick();
    }, config.outboxBatchMs);
  };
  return {
    pokeOutbox,
    stop: async () => {
      clearTimeout(batch);
      await Promise.all([outbox.stop(), refunds.stop(), sweeper.stop()]);
    },
  };
}
