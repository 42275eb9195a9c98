-- Conversions: the one contract (register_conversion) and the lead triggers — idempotency, every skip
-- reason, attribution windows as data, the `heart` example of another CRM schema plugging in with one
-- trigger, bad input, RLS read and write isolation, no token column readable by authenticated.
begin;
\ir ../_helpers/install.psql
select plan(54);

select tests.create_user('ana@a.test');
select tests.create_user('sara@a.test');
select tests.create_user('vera@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'marketing_admin');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

-- ---- defaults ---------------------------------------------------------------------------------------
select results_eq(
  format($$ select platform, click_window_days, upload_limit_days from core_marketing.attribution_windows
            where company_id = %L order by platform $$, tests.company_id('empresa-a')),
  $$ values ('google_ads'::text, 90, 90), ('linkedin', 90, 90), ('meta', 28, 7), ('tiktok', 28, null::int), ('webhook', 540, null) $$,
  'a new company gets the attribution windows of PLATFORMS.md');
select results_eq(
  format($$ select business_event, conversion_name, meta_event_name from core_marketing.conversion_mappings
            where company_id = %L order by business_event $$, tests.company_id('empresa-a')),
  $$ values ('lead_created'::text, 'lead'::text, 'Lead'::text), ('lead_qualified', 'qualified_lead', 'QualifiedLead'),
            ('lead_won', 'purchase', 'Purchase'), ('ticket_qualified', 'lead', 'LeadSubmitted'), ('ticket_won', 'purchase', 'Purchase') $$,
  'and the three lead mappings, and the two WhatsApp ticket mappings (decision 0013)');

-- ---- destinations of company A: one Meta pixel, one Google Ads customer ----------------------------
insert into core_marketing.pixel_configs (company_id, name, pixel_id, access_token_ciphertext, token_status, is_active)
values (tests.company_id('empresa-a'), 'Pixel A', '1234567890', 'v1:sealed:token', 'unverified', true);
insert into core_marketing.platform_accounts (company_id, platform, name, account_ref, credentials_ciphertext, credentials_status, is_active)
values (tests.company_id('empresa-a'), 'google_ads', 'Google A', '1234567890', 'v1:sealed:creds', 'unverified', true);
update core_marketing.conversion_mappings set google_conversion_action_id = '555'
where company_id = tests.company_id('empresa-a') and business_event = 'lead_won';

create temp table fx (name text primary key, id uuid) on commit drop;
-- The delivery of one platform in an EnqueueResult.
create function pg_temp.delivery(result jsonb, platform text) returns jsonb language sql as $$
  select d from jsonb_array_elements(result -> 'deliveries') d where d ->> 'platform' = platform
$$;
grant select on fx to authenticated;

-- ---- lead created ---------------------------------------------------------------------------------
with l as (
  insert into lead.leads (company_id, name, email, phone, fbclid, gclid, origin)
  values (tests.company_id('empresa-a'), 'Maria', 'Maria.Silva@Example.com', '+55 11 98765-4321', 'IwAR0fbclidABC', 'Cj0gclidXYZ', 'form')
  returning id)
insert into fx select 'clicked', id from l;

select results_eq(
  $$ select v.event_id, v.fbclid, v.gclid, v.email_hash, v.fbc like 'fb.1.%.IwAR0fbclidABC'
     from core_marketing.conversions v where v.source_id = (select id from fx where name = 'clicked') $$,
  $$ select 'lead-' || (select id from fx where name = 'clicked'), 'IwAR0fbclidABC'::text, 'Cj0gclidXYZ'::text,
            lead.hash_email('maria.silva@example.com'), true $$,
  'a lead from a form is a `lead` conversion with a deterministic event_id, its click ids, fbc and hashed e-mail');
select results_eq(
  $$ select d.platform, d.status, d.skip_reason from core_marketing.conversion_deliveries d
     join core_marketing.conversions v on v.id = d.conversion_id
     where v.source_id = (select id from fx where name = 'clicked') order by d.platform $$,
  $$ values ('meta'::text, 'pending'::text, null::text), ('tiktok', 'skipped', 'no_active_pixel') $$,
  'Meta pending; TikTok named by the mapping but without an account: skipped no_active_pixel');

with l as (insert into lead.leads (company_id, name, email, origin) values (tests.company_id('empresa-a'), 'Imported', 'imp@a.test', 'csv') returning id)
insert into fx select 'imported', id from l;
select is((select count(*)::int from core_marketing.conversions where source_id = (select id from fx where name = 'imported')), 0,
  'imported leads are history, not arrivals: no lead conversion');

-- ---- lead won -------------------------------------------------------------------------------------
update lead.leads set value = 1500.50 where id = (select id from fx where name = 'clicked');
update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and is_won)
where id = (select id from fx where name = 'clicked');

select results_eq(
  $$ select v.conversion_name, v.event_id, v.value, v.currency from core_marketing.conversions v
     where v.source_id = (select id from fx where name = 'clicked') and v.business_event = 'lead_won' $$,
  $$ select 'purchase'::text, 'purchase-' || (select id from fx where name = 'clicked'), 1500.50::numeric(14,2), 'BRL'::text $$,
  'won: a purchase with the value');
select results_eq(
  $$ select d.platform, d.status, d.click_id from core_marketing.conversion_deliveries d
     join core_marketing.conversions v on v.id = d.conversion_id
     where v.source_id = (select id from fx where name = 'clicked') and v.conversion_name = 'purchase' and d.status = 'pending'
     order by d.platform $$,
  $$ values ('google_ads'::text, 'pending'::text, 'Cj0gclidXYZ'::text), ('meta', 'pending', 'IwAR0fbclidABC') $$,
  'one pending delivery each to Meta and Google Ads, with the click id used');
select is(
  (select count(*)::int from pgmq.q_conversion_meta q
   where (q.message ->> 'delivery_id')::uuid in (select d.id from core_marketing.conversion_deliveries d
     join core_marketing.conversions v on v.id = d.conversion_id where v.source_id = (select id from fx where name = 'clicked'))),
  2, 'both Meta deliveries (lead, purchase) are messages on conversion_meta');
select is(
  (select count(*)::int from pgmq.q_conversion_platforms q
   where (q.message ->> 'delivery_id')::uuid in (select d.id from core_marketing.conversion_deliveries d
     join core_marketing.conversions v on v.id = d.conversion_id where v.source_id = (select id from fx where name = 'clicked'))),
  1, 'the Google Ads one is on conversion_platforms');
select is(
  (select count(*)::int from ops.domain_events e join core_marketing.conversions v on v.id = e.aggregate_id
   where v.source_id = (select id from fx where name = 'clicked') and e.event_type = 'ConversionEventQueued'),
  2, 'ConversionEventQueued published for each conversion');

-- ---- idempotency ----------------------------------------------------------------------------------
select is(
  (core_marketing.register_conversion('lead.leads', (select id from fx where name = 'clicked'), 'lead_won', 99, 'USD')) ->> 'created',
  'false', 'registering the same record and event again creates nothing');
select is(
  (core_marketing.register_conversion('lead.leads', (select id from fx where name = 'clicked'), 'lead_won')) ->> 'conversion_id',
  (select id::text from core_marketing.conversions where source_id = (select id from fx where name = 'clicked') and conversion_name = 'purchase'),
  'and answers the existing conversion');
select is((select count(*)::int from core_marketing.conversions where source_id = (select id from fx where name = 'clicked')), 2,
  'still one conversion per (record, conversion name)');
select is((select value from core_marketing.conversions where source_id = (select id from fx where name = 'clicked') and conversion_name = 'purchase'),
  1500.50::numeric(14,2), 'the first value stands');
update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and name = 'negotiation')
where id = (select id from fx where name = 'clicked');
update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and is_won)
where id = (select id from fx where name = 'clicked');
select is(
  (select count(*)::int from pgmq.q_conversion_meta q
   where (q.message ->> 'delivery_id')::uuid in (select d.id from core_marketing.conversion_deliveries d
     join core_marketing.conversions v on v.id = d.conversion_id where v.source_id = (select id from fx where name = 'clicked'))),
  2, 'won again after going back: no new message');

-- ---- no_click_id ----------------------------------------------------------------------------------
with l as (insert into lead.leads (company_id, name, email) values (tests.company_id('empresa-a'), 'No click', 'noclick@a.test') returning id)
insert into fx select 'no_click', id from l;
update lead.leads set stage_id = (select id from lead.pipeline_stages where company_id = tests.company_id('empresa-a') and is_won)
where id = (select id from fx where name = 'no_click');
select results_eq(
  $$ select d.platform, d.status, d.skip_reason from core_marketing.conversion_deliveries d
     join core_marketing.conversions v on v.id = d.conversion_id
     where v.source_id = (select id from fx where name = 'no_click') and v.conversion_name = 'purchase' order by d.platform $$,
  $$ values ('google_ads'::text, 'skipped'::text, 'no_click_id'::text), ('meta', 'skipped', 'no_click_id'), ('tiktok', 'skipped', 'no_active_pixel') $$,
  'no click id: skipped no_click_id on each platform that has a destination');
update core_marketing.attribution_windows set require_click_id = false
where company_id = tests.company_id('empresa-a') and platform = 'meta';
select is(
  pg_temp.delivery(core_marketing.register_conversion('lead.leads', (select id from fx where name = 'no_click'), 'lead_qualified'), 'meta') ->> 'status',
  'pending', 'Meta set to send on hashed e-mail alone: pending without a click id');
update core_marketing.attribution_windows set require_click_id = true
where company_id = tests.company_id('empresa-a') and platform = 'meta';

-- ---- outside_window -------------------------------------------------------------------------------
with l as (
  insert into lead.leads (company_id, name, email, fbclid, gclid, origin, created_at)
  values (tests.company_id('empresa-a'), 'Old click', 'old@a.test', 'fbOLD', 'gOLD', 'csv', now() - interval '40 days')
  returning id)
insert into fx select 'old_click', id from l;
select results_eq(
  $$ select (x -> 'deliveries') from (select core_marketing.register_conversion('lead.leads', (select id from fx where name = 'old_click'), 'lead_won', 10, 'BRL') as x) r $$,
  $$ values ('[{"platform": "google_ads", "status": "pending", "skip_reason": null},
              {"platform": "meta", "status": "skipped", "skip_reason": "outside_window"},
              {"platform": "tiktok", "status": "skipped", "skip_reason": "no_active_pixel"}]'::jsonb) $$,
  'a 40-day-old click: outside Meta''s 28-day window, inside Google''s 90 days');
with l as (
  insert into lead.leads (company_id, name, email, fbclid, origin, created_at)
  values (tests.company_id('empresa-a'), 'Old sale', 'oldsale@a.test', 'fbSALE', 'csv', now() - interval '12 days')
  returning id)
insert into fx select 'old_sale', id from l;
select is(
  pg_temp.delivery(core_marketing.register_conversion('lead.leads', (select id from fx where name = 'old_sale'), 'lead_won', 10, 'BRL',
     now() - interval '10 days'), 'meta') ->> 'skip_reason',
  'outside_window', 'a sale 10 days ago: past Meta''s 7-day upload limit even though the click is inside the window');
update core_marketing.attribution_windows set click_window_days = 60
where company_id = tests.company_id('empresa-a') and platform = 'meta';
with l as (
  insert into lead.leads (company_id, name, email, fbclid, origin, created_at)
  values (tests.company_id('empresa-a'), 'Old click 2', 'old2@a.test', 'fbOLD2', 'csv', now() - interval '40 days')
  returning id)
insert into fx select 'old_click_2', id from l;
select is(
  pg_temp.delivery(core_marketing.register_conversion('lead.leads', (select id from fx where name = 'old_click_2'), 'lead_won', 10, 'BRL'), 'meta') ->> 'status',
  'pending', 'windows are data: with a 60-day Meta window the same 40-day-old click is sent');

-- ---- no_active_pixel ------------------------------------------------------------------------------
with l as (
  insert into lead.leads (company_id, name, email, fbclid, origin) values (tests.company_id('empresa-b'), 'B lead', 'b@b.test', 'fbB', 'form')
  returning id)
insert into fx select 'b_lead', id from l;
select results_eq(
  $$ select d.platform, d.skip_reason from core_marketing.conversion_deliveries d join core_marketing.conversions v on v.id = d.conversion_id
     where v.source_id = (select id from fx where name = 'b_lead') order by d.platform $$,
  $$ values ('meta'::text, 'no_active_pixel'::text), ('tiktok', 'no_active_pixel') $$,
  'company B has no pixel: skipped no_active_pixel');
update core_marketing.pixel_configs set token_status = 'invalid' where company_id = tests.company_id('empresa-a');
with l as (
  insert into lead.leads (company_id, name, email, fbclid, origin) values (tests.company_id('empresa-a'), 'Expired', 'exp@a.test', 'fbEXP', 'form')
  returning id)
insert into fx select 'expired', id from l;
select is(
  (select d.skip_reason from core_marketing.conversion_deliveries d join core_marketing.conversions v on v.id = d.conversion_id
   where v.source_id = (select id from fx where name = 'expired') and d.platform = 'meta'),
  'no_active_pixel', 'a pixel whose token Meta refused (code 190) takes no new events');
update core_marketing.pixel_configs set token_status = 'valid' where company_id = tests.company_id('empresa-a');

-- ---- the heart example: another CRM schema plugs in with one trigger ---------------------------------
create schema heart;
create table heart.deals (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references core.companies (id),
  lead_id uuid references lead.leads (id),
  status text not null default 'Open',
  value numeric(14, 2)
);
alter table heart.deals enable row level security;
insert into core_marketing.conversion_sources (source_table, lead_column, description)
values ('heart.deals', 'lead_id', 'Heart CRM deals: ContractSigned');
create function heart._contract_signed() returns trigger language plpgsql security definer set search_path = '' as $$
begin
  perform core_marketing.register_conversion('heart.deals', new.id, 'heart.contract_signed', new.value, 'BRL');
  return null;
end
$$;
create trigger deals_contract_signed after update of status on heart.deals
  for each row when (new.status = 'ContractSigned' and old.status is distinct from 'ContractSigned')
  execute function heart._contract_signed();
insert into core_marketing.conversion_mappings (company_id, business_event, conversion_name, send_value, meta_event_name)
values (tests.company_id('empresa-a'), 'heart.contract_signed', 'purchase', true, 'Purchase');

with l as (
  insert into lead.leads (company_id, name, email, fbclid, origin) values (tests.company_id('empresa-a'), 'Heart lead', 'heart@a.test', 'fbHEART', 'csv')
  returning id)
insert into fx select 'heart_lead', id from l;
with d as (insert into heart.deals (company_id, lead_id, value) values (tests.company_id('empresa-a'), (select id from fx where name = 'heart_lead'), 4200) returning id)
insert into fx select 'deal', id from d;
with d as (insert into heart.deals (company_id, lead_id, value) values (tests.company_id('empresa-a'), (select id from fx where name = 'clicked'), 99) returning id)
insert into fx select 'deal_dup', id from d;
update heart.deals set status = 'ContractSigned';

select results_eq(
  $$ select v.company_id, v.lead_id, v.event_id, v.value, v.fbclid, d.status
     from core_marketing.conversions v join core_marketing.conversion_deliveries d on d.conversion_id = v.id
     where v.source_table = 'heart.deals' and v.source_id = (select id from fx where name = 'deal') $$,
  $$ select tests.company_id('empresa-a'), (select id from fx where name = 'heart_lead'),
            'purchase-' || (select id from fx where name = 'deal'), 4200.00::numeric(14,2), 'fbHEART'::text, 'pending'::text $$,
  'heart: ContractSigned registers a purchase, company and click id from the deal''s lead');
select is(
  (select d.skip_reason from core_marketing.conversions v join core_marketing.conversion_deliveries d on d.conversion_id = v.id
   where v.source_id = (select id from fx where name = 'deal_dup')),
  'duplicate', 'the lead already had its purchase sent to Meta by the lead pipeline: skipped duplicate');

-- ---- bad input: errors, nothing written ------------------------------------------------------------
create temp table counts_before on commit drop as
  select (select count(*) from core_marketing.conversions) as conversions, (select count(*) from core_marketing.conversion_deliveries) as deliveries;
select tests.authenticate_as('ana@a.test');
select throws_ok($$ select core_marketing.register_conversion('lead.leads', gen_random_uuid(), 'lead_won') $$,
  'PT404', null, 'unknown lead: PT404');
select throws_ok(format($$ select core_marketing.register_conversion('lead.leads', %L, 'lead_won') $$, (select id from fx where name = 'b_lead')),
  'PT404', null, 'another company''s lead: PT404, like a missing one');
select throws_ok(format($$ select core_marketing.register_conversion('lead.leads', %L, 'lead_qualified', -1, 'BRL') $$, (select id from fx where name = 'expired')),
  'PT422', 'a conversion value cannot be negative', 'negative value: PT422');
select throws_ok(format($$ select core_marketing.register_conversion('lead.leads', %L, 'lead_qualified', 1, 'brl') $$, (select id from fx where name = 'expired')),
  'PT422', 'currency must be an ISO 4217 code such as BRL', 'bad currency: PT422');
select throws_ok(format($$ select core_marketing.register_conversion('crm.secret', %L, 'lead_qualified') $$, (select id from fx where name = 'expired')),
  'PT422', null, 'an unregistered source table: PT422');
select throws_ok(format($$ select core_marketing.register_conversion('lead.leads', %L, 'Lead Won!') $$, (select id from fx where name = 'expired')),
  'PT422', null, 'a malformed business event: PT422');
select tests.authenticate_as('vera@a.test');
select throws_ok(format($$ select core_marketing.register_conversion('lead.leads', %L, 'lead_qualified') $$, (select id from fx where name = 'expired')),
  'PT404', null, 'viewers register nothing');
select tests.clear_authentication();
select results_eq($$ select (select count(*) from core_marketing.conversions), (select count(*) from core_marketing.conversion_deliveries) $$,
  $$ select conversions, deliveries from counts_before $$, 'none of the refused calls wrote anything');
select tests.authenticate_as('sara@a.test');
select is((core_marketing.register_conversion('lead.leads', (select id from fx where name = 'expired'), 'lead_qualified')) ->> 'created', 'true',
  'sales (an editor) registers a conversion of its own company''s lead');

-- ---- RLS: read and write isolation --------------------------------------------------------------------
select tests.authenticate_as('bruno@b.test');
select is((select count(*)::int from core_marketing.conversions where company_id = tests.company_id('empresa-a')), 0, 'B reads none of A''s conversions');
select is((select count(*)::int from core_marketing.conversion_deliveries where company_id = tests.company_id('empresa-a')), 0, 'nor deliveries');
select is((select count(*)::int from core_marketing.pixel_config_details where company_id = tests.company_id('empresa-a')), 0, 'nor pixels');
select is((select count(*)::int from core_marketing.platform_accounts where company_id = tests.company_id('empresa-a')), 0, 'nor platform accounts');
select is((select count(*)::int from core_marketing.conversion_mappings where company_id = tests.company_id('empresa-a')), 0, 'nor mappings');
select is((select count(*)::int from ops.domain_events where company_id = tests.company_id('empresa-a')), 0, 'nor domain events');
select is((select count(*)::int from core_marketing.match_quality where company_id = tests.company_id('empresa-a')), 0, 'nor match quality');
select is((select count(*)::int from core_marketing.conversions), 1, 'B reads its own conversion');
select throws_ok(format($$ insert into core_marketing.pixel_configs (company_id, pixel_id) values (%L, '99999999') $$, tests.company_id('empresa-a')),
  '42501', null, 'B cannot add a pixel to A');
with changed as (update core_marketing.conversion_mappings set is_active = false where company_id = tests.company_id('empresa-a') returning 1)
select is(count(*)::int, 0, 'B changes none of A''s mappings') from changed;
with changed as (update core_marketing.attribution_windows set click_window_days = 1 where company_id = tests.company_id('empresa-a') returning 1)
select is(count(*)::int, 0, 'nor A''s windows') from changed;
select throws_ok($$ insert into core_marketing.conversions (company_id, source_table, source_id, business_event, conversion_name, event_id, occurred_at)
                   values ((select company_id from core_marketing.conversions limit 1), 'lead.leads', gen_random_uuid(), 'x_y', 'x_y', 'x', now()) $$,
  '42501', null, 'members never write conversions directly');
select tests.authenticate_as('sara@a.test');
select throws_ok(format($$ insert into core_marketing.pixel_configs (company_id, pixel_id) values (%L, '99999999') $$, tests.company_id('empresa-a')),
  '42501', null, 'sales cannot add pixels');

-- ---- tokens: never readable by authenticated ------------------------------------------------------------
select tests.authenticate_as('ana@a.test');
select throws_ok('select access_token_ciphertext from core_marketing.pixel_configs', '42501', null, 'admins cannot read the pixel token');
select throws_ok('select credentials_ciphertext from core_marketing.platform_accounts', '42501', null, 'nor platform credentials');
select throws_ok('select * from core_marketing.pixel_configs', '42501', null, 'select * on pixels is refused: use pixel_config_details');
select throws_ok($$ update core_marketing.pixel_configs set access_token_ciphertext = 'plain' $$, '42501', null, 'nor write the token directly');
select tests.clear_authentication();
select is(array(select r || ':' || c || ':' || p from unnest(array['authenticated', 'anon']) r,
                  unnest(array['core_marketing.pixel_configs.access_token_ciphertext', 'core_marketing.platform_accounts.credentials_ciphertext']) c,
                  unnest(array['select', 'insert', 'update']) p
                where has_column_privilege(r, split_part(c, '.', 1) || '.' || split_part(c, '.', 2), split_part(c, '.', 3), p)),
  '{}'::text[], 'no privilege at all on any token column for authenticated or anon');
select tests.authenticate_as('ana@a.test');
select results_eq($$ select name, has_access_token, token_status from core_marketing.pixel_config_details $$,
  $$ values ('Pixel A'::text, true, 'valid'::text) $$, 'the rest of the pixel through the view');

-- ---- retry and replay -------------------------------------------------------------------------------------
select tests.clear_authentication();
update core_marketing.conversion_deliveries d set status = 'failed', attempts = 8, last_error = 'HTTP 500'
from core_marketing.conversions v
where v.id = d.conversion_id and d.platform = 'meta' and v.source_id in ((select id from fx where name = 'clicked'), (select id from fx where name = 'old_click_2'));
update core_marketing.conversions set occurred_at = now() - interval '8 days' where source_id = (select id from fx where name = 'old_click_2');
select tests.authenticate_as('ana@a.test');
select is(core_marketing.retry_deliveries(null, now() - interval '30 days', now(), 'meta'),
  '{"requeued": 2, "skipped_outside_window": 1}'::jsonb,
  'replaying a range re-queues what Meta still accepts and skips the rest outside_window');
select tests.authenticate_as('vera@a.test');
select throws_ok($$ select core_marketing.retry_deliveries(null, now() - interval '1 day', now()) $$, '42501', null, 'viewers cannot retry');

select * from finish();
rollback;
