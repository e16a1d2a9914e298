import { Migration } from '@mikro-orm/migrations';

export class Migration20261125133107_money extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "checkout" ("id" uuid not null, "customer_id" uuid not null, "address_id" uuid not null, "total_cents" int not null, "currency" varchar(3) not null, "created_at" timestamptz not null, constraint "checkout_pkey" primary key ("id"), constraint checkout_total_check check (total_cents >= 0));`);
    this.addSql(`create index "checkout_customer_idx" on "checkout" ("customer_id", "id");`);

    this.addSql(`create table "refund" ("id" uuid not null, "order_id" uuid not null, "status" text check ("status" in ('requested', 'succeeded', 'failed')) not null, "amount_cents" int not null, "currency" varchar(3) not null, "payment_reference" varchar(100) not null, "reference" varchar(100) null, "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "last_error" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "refund_pkey" primary key ("id"), constraint refund_amount_check check (amount_cents > 0));`);
    this.addSql(`alter table "refund" add constraint "refund_order_id_unique" unique ("order_id");`);
    this.addSql(`create index refund_due_idx on refund (next_attempt_at) where status = 'requested';`);

    this.addSql(`create table "vendor_ledger" ("id" uuid not null, "vendor_id" uuid not null, "order_id" uuid null, "kind" text check ("kind" in ('credit', 'payout')) not null, "amount_cents" int not null, "currency" varchar(3) not null, "at" timestamptz not null, constraint "vendor_ledger_pkey" primary key ("id"), constraint vendor_ledger_sign_check check ((kind = 'credit' and amount_cents > 0) or (kind = 'payout' and amount_cents < 0)));`);
    this.addSql(`create index "vendor_ledger_vendor_idx" on "vendor_ledger" ("vendor_id", "id");`);
    this.addSql(`alter table "vendor_ledger" add constraint "vendor_ledger_order_kind_unique" unique ("order_id", "kind");`);

    this.addSql(`alter table "checkout" add constraint "checkout_customer_id_foreign" foreign key ("customer_id") references "app_user" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "checkout" add constraint "checkout_address_id_foreign" foreign key ("address_id") references "address" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "refund" add constraint "refund_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "vendor_ledger" add constraint "vendor_ledger_vendor_id_foreign" foreign key ("vendor_id") references "vendor" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "vendor_ledger" add constraint "vendor_ledger_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "customer_order" add column "checkout_id" uuid null, add column "paid_cents" int not null default 0;`);
    this.addSql(`alter table "customer_order" add constraint "customer_order_checkout_id_foreign" foreign key ("checkout_id") references "checkout" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "customer_order_checkout_idx" on "customer_order" ("checkout_id");`);
    this.addSql(`alter table "customer_order" add constraint customer_order_paid_check check(paid_cents >= 0 and paid_cents <= total_cents);`);

    this.addSql(`alter table "payment_attempt" add column "checkout_id" uuid null, add column "order_ids" jsonb not null default '[]';`);
    this.addSql(`update "payment_attempt" set "order_ids" = jsonb_build_array("order_id");`);
    this.addSql(`alter table "payment_attempt" alter column "order_ids" drop default;`);
    this.addSql(`alter table "payment_attempt" alter column "order_id" drop default;`);
    this.addSql(`alter table "payment_attempt" alter column "order_id" type uuid using ("order_id"::text::uuid);`);
    this.addSql(`alter table "payment_attempt" alter column "order_id" drop not null;`);
    this.addSql(`alter table "payment_attempt" add constraint "payment_attempt_checkout_id_foreign" foreign key ("checkout_id") references "checkout" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "payment_attempt" add constraint "payment_attempt_checkout_id_unique" unique ("checkout_id");`);
    this.addSql(`alter table "payment_attempt" add constraint payment_attempt_target_check check((order_id is null) <> (checkout_id is null));`);

    // Orders paid before this migration were charged their total.
    this.addSql(`update "customer_order" set "paid_cents" = "total_cents" where "payment_reference" is not null;`);
    // What vendors are owed is a record of what happened, like the stock ledger: rows are added, never changed.
    this.addSql(`create trigger vendor_ledger_append_only before update or delete or truncate on "vendor_ledger"
                 for each statement execute function frookoon_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists vendor_ledger_append_only on "vendor_ledger";`);
    this.addSql(`alter table "customer_order" drop constraint "customer_order_checkout_id_foreign";`);

    this.addSql(`alter table "payment_attempt" drop constraint "payment_attempt_checkout_id_foreign";`);

    this.addSql(`drop table if exists "checkout" cascade;`);

    this.addSql(`drop table if exists "refund" cascade;`);

    this.addSql(`drop table if exists "vendor_ledger" cascade;`);

    this.addSql(`drop index "customer_order_checkout_idx";`);
    this.addSql(`alter table "customer_order" drop constraint customer_order_paid_check;`);
    this.addSql(`alter table "customer_order" drop column "checkout_id", drop column "paid_cents";`);

    this.addSql(`alter table "payment_attempt" drop constraint "payment_attempt_checkout_id_unique";`);
    this.addSql(`alter table "payment_attempt" drop constraint payment_attempt_target_check;`);
    this.addSql(`alter table "payment_attempt" drop column "checkout_id", drop column "order_ids";`);

    this.addSql(`alter table "payment_attempt" alter column "order_id" drop default;`);
    this.addSql(`alter table "payment_attempt" alter column "order_id" type uuid using ("order_id"::text::uuid);`);
    this.addSql(`alter table "payment_attempt" alter column "order_id" set not null;`);
  }

}
