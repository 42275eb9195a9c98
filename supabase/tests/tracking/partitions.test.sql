-- Monthly partitions of the web-tracking tables: they exist ahead of time, ops.maintain_partitions()
-- is re-runnable, creates what a later date needs, and detaches only the months a table asked to drop.
begin;
\ir ../_helpers/install.psql
select plan(14);

select tests.rls_enabled('partitions');

create temp view partition_months as
select i.inhparent::regclass as parent, c.relname::text as name,
       to_date((regexp_match(c.relname, '_y([0-9]{4})m([0-9]{2})$'))[1] || (regexp_match(c.relname, '_y([0-9]{4})m([0-9]{2})$'))[2], 'YYYYMM') as month
from pg_inherits i join pg_class c on c.oid = i.inhrelid
where c.relkind = 'r';

select is((select count(*)::int from partition_months p
           where p.parent = 'lead.page_views'::regclass
             and p.name = 'lead_page_views_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM')), 1,
          format('page_views has a partition for %s', to_char(m, 'YYYY-MM')))
from generate_series(date_trunc('month', now()), date_trunc('month', now()) + interval '3 months', interval '1 month') as m;

select is((select array_agg(t.parent::text order by t.parent::text) from ops.partitioned_tables t
           where t.parent in ('lead.utm_touches'::regclass, 'lead.page_views'::regclass, 'lead.web_events'::regclass)),
          array['lead.page_views', 'lead.utm_touches', 'lead.web_events'], 'the three big tracking tables are registered');

select is((select sum(created)::int from ops.maintain_partitions()), 0, 'a second run in the same month creates nothing');
select is((select sum(created)::int from ops.maintain_partitions(now() + interval '1 month')), 3,
          'a month later: one more month for each of the three tables');
select ok((select bool_and(c.relrowsecurity) from pg_inherits i join pg_class c on c.oid = i.inhrelid
           where i.inhparent in ('lead.utm_touches'::regclass, 'lead.page_views'::regclass, 'lead.web_events'::regclass)),
          'every partition has row level security enabled');

-- rows land in their month and a query on a month range reads only that partition
insert into core.companies (name, slug) values ('P', 'p-co');
insert into lead.domains (company_id, domain_name, domain_url) values ((select id from core.companies where slug = 'p-co'), 'p.test', 'https://p.test');
insert into lead.visitor_journeys (company_id, domain_id, visitor_id, first_visit_at, last_visit_at)
select d.company_id, d.id, 'visitor-p1', now(), now() from lead.domains d where d.domain_name = 'p.test';
insert into lead.sessions (company_id, id, domain_id, journey_id, visitor_id, started_at, last_activity_at)
select j.company_id, 'session-p1', j.domain_id, j.id, j.visitor_id, now(), now() from lead.visitor_journeys j where j.visitor_id = 'visitor-p1';
insert into lead.page_views (company_id, domain_id, session_id, client_event_id, page_url, page_path, view_order, created_at)
select s.company_id, s.domain_id, s.id, 'pv-' || n, 'https://p.test/', '/', n, date_trunc('month', now()) - make_interval(months => n % 8) + interval '1 day'
from lead.sessions s, generate_series(1, 16) n where s.id = 'session-p1';
select is((select count(*)::int from lead.page_views where session_id = 'session-p1'), 16, 'rows of eight months are stored');

-- detach: page_views drops off after six months; the others keep everything
update ops.partitioned_tables set detach_after_months = 6 where parent = 'lead.page_views'::regclass;
select is((select array_length(detached, 1) from ops.maintain_partitions() where parent = 'lead.page_views'::regclass),
          (select count(*)::int from partition_months p where p.parent = 'lead.page_views'::regclass
             and p.month < date_trunc('month', now()) - interval '6 months'),
          'page_views: every month older than six is detached');
select is((select count(*)::int from lead.page_views where session_id = 'session-p1'), 14,
          'page_views: the two rows seven months back left with their partition, the others stay');
select isnt((select to_regclass('partitions.lead_page_views_y' || to_char(now() - interval '7 months', 'YYYY') || 'm' || to_char(now() - interval '7 months', 'MM') || '_detached')),
            null, 'the detached month is kept as a plain table named *_detached');
select is((select count(*)::int from partition_months p where p.parent = 'lead.utm_touches'::regclass
             and p.month < date_trunc('month', now()) - interval '6 months'),
          6, 'utm_touches (no detach set) keeps its old months');

select * from finish();
rollback;
