import pg from 'pg';
import type { Logger } from '../logger';

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

export interface ListenerHandlers {
  /** What to do with a notification, by channel. */
  channels: Record<string, (payload: string) => void>;
  /**
   * Called each time the connection is found alive: every notification committed before `since` (epoch ms) has
   * been handled by then, since PostgreSQL sends a session its notifications before it answers a statement.
   */
  onConfirmed?(since: number): void;
  /** Called when the connection is lost: notifications sent until it is back are never heard. */
  onLost?(): void;
}

/**
 * The instance's one LISTEN connection: it hears every channel of `handlers` and reconnects with backoff when the
 * connection drops. Every `heartbeatMs` it asks the connection a trivial question, both to notice a connection that
 * died without a word and to confirm that nothing sent before the question went unheard.
 */
export class DatabaseListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly handlers: ListenerHandlers,
    private readonly heartbeatMs = 250,
  ) {}

  async start(): Promise<void> {
    // A connection from an earlier generation that ends late must not tear down the current one.
    const generation = ++this.generation;
    const client = new pg.Client({ connectionString: this.url, application_name: 'frookoon-listen' });
    const lost = () => {
      if (generation === this.generation) this.reconnect(RETRY_FIRST_MS);
    };
    client.on('notification', (msg) => {
      const handle = this.handlers.channels[msg.channel];
      if (!handle || msg.payload === undefined) return;
      try {
        handle(msg.payload);
      } catch (err) {
        this.log.warn({ err, channel: msg.channel }, 'unreadable notification');
      }
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'database listener lost its connection');
      lost();
    });
    client.on('end', lost);
    try {
      await client.connect();
      const since = Date.now();
      await client.query(Object.keys(this.handlers.channels).map((channel) => `listen ${channel}`).join('; '));
      if (generation === this.generation) this.handlers.onConfirmed?.(since);
    } catch (err) {
      void client.end().catch(() => undefined);
      throw err;
    }
    if (generation !== this.generation || this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.beat(client, generation);
  }

  /** The next heartbeat on `client`; a question left unanswered for long counts as a lost connection. */
  private beat(client: pg.Client, generation: number): void {
    this.heartbeat = setTimeout(() => {
      const since = Date.now();
      const silence = setTimeout(() => {
        if (generation !== this.generation) return;
        this.log.warn('database listener stopped answering');
        this.reconnect(RETRY_FIRST_MS);
      }, Math.max(5 * this.heartbeatMs, 2000));
      client
        .query('select 1')
        .then(() => {
          if (generation !== this.generation) return;
          this.handlers.onConfirmed?.(since);
          this.beat(client, generation);
        })
        .catch(() => undefined)
        .finally(() => clearTimeout(silence));
    }, this.heartbeatMs);
  }

  private reconnect(delayMs: number): void {
    if (this.stopped || this.retryTimer) return;
    this.generation++;
    clearTimeout(this.heartbeat);
    this.handlers.onLost?.();
    const old = this.client;
    this.client = undefined;
    void old?.end().catch(() => undefined);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start().catch(() => this.reconnect(Math.min(delayMs * 2, RETRY_MAX_MS)));
    }, delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.heartbeat);
    this.handlers.onLost?.();
    await this.client?.end().catch(() => undefined);
  }
}
