import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../entities/user.entity';
import { Vendor } from '../entities/vendor.entity';
import { Product } from '../entities/product.entity';
import { Stock } from '../entities/stock.entity';
import { StockMovement } from '../entities/stock-movement.entity';
import { Address } from '../entities/address.entity';
import { newId } from '../entities/ids';

export const DEMO_PASSWORD = 'frookoon-demo';
export const DEMO_ACCOUNTS = {
  admin: 'admin@demo.frookoon.test',
  vendor: 'vendor@demo.frookoon.test',
  customer: 'customer@demo.frookoon.test',
} as const;

const PRODUCTS: ReadonlyArray<[name: string, sku: string, priceCents: number, stock: number]> = [
  ['Alphonso mango', 'MANGO-ALPH', 450, 40],
  ['Kesar mango', 'MANGO-KESR', 380, 35],
  ['Medjool dates, 500 g', 'DATE-MEDJ', 899, 20],
  ['Blood orange', 'ORNG-BLOD', 120, 80],
  ['Honeycrisp apple', 'APPL-HONY', 95, 120],
  ['Bartlett pear', 'PEAR-BART', 110, 60],
  ['Dragon fruit', 'DRGN-RED', 520, 15],
  ['Passion fruit, 6 pack', 'PASS-6PK', 640, 25],
  ['Lychee, 250 g', 'LYCH-250', 710, 18],
  ['Hass avocado', 'AVOC-HASS', 199, 50],
  ['Pomegranate', 'POME-WNDR', 260, 30],
  ['Rainier cherries, 500 g', 'CHRY-RAIN', 1150, 12],
];

export interface SeedResult {
  seeded: boolean;
}

/**
 * Demo data for a fresh database: a vendor with a dozen products in stock and one account per role.
 * Runs only when there are no users at all, so seeding twice (or seeding a database in use) changes nothing.
 */
export async function seedDemoData(em: EntityManager, passwordHash: string): Promise<SeedResult> {
  return em.transactional(async (tx) => {
    // Serialises concurrent seeders (several instances starting at once) on one advisory lock.
    await tx.execute('select pg_advisory_xact_lock(4242001)');
    if ((await tx.count(User, {})) > 0) return { seeded: false };

    const vendor = tx.create(Vendor, { id: newId(), name: 'Frookoon Demo Orchard' });
    const admin = tx.create(User, { id: newId(), email: DEMO_ACCOUNTS.admin, name: 'Demo Admin', role: 'admin', passwordHash, vendor: null });
    tx.create(User, { email: DEMO_ACCOUNTS.vendor, name: 'Demo Vendor', role: 'vendor', passwordHash, vendor: vendor.id });
    const customer = tx.create(User, { id: newId(), email: DEMO_ACCOUNTS.customer, name: 'Demo Customer', role: 'customer', passwordHash, vendor: null });
    tx.create(Address, {
      customer: customer.id, line1: '12 Orchard Lane', line2: null, city: 'Pune', postalCode: '411001', country: 'IN', phone: null,
    });
    for (const [name, sku, priceCents, quantity] of PRODUCTS) {
      const product = tx.create(Product, { id: newId(), vendor: vendor.id, name, sku, priceCents, currency: 'INR' });
      tx.create(Stock, { productId: product.id, quantity });
      tx.create(StockMovement, { product: product.id, order: null, kind: 'restock', delta: quantity, actor: admin.id, reason: 'demo data' });
    }
    return { seeded: true };
  });
}
