import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '@frookoon/server';

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
   * such as the `eventsource` package.
   */
  EventSource?: Parameters<typeof httpSubscriptionLink>[0]['EventSource'];
}

export type FrookoonClient = TRPCClient<AppRouter>;

/** A typed client for the whole API: every procedure's input and output checked end to end. */
export function createFrookoonClient(options: FrookoonClientOptions): FrookoonClient {
  const base = options.url.replace(/\/+$/, '');
  const currentToken = () => (typeof options.token === 'function' ? options.token() : options.token) ?? undefined;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        // An EventSource cannot send headers: the token travels as a connection parameter.
        true: httpSubscriptionLink({
          url: `${base}/trpc`,
          transformer: superjson,
          EventSource: options.EventSource ?? globalThis.EventSource,
          connectionParams: () => {
            const token = currentToken();
            return token ? { token } : {};
          },
        }),
        false: httpBatchLink({
          url: `${base}/trpc`,
          transformer: superjson,
          fetch: options.fetch,
          headers: () => {
            const token = currentToken();
            return { ...options.headers?.(), ...(token ? { authorization: `Bearer ${token}` } : {}) };
          },
        }),
      }),
    ],
  });
}
