import { Migration } from '@mikro-orm/migrations';

export class Migration20261124181439_payment_refunds extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "payment_attempt" drop constraint if exists "payment_attempt_status_check";`);

    this.addSql(`alter table "payment_attempt" add constraint "payment_attempt_status_check" check("status" in ('pending', 'succeeded', 'declined', 'refunded'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "payment_attempt" drop constraint if exists "payment_attempt_status_check";`);

    this.addSql(`alter table "payment_attempt" add constraint "payment_attempt_status_check" check("status" in ('pending', 'succeeded', 'declined'));`);
  }

}
