// ops.integrations_log: one row per external call, written set-based (one insert per batch of calls).
// Rows carry what the gateway already redacted (no passwords, no tokens, masked e-mails).
import type pg from 'pg';
import type { DinamizeCall } from './dinamize.ts';

export type LoggedCall = DinamizeCall & { companyId: string; integrationId: string | null; leadId: string | null };

export async function writeIntegrationCalls(client: pg.PoolClient | pg.Pool, calls: LoggedCall[]): Promise<void> {
  if (calls.length === 0) return;
  const rows = calls.map((call) => ({
    company_id: call.companyId,
    integration_id: call.integrationId,
    lead_id: call.leadId,
    operation: call.operation,
    status_code: call.httpStatus,
    success: call.outcome === 'ok',
    duration_ms: call.durationMs,
    request: { path: call.path, ...call.request },
    response: { code: call.code, outcome: call.outcome },
    error: call.detail,
  }));
  await client.query(
    `insert into ops.integrations_log (company_id, integration_id, provider, lead_id, direction, operation, status_code,
                                       success, duration_ms, request, response, error)
     select r.company_id, r.integration_id, 'dinamize', r.lead_id, 'outbound', r.operation, r.status_code,
            r.success, r.duration_ms, r.request, r.response, r.error
     from jsonb_to_recordset($1::jsonb) as r (company_id uuid, integration_id uuid, lead_id uuid, operation text,
                                               status_code integer, success boolean, duration_ms integer,
                                               request jsonb, response jsonb, error text)`,
    [JSON.stringify(rows)],
  );
}
