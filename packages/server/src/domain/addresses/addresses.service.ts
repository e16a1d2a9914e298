import type { EntityManager } from '@mikro-orm/postgresql';
import { Address, type IAddress } from '@frookoon/db';
import { AppError } from '../../errors/app-error';
import type { Actor } from '../shared/actor';
import type { TAddress, TCreateAddressInput } from './addresses.schemas';

const MAX_ADDRESSES = 100;

function toAddressDto(a: IAddress): TAddress {
  return { id: a.id, line1: a.line1, line2: a.line2 ?? null, city: a.city, postalCode: a.postalCode, country: a.country, phone: a.phone ?? null, createdAt: a.createdAt };
}

export async function createAddress(deps: { em: EntityManager; actor: Actor }, input: TCreateAddressInput): Promise<TAddress> {
  const address = deps.em.create(Address, {
    customer: deps.actor.userId, line1: input.line1, line2: input.line2 ?? null, city: input.city,
    postalCode: input.postalCode, country: input.country, phone: input.phone ?? null,
  });
  await deps.em.flush();
  return toAddressDto(address);
}

export async function listAddresses(deps: { em: EntityManager; actor: Actor }): Promise<TAddress[]> {
  const rows = await deps.em.find(Address, { customer: deps.actor.userId }, { orderBy: { id: 'asc' }, limit: MAX_ADDRESSES });
  return rows.map(toAddressDto);
}

/** One of the customer's addresses; another customer's is answered as if it did not exist. */
export async function getAddress(deps: { em: EntityManager; actor: Actor }, id: string): Promise<TAddress> {
  const address = await deps.em.findOne(Address, { id, customer: deps.actor.userId });
  if (!address) throw new AppError('NOT_FOUND', 'No such address');
  return toAddressDto(address);
}
