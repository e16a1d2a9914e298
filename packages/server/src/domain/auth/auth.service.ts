import type { EntityManager } from '@mikro-orm/postgresql';
import {
  ApiToken, User, Vendor, findPrincipalByTokenHash, isUniqueViolation, issueSubscriptionTicket as issueTicket, newId, redeemSubscriptionTicket,
  revokeToken, revokeUserTokens, type IUser, type IVendor,
} from '@frookoon/db';
import { AppError } from '../../errors/app-error';
import { hashedKey, type RateLimiter } from '../../limits/rate-limiter';
import type { Actor } from '../shared/actor';
import { hashPassword, verifyPassword } from './password';
import type { TokenCache } from './token-cache';
import { hashToken, newSubscriptionTicket, newToken, tokenFromAuthorization } from './tokens';
import type { TAuthResult, TCreateUserInput, TCreateVendorInput, TLoginInput, TRegisterInput, TUser, TVendor } from './auth.schemas';

export interface AuthDeps {
  em: EntityManager;
  tokenTtlMs: number;
}

/** Sign-up and login are counted per client address (and login per account too). */
export interface PublicAuthDeps extends AuthDeps {
  rateLimiter: RateLimiter;
  clientIp: string;
}

export function toUserDto(user: IUser): TUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, vendorId: user.vendor ?? null, createdAt: user.createdAt };
}

export function toVendorDto(vendor: IVendor): TVendor {
  return { id: vendor.id, name: vendor.name, createdAt: vendor.createdAt };
}

const emailTaken = (cause: unknown) =>
  new AppError('VALIDATION_ERROR', 'This email is already registered', {
    errors: [{ field: 'email', message: 'This email is already registered' }],
    cause,
  });

async function issueToken(deps: AuthDeps, user: IUser): Promise<TAuthResult> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + deps.tokenTtlMs);
  deps.em.create(ApiToken, { user: user.id, tokenHash: hashToken(token), expiresAt, revokedAt: null });
  await deps.em.flush();
  return { token, expiresAt, user: toUserDto(user) };
}

async function insertUser(em: EntityManager, data: Omit<IUser, 'id' | 'createdAt'>): Promise<IUser> {
  const user = em.create(User, data);
  try {
    await em.flush();
  } catch (err) {
    if (isUniqueViolation(err, 'app_user_email_unique')) throw emailTaken(err);
    throw err;
  }
  return user;
}

/** Self-service sign-up: always a customer, whatever else the body says. */
export async function register(deps: PublicAuthDeps, input: TRegisterInput): Promise<TAuthResult> {
  await deps.rateLimiter.consume('registrations', `address:${deps.clientIp}`);
  const passwordHash = await hashPassword(input.password);
  const user = await insertUser(deps.em, { email: input.email, name: input.name, passwordHash, role: 'customer', vendor: null });
  return issueToken(deps, user);
}

/**
 * An unknown email and a wrong password answer alike, in about the same time (a dummy hash is checked), and count
 * alike against the failed-login limits of the account and of the client address.
 */
export async function login(deps: PublicAuthDeps, input: TLoginInput): Promise<TAuthResult> {
  const keys = [`account:${hashedKey(input.email)}`, `address:${deps.clientIp}`];
  // Counted before the check, so that parallel guesses stop at the limit too; a login that succeeds is given back.
  await Promise.all(keys.map((key) => deps.rateLimiter.consume('loginFailures', key)));
  const user = await deps.em.findOne(User, { email: input.email }, { populate: ['passwordHash'] });
  if (!(await verifyPassword(user?.passwordHash, input.password)) || !user) {
    throw new AppError('UNAUTHORIZED', 'Email or password is incorrect');
  }
  await Promise.all(keys.map((key) => deps.rateLimiter.refund('loginFailures', key)));
  return issueToken(deps, user);
}

/** Revocation takes effect at once on this instance; other instances drop their cached copy when they hear of it. */
export async function logout(deps: { em: EntityManager; actor: Actor; tokens: TokenCache }): Promise<{ revoked: boolean }> {
  deps.tokens.forgetToken(deps.actor.tokenHash);
  return { revoked: await revokeToken(deps.em, deps.actor.tokenHash) };
}

/** Revokes every live token of the caller, the one in use included (e.g. after a lost device). */
export async function logoutAll(deps: { em: EntityManager; actor: Actor; tokens: TokenCache }): Promise<{ revoked: number }> {
  deps.tokens.forgetUser(deps.actor.userId);
  return { revoked: await revokeUserTokens(deps.em, deps.actor.userId) };
}

/** The actor behind an `Authorization` header (from the cache when seen lately), or `UNAUTHORIZED`. */
export async function authenticate(em: EntityManager, tokens: TokenCache, authorization: string | undefined): Promise<Actor> {
  const token = tokenFromAuthorization(authorization);
  if (!token) throw new AppError('UNAUTHORIZED', 'Please log in: send `Authorization: Bearer <token>`');
  const tokenHash = hashToken(token);
  const cached = tokens.get(tokenHash);
  if (cached) return { ...cached, tokenHash };
  const mark = tokens.mark();
  const found = await findPrincipalByTokenHash(em, tokenHash);
  if (!found) throw new AppError('UNAUTHORIZED', 'The token is invalid, expired or revoked; please log in again');
  const principal = { userId: found.userId, role: found.role, vendorId: found.vendorId };
  tokens.remember(tokenHash, principal, found.expiresAt, mark);
  return { ...principal, tokenHash };
}

const TICKET_TTL_MS = 60_000;

/**
 * A single-use ticket that opens one live subscription for the caller's token within a minute. A browser's
 * EventSource puts what it sends in the URL, where proxies and logs keep it: a spent ticket is worth nothing there.
 */
export async function issueSubscriptionTicket(deps: { em: EntityManager; actor: Actor }): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = newSubscriptionTicket();
  const expiresAt = await issueTicket(deps.em, { id: newId(), tokenHash: deps.actor.tokenHash, ticketHash: hashToken(ticket), ttlMs: TICKET_TTL_MS });
  if (!expiresAt) throw new AppError('UNAUTHORIZED', 'The token is invalid, expired or revoked; please log in again');
  return { ticket, expiresAt };
}

/**
 * Who opens a live subscription: the holder of an unspent ticket (spent here), or of a bearer token sent as a
 * header by a client that can send one. Also answers the token's expiry, when known, for the stream to end then.
 */
export async function authenticateSubscription(
  em: EntityManager,
  tokens: TokenCache,
  ticket: string | undefined,
  authorization: string | undefined,
): Promise<Actor & { tokenExpiresAt?: Date }> {
  if (!ticket) return authenticate(em, tokens, authorization);
  const redeemed = await redeemSubscriptionTicket(em, hashToken(ticket));
  if (!redeemed) throw new AppError('UNAUTHORIZED', 'The subscription ticket is unknown, spent or expired; ask for a new one (auth.subscriptionTicket)');
  return { userId: redeemed.userId, role: redeemed.role, vendorId: redeemed.vendorId, tokenHash: redeemed.tokenHash, tokenExpiresAt: redeemed.tokenExpiresAt };
}

/** Whether the token behind a stream still authenticates. */
export async function isTokenLive(em: EntityManager, tokenHash: string): Promise<boolean> {
  return (await findPrincipalByTokenHash(em, tokenHash)) !== null;
}

export async function me(deps: { em: EntityManager; actor: Actor }): Promise<TUser> {
  const user = await deps.em.findOne(User, { id: deps.actor.userId });
  if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists');
  return toUserDto(user);
}

/** Admin: an account of any role; a vendor account belongs to exactly one existing vendor. */
export async function createUser(deps: { em: EntityManager }, input: TCreateUserInput): Promise<TUser> {
  if (input.role === 'vendor' && !input.vendorId) {
    throw new AppError('VALIDATION_ERROR', 'A vendor account needs a vendorId', {
      errors: [{ field: 'vendorId', message: 'Required for the vendor role' }],
    });
  }
  if (input.role !== 'vendor' && input.vendorId) {
    throw new AppError('VALIDATION_ERROR', 'Only vendor accounts belong to a vendor', {
      errors: [{ field: 'vendorId', message: 'Only allowed for the vendor role' }],
    });
  }
  if (input.vendorId && !(await deps.em.findOne(Vendor, { id: input.vendorId }, { fields: ['id'] }))) {
    throw new AppError('NOT_FOUND', 'No such vendor', { errors: [{ field: 'vendorId', message: 'No such vendor' }] });
  }
  const passwordHash = await hashPassword(input.password);
  const user = await insertUser(deps.em, {
    email: input.email, name: input.name, passwordHash, role: input.role, vendor: input.vendorId ?? null,
  });
  return toUserDto(user);
}

/** An account, for admins and for the account itself; anyone else is told it does not exist. */
export async function getUser(deps: { em: EntityManager; actor: Actor }, id: string): Promise<TUser> {
  const user = deps.actor.role === 'admin' || deps.actor.userId === id ? await deps.em.findOne(User, { id }) : null;
  if (!user) throw new AppError('NOT_FOUND', 'No such account');
  return toUserDto(user);
}

/** A vendor, by its id: public, as its name is on every product it sells. */
export async function getVendor(deps: { em: EntityManager }, id: string): Promise<TVendor> {
  const vendor = await deps.em.findOne(Vendor, { id });
  if (!vendor) throw new AppError('NOT_FOUND', 'No such vendor');
  return toVendorDto(vendor);
}

export async function createVendor(deps: { em: EntityManager }, input: TCreateVendorInput): Promise<TVendor> {
  const vendor = deps.em.create(Vendor, { name: input.name });
  await deps.em.flush();
  return toVendorDto(vendor);
}
