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

/** The JSON Schema extension by which a field asks the REST document to list it as required. */
export const DOCUMENTED_AS_REQUIRED = 'x-documented-as-required';

/**
 * A field the contract requires that the schema still lets through when missing or null, so that the service
 * answers the contract's own code for it (such as `ORDER_ADDRESS_REQUIRED`) rather than a generic validation
 * error. The REST document lists it as required.
 */
export function requiredByService<T extends z.ZodType>(schema: T): T {
  return schema.meta({ [DOCUMENTED_AS_REQUIRED]: true });
}
