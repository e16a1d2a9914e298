import { Migration } from '@mikro-orm/migrations';
import { TOKEN_REVOCATIONS_CHANNEL } from '../repositories/auth.repository';

/**
 * Every change that ends what a live token may do is announced on a channel, whoever makes it (a logout, an
 * operator in SQL, a user deleted or given another role), for each instance to drop what it cached of the token.
 */
export class Migration20261125210000_token_revocations extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create function frookoon_announce_token_revocation() returns trigger language plpgsql as $$
      begin
        if tg_table_name = 'app_user' then
          perform pg_notify('${TOKEN_REVOCATIONS_CHANNEL}', 'user:' || old.id);
        elsif tg_op = 'DELETE' then
          if old.revoked_at is null and old.expires_at > now() then
            perform pg_notify('${TOKEN_REVOCATIONS_CHANNEL}', old.token_hash);
          end if;
        elsif old.revoked_at is null and (new.revoked_at is not null or new.expires_at < old.expires_at or new.token_hash <> old.token_hash) then
          perform pg_notify('${TOKEN_REVOCATIONS_CHANNEL}', old.token_hash);
        end if;
        return null;
      end $$;`);
    this.addSql(`create trigger api_token_revocation after update of revoked_at, expires_at, token_hash or delete on "api_token"
                 for each row execute function frookoon_announce_token_revocation();`);
    this.addSql(`create trigger app_user_revocation after update of role, vendor_id, id or delete on "app_user"
                 for each row execute function frookoon_announce_token_revocation();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists app_user_revocation on "app_user";`);
    this.addSql(`drop trigger if exists api_token_revocation on "api_token";`);
    this.addSql(`drop function if exists frookoon_announce_token_revocation();`);
  }

}
