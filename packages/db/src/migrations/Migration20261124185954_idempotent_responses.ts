import { Migration } from '@mikro-orm/migrations';

export class Migration20261124185954_idempotent_responses extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "idempotency_key" add column "response" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "idempotency_key" drop column "response";`);
  }

}
