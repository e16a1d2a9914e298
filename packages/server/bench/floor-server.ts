/**
 * The floor: the same order (and payment) written by hand with `node:http` and `pg`, no framework, in its natural
 * statement order. The bench runs it beside Frookoon on the same database to show what PostgreSQL allows.
 * DATABASE_URL, PORT and DB_POOL_MAX as for the server.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';

interface Line {
  productId: string;
  quantity: number;
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function customerOf(req: IncomingMessage): Promise<string | undefined> {
  const token = req.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
  if (!token) return undefined;
  const hash = createHash('sha256').update(token).digest('hex');
  const { rows } = await pool.query<{ user_id: string }>(
    'select user_id from api_token where token_hash = $1 and revoked_at is null and expires_at > now()',
    [hash],
  );
  return rows[0]?.user_id;
}

async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
}

async function placeOrder(res: ServerResponse, customerId: string, body: { addressId: string; items: Line[] }): Promise<void> {
  const ids = body.items.map((l) => l.productId);
  const quantities = body.items.map((l) => l.quantity);
  const address = await pool.query('select 1 from address where id = $1 and customer_id = $2', [body.addressId, customerId]);
  if (address.rowCount === 0) return send(res, 404, { error_code: 'ADDRESS_NOT_FOUND' });
  const { rows: products } = await pool.query<{ id: string; vendor_id: string; name: string; sku: string; price_cents: number; currency: string }>(
    'select id, vendor_id, name, sku, price_cents, currency from product where id = any($1)',
    [ids],
  );
  if (products.length !== new Set(ids).size) return send(res, 404, { error_code: 'PRODUCT_NOT_FOUND' });
  const byId = new Map(products.map((p) => [p.id, p]));
  const first = byId.get(ids[0]!)!;
  const total = body.items.reduce((sum, l) => sum + byId.get(l.productId)!.price_cents * l.quantity, 0);
  const orderId = uuidv7();

  const placed = await inTransaction(async (client) => {
    const { rows: stock } = await client.query<{ product_id: string; quantity: number }>(
      'select product_id, quantity from stock where product_id = any($1) order by product_id for update',
      [ids],
    );
    const available = new Map(stock.map((s) => [s.product_id, s.quantity]));
    if (body.items.some((l) => (available.get(l.productId) ?? 0) < l.quantity)) return false;
    await client.query(
      'update stock set quantity = quantity - d.q, updated_at = now() from unnest($1::uuid[], $2::int[]) as d(id, q) where product_id = d.id',
      [ids, quantities],
    );
    await client.query(
      `insert into customer_order (id, customer_id, vendor_id, address_id, status, total_cents, currency, created_at, updated_at)
       values ($1, $2, $3, $4, 'PENDING', $5, $6, now(), now())`,
      [orderId, customerId, first.vendor_id, body.addressId, total, first.currency],
    );
    await client.query(
      `insert into order_item (id, order_id, product_id, product_name, sku, unit_price_cents, quantity)
       select i.id, $1, i.product_id, p.name, p.sku, p.price_cents, i.q
       from unnest($2::uuid[], $3::uuid[], $4::int[]) as i(id, product_id, q) join product p on p.id = i.product_id`,
      [orderId, body.items.map(() => uuidv7()), ids, quantities],
    );
    return true;
  });
  if (!placed) return send(res, 409, { error_code: 'INSUFFICIENT_STOCK' });
  send(res, 201, { id: orderId, status: 'PENDING', totalCents: total, currency: first.currency });
}

async function payOrder(res: ServerResponse, customerId: string, orderId: string): Promise<void> {
  const paid = await inTransaction(async (client) => {
    const reference = `floor_${uuidv7()}`;
    const { rows } = await client.query<{ total_cents: number; currency: string }>(
      `update customer_order set status = 'CONFIRMED', paid_cents = total_cents, payment_reference = $3, updated_at = now()
       where id = $1 and customer_id = $2 and status = 'PENDING' returning total_cents, currency`,
      [orderId, customerId, reference],
    );
    const order = rows[0];
    if (!order) return false;
    await client.query(
      `insert into payment_attempt (id, order_id, status, amount_cents, currency, reference, order_ids, created_at, updated_at)
       values ($1, $2, 'succeeded', $3, $4, $5, '[]', now(), now())`,
      [uuidv7(), orderId, order.total_cents, order.currency, reference],
    );
    return true;
  });
  if (!paid) return send(res, 409, { error_code: 'ORDER_NOT_PAYABLE' });
  send(res, 200, { id: orderId, status: 'CONFIRMED' });
}

const server = createServer((req, res) => {
  void (async () => {
    try {
      if (req.method === 'GET' && req.url === '/readyz') return send(res, 200, { ok: true });
      const pay = req.url?.match(/^\/api\/v1\/orders\/([0-9a-f-]{36})\/pay$/);
      if (req.method !== 'POST' || (req.url !== '/api/v1/orders' && !pay)) return send(res, 404, { error_code: 'NOT_FOUND' });
      const customerId = await customerOf(req);
      if (!customerId) return send(res, 401, { error_code: 'UNAUTHORIZED' });
      const body = await readJson(req);
      if (pay) return await payOrder(res, customerId, pay[1]!);
      await placeOrder(res, customerId, body as { addressId: string; items: Line[] });
    } catch (err) {
      process.stderr.write(`floor: ${String(err)}\n`);
      if (!res.headersSent) send(res, 500, { error_code: 'INTERNAL' });
    }
  })();
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end();
});
