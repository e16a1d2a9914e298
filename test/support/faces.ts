import superjson from 'superjson';
import { isProblemDetails, type ProblemDetails } from '@frookoon/sdk';
import { appRouter } from '../../packages/server/src/trpc/routers/_app';
import { bearer } from './app';

export type ProcedureType = 'query' | 'mutation' | 'subscription';

/** One procedure of the router as a client reaches it: over tRPC always, over REST when it has a route. */
export interface RouterProcedure {
  /** The tRPC path, e.g. `orders.cancel`. */
  path: string;
  type: ProcedureType;
  rest: { method: string; path: string; creates: boolean } | null;
  /** The top-level fields of its input schema, when the input is an object. */
  inputKeys: string[];
}

interface ProcedureDef {
  type: ProcedureType;
  inputs: unknown[];
  meta?: { openapi?: { method: string; path: string; responseHeaders?: { shape: Record<string, unknown> } } };
}

/** zod 4 keeps an object's shape under `def.shape`, seen through `optional` and `default` wrappers. */
function objectKeys(schema: unknown): string[] {
  let def = (schema as { def?: { type: string; innerType?: unknown; shape?: Record<string, unknown> } } | undefined)?.def;
  while (def && (def.type === 'optional' || def.type === 'default' || def.type === 'nullable')) {
    def = (def.innerType as { def?: typeof def }).def;
  }
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Every procedure the server mounts, read from the router itself rather than from a list kept by hand. */
export function routerProcedures(): RouterProcedure[] {
  return Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>).map(([path, { _def }]) => {
    const openapi = _def.meta?.openapi;
    return {
      path,
      type: _def.type,
      rest: openapi ? { method: openapi.method, path: openapi.path, creates: openapi.responseHeaders?.shape.location !== undefined } : null,
      inputKeys: objectKeys(_def.inputs[0]),
    };
  });
}

/** What a call came back with: the HTTP status, and the problem or the (decoded) data. */
export interface Outcome {
  status: number;
  contentType: string | null;
  problem?: ProblemDetails;
  data?: unknown;
  /** The raw body, for messages when something is off. */
  text: string;
}

const withToken = (token: string | null | undefined): Record<string, string> => (token ? bearer(token) : {});

/** A tRPC call as the SDK's link makes it: queries `GET ?input=`, mutations `POST {"json": …}`, superjson-encoded. */
export function trpcRequest(procedure: Pick<RouterProcedure, 'path' | 'type'>, input: unknown, token?: string | null): [string, RequestInit] {
  const encoded = JSON.stringify(superjson.serialize(input));
  if (procedure.type === 'mutation') {
    return [`/trpc/${procedure.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...withToken(token) }, body: encoded }];
  }
  const query = input === undefined ? '' : `?input=${encodeURIComponent(encoded)}`;
  return [`/trpc/${procedure.path}${query}`, { headers: withToken(token) }];
}

/**
 * A tRPC call whose encoded input is given as text, sent as it is: the body of a mutation, `?input=` of a query.
 * For input superjson would refuse to encode, and for text that is no JSON at all.
 */
export function trpcRawRequest(procedure: Pick<RouterProcedure, 'path' | 'type'>, encoded: string, token?: string | null): [string, RequestInit] {
  if (procedure.type === 'mutation') {
    return [`/trpc/${procedure.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...withToken(token) }, body: encoded }];
  }
  return [`/trpc/${procedure.path}?input=${percentEncode(encoded)}`, { headers: withToken(token) }];
}

/**
 * A REST call: path parameters taken from the input, the rest of it as the query string (GET) or the JSON body.
 * A query string carries only text, so an object or array value goes as JSON and a list as repeated keys.
 */
export function restRequest(procedure: RouterProcedure, input: unknown, token?: string | null): [string, RequestInit] {
  const route = procedure.rest;
  if (!route) throw new Error(`${procedure.path} has no REST route`);
  const rest: Record<string, unknown> = isRecord(input) ? { ...input } : {};
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    return percentEncode(asText(value));
  });
  const url = `/api/v1${path}`;
  if (route.method === 'GET') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(rest)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined) query.append(key, asText(item));
      }
    }
    const qs = query.toString();
    return [qs ? `${url}?${qs}` : url, { headers: withToken(token) }];
  }
  const body = isRecord(input) ? rest : input;
  return [url, { method: route.method, headers: { 'content-type': 'application/json', ...withToken(token) }, body: body === undefined ? undefined : JSON.stringify(body) }];
}

/** Reads a tRPC answer: `{result: {data}}` or `{error}`, both superjson-encoded, the problem at `error.data.problem`. */
export async function trpcOutcome(res: Response): Promise<Outcome> {
  const text = await res.text();
  const outcome: Outcome = { status: res.status, contentType: res.headers.get('content-type'), text };
  const body = parseJson(text) as { error?: Parameters<typeof superjson.deserialize>[0]; result?: { data?: Parameters<typeof superjson.deserialize>[0] } } | undefined;
  if (body?.error) {
    const problem = superjson.deserialize<{ data?: { problem?: unknown } }>(body.error)?.data?.problem;
    if (isProblemDetails(problem)) outcome.problem = problem;
  } else if (body?.result?.data !== undefined) {
    outcome.data = superjson.deserialize(body.result.data);
  }
  return outcome;
}

/** Reads a REST answer: the data, or (4xx/5xx) the problem that is the whole body. */
export async function restOutcome(res: Response): Promise<Outcome> {
  const text = await res.text();
  const outcome: Outcome = { status: res.status, contentType: res.headers.get('content-type'), text };
  const body = parseJson(text);
  if (res.status >= 400) {
    if (isProblemDetails(body)) outcome.problem = body;
  } else {
    outcome.data = body;
  }
  return outcome;
}

/**
 * `encodeURIComponent` over UTF-8 bytes, so that any text can be sent: a lone surrogate, which
 * `encodeURIComponent` refuses, goes as the replacement character, as a browser would send it.
 */
export function percentEncode(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9\-_.!~*'()]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** A value as text goes in a URL: strings as they are, anything else as JSON. */
function asText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
