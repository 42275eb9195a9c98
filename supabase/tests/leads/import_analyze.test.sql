-- A completed import that wrote many leads refreshes lead.leads' statistics in the same statement
-- (migration 20261211000400); a small one leaves them alone.
begin;
\ir ../_helpers/install.psql
select plan(4);

select tests.create_user('sara@a.test');
select tests.create_company('Empresa A', 'empresa-a');
select tests.add_member(tests.company_id('empresa-a'), 'sara@a.test', 'owner');

-- Statistics as they stand, then 3,000 more leads the statistics do not know about.
analyze lead.leads;
create temp table known on commit drop as select reltuples from pg_class where oid = 'lead.leads'::regclass;
insert into lead.leads (company_id, name, email, origin)
select tests.company_id('empresa-a'), 'Lead ' || i, 'lead' || i || '@a.test', 'csv' from generate_series(1, 3000) i;

insert into lead.lead_imports (company_id, file_name, file_size_bytes, mapping, created_by)
select tests.company_id('empresa-a'), f, 10, '{"columns": {"email": "email"}}', tests.get_user_id('sara@a.test')
from (values ('small.csv'), ('big.csv')) v (f);

-- A small import completes: nothing analyzed.
update lead.lead_imports set rows_inserted = 20, rows_done = 20, chunks_total = 1, chunks_done = 1, status = 'processing'
where file_name = 'small.csv';
select is((select status from lead.lead_imports where file_name = 'small.csv'), 'completed', 'the small import completed');
select is((select reltuples from pg_class where oid = 'lead.leads'::regclass), (select reltuples from known),
  'and left the statistics as they were');

-- The big one (3,000 rows written: over 1,000 and over a tenth of what was known) refreshes them.
update lead.lead_imports set rows_inserted = 3000, rows_done = 3000, chunks_total = 1, chunks_done = 1, status = 'processing'
where file_name = 'big.csv';
select is((select status from lead.lead_imports where file_name = 'big.csv'), 'completed', 'the big import completed');
select ok((select reltuples from pg_class where oid = 'lead.leads'::regclass) >= (select reltuples from known) + 2900,
  'and lead.leads was analyzed: the statistics count its 3,000 new rows');

select * from finish();
rollback;
