import { Migration } from '@mikro-orm/migrations';

export class Migration20261125142742_subscription_tickets extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "subscription_ticket" ("id" uuid not null, "ticket_hash" varchar(64) not null, "token_id" uuid not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "subscription_ticket_pkey" primary key ("id"));`);
    this.addSql(`alter table "subscription_ticket" add constraint "subscription_ticket_ticket_hash_unique" unique ("ticket_hash");`);
    this.addSql(`create index "subscription_ticket_token_id_index" on "subscription_ticket" ("token_id");`);
    this.addSql(`create index "subscription_ticket_expires_idx" on "subscription_ticket" ("expires_at");`);

    this.addSql(`alter table "subscription_ticket" add constraint "subscription_ticket_token_id_foreign" foreign key ("token_id") references "api_token" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "subscription_ticket" cascade;`);
  }

}
