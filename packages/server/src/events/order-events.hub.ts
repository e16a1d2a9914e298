import { EventEmitter, on } from 'node:events';
import pg from 'pg';
import { ORDER_EVENTS_CHANNEL } from '@frookoon/db';
import type { Logger } from '../logger';
import type { OrderEventMessage } from './order-event-message';

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

/**
 * One LISTEN connection per instance, fanned out to the subscribers of each order, so a change made through
 * any instance reaches subscribers on all of them. Reconnects with backoff when the connection drops.
 */
export class OrderEventsHub {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | undefined;
  private stopped = false;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Ends every open subscription at once, so that a stopping server is not held open by them. */
  private readonly closing = new AbortController();

  constructor(private readonly url: string, private readonly log: Logger) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    // A connection from an earlier generation that ends late must not tear down the current one.
    const generation = ++this.generation;
    const client = new pg.Client({ connectionString: this.url, application_name: 'frookoon-listen' });
    const lost = () => {
      if (generation === this.generation) this.reconnect(RETRY_FIRST_MS);
    };
    client.on('notification', (msg) => {
      // Every instance hears every event; one with nobody subscribed has nothing to read it for.
      if (msg.channel !== ORDER_EVENTS_CHANNEL || !msg.payload || this.emitter.eventNames().length === 0) return;
      try {
        const event = JSON.parse(msg.payload) as OrderEventMessage;
        this.emitter.emit(event.orderId, event);
        this.emitter.emit('*', event);
      } catch (err) {
        this.log.warn({ err }, 'unreadable order event');
      }
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'order event listener lost its connection');
      lost();
    });
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`listen ${ORDER_EVENTS_CHANNEL}`);
    } catch (err) {
      void client.end().catch(() => undefined);
      throw err;
    }
    if (generation !== this.generation || this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private reconnect(delayMs: number): void {
    if (this.stopped || this.retryTimer) return;
    this.generation++;
    const old = this.client;
    this.client = undefined;
    void old?.end().catch(() => undefined);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start().catch(() => this.reconnect(Math.min(delayMs * 2, RETRY_MAX_MS)));
    }, delayMs);
  }

  /** The events of one order (or of all, with `*`) until `signal` aborts. */
  events(orderId: string, signal?: AbortSignal): AsyncIterableIterator<OrderEventMessage> {
    const until = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    const iterator = on(this.emitter, orderId, { signal: until }) as AsyncIterableIterator<[OrderEventMessage]>;
    return (async function* () {
      try {
        for await (const [event] of iterator) yield event;
      } catch (err) {
        if ((err as { name?: string }).name !== 'AbortError') throw err;
      }
    })();
  }

  /** Ends the open subscriptions; the listener keeps running until `stop`. */
  closeSubscriptions(): void {
    this.closing.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closing.abort();
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }
}
