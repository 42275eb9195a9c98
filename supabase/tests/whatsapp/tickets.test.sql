-- WhatsApp tickets (issue 9, decision 0013): lead.ingest_whatsapp_messages — idempotency on wamid,
-- last touch, history, expiry, ctwa_clid never from source_id, unknown numbers; the enrichment race
-- guard; ticket conversions through register_conversion (LeadSubmitted with ctwa_clid, SKIPPED_NO_CTWA,
-- SKIPPED_DUPLICATE_LEAD, Purchase with the deal value, every sale counted); move_ticket's refusals;
-- RLS isolation of every new table; erasure of the contact's number.
begin;
\ir ../_helpers/install.psql
select plan(48);

select tests.create_user('ana@a.test');
select tests.create_user('vera@a.test');
select tests.create_user('bruno@b.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.create_company('Empresa B', 'empresa-b');
select tests.add_member(tests.company_id('empresa-a'), 'ana@a.test', 'sales');
select tests.add_member(tests.company_id('empresa-a'), 'vera@a.test', 'viewer');
select tests.add_member(tests.company_id('empresa-b'), 'bruno@b.test', 'owner');

-- A's dataset (pixel) and number; B's number.
insert into core_marketing.pixel_configs (company_id, name, pixel_id, access_token_ciphertext, token_status, is_active)
values (tests.company_id('empresa-a'), 'WABA dataset', '5550001111', 'v1:sealed:token', 'unverified', true);
insert into core_marketing.whatsapp_numbers (company_id, phone_number_id, whatsapp_business_account_id, label, pixel_config_id)
values (tests.company_id('empresa-a'), '1110001', '2220001', 'Vendas', (select id from core_marketing.pixel_configs where pixel_id = '5550001111')),
       (tests.company_id('empresa-b'), '1110002', '2220002', 'B', null);
insert into core_marketing.whatsapp_settings (company_id, ticket_expiration_days) values (tests.company_id('empresa-a'), 5);

-- Message times start ten days ago (inside Meta's 28-day click window when the tickets convert today).
create function pg_temp.t0() returns bigint language sql stable as $$ select floor(extract(epoch from now()))::bigint - 10 * 86400 $$;
create function pg_temp.msg(wamid text, sent_at bigint, referral jsonb, number text default '1110001', sender text default '557998093883')
returns jsonb language sql as $$
  select jsonb_build_object('phone_number_id', number, 'wamid', wamid, 'from', sender, 'sent_at', sent_at, 'type', 'text',
                            'contact_name', 'Maria', 'referral', referral)
$$;
create function pg_temp.ad(source_id text, ctwa_clid text default null) returns jsonb language sql as $$
  select jsonb_strip_nulls(jsonb_build_object('source_id', source_id, 'source_type', 'ad', 'media_type', 'video', 'ctwa_clid', ctwa_clid,
                                              'headline', 'Prof Didática', 'source_url', 'https://fb.me/x'))
$$;
create function pg_temp.a_ticket() returns uuid language sql as $$
  select t.id from lead.tickets t where t.company_id = tests.company_id('empresa-a') and t.status = 'open'
$$;
create function pg_temp.ingest(messages jsonb) returns jsonb language sql security definer as $$
  select lead.ingest_whatsapp_messages(messages)
$$;

-- ---- ingest -----------------------------------------------------------------------------------------
select is(
  lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.1', pg_temp.t0(), pg_temp.ad('120237888636060701', 'AfeDIj2Ewr2X')))) ->> 'tickets_opened',
  '1', 'the seed message opens a ticket');
select results_eq(
  $$ select t.status, t.stage, l.origin, l.phone, k.ctwa_clid, k.meta_ad_id, k.meta_source_type, k.meta_placement, k.meta_enrichment_status
     from lead.tickets t join lead.leads l on l.id = t.lead_id join lead.ticket_tracking k on k.ticket_id = t.id
     where t.company_id = tests.company_id('empresa-a') $$,
  $$ values ('open'::text, 'new'::text, 'whatsapp'::text, '+557998093883'::text, 'AfeDIj2Ewr2X'::text, '120237888636060701'::text, 'ad'::text,
             'video'::text, 'PENDING'::text) $$,
  'with a lead of origin whatsapp and the tracking of the referral');
select is((select count(*)::int from pgmq.q_meta_enrichment where message ->> 'meta_ad_id' = '120237888636060701'
           and message ->> 'ticket_tracking_id' = (select id::text from lead.ticket_tracking where ticket_id = pg_temp.a_ticket())), 1,
  'and an enrichment message { company_id, ticket_tracking_id, meta_ad_id }');

select is(
  lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.1', pg_temp.t0(), pg_temp.ad('120237888636060701', 'AfeDIj2Ewr2X')))) ->> 'duplicates',
  '1', 'the same wamid again is a duplicate');
select is((select count(*)::int from lead.whatsapp_messages where company_id = tests.company_id('empresa-a')), 1, 'stored once');
select is((select count(*)::int from pgmq.q_meta_enrichment where message ->> 'company_id' = tests.company_id('empresa-a')::text), 1,
  'and enrichment was not queued twice');

select is(
  lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.2', pg_temp.t0() + 600, null))) ->> 'tickets_opened', '0',
  'a plain message joins the open ticket');
select is((select last_message_at from lead.tickets where id = pg_temp.a_ticket()), to_timestamp(pg_temp.t0() + 600),
  'and moves its last message time');

-- A second ad, this time a status ad without ctwa_clid.
select is(
  lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.3', pg_temp.t0() + 3600, pg_temp.ad('120999000111222333')))) ->> 'attribution_changes',
  '1', 'a second ad for the open ticket is an attribution change');
select results_eq(
  $$ select ctwa_clid, meta_ad_id, meta_enrichment_status from lead.ticket_tracking where ticket_id = pg_temp.a_ticket() $$,
  $$ values (null::text, '120999000111222333'::text, 'PENDING'::text) $$,
  'the tracking is the last touch; without ctwa_clid it stays null (never source_id)');
select results_eq(
  $$ select old_ad_id, new_ad_id, old_ctwa_clid, new_ctwa_clid, wamid from lead.attribution_history where ticket_id = pg_temp.a_ticket() $$,
  $$ values ('120237888636060701'::text, '120999000111222333'::text, 'AfeDIj2Ewr2X'::text, null::text, 'wamid.3'::text) $$,
  'and the history keeps the change');

-- A late delivery of an older referral does not undo the last touch.
select lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.old', pg_temp.t0() + 60, pg_temp.ad('120000000000000001', 'OLDCLID'))));
select is((select meta_ad_id from lead.ticket_tracking where ticket_id = pg_temp.a_ticket()), '120999000111222333',
  'an older referral delivered late leaves the last touch alone');

-- The same ad clicked again: a new click id, no history row.
select lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.4', pg_temp.t0() + 7200, pg_temp.ad('120999000111222333', 'NEWCLID')))) ;
select results_eq(
  $$ select (select ctwa_clid from lead.ticket_tracking where ticket_id = pg_temp.a_ticket()),
            (select count(*)::int from lead.attribution_history where ticket_id = pg_temp.a_ticket()) $$,
  $$ values ('NEWCLID'::text, 1) $$,
  'the same ad again refreshes ctwa_clid without a history row');

-- Unknown number; a post referral (not an ad).
select is(
  lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.x', pg_temp.t0(), null, '9999999')))::jsonb ->> 'unknown_number', '1',
  'an unknown phone_number_id is counted and ignored');
select is((select count(*)::int from lead.whatsapp_messages where wamid = 'wamid.x'), 0, 'nothing stored for it');
select lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.b1', pg_temp.t0(),
  '{"source_id": "987654321", "source_type": "post", "ctwa_clid": "POSTCLID"}', '1110002')));
select results_eq(
  $$ select meta_ad_id, ctwa_clid, meta_source_type, meta_enrichment_status from lead.ticket_tracking where company_id = tests.company_id('empresa-b') $$,
  $$ values (null::text, 'POSTCLID'::text, 'post'::text, null::text) $$,
  'a post''s id is not an ad id: nothing to enrich');

-- ---- enrichment race guard ----------------------------------------------------------------------------
select is(lead.record_ticket_enrichment((select id from lead.ticket_tracking where ticket_id = pg_temp.a_ticket()), '120237888636060701',
          '{"status": "COMPLETED", "ad_name": "Stale ad", "adset_id": "1", "adset_name": "S", "campaign_id": "2", "campaign_name": "C", "account_id": "act_1"}'),
  false, 'names fetched for the previous ad are refused');
select is(lead.record_ticket_enrichment((select id from lead.ticket_tracking where ticket_id = pg_temp.a_ticket()), '120999000111222333',
          '{"status": "COMPLETED", "ad_name": "Status ad", "adset_id": "11", "adset_name": "Adset", "campaign_id": "22", "campaign_name": "Black Friday", "account_id": "123"}'),
  true, 'names for the current ad are applied');
select results_eq(
  $$ select meta_ad_name, meta_campaign_name, meta_enrichment_status, meta_ad_id_at_enrichment, last_enrichment_at is not null
     from lead.ticket_tracking where ticket_id = pg_temp.a_ticket() $$,
  $$ values ('Status ad'::text, 'Black Friday'::text, 'COMPLETED'::text, '120999000111222333'::text, true) $$,
  'COMPLETED with the names and the ad they belong to');

-- ---- expiry -----------------------------------------------------------------------------------------
select results_eq(
  $$ select r ->> 'tickets_expired', r ->> 'tickets_opened'
     from pg_temp.ingest(jsonb_build_array(pg_temp.msg('wamid.5', pg_temp.t0() + 7200 + 6 * 86400, pg_temp.ad('120237888636060701', 'CLID3')))) r $$,
  $$ values ('1'::text, '1'::text) $$,
  'six idle days with a five-day expiry: the ticket expires and a new one opens');
select results_eq(
  $$ select status, closed_at is not null from lead.tickets where company_id = tests.company_id('empresa-a') order by opened_at $$,
  $$ values ('expired'::text, true), ('open', false) $$,
  'the old one is expired and closed, the new one open');
select is((select count(distinct lead_id)::int from lead.tickets where company_id = tests.company_id('empresa-a')), 1, 'one lead, two tickets');
select is(
  (select count(*)::int from lead.leads where company_id = tests.company_id('empresa-a') and origin = 'whatsapp'
     and phone_hash = lead.hash_phone('5579998093883')), 0,
  'the lead holds the number as WhatsApp sent it …');
select is(
  lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.9', pg_temp.t0() + 7300 + 6 * 86400, null, '1110001', '5579998093883'))) ->> 'tickets_opened',
  '1', '… and the same person writing with the ninth digit (another wa_id) opens a ticket');
select is((select count(distinct lead_id)::int from lead.tickets where company_id = tests.company_id('empresa-a')), 1,
  'on the same lead (both Brazilian forms match)');

-- ---- ticket conversions -----------------------------------------------------------------------------
create temp table fx (name text primary key, id uuid) on commit drop;
grant select on fx to authenticated;
insert into fx select 'expired', id from lead.tickets where company_id = tests.company_id('empresa-a') and status = 'expired';
insert into fx select 'current', id from lead.tickets where company_id = tests.company_id('empresa-a') and status = 'open' and contact_wa_id = '557998093883';
insert into fx select 'ninth', id from lead.tickets where company_id = tests.company_id('empresa-a') and contact_wa_id = '5579998093883';
select lead.ingest_whatsapp_messages(jsonb_build_array(pg_temp.msg('wamid.org', pg_temp.t0() + 86400, null, '1110001', '5511912345678')));
insert into fx select 'organic', id from lead.tickets where company_id = tests.company_id('empresa-a') and contact_wa_id = '5511912345678';

select tests.authenticate_as('ana@a.test');
select results_eq(
  $$ select r -> 'conversions' -> 0 ->> 'event_name', r -> 'conversions' -> 0 ->> 'status', r -> 'conversions' -> 0 ->> 'event_id'
     from lead.move_ticket((select id from fx where name = 'current'), 'qualified') r $$,
  $$ values ('LeadSubmitted'::text, 'PENDING'::text, 'lead-' || (select id from fx where name = 'current')) $$,
  'qualified with a ctwa_clid: LeadSubmitted pending, event_id lead-<ticket>');
select tests.clear_authentication();
select results_eq(
  $$ select v.ctwa_clid, v.messaging_channel, v.whatsapp_business_account_id, d.pixel_config_id = (select id from core_marketing.pixel_configs where pixel_id = '5550001111'),
            d.click_id
     from core_marketing.conversions v join core_marketing.conversion_deliveries d on d.conversion_id = v.id
     where v.source_id = (select id from fx where name = 'current') $$,
  $$ values ('CLID3'::text, 'whatsapp'::text, '2220001'::text, true, 'CLID3'::text) $$,
  'the conversion carries the ticket''s ctwa_clid and WABA, and goes to the number''s dataset');
select is((select count(*)::int from pgmq.q_conversion_meta where (message ->> 'delivery_id')::uuid in
            (select d.id from core_marketing.conversion_deliveries d join core_marketing.conversions v on v.id = d.conversion_id
             where v.source_id = (select id from fx where name = 'current'))), 1, 'queued on conversion_meta');

select tests.authenticate_as('ana@a.test');
select is((lead.move_ticket((select id from fx where name = 'expired'), 'qualified')) -> 'conversions' -> 0 ->> 'status',
  'SKIPPED_DUPLICATE_LEAD', 'another ticket of the same lead qualified: LeadSubmitted was already sent for this lead');
select is((lead.move_ticket((select id from fx where name = 'organic'), 'qualified')) -> 'conversions' -> 0 ->> 'status',
  'SKIPPED_NO_CTWA', 'a conversation that came from no ad (no ctwa_clid): SKIPPED_NO_CTWA');
select is((lead.move_ticket((select id from fx where name = 'current'), 'qualified')) -> 'conversions' -> 0 ->> 'status',
  'PENDING', 'qualifying again registers nothing new');

select results_eq(
  $$ select c ->> 'event_name', c ->> 'status', c ->> 'event_id'
     from jsonb_array_elements((lead.move_ticket((select id from fx where name = 'current'), 'won', 1890.50, 'BRL')) -> 'conversions') c
     order by c ->> 'event_name' $$,
  $$ values ('LeadSubmitted'::text, 'PENDING'::text, 'lead-' || (select id from fx where name = 'current')),
            ('Purchase', 'PENDING', 'purchase-' || (select id from fx where name = 'current')) $$,
  'won: Purchase pending, event_id purchase-<ticket>');
select tests.clear_authentication();
select results_eq(
  $$ select value, currency from core_marketing.conversions where source_id = (select id from fx where name = 'current') and conversion_name = 'purchase' $$,
  $$ values (1890.50::numeric(14,2), 'BRL'::text) $$,
  'with the deal value and currency');
select tests.authenticate_as('ana@a.test');
select is((lead.move_ticket((select id from fx where name = 'expired'), 'won', 300, 'BRL')) -> 'conversions' -> 1 ->> 'status',
  'PENDING', 'a second sale by the same lead counts (no duplicate skip for purchases)');

select throws_ok($$ select lead.move_ticket((select id from fx where name = 'current'), 'won') $$, 'PT422', null,
  'won without a deal value is refused');
select throws_ok($$ select lead.move_ticket((select id from fx where name = 'current'), 'done') $$, 'PT422', null, 'an unknown stage is refused');
select throws_ok($$ select lead.move_ticket((select id from fx where name = 'current'), 'won', 10, 'reais') $$, 'PT422', null,
  'a currency that is not ISO 4217 is refused');

select tests.authenticate_as('vera@a.test');
select throws_ok($$ select lead.move_ticket((select id from fx where name = 'ninth'), 'won', 10) $$, 'PT404', null,
  'a viewer cannot move tickets');
select tests.authenticate_as('bruno@b.test');
select throws_ok($$ select lead.move_ticket((select id from fx where name = 'ninth'), 'won', 10) $$, 'PT404', null,
  'another company''s ticket answers not found');

-- ---- RLS isolation ----------------------------------------------------------------------------------
select results_eq(
  $$ select (select count(*)::int from core_marketing.whatsapp_numbers), (select count(*)::int from core_marketing.whatsapp_settings),
            (select count(*)::int from lead.tickets), (select count(*)::int from lead.ticket_tracking),
            (select count(*)::int from lead.attribution_history), (select count(*)::int from lead.whatsapp_messages),
            (select count(*)::int from lead.ticket_conversions) $$,
  $$ values (1, 0, 1, 1, 0, 1, 0) $$,
  'B sees only its own number, ticket, tracking and message');
update lead.tickets set stage = 'lost' where company_id = tests.company_id('empresa-a');
update core_marketing.whatsapp_numbers set label = 'hijacked' where company_id = tests.company_id('empresa-a');
delete from core_marketing.whatsapp_numbers where company_id = tests.company_id('empresa-a');
select throws_ok($$ insert into core_marketing.whatsapp_numbers (company_id, phone_number_id, whatsapp_business_account_id)
                    values (tests.company_id('empresa-a'), '3330003', '4440004') $$, '42501', null,
  'B cannot add a number to A');
select throws_ok($$ insert into core_marketing.whatsapp_settings (company_id, ticket_expiration_days) values (tests.company_id('empresa-a'), 1) $$,
  '42501', null, 'nor change A''s expiry');
select throws_ok($$ insert into lead.tickets (company_id, lead_id) select company_id, lead_id from lead.tickets limit 1 $$, '42501', null,
  'members never insert tickets (the webhook does)');
select throws_ok($$ update lead.ticket_tracking set ctwa_clid = 'forged' $$, '42501', null, 'nor write tracking');
select throws_ok($$ select lead.ingest_whatsapp_messages('[]') $$, '42501', null, 'nor call the ingest function');
select tests.authenticate_as('vera@a.test');
select results_eq(
  $$ select (select count(*)::int from lead.tickets where stage = 'lost'), (select count(*)::int from core_marketing.whatsapp_numbers where label = 'Vendas'),
            (select count(*)::int from lead.ticket_tracking), (select count(*)::int from lead.attribution_history),
            (select count(*)::int from lead.ticket_conversions) $$,
  $$ values (0, 1, 4, 1, 5) $$,
  'A''s rows are untouched by B, and A''s viewer reads A''s tickets, tracking, history and conversions');
select tests.authenticate_as_anon();
select throws_ok($$ select count(*) from lead.tickets $$, '42501', null, 'anon reads nothing');

-- ---- erasure ----------------------------------------------------------------------------------------
select tests.clear_authentication();
select ops.erase_subject(tests.company_id('empresa-a'), '+557998093883');
select results_eq(
  $$ select (select count(*)::int from lead.tickets where lead_id = (select lead_id from lead.tickets where id = (select id from fx where name = 'current')) and contact_wa_id is not null),
            (select count(*)::int from lead.whatsapp_messages where lead_id = (select lead_id from lead.tickets where id = (select id from fx where name = 'current')) and from_wa_id is not null),
            (select count(*)::int from lead.ticket_tracking where lead_id = (select lead_id from lead.tickets where id = (select id from fx where name = 'current')) and ctwa_clid is not null),
            (select count(*)::int from lead.tickets where id = (select id from fx where name = 'organic') and contact_wa_id is not null) $$,
  $$ values (0, 0, 0, 1) $$,
  'erasing the person removes their number from tickets and messages, and their click ids; nobody else''s');

select * from finish();
rollback;
