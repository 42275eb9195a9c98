// Demo leads for "Demo Rastro": about 3,000 leads spread over six months, every origin and pipeline
// stage, with stage history, owners, UTMs and some conversions to opportunities. Set-based SQL
// (generate_series + the real triggers), deterministic (no random()), idempotent: skipped when the
// company already has demo leads (extra.demo = true).
import type pg from 'pg';

const leadCount = 3000;

const firstNames = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elisa', 'Fábio', 'Gabriela', 'Heitor', 'Isabela', 'João', 'Júlia', 'Lucas',
  'Mariana', 'Nicolas', 'Olívia', 'Paulo', 'Rafaela', 'Sérgio', 'Tatiana', 'Vinícius', 'José', 'Conceição', 'Letícia', 'Otávio'];
const lastNames = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Lima', 'Pereira', 'Ferreira', 'Costa', 'Rodrigues', 'Almeida', 'Nascimento',
  'Araújo', 'Melo', 'Barbosa', 'Ribeiro', 'Martins', 'Carvalho', 'Gomes', 'Rocha', 'Dias'];
const companies = ['Padaria Pão Dourado', 'Clínica Sorriso', 'Auto Peças Veloz', 'Escola Aprender', 'Construtora Horizonte',
  'Loja Bella Moda', 'Academia Corpo em Forma', 'Imobiliária Lar Doce', 'Restaurante Sabor Caseiro', 'TechSul Sistemas'];
const jobTitles = ['Sócio', 'Gerente comercial', 'Diretora de marketing', 'Analista de compras', 'Coordenador', 'Proprietária'];

export async function seedDemoLeads(db: pg.Client): Promise<number> {
  const company = await db.query<{ id: string }>(`select id from core.companies where slug = 'demo-rastro'`);
  if (company.rowCount === 0) return 0;
  const companyId = company.rows[0].id;
  const seeded = await db.query(`select 1 from lead.leads where company_id = $1 and extra @> '{"demo": true}' limit 1`, [companyId]);
  if (seeded.rowCount) return 0;

  await db.query('begin');
  try {
    // h(g, salt) is a stable pseudo-random number 0–99 per lead; it decides origin, final stage, etc.
    await db.query(`create temporary table demo_plan on commit drop as
      with numbered as (
        select g, (abs(hashtext(g || ':origin')) % 100) as r_origin, (abs(hashtext(g || ':stage')) % 100) as r_stage,
               (abs(hashtext(g || ':misc')) % 1000) as r_misc
        from generate_series(1, $1::int) g
      )
      select g, r_misc,
             'lead' || g || '@' || (array['gmail.com', 'hotmail.com', 'outlook.com', 'empresa.com.br', 'uol.com.br'])[1 + g % 5] as email,
             case when r_origin < 35 then 'form' when r_origin < 55 then 'whatsapp' when r_origin < 70 then 'csv'
                  when r_origin < 80 then 'manual' when r_origin < 90 then 'email' else 'dinamize' end as origin,
             -- final pipeline position: 0 new … 3 negotiation, 4 won, 5 lost
             case when r_stage < 30 then 0 when r_stage < 55 then 1 when r_stage < 70 then 2 when r_stage < 80 then 3
                  when r_stage < 90 then 4 else 5 end as final_position,
             -- how far it got before the end: lost leads drop out somewhere between new and negotiation
             case when r_stage >= 90 then r_misc % 4 when r_stage < 30 then 0 when r_stage < 55 then 1 when r_stage < 70 then 2
                  when r_stage < 80 then 3 else 4 end as reached,
             now() - make_interval(hours => (abs(hashtext(g || ':age')) % (180 * 24))) as created_at
      from numbered`, [leadCount]);

    await db.query(`insert into lead.leads (company_id, name, email, phone, company_name, job_title, origin, status, owner_id, value,
                                            score, sync_to_crm, utm_source, utm_medium, utm_campaign, form_location, created_at, extra)
      select $1, first_names[1 + p.g % cardinality(first_names)] || ' ' || last_names[1 + (p.g / 7) % cardinality(last_names)],
             p.email,
             case when p.r_misc % 5 <> 0 then '+55 ' || (11 + p.g % 80) || ' 9' || lpad(((p.g * 7919) % 100000000)::text, 8, '0') end,
             companies[1 + p.g % cardinality(companies)], job_titles[1 + p.g % cardinality(job_titles)],
             p.origin,
             case when p.final_position = 5 then 'lost' when p.final_position >= 1 then 'qualified'
                  when p.r_misc % 2 = 0 then 'contacted' else 'new' end,
             case when cardinality(owners) > 0 then owners[1 + p.g % cardinality(owners)] end,
             round((500 + (p.r_misc * 47) % 20000)::numeric, 2), p.r_misc % 101, false,
             case p.origin when 'form' then (array['google', 'facebook', 'instagram', 'linkedin'])[1 + p.g % 4]
                           when 'whatsapp' then 'facebook' when 'email' then 'dinamize' end,
             case p.origin when 'form' then (array['cpc', 'paid_social', 'paid_social', 'cpc'])[1 + p.g % 4]
                           when 'whatsapp' then 'ctwa' when 'email' then 'email' end,
             case when p.origin in ('form', 'whatsapp', 'email') then (array['black-friday', 'lancamento-verao', 'remarketing-q3'])[1 + p.g % 3] end,
             case when p.origin = 'form' then (array['home-hero', 'pricing', 'blog-footer'])[1 + p.g % 3] end,
             p.created_at, '{"demo": true}'
      from demo_plan p
      cross join (select $2::text[] as first_names, $3::text[] as last_names, $4::text[] as companies, $5::text[] as job_titles,
                         array(select m.user_id from core.company_members m where m.company_id = $1 order by m.user_id) as owners) as names
      order by p.g`, [companyId, firstNames, lastNames, companies, jobTitles]);

    // Walk each lead up the pipeline, one statement per stage; the triggers write the history.
    await db.query(`create temporary table demo_leads on commit drop as
      select l.id, p.final_position, p.reached, p.created_at, l.owner_id
      from demo_plan p join lead.leads l on l.company_id = $1 and lower(l.email) = p.email`, [companyId]);
    const steps: Array<[number, string]> = [[1, 'qualified'], [2, 'proposal'], [3, 'negotiation'], [4, 'won']];
    for (const [position, reason] of steps) {
      await db.query(`select set_config('rastro.stage_change_reason', $1, true)`, [`demo: moved to ${reason}`]);
      await db.query(`update lead.leads l set stage_id = s.id
        from demo_leads d, lead.pipeline_stages s
        where l.id = d.id and d.reached >= $2 and s.company_id = $1 and s.position = $2`, [companyId, position]);
    }
    await db.query(`select set_config('rastro.stage_change_reason', 'demo: the client went elsewhere', true)`);
    await db.query(`update lead.leads l set stage_id = s.id
      from demo_leads d, lead.pipeline_stages s
      where l.id = d.id and d.final_position = 5 and s.company_id = $1 and s.is_lost`, [companyId]);
    await db.query(`select set_config('rastro.stage_change_reason', '', true)`);

    // Won deals and half of those in proposal/negotiation became opportunities.
    await db.query(`insert into lead.opportunities (company_id, lead_id, title, stage_id, value, owner_id, created_at)
      select l.company_id, l.id, coalesce(l.company_name, l.name), l.stage_id, l.value, l.owner_id,
             least(now(), d.created_at + interval '5 days')
      from demo_leads d join lead.leads l on l.id = d.id
      where d.final_position = 4 or (d.final_position in (2, 3) and abs(hashtext(d.id::text)) % 2 = 0)`);
    await db.query(`update lead.leads l set status = 'converted', converted_at = least(now(), o.created_at), converted_to_opportunity_id = o.id
      from lead.opportunities o where o.lead_id = l.id and l.company_id = $1 and l.converted_at is null`, [companyId]);

    // Spread the history over each lead's life instead of "now": three days per stage, never in the future.
    await db.query(`update lead.lead_stages h
      set changed_at = least(now(), d.created_at + s.position * interval '3 days' + make_interval(hours => abs(hashtext(h.id::text)) % 48)),
          changed_by = d.owner_id
      from demo_leads d, lead.pipeline_stages s
      where h.lead_id = d.id and s.id = h.to_stage_id`);
    await db.query('commit');
  } catch (error) {
    await db.query('rollback').catch(() => undefined);
    throw error;
  }
  return leadCount;
}
