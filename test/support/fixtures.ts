import type { EntityManager } from '@mikro-orm/postgresql';
import { Address, Product, Stock, StockMovement, Vendor, checkInvariants, newId } from '@frookoon/db';
import type { TestApp, TestUser } from './app';

let seq = 0;

export async function makeVendor(app: TestApp, name = 'Test Orchard'): Promise<{ vendorId: string; vendor: TestUser }> {
  const em = app.orm.em.fork();
  const vendorId = newId();
  em.create(Vendor, { id: vendorId, name });
  await em.flush();
  return { vendorId, vendor: await app.makeUser('vendor', { vendorId }) };
}

/** A product with a stock row whose quantity is explained by one `restock` ledger row. */
export async function makeProduct(
  app: TestApp,
  vendorId: string,
  opts: { stock?: number; priceCents?: number; name?: string; currency?: string } = {},
): Promise<string> {
  const em = app.orm.em.fork();
  const id = newId();
  const n = ++seq;
  em.create(Product, {
    id, vendor: vendorId, name: opts.name ?? `Product ${n}`, sku: `SKU-${n}-${id.slice(-6)}`,
    priceCents: opts.priceCents ?? 100, currency: opts.currency ?? 'INR',
  });
  const quantity = opts.stock ?? 10;
  em.create(Stock, { productId: id, quantity });
  if (quantity > 0) em.create(StockMovement, { product: id, order: null, kind: 'restock', delta: quantity, actor: null, reason: 'test' });
  await em.flush();
  return id;
}

export async function makeAddress(app: TestApp, customerId: string): Promise<string> {
  const em = app.orm.em.fork();
  const address = em.create(Address, {
    id: newId(), customer: customerId, line1: '1 Test Street', line2: null, city: 'Pune', postalCode: '411001', country: 'IN', phone: null,
  });
  await em.flush();
  return address.id;
}

/** A customer with an address, ready to order. */
export async function makeBuyer(app: TestApp): Promise<TestUser & { addressId: string }> {
  const customer = await app.makeUser('customer');
  return { ...customer, addressId: await makeAddress(app, customer.id) };
}

export async function stockOf(em: EntityManager, productId: string): Promise<number> {
  const rows = await em.execute<{ quantity: number }[]>('select quantity from stock where product_id = ?', [productId]);
  return rows[0]!.quantity;
}

/** Every invariant of the database (`checkInvariants`: stock, lifecycle and money), as one line per violation. */
export async function invariantViolations(em: EntityManager): Promise<string[]> {
  return (await checkInvariants(em)).flatMap((r) => r.violations.map((v) => `${r.name}: ${v}`));
}
