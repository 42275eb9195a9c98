// The demo data set: companies, users and memberships that make tenant isolation visible.
// Idempotent: every run converges on the same data. Later issues extend it here.
// Standalone: `node scripts/seed-demo.ts` against the running dev stack.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import { defaultStateDir } from '../packages/local-stack/src/config.ts';
import { processAlive } from '../packages/local-stack/src/postgres.ts';
import type { StackEnv } from '../packages/local-stack/src/stack.ts';
import { seedDemoLeads } from './seed-demo-leads.ts';
import { demoSiteDefaultPort, seedDemoTracking } from './seed-demo-tracking.ts';
import { seedDemoEmail } from './seed-demo-email.ts';
import { seedDemoWhatsapp } from './seed-demo-whatsapp.ts';
import { seedDemoMeta } from './seed-demo-meta.ts';

/** Where `npm start` serves the demo landing site (its origin is an allowed origin of the demo domain). */
export const demoSiteUrl = process.env.DEMO_SITE_URL ?? `http://127.0.0.1:${demoSiteDefaultPort}`;

export const demoCompanies = [
  // Demo Rastro speaks Portuguese, Outra Empresa English, so both languages are seen (decision 0009).
  { slug: 'demo-rastro', name: 'Demo Rastro', defaultLocale: 'pt-BR' },
  { slug: 'outra-empresa', name: 'Outra Empresa', defaultLocale: 'en' },
] as const;

export const demoUsers = [
  { email: 'admin@demo.rastro.local', password: 'demo-admin-pass', memberships: [{ company: 'demo-rastro', role: 'marketing_admin', isDefault: true }] },
  { email: 'viewer@demo.rastro.local', password: 'demo-viewer-pass', memberships: [{ company: 'demo-rastro', role: 'viewer', isDefault: true }] },
  { email: 'admin@outra.rastro.local', password: 'outra-admin-pass', memberships: [{ company: 'outra-empresa', role: 'marketing_admin', isDefault: true }] },
  {
    email: 'agency@demo.rastro.local',
    password: 'demo-agency-pass',
    memberships: [
      { company: 'demo-rastro', role: 'marketing_admin', isDefault: true },
      { company: 'outra-empresa', role: 'viewer', isDefault: false },
    ],
  },
] as const;

export async function seedDemo(env: StackEnv, log: (m: string) => void = console.error): Promise<void> {
  const admin = createClient(env.API_URL, env.SERVICE_ROLE_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
  const db = new pg.Client({ connectionString: env.DB_URL });
  await db.connect();
  try {
    const existing = await db.query<{ email: string; id: string }>('select email, id from auth.users where email = any($1)', [demoUsers.map((u) => u.email)]);
    const ids = new Map(existing.rows.map((r) => [r.email, r.id]));
    for (const user of demoUsers) {
      if (ids.has(user.email)) continue;
      const { data, error } = await admin.auth.admin.createUser({ email: user.email, password: user.password, email_confirm: true });
      if (error) throw new Error(`creating demo user ${user.email}: ${error.message}`);
      ids.set(user.email, data.user.id);
    }
    await db.query('begin');
    await db.query(
      `insert into core.companies (slug, name, default_locale) select * from unnest($1::text[], $2::text[], $3::text[])
       on conflict (slug) do update set name = excluded.name, default_locale = excluded.default_locale`,
      [demoCompanies.map((c) => c.slug), demoCompanies.map((c) => c.name), demoCompanies.map((c) => c.defaultLocale)],
    );
    const memberships = demoUsers.flatMap((u) => u.memberships.map((m) => ({ user: ids.get(u.email)!, ...m })));
    // Memberships are only added: a switch of default company made in the console survives a restart.
    await db.query(
      `insert into core.company_members (company_id, user_id, role, is_default)
       select c.id, m.user_id, m.role, m.is_default
       from unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[]) as m (user_id, company_slug, role, is_default)
       join core.companies c on c.slug = m.company_slug
       on conflict (company_id, user_id) do nothing`,
      [memberships.map((m) => m.user), memberships.map((m) => m.company), memberships.map((m) => m.role), memberships.map((m) => m.isDefault)],
    );
    await db.query('commit');
    await seedDemoLeads(db);
    await seedDemoTracking(db, demoSiteUrl);
    await seedDemoEmail(db);
    await seedDemoWhatsapp(db);
    await seedDemoMeta(env, db);
    // Planner statistics for everything just loaded: autovacuum would take a minute or more, and until
    // then the console's first reports are planned blind (the Meta ROI request of a fresh stack ran
    // past the authenticated role's 8 s statement timeout).
    await db.query('analyze');
    log(`demo data ready: ${demoCompanies.length} companies, ${demoUsers.length} users`);
  } catch (error) {
    await db.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await db.end();
  }
}

/** The env of the dev stack, only if its supervisor is alive (a killed one can leave a stale file). */
export function runningEnv(stateDir = defaultStateDir): StackEnv | null {
  const stateFile = join(stateDir, 'state.json');
  if (!existsSync(stateFile) || !existsSync(join(stateDir, 'env'))) return null;
  const { pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
  if (!processAlive(pid)) return null;
  const text = readFileSync(join(stateDir, 'env'), 'utf8');
  return Object.fromEntries(text.trim().split('\n').map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)];
  })) as StackEnv;
}

export function readRunningEnv(stateDir = defaultStateDir): StackEnv {
  const env = runningEnv(stateDir);
  if (!env) throw new Error('the dev stack is not running: start it with npm start');
  return env;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  seedDemo(readRunningEnv()).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
