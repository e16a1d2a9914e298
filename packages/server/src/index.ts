export type { AppRouter } from './trpc/routers/_app';
export type { RouterInputs, RouterOutputs } from './trpc/types';
