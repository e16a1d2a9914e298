/** Fails when the entities describe a schema that the committed migrations do not produce. */
import { withScratchOrm } from './scratch';

await withScratchOrm(async (orm) => {
  await orm.getMigrator().up();
  const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
  if (diff.trim()) {
    console.error('Entities and migrations disagree; run `pnpm migration:create`. Missing SQL:\n' + diff);
    process.exitCode = 1;
  } else {
    console.log('Entities and migrations agree.');
  }
});
