// `npm start`: boots the local stack (installing what is missing), seeds the demo, serves the console,
// and prints the env lines and demo logins. Ctrl-C stops everything. `npm start -- --reset` rebuilds
// the database first.
import { parseArgs } from 'node:util';
import { runForeground } from '../packages/local-stack/src/cli.ts';
import { defaultStateDir } from '../packages/local-stack/src/config.ts';
import { formatEnv } from '../packages/local-stack/src/stack.ts';
import { demoUsers, seedDemo } from './seed-demo.ts';

const { values } = parseArgs({ options: { reset: { type: 'boolean', default: false } } });

await runForeground({
  stateDir: defaultStateDir,
  reset: values.reset ?? false,
  withConsole: true,
  onReady: async (env) => {
    await seedDemo(env);
    const logins = demoUsers.map((u) => `  ${u.email.padEnd(28)} ${u.password.padEnd(18)} ${u.memberships.map((m) => `${m.role}@${m.company}`).join(', ')}`);
    console.log([
      '',
      formatEnv(env),
      '',
      `Console: ${env.CONSOLE_URL}`,
      'Demo logins:',
      ...logins,
      '',
      'Ctrl-C stops every service. State lives in .rastro/stack (npm start -- --reset rebuilds the database).',
    ].join('\n'));
  },
}).catch((error) => {
  console.error(`[rastro] ${(error as Error).message}`);
  process.exit(1);
});
