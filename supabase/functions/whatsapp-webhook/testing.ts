// Fixtures for whatsapp-webhook tests, fuzz and bench: a company with a WhatsApp number, signed
// requests (payloads.ts builds seed 002's webhook body), and what the webhook wrote for a company.
import type pg from 'pg';
import { withCronPaused } from '../_shared/testing/cron.ts';
import { hubSignature } from './payloads.ts';

export { hubSignature, seedPayload, statusPayload } from './payloads.ts';

export const appSecret = () => {
  const secret = Deno.env.get('WHATSAPP_APP_SECRET');
  if (!secret) throw new Error('WHATSAPP_APP_SECRET is not set (the stack sets it for functions and tests)');
  return secret;
};

export async function signedPost(
  raw: string | Uint8Array,
  options: { secret?: string; signature?: string | null } = {},
): Promise<Request> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined
    ? await hubSignature(options.secret ?? appSecret(), raw)
    : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return new Request('http://functions.local/whatsapp-webhook', {
    method: 'POST',
    headers,
    body: raw as BodyInit,
  });
}

export type WhatsappFixture = { companyId: string; numberId: string; phoneNumberId: string; wabaId: string };

/** A company with one active number (random phone number id, so runs never collide). */
export async function createWhatsappCompany(
  db: pg.Client,
  slug: string,
  expirationDays?: number,
): Promise<WhatsappFixture> {
  const phoneNumberId = String(100000000000000 + Math.floor(Math.random() * 899999999999999));
  const wabaId = String(200000000000000 + Math.floor(Math.random() * 799999999999999));
  const { rows: [row] } = await db.query<{ company_id: string; number_id: string }>(
    `with c as (insert into core.companies (name, slug) values ($1, $1) returning id)
     insert into core_marketing.whatsapp_numbers (company_id, phone_number_id, whatsapp_business_account_id, label)
     select id, $2, $3, 'Test number' from c returning company_id, id as number_id`,
    [slug, phoneNumberId, wabaId],
  );
  if (expirationDays !== undefined) {
    await db.query(
      `insert into core_marketing.whatsapp_settings (company_id, ticket_expiration_days) values ($1, $2)`,
      [
        row.company_id,
        expirationDays,
      ],
    );
  }
  return { companyId: row.company_id, numberId: row.number_id, phoneNumberId, wabaId };
}

/** A company the webhook wrote nothing for. */
export const noFootprint = { tickets: 0, tracking: 0, history: 0, messages: 0, leads: 0, enrichments: 0 };

/** How many rows the webhook wrote for a company (tickets, tracking, history, messages, leads, queued enrichments). */
export async function whatsappFootprint(db: pg.Client, companyId: string): Promise<Record<string, number>> {
  const { rows: [row] } = await db.query<Record<string, number>>(
    `select (select count(*)::int from lead.tickets where company_id = $1) as tickets,
            (select count(*)::int from lead.ticket_tracking where company_id = $1) as tracking,
            (select count(*)::int from lead.attribution_history where company_id = $1) as history,
            (select count(*)::int from lead.whatsapp_messages where company_id = $1) as messages,
            (select count(*)::int from lead.leads where company_id = $1) as leads,
            (select count(*)::int from pgmq.q_meta_enrichment where message ->> 'company_id' = $1::text) as enrichments`,
    [companyId],
  );
  return row;
}

/**
 * Runs `body` with pg_cron's meta-sync-worker paused: that job drains the meta_enrichment queue of every
 * company each minute, and for a test company without a Meta profile it marks the ticket FAILED and
 * archives the message a test is about to read.
 */
export function withMetaSyncPaused<T>(db: pg.Client, body: () => Promise<T>): Promise<T> {
  return withCronPaused(db, ['meta-sync-worker'], body);
}
