// E-mail fixtures for Deno tests against the stack: a company of its own with an audience of
// contacts and a campaign whose messages are generated, written as the superuser (no RLS).
import type pg from 'pg';

export type EmailFixture = {
  companyId: string;
  audienceId: string;
  campaignId: string;
  messages: Array<{ id: string; publicId: string; email: string; contactPublicId: string; linkPublicIds: string[] }>;
};

export const defaultCampaignHtml =
  '<html><body><p>Olá!</p><a href="https://loja.test/ofertas?ref=mail">Ver ofertas</a> <a href="https://loja.test/cupom">Cupom</a></body></html>';

export async function emailFixture(
  db: pg.Client,
  options: { contacts?: number; html?: string; slug?: string; emails?: string[] } = {},
): Promise<EmailFixture> {
  const slug = options.slug ?? `mail-${crypto.randomUUID().slice(0, 8)}`;
  const emails = options.emails ??
    Array.from({ length: options.contacts ?? 2 }, (_, i) => `pessoa${i + 1}@${slug}.test`);
  const { rows: [company] } = await db.query<{ id: string }>(
    'insert into core.companies (name, slug) values ($1, $2) returning id',
    [`Empresa ${slug}`, slug],
  );
  const { rows: [audience] } = await db.query<{ id: string }>(
    `insert into mtrk.audiences (company_id, name) values ($1, 'Clientes') returning id`,
    [company.id],
  );
  const { rows: [campaign] } = await db.query<{ id: string }>(
    `insert into mtrk.campaigns (company_id, name, subject, html_content, sender_name, sender_email, utm_campaign)
     values ($1, 'Black Friday', 'Ofertas da semana', $2, 'Loja Teste', 'news@loja.test', 'black-friday') returning id`,
    [company.id, options.html ?? defaultCampaignHtml],
  );
  await db.query('insert into mtrk.campaign_audiences (company_id, campaign_id, audience_id) values ($1, $2, $3)', [
    company.id,
    campaign.id,
    audience.id,
  ]);
  await db.query(
    `with made as (insert into mtrk.contacts (company_id, email, name)
                   select $1, e, split_part(e, '@', 1) from unnest($2::text[]) e returning id)
     insert into mtrk.audience_contacts (company_id, audience_id, contact_id) select $1, $3, id from made`,
    [company.id, emails, audience.id],
  );
  await db.query('select mtrk._generate_messages($1)', [campaign.id]);
  const { rows } = await db.query<EmailFixture['messages'][number]>(
    `select m.id::text as id, m.public_id::text as "publicId", c.email, c.public_id::text as "contactPublicId",
            array(select l.public_id::text from mtrk.links l join mtrk.campaign_ctas t on t.id = l.cta_id
                  where l.message_id = m.id order by t.position) as "linkPublicIds"
     from mtrk.messages m join mtrk.contacts c on c.id = m.contact_id
     where m.campaign_id = $1 order by c.email`,
    [campaign.id],
  );
  return { companyId: company.id, audienceId: audience.id, campaignId: campaign.id, messages: rows };
}

/** Everything a tracking or webhook request could write, for one company. */
export async function emailFootprint(db: pg.Client, companyId: string): Promise<Record<string, number>> {
  const { rows: [row] } = await db.query(
    `select (select count(*) from mtrk.events where company_id = $1)::int as events,
            (select count(*) from mtrk.unsubscribes where company_id = $1)::int as unsubscribes,
            (select count(*) from ops.suppression_list where company_id = $1)::int as suppressed,
            (select count(*) from mtrk.contacts where company_id = $1 and status <> 'active')::int as inactive_contacts`,
    [companyId],
  );
  return row;
}

/**
 * Folds every queued open and click now, as pg_cron's mtrk-fold-events does. The fold takes a
 * try-lock and returns 0 when another fold holds it (the one email-tracking asks for after answering,
 * or pg_cron's): waiting for that lock first, in the same transaction, lets a fold already running
 * commit before this one takes the rest (the fold's own try-lock is re-entrant in this session).
 */
export async function foldQueuedEvents(db: pg.Client): Promise<void> {
  await db.query(`do $$
    begin
      perform pg_advisory_xact_lock(hashtext('mtrk.fold_pending_events'));
      perform mtrk.fold_pending_events();
    end
  $$`);
}
