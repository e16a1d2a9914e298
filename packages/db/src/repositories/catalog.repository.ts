import type { EntityManager } from '@mikro-orm/postgresql';

export interface ProductRow {
  id: string;
  vendorId: string;
  name: string;
  sku: string;
  priceCents: number;
  currency: string;
  createdAt: Date;
  /** Null for a product with no stock row (not orderable). */
  stock: number | null;
}

/** The driver hands timestamps over as text (MikroORM's setting); entities convert them, raw rows must. */
type RawProductRow = Omit<ProductRow, 'createdAt'> & { createdAt: string | Date };

const toProductRow = (row: RawProductRow): ProductRow => ({ ...row, createdAt: new Date(row.createdAt) });

const SELECT_PRODUCTS = `
  select p.id, p.vendor_id as "vendorId", p.name, p.sku, p.price_cents as "priceCents", p.currency,
         p.created_at as "createdAt", s.quantity as stock
    from product p left join stock s on s.product_id = p.id`;

/** Products with their stock, in id (creation) order, after `cursor`; one query. */
export async function listProductsWithStock(
  em: EntityManager,
  query: { cursor?: string; limit: number; vendorId?: string },
): Promise<ProductRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.cursor) {
    where.push('p.id > ?');
    params.push(query.cursor);
  }
  if (query.vendorId) {
    where.push('p.vendor_id = ?');
    params.push(query.vendorId);
  }
  params.push(query.limit);
  const sql = `${SELECT_PRODUCTS} ${where.length ? 'where ' + where.join(' and ') : ''} order by p.id limit ?`;
  return (await em.execute<RawProductRow[]>(sql, params)).map(toProductRow);
}

export async function findProductWithStock(em: EntityManager, id: string): Promise<ProductRow | null> {
  const rows = await em.execute<RawProductRow[]>(`${SELECT_PRODUCTS} where p.id = ?`, [id]);
  return rows[0] ? toProductRow(rows[0]) : null;
}
