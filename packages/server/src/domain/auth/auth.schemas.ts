import { z } from 'zod';
import { ROLES } from '@frookoon/contract';

const ZEmail = z
  .string()
  .trim()
  .max(320)
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .transform((e) => e.toLowerCase());
const ZPassword = z.string().min(10, 'Use at least 10 characters').max(200);
const ZName = z.string().trim().min(1).max(200);

export const ZRegisterInput = z.object({ email: ZEmail, password: ZPassword, name: ZName });
export type TRegisterInput = z.infer<typeof ZRegisterInput>;

export const ZLoginInput = z.object({ email: ZEmail, password: z.string().min(1).max(200) });
export type TLoginInput = z.infer<typeof ZLoginInput>;

export const ZCreateUserInput = z.object({
  email: ZEmail,
  password: ZPassword,
  name: ZName,
  role: z.enum(ROLES),
  vendorId: z.uuid().optional(),
});
export type TCreateUserInput = z.infer<typeof ZCreateUserInput>;

export const ZCreateVendorInput = z.object({ name: ZName });
export type TCreateVendorInput = z.infer<typeof ZCreateVendorInput>;

export const ZUser = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  vendorId: z.uuid().nullable(),
  createdAt: z.date(),
});
export type TUser = z.infer<typeof ZUser>;

export const ZAuthResult = z.object({
  /** Shown once: only its hash is stored. */
  token: z.string(),
  expiresAt: z.date(),
  user: ZUser,
});
export type TAuthResult = z.infer<typeof ZAuthResult>;

export const ZVendor = z.object({ id: z.uuid(), name: z.string(), createdAt: z.date() });
export type TVendor = z.infer<typeof ZVendor>;
