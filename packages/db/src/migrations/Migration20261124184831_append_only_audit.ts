import { Migration } from '@mikro-orm/migrations';

export class Migration20261124184831_append_only_audit extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_actor_id_foreign";`);
    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_order_id_foreign";`);
    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_product_id_foreign";`);

    this.addSql(`alter table "order_status_history" drop constraint "order_status_history_changed_by_id_foreign";`);
    this.addSql(`alter table "order_status_history" drop constraint "order_status_history_order_id_foreign";`);

    this.addSql(`alter table "stock_movement" add constraint "stock_movement_actor_id_foreign" foreign key ("actor_id") references "app_user" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "order_status_history" add constraint "order_status_history_changed_by_id_foreign" foreign key ("changed_by_id") references "app_user" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "order_status_history" add constraint "order_status_history_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete restrict;`);

    // The stock ledger and the status history are records of what happened: rows are added, never changed.
    this.addSql(`create function frookoon_append_only() returns trigger language plpgsql as $$
      begin
        raise exception '% is append-only', tg_table_name using errcode = 'P0001';
      end $$;`);
    for (const table of ['stock_movement', 'order_status_history']) {
      this.addSql(`create trigger ${table}_append_only before update or delete or truncate on "${table}"
                   for each statement execute function frookoon_append_only();`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists stock_movement_append_only on "stock_movement";`);
    this.addSql(`drop trigger if exists order_status_history_append_only on "order_status_history";`);
    this.addSql(`drop function if exists frookoon_append_only();`);

    this.addSql(`alter table "order_status_history" drop constraint "order_status_history_order_id_foreign";`);
    this.addSql(`alter table "order_status_history" drop constraint "order_status_history_changed_by_id_foreign";`);

    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_product_id_foreign";`);
    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_order_id_foreign";`);
    this.addSql(`alter table "stock_movement" drop constraint "stock_movement_actor_id_foreign";`);

    this.addSql(`alter table "order_status_history" add constraint "order_status_history_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "order_status_history" add constraint "order_status_history_changed_by_id_foreign" foreign key ("changed_by_id") references "app_user" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "stock_movement" add constraint "stock_movement_product_id_foreign" foreign key ("product_id") references "product" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_order_id_foreign" foreign key ("order_id") references "customer_order" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "stock_movement" add constraint "stock_movement_actor_id_foreign" foreign key ("actor_id") references "app_user" ("id") on update cascade on delete set null;`);
  }

}
