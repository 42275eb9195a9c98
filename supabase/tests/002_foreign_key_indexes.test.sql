-- Guards every future migration: a foreign key to a table whose rows are deleted in bulk (a company's
-- leads, contacts, messages, links, tickets, conversions) has an index on exactly its columns, so the
-- per-row query of a cascading delete never falls back to a company-wide index (migration
-- 20261210000300 tells the story). Partitions are checked through their parent.
begin;
\ir _helpers/install.psql
select plan(1);

select is_empty($$
  select c.conrelid::regclass::text || ' ' || c.conname
  from pg_constraint c
  where c.contype = 'f'
    and c.confrelid in ('lead.leads'::regclass, 'mtrk.contacts'::regclass, 'mtrk.messages'::regclass, 'mtrk.links'::regclass,
                        'lead.tickets'::regclass, 'core_marketing.conversions'::regclass)
    and not exists (select 1 from pg_inherits i where i.inhrelid = c.conrelid)
    and not exists (
      select 1 from pg_index x
      where x.indrelid = c.conrelid
        and (x.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
        and (x.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)
  order by 1
$$, 'every foreign key to a bulk-deleted table has an index on exactly its columns');

select * from finish();
rollback;
