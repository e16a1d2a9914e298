import { createFrookoonClient, getProblem, userMessage, type FrookoonClient, type ProblemFieldError, type RouterInputs, type RouterOutputs } from '@frookoon/sdk';

declare const __API_URL__: string;

export const API_URL = __API_URL__;

export type User = RouterOutputs['auth']['me'];
export type Product = RouterOutputs['products']['list']['items'][number];
export type Order = RouterOutputs['orders']['byId'];
/** A cart placed at once: one order per vendor, paid with one charge. */
export type PlacedCheckout = RouterOutputs['checkouts']['byId'];
export type PayoutBalance = RouterOutputs['payouts']['balance'];
export type PayoutEntry = RouterOutputs['payouts']['ledger']['items'][number];
export type HistoryEntry = RouterOutputs['orders']['history'][number];
export type Address = RouterOutputs['addresses']['list'][number];
export type NewAddress = RouterInputs['addresses']['create'];
export type Notification = RouterOutputs['notifications']['list']['items'][number];
export type StockAudit = RouterOutputs['stock']['audit'];

const TOKEN_KEY = 'frookoon.token';

let token: string | null = localStorage.getItem(TOKEN_KEY);

export function currentToken(): string | null {
  return token;
}

export function setToken(next: string | null): void {
  token = next;
  if (next) localStorage.setItem(TOKEN_KEY, next);
  else localStorage.removeItem(TOKEN_KEY);
}

// Lock conflicts and brief unavailability are retried before anyone sees them; orders and checkouts carry
// idempotency keys, so a retry never orders twice.
const options = { url: API_URL, token: currentToken, retry: { attempts: 3 } };

/** The app's client: calls made in the same tick share one HTTP request. */
export const client = createFrookoonClient(options);

/** A client of its own, as a separate shopper would have: its calls are never batched with anyone else's. */
export function separateClient(): FrookoonClient {
  return createFrookoonClient(options);
}

/** What the UI shows for a failed call: the friendly message for its error code and the id support asks for. */
export interface Failure {
  message: string;
  requestId: string | null;
  fields: ProblemFieldError[];
}

export function describeFailure(err: unknown): Failure {
  const problem = getProblem(err);
  if (!problem) return { message: `Cannot reach the shop at ${API_URL}; is the API running?`, requestId: null, fields: [] };
  return { message: userMessage(problem), requestId: problem.request_id, fields: problem.errors };
}

/** Every page of a cursor-paginated list, up to `max` items. */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  max = 500,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return items;
}
