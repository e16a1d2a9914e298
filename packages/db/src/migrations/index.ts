import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124175446_initial } from './Migration20261124175446_initial';

/** Every migration, in order: listed explicitly so that no file discovery depends on the runtime. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124175446_initial', class: Migration20261124175446_initial },
];
