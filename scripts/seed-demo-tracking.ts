// Demo web traffic for "Demo Rastro" (issue 7): the demo landing site as a tracked domain with its A/B
// landing pages, and 90 days of traffic — 30,000 sessions of 20,000 visitors across Google, Facebook,
// Instagram, LinkedIn, the newsletter, organic search and direct visits, three campaigns and both
// variants — plus one journey per recent demo form lead ending in the session that captured it, so
// attribution, UTM performance and the A/B results read real rows. Set-based SQL (generate_series),
// deterministic (hashtext, no random()), idempotent: the traffic is written once per database.
import type pg from 'pg';

export const demoSiteDefaultPort = 54327;
export const demoSessions = 30_000;
const demoVisitors = 20_000;
/** Fixed so re-seeding and the console's A/B page agree on which test the variants belong to. */
export const demoAbTestId = '0d3e6a5c-7b1f-4c2a-9e4d-5a6b7c8d9e01';

/** The demo site's domain and landing pages at `origin`; returns its site key. */
export async function ensureDemoTrackingSite(db: pg.Client, origin: string): Promise<string | null> {
  const { rows } = await db.query<{ site_key: string }>(
    `with company as (select id from core.companies where slug = 'demo-rastro'),
     site as (
       insert into lead.domains (company_id, domain_name, domain_url, allowed_origins, metadata)
       select id, 'Demo landing', $1, array[$1, replace($1, '127.0.0.1', 'localhost')], '{"demo": true}' from company
       on conflict on constraint domains_name_per_company_is_unique
       do update set domain_url = excluded.domain_url,
                     allowed_origins = (select array_agg(distinct o) from unnest(lead.domains.allowed_origins || excluded.allowed_origins) o)
       returning id, company_id, site_key
     ),
     pages as (
       insert into lead.landing_pages (company_id, domain_id, page_url, page_name, page_variant, is_control, ab_test_id)
       select site.company_id, site.id, $1 || p.path, p.name, p.variant, p.control, p.test
       from site, (values ('/a', 'Landing — variante A', 'A', true, $2::uuid), ('/b', 'Landing — variante B', 'B', false, $2::uuid),
                          ('/precos', 'Preços', null, false, null)) as p (path, name, variant, control, test)
       on conflict on constraint landing_pages_url_per_domain_is_unique do nothing
     )
     select site_key from site`,
    [origin, demoAbTestId],
  );
  return rows[0]?.site_key ?? null;
}

export async function seedDemoTracking(db: pg.Client, origin: string): Promise<number> {
  const siteKey = await ensureDemoTrackingSite(db, origin);
  if (!siteKey) return 0;
  const { rows: [site] } = await db.query<{ id: string; company_id: string; seeded: boolean }>(
    `select d.id, d.company_id, exists (select 1 from lead.sessions s where s.domain_id = d.id and s.id like 'demo-session-%') as seeded
     from lead.domains d where d.site_key = $1`,
    [siteKey],
  );
  if (site.seeded) return 0;

  await db.query('begin');
  try {
    // One row per session: who, when, from where, which variant, how deep.
    await db.query(
      `create temporary table demo_traffic on commit drop as
       with raw as (
         select g, 'demo-session-' || g as session_id,
                'demo-visitor-' || (1 + abs(hashtext(g || ':visitor')) % $2::int) as visitor_id,
                now() - interval '5 minutes' - make_interval(mins => abs(hashtext(g || ':when')) % (90 * 24 * 60)) as started_at,
                abs(hashtext(g || ':source')) % 100 as r_source,
                abs(hashtext(g || ':depth')) % 100 as r_depth,
                abs(hashtext(g || ':misc')) % 1000 as r_misc
         from generate_series(1, $1::int) g
       )
       select r.*,
              case when r.r_source < 30 then 'google' when r.r_source < 55 then 'facebook' when r.r_source < 65 then 'instagram'
                   when r.r_source < 70 then 'linkedin' when r.r_source < 80 then 'newsletter' when r.r_source < 90 then 'organic'
                   else 'direct' end as source,
              (array['black-friday', 'lancamento-verao', 'remarketing-q3'])[1 + r.r_misc % 3] as campaign,
              (array['home-hero', 'pricing', 'blog-footer'])[1 + (r.r_misc / 3) % 3] as content,
              case when abs(hashtext(r.visitor_id || ':variant')) % 2 = 0 then 'a' else 'b' end as variant,
              1 + (case when r.r_depth < 45 then 0 when r.r_depth < 75 then 1 when r.r_depth < 92 then 2 else 3 end) as views,
              (array['desktop', 'mobile', 'mobile', 'tablet'])[1 + r.r_misc % 4] as device
       from raw r`,
      [demoSessions, demoVisitors],
    );
    // The journeys of the recent demo form leads: each ends in the session that captured the lead.
    await db.query(
      `create temporary table demo_lead_traffic on commit drop as
       select l.id as lead_id, 'demo-lead-session-' || row_number() over (order by l.created_at, l.id) as session_id,
              'demo-lead-visitor-' || row_number() over (order by l.created_at, l.id) as visitor_id,
              l.created_at - make_interval(mins => 3 + abs(hashtext(l.id::text)) % 40) as started_at,
              case l.utm_source when 'linkedin' then 'linkedin' when 'google' then 'google' when 'instagram' then 'instagram' else 'facebook' end as source,
              coalesce(l.utm_campaign, 'black-friday') as campaign, coalesce(l.form_location, 'home-hero') as content,
              -- the challenger converts better: 60 % of the captures come from variant B
              case when abs(hashtext(l.id::text || ':variant')) % 10 < 4 then 'a' else 'b' end as variant,
              2 + abs(hashtext(l.id::text || ':depth')) % 3 as views,
              (array['desktop', 'mobile', 'mobile', 'tablet'])[1 + abs(hashtext(l.id::text)) % 4] as device,
              0 as r_misc
       from lead.leads l
       where l.company_id = $1 and l.origin = 'form' and l.extra @> '{"demo": true}' and l.session_id is null
         and l.created_at > now() - interval '88 days'`,
      [site.company_id],
    );
    await db.query(`create temporary table demo_all on commit drop as
      select session_id, visitor_id, started_at, source, campaign, content, variant, views, device, r_misc, null::uuid as lead_id from demo_traffic
      union all
      select session_id, visitor_id, started_at, source, campaign, content, variant, views, device, r_misc, lead_id from demo_lead_traffic`);
    // Fresh tables have no statistics: without these the planner picks nested loops over 30,000 rows.
    await db.query('analyze demo_all');

    await db.query(
      `insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at, total_sessions, total_page_views,
                                          converted, conversion_session_id, lead_id)
       select $1, $2, visitor_id, min(started_at), max(started_at) + interval '3 minutes', count(*), sum(views),
              bool_or(lead_id is not null), max(case when lead_id is not null then session_id end), max(lead_id::text)::uuid
       from demo_all group by visitor_id`,
      [site.company_id, site.id],
    );
    await db.query('analyze lead.visitor_journeys');
    await db.query(
      `insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, first_page_id, landing_url, referrer, device, browser, os,
                                  started_at, last_activity_at, total_page_views, total_events, return_visits, converted, lead_id, metadata)
       select $1, a.session_id, $2, j.id, a.visitor_id, p.id, $3 || '/' || a.variant,
              case a.source when 'organic' then 'https://www.google.com/' when 'facebook' then 'https://l.facebook.com/'
                            when 'instagram' then 'https://l.instagram.com/' end,
              a.device, case a.device when 'desktop' then 'Chrome' else 'Safari' end, case a.device when 'desktop' then 'Windows' else 'iOS' end,
              a.started_at, a.started_at + make_interval(secs => 40 * a.views), a.views, case when a.lead_id is not null then 2 else a.r_misc % 3 end,
              row_number() over (partition by a.visitor_id order by a.started_at) - 1, a.lead_id is not null, a.lead_id, '{"demo": true}'
       from demo_all a
       join lead.visitor_journeys j on j.company_id = $1 and j.domain_id = $2 and j.visitor_id = a.visitor_id
       join lead.landing_pages p on p.domain_id = $2 and p.page_url = $3 || '/' || a.variant`,
      [site.company_id, site.id, origin],
    );
    await db.query('analyze lead.sessions');
    // Every session lands with a touch: its UTMs and click id by source; organic is a referral, direct is direct.
    await db.query(
      `insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, page_id, lead_id, channel,
                                     utm_source, utm_medium, utm_campaign, utm_content, utm_term, gclid, fbclid, fbc, fbp, li_fat_id, mid,
                                     device, referrer, page_url, user_agent, client_ip)
       select s.started_at, s.company_id, s.domain_id, s.id, s.visitor_id, s.journey_id, s.first_page_id, j.lead_id,
              case when a.source in ('google', 'facebook', 'instagram', 'linkedin') then 'paid' when a.source = 'newsletter' then 'email'
                   when a.source = 'organic' then 'referral' else 'direct' end,
              case when a.source not in ('organic', 'direct') then a.source end,
              case a.source when 'google' then 'cpc' when 'linkedin' then 'cpc' when 'newsletter' then 'email'
                            when 'facebook' then 'paid_social' when 'instagram' then 'paid_social' end,
              case when a.source not in ('organic', 'direct') then a.campaign end,
              case when a.source not in ('organic', 'direct') then a.content end,
              case when a.source = 'google' then (array['crm', 'atribuicao de vendas', 'rastreamento de leads'])[1 + abs(hashtext(s.id)) % 3] end,
              case when a.source = 'google' then 'demo-gclid-' || md5(s.id) end,
              case when a.source in ('facebook', 'instagram') then 'demo-fbclid-' || left(md5(s.id), 20) end,
              case when a.source in ('facebook', 'instagram') then 'fb.1.' || (extract(epoch from s.started_at) * 1000)::bigint || '.demo-fbclid-' || left(md5(s.id), 20) end,
              'fb.1.' || (extract(epoch from j.first_visit_at) * 1000)::bigint || '.' || (abs(hashtext(s.visitor_id)) % 1000000000),
              case when a.source = 'linkedin' then 'demo-li-' || left(md5(s.id), 16) end,
              case when a.source = 'newsletter' then 'demo-msg-' || (abs(hashtext(s.visitor_id)) % 5000) end,
              s.device, s.referrer,
              s.landing_url || case when a.source not in ('organic', 'direct') then '?utm_source=' || a.source || '&utm_campaign=' || a.campaign else '' end,
              'Mozilla/5.0 (demo traffic)', ('198.51.100.' || (abs(hashtext(s.visitor_id)) % 250 + 1))::inet
       from demo_all a
       join lead.sessions s on s.company_id = $1 and s.id = a.session_id
       join lead.visitor_journeys j on j.id = s.journey_id`,
      [site.company_id],
    );
    // Page views: the landing variant, then pricing and back; 40 s a page; the last one is the exit.
    await db.query(
      `insert into lead.page_views (created_at, company_id, domain_id, session_id, page_id, client_event_id, page_url, page_path, page_title,
                                    view_order, time_on_page, scroll_depth, exit_page, occurred_at)
       select s.started_at + make_interval(secs => 40 * (n - 1)), s.company_id, s.domain_id, s.id, p.id, s.id || '-pv' || n,
              p.page_url, substring(p.page_url from '^https?://[^/]+(/.*)$'), p.page_name, n,
              case when n < s.total_page_views then 40 end, case when n < s.total_page_views then 25 * (1 + (n + length(s.id)) % 4) end,
              n = s.total_page_views, s.started_at + make_interval(secs => 40 * (n - 1))
       from lead.sessions s
       cross join lateral generate_series(1, s.total_page_views) n
       join lead.landing_pages p on p.domain_id = s.domain_id
        and p.page_url = case when n % 2 = 0 then $2 || '/precos' else s.landing_url end
       where s.company_id = $3 and s.domain_id = $1 and s.id like 'demo-%'`,
      [site.id, origin, site.company_id],
    );
    await db.query(
      `insert into lead.web_events (created_at, company_id, domain_id, session_id, page_id, client_event_id, event_type, event_category,
                                    event_action, event_label, event_value, element_id, occurred_at)
       select s.started_at + make_interval(secs => 20 + 5 * n), s.company_id, s.domain_id, s.id, s.first_page_id, s.id || '-ev' || n,
              case when n = 1 then 'click' else 'scroll' end, case when n = 1 then 'hero' end,
              case when n = 1 then 'cta_click' else 'depth' end, case when n = 1 then 'Quero uma demonstração' end,
              case when n = 1 then null else 50 end, case when n = 1 then 'cta-demo' end, s.started_at + make_interval(secs => 20 + 5 * n)
       from lead.sessions s
       cross join lateral generate_series(1, s.total_events) n
       where s.company_id = $2 and s.domain_id = $1 and s.id like 'demo-%'`,
      [site.id, site.company_id],
    );
    // The captured leads point back at their session and touches.
    await db.query(
      `update lead.leads l
       set session_id = s.id, landing_page_id = s.first_page_id, landing_page_url = s.landing_url,
           first_touch_id = f.id, first_touch_at = f.touched_at, last_touch_id = f.id, last_touch_at = f.touched_at, utm_touch_id = f.id,
           gclid = coalesce(l.gclid, f.gclid), fbclid = coalesce(l.fbclid, f.fbclid), li_fat_id = coalesce(l.li_fat_id, f.li_fat_id),
           time_to_conversion_seconds = greatest(0, extract(epoch from l.created_at - s.started_at))::integer
       from lead.sessions s
       join lead.utm_touches f on f.company_id = s.company_id and f.session_id = s.id
       where s.company_id = $1 and s.lead_id = l.id and s.id like 'demo-lead-session-%'`,
      [site.company_id],
    );
    await db.query('commit');
  } catch (error) {
    await db.query('rollback').catch(() => undefined);
    throw error;
  }
  // The 90 days just written are in the past: cut them into the per-day landing counts the UTM
  // performance page reads (the hourly job only adds days as they end; migration 20261211000800).
  await db.query('select lead.roll_up_session_landings(rebuild => true)');
  const { rows: [{ count }] } = await db.query<{ count: number }>(`select count(*)::int as count from lead.sessions where domain_id = $1`, [site.id]);
  return count;
}
