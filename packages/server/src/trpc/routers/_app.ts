import { router } from '../init';
import { authRouter } from './auth.router';
import { usersRouter } from './users.router';
import { vendorsRouter } from './vendors.router';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  vendors: vendorsRouter,
});

export type AppRouter = typeof appRouter;
