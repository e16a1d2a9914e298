import { z } from 'zod';

const line = (max: number) => z.string().trim().min(1).max(max);

export const ZCreateAddressInput = z.object({
  line1: line(200),
  line2: line(200).optional(),
  city: line(100),
  postalCode: z.string().trim().min(2).max(20).regex(/^[A-Za-z0-9 -]+$/, 'Letters, digits, spaces and dashes only'),
  country: z.string().trim().regex(/^[A-Za-z]{2}$/, 'Use a two-letter ISO 3166 country code').transform((c) => c.toUpperCase()),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{6,24}$/, 'Enter a phone number').optional(),
});
export type TCreateAddressInput = z.infer<typeof ZCreateAddressInput>;

export const ZAddress = z.object({
  id: z.uuid(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
  phone: z.string().nullable(),
  createdAt: z.date(),
});
export type TAddress = z.infer<typeof ZAddress>;
