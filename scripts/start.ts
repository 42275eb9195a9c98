// `npm start`: boots the local stack (installing what is missing), seeds the demo, serves the console,
// and prints the env lines and demo logins. Ctrl-C stops everything. `npm start -- --reset` rebuilds
// the database first.
import { parseArgs } from 'node:util';
import { runForeground } from '../packages/local-stack/src/cli.ts';
import { defaultStateDir } from '../packages/local-stack/src/config.ts';
import { formatEnv } from '../packages/local-stack/src/stack.ts';
import pg from 'pg';
import { startDemoSite } from './demo-site.ts';
import { demoSiteUrl, demoUsers, seedDemo } from './seed-demo.ts';
import { ensureDemoTrackingSite } from './seed-demo-tracking.ts';
import { demoWhatsappPhoneNumberId } from './seed-demo-whatsapp.ts';

const { values } = parseArgs({ options: { reset: { type: 'boolean', default: false } } });

await runForeground({
  stateDir: defaultStateDir,
  reset: values.reset ?? false,
  withConsole: true,
  onReady: async (env) => {
    await seedDemo(env);
    // The demo landing site (two A/B variants, the snippet, a lead form) on its own port.
    const db = new pg.Client({ connectionString: env.DB_URL });
    await db.connect();
    const siteKey = await ensureDemoTrackingSite(db, demoSiteUrl).finally(() => db.end());
    const demoSite = await startDemoSite({ port: Number(new URL(demoSiteUrl).port), siteKey: siteKey!, functionsUrl: `${env.API_URL}/functions/v1` });
    const logins = demoUsers.map((u) => `  ${u.email.padEnd(28)} ${u.password.padEnd(18)} ${u.memberships.map((m) => `${m.role}@${m.company}`).join(', ')}`);
    console.log([
      '',
      formatEnv(env),
      `DEMO_SITE_URL=${demoSite.url}`,
      `DEMO_WHATSAPP_PHONE_NUMBER_ID=${demoWhatsappPhoneNumberId}`,
      '',
      `Console: ${env.CONSOLE_URL}`,
      `Demo landing site (tracked, A/B): ${demoSite.url}/?utm_source=facebook&utm_medium=cpc&utm_campaign=bf&fbclid=ABC`,
      'Demo WhatsApp message (signed seed-002 webhook to the demo number): npm run demo:whatsapp',
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
