export * from './entities/index';
export * from './orm';
export * from './database';
export * from './embedded';
export * from './seeders/demo.seeder';
export * from './errors';
export * from './repositories/auth.repository';
export { migrationsList } from './migrations/index';
