import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Every invariant of the stock ledger, the order lifecycle and the money, as one SQL query each that returns a
 * row (`violation`, a short description) per violation. Checked by `pnpm check:invariants` and after the tests'
 * concurrency and fault drills.
 */
const INVARIANTS: Record<string, string> = {
  'stock equals the sum of its ledger': `
    select 'product ' || s.product_id || ': stock ' || s.quantity || ', ledger ' || coalesce(m.total, 0) as violation
      from stock s left join (select product_id, sum(delta) as total from stock_movement group by product_id) m on m.product_id = s.product_id
     where s.quantity <> coalesce(m.total, 0)`,
  'no negative stock': `
    select 'product ' || product_id || ': stock ' || quantity as violation from stock where quantity < 0`,
  'every order has items': `
    select 'order ' || o.id as violation from customer_order o where not exists (select 1 from order_item i where i.order_id = o.id)`,
  'every item is reserved exactly once, for its quantity': `
    select 'order ' || i.order_id || ', product ' || i.product_id as violation from order_item i
     where (select count(*) from stock_movement m where m.order_id = i.order_id and m.product_id = i.product_id and m.kind = 'reserve' and m.delta = -i.quantity) <> 1`,
  'every reservation belongs to an item': `
    select 'movement ' || m.id as violation from stock_movement m where m.kind = 'reserve'
       and not exists (select 1 from order_item i where i.order_id = m.order_id and i.product_id = m.product_id)`,
  'a cancelled order gives back exactly what it reserved': `
    select 'order ' || i.order_id || ', product ' || i.product_id as violation from order_item i join customer_order o on o.id = i.order_id
     where o.status = 'CANCELLED'
       and (select count(*) from stock_movement m where m.order_id = i.order_id and m.product_id = i.product_id and m.kind = 'release' and m.delta = i.quantity) <> 1`,
  'only a cancelled order releases stock': `
    select 'movement ' || m.id || ' of order ' || m.order_id || ' (' || o.status || ')' as violation
      from stock_movement m join customer_order o on o.id = m.order_id where m.kind = 'release' and o.status <> 'CANCELLED'`,
  'every order has a complete history from creation to its status': `
    select 'order ' || o.id || ' (' || o.status || ')' as violation
      from customer_order o
      left join lateral (
        select count(*) as rows,
               count(*) filter (where h.previous_status is null) as creations,
               count(*) filter (where h.previous_status is distinct from h.before) as breaks,
               (array_agg(h.new_status order by h.changed_at desc, h.id desc))[1] as last_status,
               (array_agg(h.previous_status order by h.changed_at, h.id))[1] as first_previous
          from (select x.*, lag(x.new_status) over (order by x.changed_at, x.id) as before
                  from order_status_history x where x.order_id = o.id) h
      ) c on true
     where c.creations <> 1 or c.first_previous is not null or c.breaks > 0 or c.last_status is distinct from o.status`,
  "an order's paid amount is its total or nothing": `
    select 'order ' || id || ' paid ' || paid_cents || ' of ' || total_cents as violation from customer_order where paid_cents not in (0, total_cents)`,
  'a refund never exceeds what was paid': `
    select 'order ' || o.id || ' refunded ' || r.amount_cents || ' of ' || o.paid_cents || ' paid' as violation
      from customer_order o join refund r on r.order_id = o.id where r.amount_cents > o.paid_cents`,
  'a cancelled paid order is refunded, and only a cancelled one': `
    select 'order ' || o.id || ' (' || o.status || ', paid ' || o.paid_cents || ', refunds ' || count(r.id) || ')' as violation
      from customer_order o left join refund r on r.order_id = o.id
     group by o.id having (o.status = 'CANCELLED' and o.paid_cents > 0) <> (count(r.id) = 1) or count(r.id) > 1`,
  "a checkout's charge equals what its orders were paid": `
    select 'checkout ' || c.id || ' charged ' || a.amount_cents || ', orders paid ' || coalesce(sum(o.paid_cents), 0) as violation
      from checkout c join payment_attempt a on a.checkout_id = c.id and a.status = 'succeeded'
      left join customer_order o on o.checkout_id = c.id
     group by c.id, a.amount_cents having a.amount_cents <> coalesce(sum(o.paid_cents), 0)`,
  'each delivered order is credited to its vendor once, for its total, and nothing else is': `
    select 'order ' || o.id || ' (' || o.status || ') credited ' || coalesce(sum(l.amount_cents), 0) || ' of ' || o.total_cents as violation
      from customer_order o left join vendor_ledger l on l.order_id = o.id and l.kind = 'credit'
     group by o.id having coalesce(sum(l.amount_cents), 0) <> case when o.status = 'DELIVERED' then o.total_cents else 0 end`,
};

export interface InvariantResult {
  name: string;
  violations: string[];
}

export async function checkInvariants(em: EntityManager): Promise<InvariantResult[]> {
  const results: InvariantResult[] = [];
  for (const [name, sql] of Object.entries(INVARIANTS)) {
    const rows = await em.execute<{ violation: string }[]>(sql);
    results.push({ name, violations: rows.map((r) => r.violation) });
  }
  return results;
}
