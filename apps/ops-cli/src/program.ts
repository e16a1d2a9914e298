import { Command, Option } from 'commander';
import { registerAuthCommands } from './commands/auth.commands';
import { registerCatalogCommands } from './commands/catalog.commands';
import { registerOrderCommands } from './commands/orders.commands';
import { registerStockCommands } from './commands/stock.commands';

export const DEFAULT_URL = 'http://localhost:4000';

/**
 * The whole command tree. Settings made here before any subcommand is added are inherited by all of them:
 * errors throw instead of exiting (the caller picks the exit code), and a usage error is followed by the help.
 */
export function buildProgram(): Command {
  const program = new Command('ops')
    .description('Frookoon operations: orders, stock and accounts through the API')
    .addOption(new Option('--json', 'print one JSON document (JSON Lines for `orders watch`) instead of tables'))
    .addOption(new Option('--url <url>', 'API base URL').env('FROOKOON_URL').default(DEFAULT_URL))
    .exitOverride()
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true });
  registerAuthCommands(program);
  registerOrderCommands(program);
  registerStockCommands(program);
  registerCatalogCommands(program);
  return program;
}
