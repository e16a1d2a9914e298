import { Option, type Command } from 'commander';
import { ORDER_STATUSES, TERMINAL_STATUSES, type OrderStatus, type RouterOutputs } from '@frookoon/sdk';
import { instant, integer } from '../args';
import { contextOf, type CliContext } from '../context';
import { details, emit, emitLine, money, table, when } from '../output';

type Order = RouterOutputs['orders']['byId'];

const isTerminal = (status: string | null) => TERMINAL_STATUSES.includes(status as OrderStatus);

function refundOf(order: Order): string | undefined {
  if (order.refundStatus === 'none') return undefined;
  return `${money(order.refundedCents, order.currency)} refunded (${order.refundStatus})`;
}

function showOrder(order: Order): string {
  const fields = details({
    id: order.id,
    status: order.status,
    customer: order.customerId,
    vendor: order.vendorId,
    address: order.addressId,
    total: money(order.totalCents, order.currency),
    paid: money(order.paidCents, order.currency),
    refunded: money(order.refundedCents, order.currency),
    'refund status': order.refundStatus,
    checkout: order.checkoutId,
    payment: order.paymentReference,
    carrier: order.carrier,
    tracking: order.trackingNumber,
    ...(order.deliveryOtp ? { 'delivery code': order.deliveryOtp } : {}),
    created: when(order.createdAt),
    updated: when(order.updatedAt),
    'allowed actions': order.allowedTransitions.join(', ') || 'none',
  });
  const items = table(
    ['sku', 'product', 'qty', 'unit price', 'line total'],
    order.items.map((i) => [i.sku, i.productName, i.quantity, money(i.unitPriceCents, order.currency), money(i.lineTotalCents, order.currency)]),
  );
  return `${fields}\n${items}`;
}

const changed = (order: Order) => `Order ${order.id} is now ${order.status}.\n${showOrder(order)}`;

/**
 * Follows an order until it reaches a terminal status. The order is read once before subscribing, so that an
 * unknown order or an unreachable API fails at once rather than as a stream that keeps reconnecting, and once
 * more when the stream is open, so that a change made in between is not missed.
 */
async function watch(ctx: CliContext, id: string): Promise<void> {
  const client = await ctx.client();
  const printStatus = (order: Order) =>
    emitLine(ctx, { type: 'order.current', orderId: order.id, status: order.status, previousStatus: null, at: order.updatedAt }, () =>
      `${when(order.updatedAt)}  ${order.status}  (order ${order.id}${isTerminal(order.status) ? '' : '; watching, Ctrl-C stops'})`,
    );
  const before = await client.orders.byId.query({ id });
  if (isTerminal(before.status)) return printStatus(before);
  await new Promise<void>((resolve, reject) => {
    let opened = false;
    const finish = (err?: unknown) => {
      subscription.unsubscribe();
      if (err === undefined) resolve();
      else reject(err);
    };
    const subscription = client.orders.onStatusChange.subscribe(
      { id },
      {
        onStarted() {
          if (opened) return;
          opened = true;
          client.orders.byId.query({ id }).then((order) => {
            printStatus(order);
            if (isTerminal(order.status)) finish();
          }, finish);
        },
        onData({ data }) {
          emitLine(ctx, data, () => `${when(data.at)}  ${data.previousStatus ?? '—'} → ${data.status ?? '—'}  (${data.type})`);
          if (isTerminal(data.status)) finish();
        },
        onError: finish,
      },
    );
  });
}

export function registerOrderCommands(program: Command): void {
  const orders = program.command('orders').description('Find, follow and act on orders');

  orders
    .command('list')
    .description('Orders you may see, newest first; admins search by customer, vendor, status and time')
    .addOption(new Option('--status <status>', 'only orders in this status').choices(ORDER_STATUSES))
    .option('--vendor <vendorId>', "only this vendor's orders")
    .option('--customer-email <email>', "only this customer's orders (admins)")
    .option('--since <date>', 'placed at or after (2026-01-07 or 2026-01-07T10:00:00Z; UTC unless an offset is given)', instant)
    .option('--until <date>', 'placed before', instant)
    .option('--limit <n>', 'orders per page (1 to 100)', integer(1, 100), 20)
    .option('--cursor <orderId>', 'the page after this order (the nextCursor of the previous page)')
    .action(async (opts: { status?: OrderStatus; vendor?: string; customerEmail?: string; since?: string; until?: string; limit: number; cursor?: string }, command: Command) => {
      const ctx = contextOf(command);
      const page = await (await ctx.client()).orders.list.query({
        status: opts.status, vendorId: opts.vendor, customerEmail: opts.customerEmail, createdFrom: opts.since, createdUntil: opts.until,
        limit: opts.limit, cursor: opts.cursor,
      });
      emit(ctx, page, () => {
        if (page.items.length === 0) return 'No orders match.';
        const rows = page.items.map((o) => [
          o.id, o.status, o.items.reduce((n, i) => n + i.quantity, 0), money(o.totalCents, o.currency), refundOf(o), when(o.createdAt),
        ]);
        const more = page.nextCursor ? `\nMore: --cursor ${page.nextCursor}` : '';
        return table(['id', 'status', 'units', 'total', 'refund', 'created'], rows) + more;
      });
    });

  orders
    .command('show')
    .description('An order: its items, money and what you may do next')
    .argument('<id>', 'order id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const order = await (await ctx.client()).orders.byId.query({ id });
      emit(ctx, order, () => showOrder(order));
    });

  orders
    .command('history')
    .description('Every status change of an order, newest first, with who made it and why')
    .argument('<id>', 'order id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const history = await (await ctx.client()).orders.history.query({ id });
      emit(ctx, history, () =>
        table(
          ['at', 'change', 'by', 'reason', 'request id'],
          history.map((h) => [when(h.changedAt), `${h.previousStatus ?? '—'} → ${h.newStatus}`, h.changedBy ?? 'system', h.reason, h.requestId]),
        ),
      );
    });

  orders
    .command('watch')
    .description('Follow an order live until it is delivered or cancelled (with --json, one JSON object per line)')
    .argument('<id>', 'order id')
    .action(async (id: string, _opts: unknown, command: Command) => watch(contextOf(command), id));

  orders
    .command('cancel')
    .description('Cancel an order before it ships; its stock comes back and a paid order is refunded')
    .argument('<id>', 'order id')
    .requiredOption('--reason <text>', 'why, kept in the order history')
    .action(async (id: string, opts: { reason: string }, command: Command) => {
      const ctx = contextOf(command);
      const order = await (await ctx.client()).orders.cancel.mutate({ id, reason: opts.reason });
      emit(ctx, order, () => changed(order));
    });

  orders
    .command('pack')
    .description('Start packing a confirmed order; prints the picklist')
    .argument('<id>', 'order id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const result = await (await ctx.client()).orders.startPacking.mutate({ id });
      emit(ctx, result, () => `${changed(result.order)}\nPicklist:\n${table(['sku', 'product', 'qty'], result.picklist.map((l) => [l.sku, l.productName, l.quantity]))}`);
    });

  orders
    .command('ship')
    .description('Ship a packed order; the customer gets a delivery code')
    .argument('<id>', 'order id')
    .requiredOption('--carrier <name>', 'who carries it')
    .option('--tracking <number>', "the carrier's tracking number (one is made up when left out)")
    .action(async (id: string, opts: { carrier: string; tracking?: string }, command: Command) => {
      const ctx = contextOf(command);
      const order = await (await ctx.client()).orders.ship.mutate({ id, carrier: opts.carrier, trackingNumber: opts.tracking });
      emit(ctx, order, () => changed(order));
    });

  orders
    .command('deliver')
    .description('Mark a shipped order delivered')
    .argument('<id>', 'order id')
    .option('--otp <code>', "the customer's six-digit delivery code")
    .action(async (id: string, opts: { otp?: string }, command: Command) => {
      const ctx = contextOf(command);
      const order = await (await ctx.client()).orders.deliver.mutate({ id, otp: opts.otp });
      emit(ctx, order, () => changed(order));
    });
}
