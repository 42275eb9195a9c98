// Database fixtures for the Dinamize integration tests (integrations, crm-sync-worker). They run as
// `postgres` through DB_URL, set up their own company, users, integration and leads with unique
// names, and remove the company at the end (everything tenant-owned cascades).
//
// The worker is also run by pg_cron every minute and kicked by lead._enqueue_crm_sync. Tests that
// assert what one run did (counts, visibility timeouts, fault knobs) pause the two crm-sync cron jobs
// and enqueue with `enqueueQuietly` (the trigger's own writes, without the kick), so no other worker
// run takes their messages. One end-to-end test uses the real trigger and kick.
import pg from 'pg';
import { sealDinamizeCredentials } from '../integration-credentials.ts';
import { pullWorkerName } from '../../crm-sync-worker/pull.ts';
import { pauseCron, resumeCron } from './cron.ts';

export function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set: run these tests through \`node scripts/test.ts --only deno\``);
  return value;
}

export const hasStack = Deno.env.get('DB_URL') !== undefined && Deno.env.get('SANDBOX_URL') !== undefined;

export function openDb(): pg.Pool {
  return new pg.Pool({ connectionString: env('DB_URL'), max: 2 });
}

export function uniqueSuffix(): string {
  return crypto.randomUUID().slice(0, 8);
}

export async function createCompany(db: pg.Pool, label: string): Promise<string> {
  const suffix = uniqueSuffix();
  const { rows } = await db.query<{ id: string }>(
    'insert into core.companies (name, slug) values ($1, $2) returning id',
    [
      `${label} ${suffix}`,
      `${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${suffix}`,
    ],
  );
  return rows[0].id;
}

/** Removes the company (cascades to its integration, leads, lead_sync, logs) and its queued messages. */
export async function dropCompany(db: pg.Pool, companyId: string): Promise<void> {
  await db.query(
    `select pgmq.delete('crm_sync', array_agg(msg_id)) from pgmq.q_crm_sync where message ->> 'company_id' = $1`,
    [companyId],
  );
  await db.query('delete from core.companies where id = $1', [companyId]);
}

export type TestUser = { id: string; email: string; password: string };

export async function createMember(db: pg.Pool, companyId: string, role: string): Promise<TestUser> {
  const email = `${role}-${uniqueSuffix()}@teste.rastro.local`;
  const password = `pw-${crypto.randomUUID()}`;
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
     values (gen_random_uuid(), 'authenticated', 'authenticated', $1, extensions.crypt($2, extensions.gen_salt('bf', 4)), now(),
             '{"provider":"email","providers":["email"]}', '{}')
     returning id`,
    [email, password],
  );
  await db.query('insert into core.company_members (company_id, user_id, role, is_default) values ($1, $2, $3, true)', [
    companyId,
    rows[0].id,
    role,
  ]);
  return { id: rows[0].id, email, password };
}

export async function dropUser(db: pg.Pool, user: TestUser): Promise<void> {
  await db.query('delete from auth.users where id = $1', [user.id]);
}

/** A real access token from the stack's auth (claims from public.custom_access_token_hook). */
export async function signIn(user: TestUser): Promise<string> {
  const response = await fetch(`${env('API_URL')}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: env('ANON_KEY'), 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export type IntegrationFixture = {
  clientCode: string;
  listCode?: string;
  password?: string;
  syncEnabled?: boolean;
  customFields?: Record<string, string>;
};

export async function createDinamizeIntegration(
  db: pg.Pool,
  companyId: string,
  fixture: IntegrationFixture,
): Promise<string> {
  const ciphertext = await sealDinamizeCredentials(companyId, {
    user: 'integracao@empresa.com.br',
    password: fixture.password ?? 'sandbox-password',
    client_code: fixture.clientCode,
  });
  const { rows } = await db.query<{ id: string }>(
    `insert into ops.integrations (company_id, provider, settings, sync_enabled, credentials_ciphertext, credentials_updated_at)
     values ($1, 'dinamize', $2, $3, $4, now()) returning id`,
    [
      companyId,
      { contact_list_code: fixture.listCode ?? '1', custom_fields: fixture.customFields ?? {} },
      fixture.syncEnabled ?? true,
      ciphertext,
    ],
  );
  return rows[0].id;
}

export type LeadFixture = { email?: string | null; name?: string; phone?: string; companyName?: string };

/** Inserts a lead with sync_to_crm through the real trigger (which enqueues and kicks the worker). */
export async function insertSyncedLead(db: pg.Pool, companyId: string, lead: LeadFixture = {}): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into lead.leads (company_id, email, name, phone, company_name, sync_to_crm) values ($1, $2, $3, $4, $5, true) returning id`,
    [
      companyId,
      lead.email === undefined ? `lead-${uniqueSuffix()}@exemplo.com.br` : lead.email,
      lead.name ?? 'Lead de Teste',
      lead.phone ?? null,
      lead.companyName ?? null,
    ],
  );
  return rows[0].id;
}

/**
 * Inserts a lead with sync_to_crm and does what lead._enqueue_crm_sync does — lead_sync pending and
 * one crm_sync message — without the kick, so only the test's own worker run takes the message.
 */
export async function insertLeadQuietly(
  db: pg.Pool,
  companyId: string,
  lead: LeadFixture = {},
): Promise<{ leadId: string; msgId: string }> {
  const client = await db.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('rastro.crm_sync_origin', 'test', true)`);
    const { rows: [inserted] } = await client.query<{ id: string }>(
      `insert into lead.leads (company_id, email, name, phone, company_name, sync_to_crm) values ($1, $2, $3, $4, $5, true) returning id`,
      [
        companyId,
        lead.email === undefined ? `lead-${uniqueSuffix()}@exemplo.com.br` : lead.email,
        lead.name ?? 'Lead de Teste',
        lead.phone ?? null,
        lead.companyName ?? null,
      ],
    );
    const msgId = await enqueueQuietly(client, inserted.id);
    await client.query('commit');
    return { leadId: inserted.id, msgId };
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/** Another change of an existing lead, enqueued the way the trigger would, without the kick. */
export async function changeLeadQuietly(db: pg.Pool, leadId: string, name: string): Promise<string> {
  const client = await db.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('rastro.crm_sync_origin', 'test', true)`);
    await client.query('update lead.leads set name = $2 where id = $1', [leadId, name]);
    const msgId = await enqueueQuietly(client, leadId);
    await client.query('commit');
    return msgId;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

async function enqueueQuietly(client: pg.PoolClient, leadId: string): Promise<string> {
  const { rows } = await client.query<{ msg_id: string }>(
    `with pending as (
       insert into lead.lead_sync as s (company_id, lead_id, integration_id, provider, status, next_attempt_at)
       select l.company_id, l.id, i.id, 'dinamize', 'pending', now()
       from lead.leads l join ops.integrations i on i.company_id = l.company_id and i.provider = 'dinamize'
       where l.id = $1
       on conflict (lead_id, provider) do update set status = 'pending', attempts = 0, last_error = null, next_attempt_at = now()
       returning s.id, s.lead_id, s.company_id, s.external_id
     )
     select pgmq.send('crm_sync', jsonb_build_object('lead_id', p.lead_id, 'company_id', p.company_id, 'lead_sync_id', p.id,
                                                     'provider', 'dinamize',
                                                     'operation', case when p.external_id is null then 'add' else 'update' end))::text as msg_id
     from pending p`,
    [leadId],
  );
  if (!rows[0]) throw new Error(`lead ${leadId} has no Dinamize integration to enqueue for`);
  return rows[0].msg_id;
}

const crmSyncJobs = ['crm-sync-push', 'crm-sync-pull'];

/** Pauses both crm-sync cron jobs once no worker run (push or pull, cron or kick) is under way. */
export async function pauseCrmSyncCron(db: pg.Pool): Promise<void> {
  await pauseCron(db, crmSyncJobs, ['crm-sync-worker', pullWorkerName]);
}

export async function resumeCrmSyncCron(db: pg.Pool): Promise<void> {
  await resumeCron(db, crmSyncJobs);
}

export type LeadSyncRow = {
  status: string;
  attempts: number;
  external_id: string | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  last_operation: string | null;
};

export async function leadSync(db: pg.Pool, leadId: string): Promise<LeadSyncRow> {
  const { rows } = await db.query<LeadSyncRow>(
    `select status, attempts, external_id, last_error, next_attempt_at, last_operation from lead.lead_sync where lead_id = $1 and provider = 'dinamize'`,
    [leadId],
  );
  if (!rows[0]) throw new Error(`no lead_sync row for ${leadId}`);
  return rows[0];
}

/** Where a crm_sync message is: still queued (with its visibility time), archived, or gone. */
export async function messageState(
  db: pg.Pool,
  msgId: string,
): Promise<{ where: 'queue' | 'archive' | 'gone'; vt: Date | null; readCt: number | null }> {
  const queued = await db.query<{ vt: Date; read_ct: number }>(
    'select vt, read_ct from pgmq.q_crm_sync where msg_id = $1',
    [msgId],
  );
  if (queued.rows[0]) return { where: 'queue', vt: queued.rows[0].vt, readCt: queued.rows[0].read_ct };
  const archived = await db.query<{ read_ct: number }>('select read_ct from pgmq.a_crm_sync where msg_id = $1', [
    msgId,
  ]);
  if (archived.rows[0]) return { where: 'archive', vt: null, readCt: archived.rows[0].read_ct };
  return { where: 'gone', vt: null, readCt: null };
}

/** "Time passes": the message becomes visible now instead of at its retry time. */
export async function makeVisibleNow(db: pg.Pool, msgId: string): Promise<void> {
  await db.query(`select pgmq.set_vt('crm_sync', $1::bigint, 0)`, [msgId]);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export function serviceRoleRequest(body: unknown): Request {
  return new Request('http://functions.local/crm-sync-worker', {
    method: 'POST',
    headers: { authorization: `Bearer ${env('SERVICE_ROLE_KEY')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
