import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124175446_initial } from './Migration20261124175446_initial';
import { Migration20261124181439_payment_refunds } from './Migration20261124181439_payment_refunds';
import { Migration20261124184831_append_only_audit } from './Migration20261124184831_append_only_audit';
import { Migration20261124185954_idempotent_responses } from './Migration20261124185954_idempotent_responses';
import { Migration20261125133107_money } from './Migration20261125133107_money';
import { Migration20261125140458_safe_defaults } from './Migration20261125140458_safe_defaults';
import { Migration20261125142742_subscription_tickets } from './Migration20261125142742_subscription_tickets';
import { Migration20261125210000_token_revocations } from './Migration20261125210000_token_revocations';

/** Every migration, in order: listed explicitly so that no file discovery depends on the runtime. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124175446_initial', class: Migration20261124175446_initial },
  { name: 'Migration20261124181439_payment_refunds', class: Migration20261124181439_payment_refunds },
  { name: 'Migration20261124184831_append_only_audit', class: Migration20261124184831_append_only_audit },
  { name: 'Migration20261124185954_idempotent_responses', class: Migration20261124185954_idempotent_responses },
  { name: 'Migration20261125133107_money', class: Migration20261125133107_money },
  { name: 'Migration20261125140458_safe_defaults', class: Migration20261125140458_safe_defaults },
  { name: 'Migration20261125142742_subscription_tickets', class: Migration20261125142742_subscription_tickets },
  { name: 'Migration20261125210000_token_revocations', class: Migration20261125210000_token_revocations },
];
