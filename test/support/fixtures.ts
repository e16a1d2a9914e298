import type { EntityManager } from '@mikro-orm/postgresql';
import { Address, Product, Stock, StockMovement, Vendor, ledgerMismatches, moneyViolations, newId } from '@frookoon/db';
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

/**
 * The stock invariants, checked in SQL over the whole database; each returned string is a violation.
 * - `stock.quantity` equals the sum of the product's ledger deltas, and is never negative;
 * - every order has items, one `reserve` ledger row per item (for exactly its quantity) and a history
 *   starting with one creation row;
 * - a cancelled order has one `release` row per item, giving back exactly what was reserved;
 * - and the money invariants (`moneyViolations`): paid, refunded, charged and credited amounts agree.
 */
export async function invariantViolations(em: EntityManager): Promise<string[]> {
  const queries: Record<string, string> = {
    'negative stock': 'select product_id from stock where quantity < 0',
    'order without items': 'select o.id from customer_order o where not exists (select 1 from order_item i where i.order_id = o.id)',
    'item without exactly one matching reserve': `
      select i.id from order_item i
       where (select count(*) from stock_movement m where m.order_id = i.order_id and m.product_id = i.product_id and m.kind = 'reserve' and m.delta = -i.quantity) <> 1`,
    'reserve without item': `
      select m.id from stock_movement m where m.kind = 'reserve'
         and not exists (select 1 from order_item i where i.order_id = m.order_id and i.product_id = m.product_id)`,
    'order without exactly one creation row': `
      select o.id from customer_order o
       where (select count(*) from order_status_history h where h.order_id = o.id and h.previous_status is null and h.new_status = 'PENDING') <> 1`,
    'cancelled order not released exactly': `
      select i.id from order_item i join customer_order o on o.id = i.order_id
       where o.status = 'CANCELLED'
         and (select count(*) from stock_movement m where m.order_id = i.order_id and m.product_id = i.product_id and m.kind = 'release' and m.delta = i.quantity) <> 1`,
    'release of an order not cancelled': `
      select m.id from stock_movement m join customer_order o on o.id = m.order_id where m.kind = 'release' and o.status <> 'CANCELLED'`,
  };
  const violations = (await ledgerMismatches(em)).map((m) => `stock differs from ledger: ${JSON.stringify(m)}`);
  violations.push(...(await moneyViolations(em)));
  for (const [name, sql] of Object.entries(queries)) {
    const rows = await em.execute<Record<string, unknown>[]>(sql);
    for (const row of rows) violations.push(`${name}: ${JSON.stringify(row)}`);
  }
  return violations;
}
