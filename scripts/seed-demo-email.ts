// Demo e-mail data for "Demo Rastro" (issue 10): the audience "Newsletter (demo)" with the first 20
// demo leads as contacts (linked to their leads), so a campaign can be created, generated and sent or
// simulated at once. Set-based, idempotent (skipped when the audience exists).
import type pg from 'pg';

export const demoAudienceName = 'Newsletter (demo)';

export async function seedDemoEmail(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ added: number }>(
    `with company as (select id from core.companies where slug = 'demo-rastro'),
     audience as (
       insert into mtrk.audiences (company_id, name, description)
       select id, $1, 'Os 20 primeiros leads de demonstração' from company
       where not exists (select 1 from mtrk.audiences a, company c where a.company_id = c.id and a.name = $1)
       returning id, company_id
     ),
     people as (
       insert into mtrk.contacts as ct (company_id, email, name, lead_id)
       select l.company_id, l.email, l.name, l.id
       from lead.leads l join audience a on a.company_id = l.company_id
       where l.email is not null and l.extra @> '{"demo": true}'
       order by l.created_at, l.id
       limit 20
       on conflict (company_id, lower(email)) do update set lead_id = coalesce(ct.lead_id, excluded.lead_id)
       returning ct.id, ct.company_id
     ),
     joined as (
       insert into mtrk.audience_contacts (company_id, audience_id, contact_id)
       select p.company_id, a.id, p.id from people p join audience a on a.company_id = p.company_id
       returning 1
     )
     select count(*)::int as added from joined`,
    [demoAudienceName],
  );
  return rows[0]?.added ?? 0;
}
