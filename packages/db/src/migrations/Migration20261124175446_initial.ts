import { Migration } from '@mikro-orm/migrations';

export class Migration20261124175446_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "outbox_event" ("id" uuid not null, "type" varchar(64) not null, "aggregate_id" uuid not null, "payload" jsonb not null, "created_at" timestamptz not null, "dispatched_at" timestamptz null, "attempts" int not null default 0, constraint "outbox_event_pkey" primary key ("id"));`);
    this.addSql(`create index outbox_event_undispatched_idx on outbox_event (id) where dispatched_at is null;`);
    this.addSql(`create index "outbox_event_aggregate_idx" on "outbox_event" ("aggregate_id");`);

    this.addSql(`create table "vendor" ("id" uuid not null, "name" varchar(200) not null, "created_at" timestamptz not null, constraint "vendor_pkey" primary key ("id"));`);

    this.addSql(`create table "app_user" ("id" uuid not null, "email" varchar(320) not null, "name" varchar(200) not null, "password_hash" varchar(255) not null, "role" text check ("role" in ('customer', 'vendor', 'admin')) not null, "vendor_id" uuid null, "created_at" timestamptz not null, constraint "app_user_pkey" primary key ("id"), constraint app_user_vendor_role_check check ((role = 'vendor') = (vendor_id is not null)));`);
    this.addSql(`alter table "app_user" add constraint "app_user_email_unique" unique ("email");`);

    this.addSql(`create table "idempotency_key" ("id" uuid not null, "user_id" uuid not null, "key" varchar(255) not null, "request_hash" varchar(64) not null, "resource_id" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, constraint "idempotency_key_pkey" primary key ("id"));`);
    this.addSql(`create index "idempotency_key_expires_at_idx" on "idempotency_key" ("expires_at");`);
    this.addSql(`alter table "idempotency_key" add constraint "idempotency_key_user_key_unique" unique ("user_id", "key");`);

    this.addSql(`create table "api_token" ("id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, constraint "api_token_pkey" primary key ("id"));`);
    this.addSql(`create index "api_token_user_id_index" on "api_token" ("user_id");`);
    this.addSql(`alter table "api_token" add constraint "api_token_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "address" ("id" uuid not null, "customer_id" uuid not null, "line1" varchar(200) not null, "line2" varchar(200) null, "city" varchar(100) not null, "postal_code" varchar(20) not null, "country" varchar(2) not null, "phone" varchar(32) null, "created_at" timestamptz not null, constraint "address_pkey" primary key ("id"));`);
    this.addSql(`create index "address_customer_id_index" on "address" ("customer_id");`);

    this.addSql(`create table "product" ("id" uuid not null, "vendor_id" uuid not null, "name" varchar(200) not null, "sku" varchar(64) not null, "price_cents" int not null, "currency" varchar(3) not null, "created_at" timestamptz not null, constraint "product_pkey" primary key ("id"), constraint product_price_check check (price_cents >= 0));`);
    this.addSql(`alter table "product" add constraint "product_vendor_sku_unique" unique ("vendor_id", "sku");`);

    this.addSql(`create table "stock" ("product_id" uuid not null, "quantity" int not null, "updated_at" timestamptz not null, constraint "stock_pkey" primary key ("product_id"), constraint stock_quantity_check check (quantity >= 0));`);

    this.addSql(`create table "customer_order" ("id" uuid not null, "customer_id" uuid not null, "vendor_id" uuid not null, "address_id" uuid not null, "status" text check ("status" in ('PENDING', 'CONFIRMED', 'PACKING', 'SHIPPED', 'DELIVERED', 'CANCELLED')) not null, "total_cents" int not null, "currency" varchar(3) not null, "payment_reference" varchar(100) null, "carrier" varchar(100) null, "tracking_number" varchar(100) null, "delivery_otp" varchar(6) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "customer_order_pkey" primary key ("id"), constraint customer_order_total_check check (total_cents >= 0));`);
    this.addSql(`create index "customer_order_customer_idx" on "customer_order" ("customer_id", "id");`);
    this.addSql(`create index "customer_order_vendor_idx" on "customer_order" ("vendor_id", "id");`);
    this.addSql(`create index customer_order_pending_idx on customer_order (created_at) where status = 'PENDING';`);

    this.addSql(`create table "stock_movement" ("id" uuid not null, "product_id" uuid not null, "order_id" uuid null, "kind" text check ("kind" in ('reserve', 'release', 'restock', 'adjust')) not null, "delta" int not null, "actor_id" uuid null, "reason" text null, "at" timestamptz not null, constraint "stock_movement_pkey" primary key ("id"), constraint stock_movement_delta_check check (delta <> 0));`);
    this.addSql(`create index "stock_movement_product_idx" on "stock_movement" ("product_id");`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_order_product_kind_unique" unique ("order_id", "product_id", "kind");`);

    this.addSql(`create table "payment_attempt" ("id" uuid not null, "order_id" uuid not null, "status" text check ("status" in ('pending', 'succeeded', 'declined')) not null, "amount_cents" int not null, "currency" varchar(3) not null, "reference" varchar(100) null, "decline_reason" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "payment_attempt_pkey" primary key ("id"));`);
    this.addSql(`alter table "payment_attempt" add constraint "payment_attempt_order_id_unique" unique ("order_id");`);

    this.addSql(`create table "order_status_history" ("id" uuid not null, "order_id" uuid not null, "previous_status" text check ("previous_status" in ('PENDING', 'CONFIRMED', 'PACKING', 'SHIPPED', 'DELIVERED', 'CANCELLED')) null, "new_status" text check ("new_status" in ('PENDING', 'CONFIRMED', 'PACKING', 'SHIPPED', 'DELIVERED', 'CANCELLED')) not null, "changed_by_id" uuid null, "changed_at" timestamptz not null, "reason" text null, "request_id" varchar(64) null, constraint "order_status_history_pkey" primary key ("id"));`);
    this.addSql(`create index "order_status_history_order_changed_at_idx" on "order_status_history" ("order_id", "changed_at");`);

    this.addSql(`create table "order_item" ("id" uuid not null, "order_id" uuid not null, "product_id" uuid not null, "product_name" varchar(200) not null, "sku" varchar(64) not null, "unit_price_cents" int not null, "quantity" int not null, constraint "order_item_pkey" primary key ("id"), constraint order_item_quantity_check check (quantity > 0));`);
    this.addSql(`create index "order_item_product_id_index" on "order_item" ("product_id");`);
    this.addSql(`alter table "order_item" add constraint "order_item_order_product_unique" unique ("order_id", "product_id");`);

    this.addSql(`create table "notification" ("id" uuid not null, "vendor_id" uuid not null, "event_id" uuid not null, "type" varchar(64) not null, "order_id" uuid null, "payload" jsonb not null, "created_at" timestamptz not null, "read_at" timestamptz null, constraint "notification_pkey" primary key ("id"));`);
    this.addSql(`alter table "notification" add constraint "notification_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "notification_vendor_idx" on "notification" ("vendor_id", "id");`);

    this.addSql(`alter table "app_user" add constraint "app_user_vendor_id_foreign" foreign key ("vendor_id") references "vendor" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "idempotency_key" add constraint "idempotency_key_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_token" add constraint "api_token_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "address" add constraint "address_customer_id_foreign" foreign key ("customer_id") references "app_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "product" add constraint "product_vendor_id_foreign" foreign key ("vendor_id") references "vendor" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "stock" add constraint "stock_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "customer_order" add constraint "customer_order_customer_id_foreign" foreign key ("customer_id") references "app_user" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "customer_order" add constraint "customer_order_vendor_id_foreign" foreign key ("vendor_id") references "vendor" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "customer_order" add constraint "customer_order_address_id_foreign" foreign key ("address_id") references "address" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "stock_movement" add constraint "stock_movement_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_actor_id_foreign" foreign key ("actor_id") references "app_user" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "payment_attempt" add constraint "payment_attempt_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "order_status_history" add constraint "order_status_history_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "order_status_history" add constraint "order_status_history_changed_by_id_foreign" foreign key ("changed_by_id") references "app_user" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "order_item" add constraint "order_item_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "order_item" add constraint "order_item_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "notification" add constraint "notification_vendor_id_foreign" foreign key ("vendor_id") references "vendor" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification" add constraint "notification_event_id_foreign" foreign key ("event_id") references "outbox_event" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notification" drop constraint "notification_event_id_foreign";`);

    this.addSql(`alter table "app_user" drop constraint "app_user_vendor_id_foreign";`);

    this.addSql(`alter table "product" drop constraint "product_vendor_id_foreign";`);

    this.addSql(`alter table "customer_order" drop constraint "customer_order_vendor_id_foreign";`);

    this.addSql(`alter table "notification" drop constraint "notification_vendor_id_foreign";`);

    this.addSql(`alter table "idempotency_key" drop constraint "idempotency_key_user_id_foreign";`);

    this.addSql(`alter table "api_token" drop constraint "api_token_user_id_foreign";`);

    this.addSql(`alter table "address" drop constraint "address_customer_id_foreign";`);

    this.addSql(`alter table "customer_order" drop constraint "customer_order_customer_id_foreign";`);

    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_actor_id_foreign";`);

    this.addSql(`alter table "order_status_history" drop constraint "order_status_history_changed_by_id_foreign";`);

    this.addSql(`alter table "customer_order" drop constraint "customer_order_address_id_foreign";`);

    this.addSql(`alter table "stock" drop constraint "stock_product_id_foreign";`);

    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_product_id_foreign";`);

    this.addSql(`alter table "order_item" drop constraint "order_item_product_id_foreign";`);

    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_order_id_foreign";`);

    this.addSql(`alter table "payment_attempt" drop constraint "payment_attempt_order_id_foreign";`);

    this.addSql(`alter table "order_status_history" drop constraint "order_status_history_order_id_foreign";`);

    this.addSql(`alter table "order_item" drop constraint "order_item_order_id_foreign";`);

    this.addSql(`drop table if exists "outbox_event" cascade;`);

    this.addSql(`drop table if exists "vendor" cascade;`);

    this.addSql(`drop table if exists "app_user" cascade;`);

    this.addSql(`drop table if exists "idempotency_key" cascade;`);

    this.addSql(`drop table if exists "api_token" cascade;`);

    this.addSql(`drop table if exists "address" cascade;`);

    this.addSql(`drop table if exists "product" cascade;`);

    this.addSql(`drop table if exists "stock" cascade;`);

    this.addSql(`drop table if exists "customer_order" cascade;`);

    this.addSql(`drop table if exists "stock_movement" cascade;`);

    this.addSql(`drop table if exists "payment_attempt" cascade;`);

    this.addSql(`drop table if exists "order_status_history" cascade;`);

    this.addSql(`drop table if exists "order_item" cascade;`);

    this.addSql(`drop table if exists "notification" cascade;`);
  }

}
