// Helpers for the conversion workers' tests against the stack: the platform sandbox's control API and
// destinations (pixel, platform accounts) whose secrets are sealed exactly as conversion-settings does.
import type pg from 'pg';
import { sealAccountCredentials, sealPixelToken } from '../conversions/secrets.ts';
import type { AccountCredentials } from '../conversions/secrets.ts';

export const sandboxUrl = Deno.env.get('SANDBOX_URL') ?? '';

// deno-lint-ignore no-explicit-any -- recorded bodies differ per platform; tests read the fields they check
type Json = any;

export type RecordedRequest = {
  id: number;
  platform: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: Json;
  status: number;
  response: Json;
  fault: string | null;
};

export async function sandboxRequests(platform: string, after = 0): Promise<RecordedRequest[]> {
  const res = await fetch(`${sandboxUrl}/__sandbox/requests?platform=${platform}&after=${after}`);
  return (await res.json()).requests;
}

export async function clearSandbox(platform: string): Promise<void> {
  await (await fetch(`${sandboxUrl}/__sandbox/requests?platform=${platform}`, { method: 'DELETE' })).body?.cancel();
  await (await fetch(`${sandboxUrl}/__sandbox/faults?platform=${platform}`, { method: 'DELETE' })).body?.cancel();
}

export async function setSandboxFaults(settings: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandboxUrl}/__sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (!res.ok) throw new Error(`sandbox refused faults: ${await res.text()}`);
  await res.body?.cancel();
}

/** A fresh company (default stages, windows and mappings come with it). */
export async function createCompany(db: pg.Client, slug: string): Promise<string> {
  const { rows: [company] } = await db.query<{ id: string }>(
    `insert into core.companies (name, slug) values ($1, $1) returning id`,
    [slug],
  );
  return company.id;
}

export async function createPixel(
  db: pg.Client,
  companyId: string,
  pixelId: string,
  token: string,
  options: { testEventCode?: string } = {},
): Promise<string> {
  const { rows: [pixel] } = await db.query<{ id: string }>(
    `insert into core_marketing.pixel_configs (company_id, name, pixel_id, test_event_code, is_active)
     values ($1, 'Test pixel', $2, $3, true)
     on conflict (company_id, pixel_id) do update set is_active = true, test_event_code = excluded.test_event_code
     returning id`,
    [companyId, pixelId, options.testEventCode ?? null],
  );
  await db.query(
    `update core_marketing.pixel_configs set access_token_ciphertext = $2, token_status = 'unverified', token_error = null,
       token_updated_at = now() where id = $1`,
    [pixel.id, await sealPixelToken(companyId, pixel.id, token)],
  );
  return pixel.id;
}

export async function createAccount(
  db: pg.Client,
  companyId: string,
  platform: string,
  accountRef: string,
  credentials: AccountCredentials,
): Promise<string> {
  const { rows: [account] } = await db.query<{ id: string }>(
    `insert into core_marketing.platform_accounts (company_id, platform, name, account_ref, is_active)
     values ($1, $2, $2 || ' test', $3, true)
     on conflict (company_id, platform, account_ref) do update set is_active = true
     returning id`,
    [companyId, platform, accountRef],
  );
  await db.query(
    `update core_marketing.platform_accounts set credentials_ciphertext = $2, credentials_status = 'unverified',
       status_message = null where id = $1`,
    [account.id, await sealAccountCredentials(companyId, account.id, credentials)],
  );
  return account.id;
}

export async function deliveryStates(db: pg.Client, conversionIds: string[]) {
  const { rows } = await db.query<
    { platform: string; status: string; attempts: number; platform_trace_id: string | null }
  >(
    `select platform, status, attempts, platform_trace_id from core_marketing.conversion_deliveries
     where conversion_id = any ($1::uuid[]) order by platform`,
    [conversionIds],
  );
  return rows;
}

/** Waits until no run of either conversion worker is in flight (kicks after commit start them in the functions host). */
export async function workersSettled(db: pg.Client): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { rows: [running] } = await db.query(
      `select count(*)::int as n from ops.worker_runs where worker in ('meta-queue-worker', 'platform-sync-worker')
       and finished_at is null and started_at > now() - interval '2 minutes'`,
    );
    if (running.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
