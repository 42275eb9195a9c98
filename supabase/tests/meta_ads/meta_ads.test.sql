-- Meta Ads: RLS isolation on every new table and view, tokens unreadable by authenticated, insights
-- idempotent per (ad, day), the daily enqueue, and ROI (ROAS, CPL, CPA, never-attributed campaigns,
-- per day) on a small fixture of CTWA tickets and one web lead whose UTMs carry Meta's ids.
begin;
\ir ../_helpers/install.psql
select plan(38);

select tests.create_user('ana@a.test');
select tests.create_user('vera@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'marketing_admin');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

create temp table fx (name text primary key, id uuid) on commit drop;
grant select on fx to authenticated;

-- ---- fixture: one profile, one tracked account, ads of three campaigns ------------------------------
with c as (
  insert into core_marketing.meta_connections (company_id, fb_user_id, fb_user_name, access_token_ciphertext, token_expires_at)
  values (tests.company_id('empresa-a'), '10000000000001', 'Thiago', 'v1:sealed:token', now() + interval '50 days')
  returning id)
insert into fx select 'connection', id from c;
with a as (
  insert into core_marketing.meta_ad_accounts (company_id, connection_id, ad_account_id, account_name, currency, timezone_name, is_active)
  values (tests.company_id('empresa-a'), (select id from fx where name = 'connection'), 'act_111', 'Conta A', 'BRL', 'America/Sao_Paulo', true)
  returning id)
insert into fx select 'account', id from a;
insert into core_marketing.meta_connections (company_id, fb_user_id, fb_user_name, access_token_ciphertext)
values (tests.company_id('empresa-b'), '10000000000009', 'Bia', 'v1:sealed:b');

create function pg_temp.day(back integer) returns text language sql as $$
  select ((now() at time zone 'America/Sao_Paulo')::date - back)::text
$$;
-- a moment `back` before now, but never before today's midnight in São Paulo: the leads' capture days
-- must be today's whatever the hour the suite runs (at 00:03 there, ten minutes ago is yesterday)
create function pg_temp.ago(back interval) returns timestamptz language sql as $$
  select greatest(now() - back, ((now() at time zone 'America/Sao_Paulo')::date)::timestamp at time zone 'America/Sao_Paulo')
$$;
create function pg_temp.row(ad text, adset text, campaign text, back integer, spend text, impressions text default '1000', clicks text default '10')
returns jsonb language sql as $$
  select jsonb_build_object('ad_id', ad, 'ad_name', 'Ad ' || ad, 'adset_id', adset, 'adset_name', 'Set ' || adset,
                            'campaign_id', campaign, 'campaign_name', 'Campaign ' || campaign, 'spend', spend,
                            'impressions', impressions, 'clicks', clicks, 'date_start', pg_temp.day(back), 'date_stop', pg_temp.day(back))
$$;
create temp table page on commit drop as
  select jsonb_build_array(
    pg_temp.row('9000001001', '9000000201', '9000000301', 0, '100.00', '1000', '50'),
    pg_temp.row('9000001001', '9000000201', '9000000301', 1, '50.00'),
    pg_temp.row('9000001002', '9000000201', '9000000301', 0, '30.00'),
    pg_temp.row('9000001003', '9000000202', '9000000302', 0, '20.00'),
    pg_temp.row('9000001004', '9000000203', '9000000303', 0, '10.00')) as rows;

-- ---- insights: set-based, idempotent per (ad, day) --------------------------------------------------
select is(core_marketing.upsert_meta_insights((select id from fx where name = 'account'), (select rows from page)), 5,
  'one page of five daily rows is written');
select is(core_marketing.upsert_meta_insights((select id from fx where name = 'account'), (select rows from page)), 5,
  'the same page again');
select is((select count(*)::int from core_marketing.meta_ad_insights where company_id = tests.company_id('empresa-a')), 5,
  'still five rows: one per (ad, day)');
select is((select count(*)::int from core_marketing.meta_ads where company_id = tests.company_id('empresa-a')), 4,
  'the hierarchy of the four ads is cached');
select is((select campaign_name from core_marketing.meta_ads where company_id = tests.company_id('empresa-a') and ad_id = '9000001001'),
  'Campaign 9000000301', 'with its names');
select throws_ok(
  format($$ insert into core_marketing.meta_ad_insights (company_id, ad_id, day, meta_ad_account_id, spend)
            values (%L, '9000001001', %L, %L, 1) $$, tests.company_id('empresa-a'), pg_temp.day(0), (select id from fx where name = 'account')),
  '23505', null, 'a second row for the same (ad, day) is refused');
select is(core_marketing.upsert_meta_insights((select id from fx where name = 'account'),
            jsonb_build_array(pg_temp.row('9000001003', '9000000202', '9000000302', 0, '25.50'))), 1, 'Meta revises a day');
select is((select spend from core_marketing.meta_ad_insights where ad_id = '9000001003' and day = pg_temp.day(0)::date), 25.50::numeric(14,2),
  'the revised figure replaces the old one');
select throws_ok($$ select core_marketing.upsert_meta_insights(gen_random_uuid(), '[]') $$, 'PT404', null, 'unknown account: PT404');

-- ---- the daily enqueue ------------------------------------------------------------------------------
select ok(core_marketing.enqueue_meta_insights_sync() >= 1, 'the daily sync queues the tracked account');
select is(core_marketing.enqueue_meta_insights_sync(), 0, 'and not again while its message waits');
select is((select count(*)::int from pgmq.q_meta_insights where message ->> 'meta_ad_account_id' = (select id from fx where name = 'account')::text), 1,
  'one message for the account');

-- ---- ROI fixture: three CTWA tickets, one web lead with Meta ids, one organic web lead ------------------
do $$
declare
  company uuid := tests.company_id('empresa-a');
  first_stage uuid;
  won_stage uuid;
  lead_id uuid;
  ticket_id uuid;
  domain uuid;
  journey uuid;
  ad text;
  stage text;
  deal numeric;
begin
  select id into first_stage from lead.pipeline_stages where company_id = company order by position limit 1;
  select id into won_stage from lead.pipeline_stages where company_id = company and is_won;
  for ad, stage, deal in select * from (values ('9000001001', 'new', null::numeric), ('9000001001', 'won', 500), ('9000001002', 'new', null)) v loop
    insert into lead.leads (company_id, origin, phone, name, stage_id) values (company, 'whatsapp', '+5579999' || (random() * 1e5)::int, 'W', first_stage)
    returning id into lead_id;
    insert into lead.tickets (company_id, lead_id, stage, deal_value) values (company, lead_id, stage, deal) returning id into ticket_id;
    insert into lead.ticket_tracking (company_id, ticket_id, lead_id, ctwa_clid, meta_ad_id, meta_enrichment_status)
    values (company, ticket_id, lead_id, 'clid-' || ad, ad, 'PENDING');
  end loop;

  insert into lead.domains (company_id, domain_name, domain_url) values (company, 'a', 'https://a.test') returning id into domain;
  insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
  values (company, domain, 'visitor-m', pg_temp.ago(interval '1 hour'), now()) returning id into journey;
  insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
  values (company, 'session-m1', domain, journey, 'visitor-m', pg_temp.ago(interval '1 hour'), now()),
         (company, 'session-m2', domain, journey, 'visitor-m', pg_temp.ago(interval '1 hour'), now());
  insert into lead.leads (company_id, name, email, stage_id, value, created_at)
  values (company, 'Web', 'web@a.test', won_stage, 300, pg_temp.ago(interval '10 minutes')) returning id into lead_id;
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, lead_id, channel, utm_source,
                                utm_medium, utm_campaign, utm_content, utm_term)
  values (pg_temp.ago(interval '30 minutes'), company, domain, 'session-m1', 'visitor-m', journey, lead_id, 'paid', 'facebook', 'paid',
          'Campaign 9000000302|9000000302', '9000000202', '9000001003');
  -- a Google lead: not Meta's
  insert into lead.leads (company_id, name, email, stage_id, created_at)
  values (company, 'Google', 'g@a.test', first_stage, pg_temp.ago(interval '5 minutes')) returning id into lead_id;
  insert into lead.utm_touches (touched_at, company_id, domain_id, session_id, visitor_id, journey_id, lead_id, channel, utm_source,
                                utm_medium, utm_campaign, utm_term)
  values (pg_temp.ago(interval '20 minutes'), company, domain, 'session-m2', 'visitor-m', journey, lead_id, 'paid', 'google', 'cpc', '9000000302', '9000001003');
end
$$;

select is(analytics.meta_id('Campaign 9000000302|120237888636040701'), '120237888636040701', 'meta_id: the id after the name');
select is(analytics.meta_id('Black Friday'), null, 'meta_id: no id in a plain name');

select tests.authenticate_as('ana@a.test');
select results_eq(
  format($$ select id, name, spend, leads, whatsapp_leads, web_leads, conversions, revenue, roas, cpl, cpa, never_attributed
            from analytics.meta_roi(%L::date, %L::date, 'campaign') $$, pg_temp.day(1), pg_temp.day(0)),
  $$ values ('9000000301'::text, 'Campaign 9000000301'::text, 180.00::numeric, 3::bigint, 3::bigint, 0::bigint, 1::bigint, 500.00::numeric,
             2.7778::numeric, 60.00::numeric, 180.00::numeric, false),
            ('9000000302', 'Campaign 9000000302', 25.50, 1, 0, 1, 1, 300.00, 11.7647, 25.50, 25.50, false),
            ('9000000303', 'Campaign 9000000303', 10.00, 0, 0, 0, 0, 0, 0.0000, null, null, true) $$,
  'per campaign: spend, WhatsApp + web leads, conversions, revenue, ROAS, CPL, CPA; 303 spends but appears nowhere');
select results_eq(
  format($$ select id, campaign_id, adset_id, spend, leads, conversions, revenue from analytics.meta_roi(%L::date, %L::date, 'ad') $$,
         pg_temp.day(1), pg_temp.day(0)),
  $$ values ('9000001001'::text, '9000000301'::text, '9000000201'::text, 150.00::numeric, 2::bigint, 1::bigint, 500.00::numeric),
            ('9000001002', '9000000301', '9000000201', 30.00, 1, 0, 0),
            ('9000001003', '9000000302', '9000000202', 25.50, 1, 1, 300.00),
            ('9000001004', '9000000303', '9000000203', 10.00, 0, 0, 0) $$,
  'per ad, with its ad set and campaign');
select results_eq(
  format($$ select id, spend, leads from analytics.meta_roi(%L::date, %L::date, 'adset') $$, pg_temp.day(1), pg_temp.day(0)),
  $$ values ('9000000201'::text, 180.00::numeric, 3::bigint), ('9000000202', 25.50, 1), ('9000000203', 10.00, 0) $$, 'per ad set');
select results_eq(
  format($$ select id, spend, leads from analytics.meta_roi(%L::date, %L::date, 'campaign') $$, pg_temp.day(1), pg_temp.day(1)),
  $$ values ('9000000301'::text, 50.00::numeric, 0::bigint) $$, 'a range of yesterday only: its spend, no lead captured then');
select results_eq(
  format($$ select day::text, spend, leads, conversions, revenue from analytics.meta_roi_daily(%L::date, %L::date) $$, pg_temp.day(2), pg_temp.day(0)),
  format($$ values (%L, 0::numeric, 0::bigint, 0::bigint, 0::numeric), (%L, 50.00, 0, 0, 0), (%L, 165.50, 4, 2, 800.00) $$,
         pg_temp.day(2), pg_temp.day(1), pg_temp.day(0)),
  'per day, zeros included: spend, leads, conversions and revenue');
select results_eq(
  format($$ select row_count, spend, leads, conversions, revenue from analytics.meta_roi_totals(%L::date, %L::date, 'ad') $$,
         pg_temp.day(1), pg_temp.day(0)),
  $$ values (4::bigint, 215.50::numeric, 4::bigint, 2::bigint, 800.00::numeric) $$,
  'totals: the rows and the sums over every ad, for the page that shows them 50 at a time');
select throws_ok($$ select * from analytics.meta_roi_totals(current_date, current_date, 'account') $$, '22023', null,
  'totals: an unknown level: 22023');
select throws_ok($$ select * from analytics.meta_roi(current_date, current_date - 1) $$, '22023', null, 'a reversed range: 22023');
select throws_ok($$ select * from analytics.meta_roi(current_date, current_date, 'account') $$, '22023', null, 'an unknown level: 22023');

-- ---- RLS: another company sees and changes nothing --------------------------------------------------
select tests.authenticate_as('bruno@b.test');
select is((select count(*)::int from core_marketing.meta_connections where company_id = tests.company_id('empresa-a')), 0,
  'B reads none of A''s profiles');
select is((select count(*)::int from core_marketing.meta_connection_details where company_id = tests.company_id('empresa-a')), 0,
  'nor through the details view');
select is((select count(*)::int from core_marketing.meta_ad_accounts), 0, 'nor A''s ad accounts');
select is((select count(*)::int from core_marketing.meta_ads), 0, 'nor A''s ads');
select is((select count(*)::int from core_marketing.meta_ad_insights), 0, 'nor A''s insights');
select is((select count(*)::int from analytics.meta_roi(current_date - 30, current_date)), 0, 'nor A''s ROI');
select is((select array[row_count, spend] from analytics.meta_roi_totals(current_date - 30, current_date)), array[0, 0]::numeric[],
  'nor A''s totals');
select throws_ok(
  format($$ insert into core_marketing.meta_ad_accounts (company_id, connection_id, ad_account_id, account_name) values (%L, %L, 'act_9', 'x') $$,
         tests.company_id('empresa-a'), (select id from fx where name = 'connection')),
  '42501', null, 'B cannot add an ad account to A');
with changed as (update core_marketing.meta_ad_accounts set is_active = false returning 1)
select is(count(*)::int, 0, 'B changes none of A''s ad accounts') from changed;
with removed as (delete from core_marketing.meta_connections where company_id = tests.company_id('empresa-a') returning 1)
select is(count(*)::int, 0, 'B removes none of A''s profiles') from removed;

select tests.authenticate_as('vera@a.test');
update core_marketing.meta_ad_accounts set is_active = false;
select is((select count(*)::int from core_marketing.meta_ad_accounts where is_active), 1, 'a viewer cannot toggle ad accounts');
select throws_ok($$ insert into core_marketing.meta_ads (company_id, ad_id) values ((select company_id from core_marketing.meta_ads limit 1), '1') $$,
  '42501', null, 'members never write the ads cache');

-- ---- tokens ---------------------------------------------------------------------------------------
select tests.authenticate_as('ana@a.test');
select throws_ok('select access_token_ciphertext from core_marketing.meta_connections', '42501', null, 'admins cannot read a profile''s token');
select results_eq($$ select fb_user_name, has_access_token, status from core_marketing.meta_connection_details $$,
  $$ values ('Thiago'::text, true, 'ACTIVE'::text) $$, 'the rest of the profile through the view');
select tests.clear_authentication();
select is(array(select r || ':' || p from unnest(array['authenticated', 'anon']) r, unnest(array['select', 'insert', 'update']) p
                where has_column_privilege(r, 'core_marketing.meta_connections', 'access_token_ciphertext', p)),
  '{}'::text[], 'no privilege on the token column for authenticated or anon');

select * from finish();
rollback;
