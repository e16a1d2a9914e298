import * as payouts from '../../domain/payouts/payouts.service';
import { ZPayoutLedgerInput, ZPayoutScopeInput, ZVendorBalance, ZVendorLedgerPage } from '../../domain/payouts/payouts.schemas';
import { roleProcedure } from '../procedures';
import { router } from '../init';

export const payoutsRouter = router({
  balance: roleProcedure('vendor', 'admin')
    .meta({ openapi: { method: 'GET', path: '/payouts/balance', tags: ['payouts'], summary: 'What the vendor is owed: credits for delivered orders, less payouts' } })
    .input(ZPayoutScopeInput)
    .output(ZVendorBalance)
    .query(({ ctx, input }) => payouts.payoutBalance(ctx, input)),

  ledger: roleProcedure('vendor', 'admin')
    .meta({ openapi: { method: 'GET', path: '/payouts/ledger', tags: ['payouts'], summary: "The vendor's money ledger, newest first" } })
    .input(ZPayoutLedgerInput)
    .output(ZVendorLedgerPage)
    .query(({ ctx, input }) => payouts.payoutLedger(ctx, input)),
});
