import type { Command } from 'commander';
import input from '@inquirer/input';
import password from '@inquirer/password';
import { getProblem } from '@frookoon/sdk';
import { contextOf } from '../context';
import { details, emit, when } from '../output';

/** What a person types when a flag is missing; a script without a terminal must pass flags. */
async function ask(command: Command, given: string | undefined, flag: string, prompt: () => Promise<string>): Promise<string> {
  if (given !== undefined) return given;
  if (!process.stdin.isTTY) command.error(`error: ${flag} is needed when not at a terminal`);
  return prompt();
}

export function registerAuthCommands(program: Command): void {
  program
    .command('login')
    .description('Log in and keep the token in your config directory (file mode 0600)')
    .option('--email <email>', 'account email (asked for when left out)')
    .option('--password <password>', 'password (asked for, hidden, when left out)')
    .action(async (opts: { email?: string; password?: string }, command: Command) => {
      const ctx = contextOf(command);
      const email = await ask(command, opts.email, '--email', () => input({ message: 'Email' }, { output: process.stderr }));
      const secret = await ask(command, opts.password, '--password', () => password({ message: 'Password', mask: true }, { output: process.stderr }));
      const client = await ctx.client();
      const { token, expiresAt, user } = await client.auth.login.mutate({ email, password: secret });
      await ctx.store.set(ctx.url, { token, email: user.email, role: user.role, expiresAt: expiresAt.toISOString() });
      emit(ctx, { url: ctx.url, user, expiresAt, credentialsFile: ctx.store.path }, () =>
        [
          `Logged in to ${ctx.url} as ${user.email} (${user.role}).`,
          `Token kept in ${ctx.store.path} until ${when(expiresAt)}.`,
          ...(process.env.FROOKOON_TOKEN ? ['FROOKOON_TOKEN is set and is used instead while it is.'] : []),
        ].join('\n'),
      );
    });

  program
    .command('whoami')
    .description('The account the token in use belongs to')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const user = await (await ctx.client()).auth.me.query();
      const tokenSource = (await ctx.token())?.source;
      emit(ctx, { url: ctx.url, tokenSource, user }, () =>
        details({
          email: user.email, name: user.name, role: user.role, vendor: user.vendorId, id: user.id, api: ctx.url, token: tokenSource,
        }),
      );
    });

  program
    .command('logout')
    .description('Revoke the token in use and forget the stored login')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      const current = await ctx.token();
      let revoked = false;
      if (current) {
        try {
          revoked = (await (await ctx.client(current.token)).auth.logout.mutate()).revoked;
        } catch (err) {
          // A token the API no longer takes is as good as logged out: it is still forgotten below.
          if (!getProblem(err, 'UNAUTHORIZED')) throw err;
        }
      }
      const forgotten = await ctx.store.remove(ctx.url);
      emit(ctx, { url: ctx.url, revoked, forgotten }, () =>
        current ? `Logged out of ${ctx.url}${revoked ? '; the token is revoked' : ''}.` : `Not logged in to ${ctx.url}.`,
      );
    });
}
