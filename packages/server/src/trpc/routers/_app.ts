import { router } from '../init';
import { addressesRouter } from './addresses.router';
import { checkoutsRouter } from './checkouts.router';
import { payoutsRouter } from './payouts.router';
import { authRouter } from './auth.router';
import { ordersRouter } from './orders.router';
import { notificationsRouter } from './notifications.router';
import { productsRouter } from './products.router';
import { stockRouter } from './stock.router';
import { usersRouter } from './users.router';
import { vendorsRouter } from './vendors.router';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  vendors: vendorsRouter,
  addresses: addressesRouter,
  products: productsRouter,
  stock: stockRouter,
  orders: ordersRouter,
  checkouts: checkoutsRouter,
  payouts: payoutsRouter,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;
