import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Product, Stock, StockMovement, findProductWithStock, isForeignKeyViolation, ledgerMismatches, inLockedTransaction, isUniqueViolation, listProductsWithStock, lockStock, moveStock, newId, sqlOf,
} from '@frookoon/db';
import { AppError } from '../../errors/app-error';
import type { Actor } from '../shared/actor';
import { MAX_INT, page } from '../shared/schemas';
import type { TCreateProductInput, TProduct, TProductListInput, TStock, TStockAdjustInput } from './catalog.schemas';

export async function listProducts(deps: { em: EntityManager }, input: TProductListInput) {
  const rows = await listProductsWithStock(deps.em, { cursor: input.cursor, vendorId: input.vendorId, limit: input.limit + 1 });
  return page(rows, input.limit);
}

export async function getProduct(deps: { em: EntityManager }, id: string): Promise<TProduct> {
  const row = await findProductWithStock(deps.em, id);
  if (!row) throw new AppError('NOT_FOUND', 'No such product');
  return row;
}

/** The vendor a product is created for: a vendor's own, or any existing one named by an admin. */
function owningVendor(actor: Actor, requested: string | undefined): string {
  if (actor.role === 'vendor') {
    // Another vendor is not the caller's to act on: answered as if it did not exist.
    if (requested && requested !== actor.vendorId) {
      throw new AppError('NOT_FOUND', 'No such vendor', { errors: [{ field: 'vendorId', message: 'No such vendor among yours' }] });
    }
    return actor.vendorId!;
  }
  if (!requested) {
    throw new AppError('VALIDATION_ERROR', 'Name the vendor the product belongs to', { errors: [{ field: 'vendorId', message: 'Required for admins' }] });
  }
  return requested;
}

/** A product, its stock row and (for a non-zero start) the `restock` ledger row that explains it. */
export async function createProduct(deps: { em: EntityManager; actor: Actor }, input: TCreateProductInput): Promise<TProduct> {
  const vendorId = owningVendor(deps.actor, input.vendorId);
  const product = deps.em.create(Product, {
    id: newId(), vendor: vendorId, name: input.name, sku: input.sku, priceCents: input.priceCents, currency: input.currency,
  });
  const stock = deps.em.create(Stock, { productId: product.id, quantity: input.initialStock });
  if (input.initialStock > 0) {
    deps.em.create(StockMovement, {
      product: product.id, order: null, kind: 'restock', delta: input.initialStock, actor: deps.actor.userId, reason: 'initial stock',
    });
  }
  try {
    await deps.em.flush();
  } catch (err) {
    if (isUniqueViolation(err, 'product_vendor_sku_unique')) {
      throw new AppError('VALIDATION_ERROR', `SKU ${input.sku} is already in use by this vendor`, { errors: [{ field: 'sku', message: 'Already in use' }], cause: err });
    }
    if (isForeignKeyViolation(err)) {
      throw new AppError('NOT_FOUND', 'No such vendor', { errors: [{ field: 'vendorId', message: 'No such vendor' }], cause: err });
    }
    throw err;
  }
  return {
    id: product.id, vendorId, name: product.name, sku: product.sku, priceCents: product.priceCents, currency: product.currency,
    stock: stock.quantity, createdAt: product.createdAt,
  };
}

export async function getStock(deps: { em: EntityManager }, productId: string): Promise<TStock> {
  const stock = await deps.em.findOne(Stock, { productId });
  if (!stock) throw new AppError('NOT_FOUND', 'No stock is kept for this product');
  return { productId: stock.productId, quantity: stock.quantity, updatedAt: stock.updatedAt };
}

/** A manual correction by the product's vendor or an admin, under the stock row lock, with its ledger row. */
export async function adjustStock(
  deps: { em: EntityManager; actor: Actor; lockTimeoutMs: number },
  input: TStockAdjustInput,
): Promise<TStock> {
  const product = await deps.em.findOne(Product, { id: input.productId }, { fields: ['id', 'vendor'] });
  if (!product) throw new AppError('NOT_FOUND', 'No such product');
  if (deps.actor.role === 'vendor' && product.vendor !== deps.actor.vendorId) {
    // Another vendor's product is not the caller's to act on: answered as if it did not exist.
    throw new AppError('NOT_FOUND', 'No such product');
  }
  return inLockedTransaction(deps.em, { lockTimeoutMs: deps.lockTimeoutMs }, async (tx) => {
    const sql = await sqlOf(tx);
    const stock = (await lockStock(sql, [input.productId])).get(input.productId);
    if (!stock) throw new AppError('NOT_FOUND', 'No stock is kept for this product');
    if (stock.quantity + input.delta < 0) {
      throw new AppError('INSUFFICIENT_STOCK', `Only ${stock.quantity} in stock; cannot remove ${-input.delta}`, {
        errors: [{ field: 'delta', message: `Stock cannot go below zero (now ${stock.quantity})` }],
      });
    }
    if (stock.quantity + input.delta > MAX_INT) {
      throw new AppError('VALIDATION_ERROR', `Stock cannot exceed ${MAX_INT}`, { errors: [{ field: 'delta', message: 'Too large' }] });
    }
    const [moved] = await moveStock(sql, 'adjust', [{ productId: stock.productId, delta: input.delta, movementId: newId(), orderId: null }], {
      actorId: deps.actor.userId, reason: input.reason,
    });
    return moved!;
  });
}

/** Checks the stock invariant over every product: stock equals the sum of its ledger rows. */
export async function auditStock(deps: { em: EntityManager }) {
  const mismatches = await ledgerMismatches(deps.em);
  return { checkedAt: new Date(), sound: mismatches.length === 0, mismatches };
}
