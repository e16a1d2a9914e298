import { Migration } from '@mikro-orm/migrations';

export class Migration20261125140458_safe_defaults extends Migration {

  override async up(): Promise<void> {
    // Rate-limit counters live for minutes: unlogged (no WAL), so counting a request costs no log flush; a crash
    // only forgets the current windows.
    this.addSql(`create unlogged table "rate_limit" ("key" varchar(255) not null, "points" int not null default 0, "expire" bigint null, constraint "rate_limit_pkey" primary key ("key"));`);
    this.addSql(`create index "rate_limit_expire_idx" on "rate_limit" ("expire");`);

    this.addSql(`alter table "customer_order" add column "delivery_otp_failures" int not null default 0;`);
    this.addSql(`create index customer_order_customer_pending_idx on customer_order (customer_id) where status = 'PENDING';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limit" cascade;`);

    this.addSql(`drop index "customer_order_customer_pending_idx";`);
    this.addSql(`alter table "customer_order" drop column "delivery_otp_failures";`);
  }

}
