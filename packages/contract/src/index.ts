export * from './error-codes';
export * from './problem';
export * from './roles';
export * from './order-status';
export * from './limits';
