import { EventEmitter, on } from 'node:events';
import type { OrderEventMessage } from './order-event-message';

/**
 * The order events the instance's database listener hears, fanned out to the subscribers of each order, so that a
 * change made through any instance reaches subscribers on all of them.
 */
export class OrderEventsHub {
  private readonly emitter = new EventEmitter();
  /** Ends every open subscription at once, so that a stopping server is not held open by them. */
  private readonly closing = new AbortController();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** One notification of the order events channel (a payload that is not JSON throws, for the listener to log). */
  deliver(payload: string): void {
    // Every instance hears every event; one with nobody subscribed has nothing to read it for.
    if (this.emitter.eventNames().length === 0) return;
    const event = JSON.parse(payload) as OrderEventMessage;
    this.emitter.emit(event.orderId, event);
    this.emitter.emit('*', event);
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

  /** Ends the open subscriptions. */
  closeSubscriptions(): void {
    this.closing.abort();
  }
}
