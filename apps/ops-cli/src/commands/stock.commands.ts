import type { Command } from 'commander';
import { integer } from '../args';
import { contextOf } from '../context';
import { details, emit, table, when } from '../output';

export function registerStockCommands(program: Command): void {
  const stock = program.command('stock').description('Read and correct stock, and check it against its ledger');

  stock
    .command('get')
    .description('Units in stock for a product')
    .argument('<productId>', 'product id')
    .action(async (productId: string, _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const row = await (await ctx.client()).stock.get.query({ productId });
      emit(ctx, row, () => details({ product: row.productId, 'in stock': row.quantity, updated: when(row.updatedAt) }));
    });

  stock
    .command('adjust')
    .description('Correct the stock by a number of units (never below zero), written to the ledger with its reason')
    .argument('<productId>', 'product id')
    .argument('<delta>', 'units to add, or to take away when negative (e.g. -3)', integer(-1_000_000, 1_000_000))
    .requiredOption('--reason <text>', 'why, kept in the stock ledger')
    .action(async (productId: string, delta: number, opts: { reason: string }, command: Command) => {
      const ctx = contextOf(command);
      const row = await (await ctx.client()).stock.adjust.mutate({ productId, delta, reason: opts.reason });
      emit(ctx, row, () => `Stock of ${row.productId} is now ${row.quantity} (${delta > 0 ? '+' : ''}${delta}).`);
    });

  stock
    .command('audit')
    .description('Check that every stock equals the sum of its ledger rows (admins); exits 1 when one does not')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const audit = await (await ctx.client()).stock.audit.query();
      emit(ctx, audit, () =>
        audit.sound
          ? `Stock is sound: every stock equals the sum of its ledger (checked ${when(audit.checkedAt)}).`
          : `${audit.mismatches.length} stock(s) disagree with their ledger (checked ${when(audit.checkedAt)}):\n` +
            table(['product', 'in stock', 'ledger total'], audit.mismatches.map((m) => [m.productId, m.quantity, m.ledgerTotal])),
      );
      if (!audit.sound) process.exitCode = 1;
    });
}
