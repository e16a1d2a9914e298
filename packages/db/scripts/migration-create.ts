/**
 * Writes a migration for the difference between the entities and the last snapshot, and lists it in
 * `src/migrations/index.ts`. Needs a database to diff against: DATABASE_URL, or the embedded one in `.data/`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withScratchOrm } from './scratch';
import { MIGRATIONS_DIR } from '../src/orm';

const name = process.argv[2];
await withScratchOrm(async (orm) => {
  const result = await orm.getMigrator().createMigration(undefined, false, false, name);
  if (!result.fileName) {
    console.log('No changes: entities and migrations agree.');
    return;
  }
  const className = result.fileName.replace(/\.ts$/, '');
  const indexPath = join(MIGRATIONS_DIR, 'index.ts');
  const index = readFileSync(indexPath, 'utf8')
    .replace(/((?:^import .*\n)+)/m, `$1import { ${className} } from './${className}';\n`)
    .replace(/\];\s*$/, `  { name: '${className}', class: ${className} },\n];\n`)
    .replace('= [  {', '= [\n  {');
  writeFileSync(indexPath, index);
  console.log(`Created ${result.fileName}`);
});
