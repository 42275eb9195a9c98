// `npm run gen:types`: regenerates packages/contracts/src/database.types.ts from the running dev stack
// (start it with `npm start`). `npm test` fails when the committed file differs from the migrations.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../packages/local-stack/src/config.ts';
import { generateTypes } from '../packages/local-stack/src/supabase-cli.ts';
import { readRunningEnv } from './seed-demo.ts';

const target = join(repoRoot, 'packages', 'contracts', 'src', 'database.types.ts');
writeFileSync(target, generateTypes(readRunningEnv().DB_URL));
console.log(`wrote ${target}`);
