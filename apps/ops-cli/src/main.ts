import { CommanderError } from 'commander';
import { buildProgram, DEFAULT_URL } from './program';
import { reportError } from './output';

/** Exit codes: 0 done, 1 refused or failed (the problem is printed), 2 the command line was wrong (usage printed). */
async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const { json, url } = program.opts<{ json?: boolean; url?: string }>();
    reportError({ json: json === true }, err, url ?? DEFAULT_URL);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
