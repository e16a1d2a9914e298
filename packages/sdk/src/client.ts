import {
  createTRPCClient, httpBatchLink, httpSubscriptionLink, retryLink, splitLink, type TRPCClient, type TRPCLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import { MAX_BATCH_CALLS } from '@frookoon/contract';
import type { AppRouter } from '@frookoon/server';
import { getProblem } from './errors';

/** Opt-in retries of problems the server marks `retryable` (lock conflicts, rate limits, unavailability). */
export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Longest wait between two attempts, in ms (default 5,000); a longer `Retry-After` is not waited for. */
  maxDelayMs?: number;
  /** First backoff step, in ms (default 100); each retry doubles it, with full jitter. */
  baseDelayMs?: number;
}

export interface FrookoonClientOptions {
  /** Base URL of the API, e.g. `http://localhost:4000` (the tRPC endpoint is `${url}/trpc`). */
  url: string;
  /** A token, or a function returning the current one (for clients that log in and out). */
  token?: string | null | (() => string | null | undefined);
  /** Extra headers for every request, e.g. `x-request-id`. */
  headers?: () => Record<string, string | undefined>;
  fetch?: typeof globalThis.fetch;
  /**
   * EventSource for live subscriptions (`orders.onStatusChange`); browsers have one, Node 20 needs a ponyfill
   * such as the `eventsource` package: `createFrookoonClient({ url, token, EventSource })`.
   */
  EventSource?: Parameters<typeof httpSubscriptionLink>[0]['EventSource'];
  /** Retry retryable problems with capped, jittered backoff; off unless given. */
  retry?: RetryOptions;
}

export type FrookoonClient = TRPCClient<AppRouter>;

/** Creations that order stock: each call carries an idempotency key, so that no retry can order twice. */
const IDEMPOTENT_CREATIONS: ReadonlySet<string> = new Set(['orders.create', 'checkouts.create']);

function newIdempotencyKey(): string {
  if (typeof globalThis.crypto?.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Gives each creation call a key of its own when the caller sent none; retries below reuse the call's key. */
function idempotencyLink(): TRPCLink<AppRouter> {
  return () => ({ op, next }) => {
    const input = op.input as { idempotencyKey?: unknown } | undefined;
    if (op.type !== 'mutation' || !IDEMPOTENT_CREATIONS.has(op.path) || typeof input !== 'object' || input === null || input.idempotencyKey) {
      return next(op);
    }
    return observable((observer) => next({ ...op, input: { ...input, idempotencyKey: newIdempotencyKey() } }).subscribe(observer));
  };
}

/**
 * Retries what the server marks retryable. A rate limit's `retryAfter` (seconds) is honoured; otherwise the wait
 * is exponential with full jitter, capped at `maxDelayMs`. Subscriptions are left to their own reconnection.
 */
function retryableProblemLink(options: RetryOptions): TRPCLink<AppRouter> {
  const attempts = options.attempts ?? 3;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const baseDelayMs = options.baseDelayMs ?? 100;
  // retryLink asks `retry` and then `retryDelayMs` in the same turn for the same failure.
  let retryAfterMs: number | undefined;
  return retryLink<AppRouter>({
    retry({ op, error, attempts: made }) {
      const problem = getProblem(error);
      if (op.type === 'subscription' || !problem?.retryable || made >= attempts) return false;
      retryAfterMs = typeof problem.retryAfter === 'number' ? problem.retryAfter * 1000 : undefined;
      return retryAfterMs === undefined || retryAfterMs <= maxDelayMs;
    },
    retryDelayMs(made) {
      if (retryAfterMs !== undefined) return retryAfterMs;
      return Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (made - 1));
    },
  });
}

/** A typed client for the whole API: every procedure's input and output checked end to end. */
export function createFrookoonClient(options: FrookoonClientOptions): FrookoonClient {
  const base = options.url.replace(/\/+$/, '');
  const currentToken = () => (typeof options.token === 'function' ? options.token() : options.token) ?? undefined;
  const headers = () => {
    const token = currentToken();
    return { ...options.headers?.(), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  };
  const requests = httpBatchLink({ url: `${base}/trpc`, transformer: superjson, maxItems: MAX_BATCH_CALLS, fetch: options.fetch, headers });
  // What opens a live stream: an EventSource sends no headers and puts its parameters in the URL, so each
  // (re)connection asks for a single-use ticket instead of sending the token there.
  const tickets = createTRPCClient<AppRouter>({ links: [requests] });
  return createTRPCClient<AppRouter>({
    links: [
      idempotencyLink(),
      ...(options.retry ? [retryableProblemLink(options.retry)] : []),
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${base}/trpc`,
          transformer: superjson,
          EventSource: options.EventSource ?? globalThis.EventSource,
          connectionParams: async () => (currentToken() ? { ticket: (await tickets.auth.subscriptionTicket.mutate()).ticket } : {}),
        }),
        false: requests,
      }),
    ],
  });
}
