import { z } from 'zod';

export const ZId = z.uuid();
export const ZCursor = z.uuid().optional();
/** Query strings arrive as text on the REST face, hence the coercion. */
export const ZLimit = z.coerce.number().int().min(1).max(100).default(20);
export const ZCurrency = z.string().regex(/^[A-Z]{3}$/, 'Use a three-letter ISO 4217 code, e.g. INR');

export function page<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

/** The largest amount or quantity a column holds (PostgreSQL `integer`). */
export const MAX_INT = 2_147_483_647;
