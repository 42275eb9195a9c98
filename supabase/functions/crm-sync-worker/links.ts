// A company's Dinamize link for one worker run: its integration row, parsed settings and one gateway
// client (so the token is fetched once per company per run and renewed only when Dinamize refuses it).
// Also remembers, for the rest of the run, that Dinamize asked us to wait or refused the credentials.
import { type DinamizeSettings, DinamizeSettingsSchema } from '@rastro/contracts';
import type pg from 'pg';
import { DecryptionError } from '../_shared/crypto.ts';
import { createDinamizeClient, type DinamizeCall, type DinamizeClient } from '../_shared/dinamize.ts';
import { invalidCredentialsMessage, openDinamizeCredentials } from '../_shared/integration-credentials.ts';
import type { LoggedCall } from '../_shared/integrations-log.ts';

export type IntegrationRow = {
  id: string;
  company_id: string;
  settings: unknown;
  sync_enabled: boolean;
  status: string;
  credentials_ciphertext: string | null;
};

export type DinamizeLink = {
  companyId: string;
  integrationId: string;
  /** Why nothing can be sent for this company (disabled, no or unreadable credentials, bad settings). */
  unusable: string | null;
  settings: DinamizeSettings | null;
  client: DinamizeClient | null;
  /** Epoch ms before which Dinamize asked us not to call (rate limit). */
  blockedUntil: number;
  /** Dinamize refused the credentials during this run (its code and message): no more calls for this company. */
  credentialsRefused: { code: string | null; detail: string } | null;
  /** Set when an authentication succeeded in this run, to mark the integration connected. */
  authenticated: boolean;
  /** Calls made for `leadId` (set by the caller around each message), waiting to be logged. */
  leadId: string | null;
  calls: LoggedCall[];
};

export const integrationColumns = 'id, company_id, settings, sync_enabled, status, credentials_ciphertext';

export async function openLink(
  row: IntegrationRow | undefined,
  companyId: string,
  timeoutMs?: number,
): Promise<DinamizeLink> {
  const link: DinamizeLink = {
    companyId,
    integrationId: row?.id ?? '',
    unusable: null,
    settings: null,
    client: null,
    blockedUntil: 0,
    credentialsRefused: null,
    authenticated: false,
    leadId: null,
    calls: [],
  };
  if (!row) return { ...link, unusable: 'integration_missing' };
  if (!row.sync_enabled) return { ...link, unusable: 'integration_disabled' };
  if (!row.credentials_ciphertext) return { ...link, unusable: 'credentials_missing' };
  const settings = DinamizeSettingsSchema.safeParse(row.settings);
  if (!settings.success) return { ...link, unusable: 'settings_invalid' };
  link.settings = settings.data;
  try {
    const credentials = await openDinamizeCredentials(companyId, row.credentials_ciphertext);
    link.client = createDinamizeClient(credentials, {
      timeoutMs,
      onCall: (call: DinamizeCall) => {
        if (call.operation === 'auth' && call.outcome === 'ok') link.authenticated = true;
        link.calls.push({ ...call, companyId, integrationId: row.id, leadId: link.leadId });
      },
    });
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    link.unusable = 'credentials_unreadable';
  }
  return link;
}

export async function loadIntegrations(
  client: pg.PoolClient | pg.Pool,
  companyIds: string[],
): Promise<Map<string, IntegrationRow>> {
  const { rows } = await client.query<IntegrationRow>(
    `select ${integrationColumns} from ops.integrations where provider = 'dinamize' and company_id = any($1::uuid[])`,
    [companyIds],
  );
  return new Map(rows.map((row) => [row.company_id, row]));
}

/**
 * Writes what a run learned about its integrations: status connected after a successful
 * authentication, error (invalid_credentials) after a refusal, error for unreadable credentials.
 */
export async function saveLinkStates(client: pg.PoolClient, links: Iterable<DinamizeLink>): Promise<void> {
  const updates: { id: string; status: string; message: string | null }[] = [];
  for (const link of links) {
    if (!link.integrationId) continue;
    if (link.credentialsRefused) {
      const { code, detail } = link.credentialsRefused;
      updates.push({ id: link.integrationId, status: 'error', message: invalidCredentialsMessage(code, detail) });
    } else if (link.unusable === 'credentials_unreadable') {
      updates.push({
        id: link.integrationId,
        status: 'error',
        message: 'credentials_unreadable: save the credentials again',
      });
    } else if (link.authenticated) {
      updates.push({ id: link.integrationId, status: 'connected', message: null });
    }
  }
  if (updates.length === 0) return;
  await client.query(
    `update ops.integrations i set status = u.status, status_message = u.message
     from jsonb_to_recordset($1::jsonb) as u (id uuid, status text, message text)
     where i.id = u.id and (i.status, i.status_message) is distinct from (u.status, u.message)`,
    [JSON.stringify(updates)],
  );
}
