-- Privacy (LGPD; seed 003, BLUEPRINT §6.9): a retention period per company, a monthly job that applies
-- it, and ops.erase_subject(company, e-mail or phone), which removes a person's personal data from
-- every table that registered where it keeps such data.
--
-- The registry: ops.personal_data_locations. A module that stores personal data adds ONE row per
-- table in its own migration — how to find a subject's rows (match_column + match_as) and what to
-- remove (null_columns, mask_columns, clear_json_columns, strip_json_keys) — and erase_subject
-- handles it. Nobody replaces erase_subject. Example (a module's migration):
--   insert into ops.personal_data_locations (table_name, match_column, match_as, null_columns, registered_by)
--   values ('mtrk.contacts', 'email', 'email', array['email', 'name'], '2026…_my_module.sql');
-- See docs/decisions/0010-web-tracking.md and docs/runbook.md ("Erasing a person").

-- ---- leads may keep only hashes, or nothing once erased --------------------------------------------

alter table lead.leads add column erased_at timestamptz;
comment on column lead.leads.erased_at is 'When ops.erase_subject removed this lead''s personal data (the row stays for aggregates).';
alter table lead.leads add column anonymized_at timestamptz;
comment on column lead.leads.anonymized_at is 'When the retention job cut this lead down to its hashed e-mail and phone (it never became an opportunity).';
alter table lead.leads drop constraint has_email_or_phone;
alter table lead.leads add constraint has_email_or_phone check (
  email is not null or phone is not null or email_hash is not null or phone_hash is not null or erased_at is not null);

-- ---- settings -------------------------------------------------------------------------------------

create table ops.privacy_settings (
  company_id uuid primary key references core.companies (id) on delete cascade,
  retention_months integer not null default 6 check (retention_months between 1 and 120),
  updated_at timestamptz not null default now()
);
comment on table ops.privacy_settings is
  'Per-company retention: tracking rows lose IP and user agent, and leads that never became opportunities keep only their hashed e-mail and phone, retention_months after they were made. No row: 6 months.';
create trigger privacy_settings_touch_updated_at before update on ops.privacy_settings
  for each row execute function core._touch_updated_at();
alter table ops.privacy_settings enable row level security;
create policy "members read their company's retention" on ops.privacy_settings
  for select to authenticated using (company_id = (select core.current_company_id()));
create policy "admins set their company's retention" on ops.privacy_settings
  for insert to authenticated with check (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
create policy "admins change their company's retention" on ops.privacy_settings
  for update to authenticated
  using (company_id = (select core.current_company_id()) and (select core.is_company_admin()))
  with check (company_id = (select core.current_company_id()));
grant select, insert (company_id, retention_months), update (retention_months) on ops.privacy_settings to authenticated;
grant select, insert, update, delete on ops.privacy_settings to service_role;

-- ---- the registry ---------------------------------------------------------------------------------

create table ops.personal_data_locations (
  id bigint generated always as identity primary key,
  table_name regclass not null,
  company_column text not null default 'company_id',
  match_column text not null,
  match_as text not null,
  null_columns text[] not null default '{}',
  mask_columns text[] not null default '{}',
  clear_json_columns text[] not null default '{}',
  strip_json_columns text[] not null default '{}',
  strip_json_keys text[] not null default '{}',
  stamp_column text,
  position integer not null default 100,
  registered_by text not null check (registered_by ~ '^[0-9]{14}_[a-z0-9_]+\.sql$'),
  created_at timestamptz not null default now(),
  constraint match_as_is_known check (match_as in ('email', 'phone', 'email_hash', 'phone_hash', 'lead_id', 'lead_session')),
  constraint something_to_erase check (
    cardinality(null_columns) + cardinality(mask_columns) + cardinality(clear_json_columns) + cardinality(strip_json_keys) > 0),
  constraint strip_needs_both check ((cardinality(strip_json_columns) = 0) = (cardinality(strip_json_keys) = 0)),
  constraint one_entry_per_table_and_match unique (table_name, match_column, match_as)
);
comment on table ops.personal_data_locations is
  'Where personal data lives, for ops.erase_subject: one row per table a module registers in its migration. Rows of table_name whose company_column is the company and whose match_column matches the subject (match_as) get null_columns set to null, mask_columns set to ''[erased]'', clear_json_columns set to ''{}'', the strip_json_keys removed from strip_json_columns and stamp_column set to now(). Applied in position order.';
comment on column ops.personal_data_locations.match_as is
  'email / phone: the column holds an address or number (compared normalised); email_hash / phone_hash: lead.hash_email / hash_phone of it; lead_id: the id of one of the subject''s leads; lead_session: the id of a session of one of the subject''s leads.';

alter table ops.personal_data_locations enable row level security;
revoke all on ops.personal_data_locations from public, anon, authenticated;
grant select on ops.personal_data_locations to service_role;
create policy personal_data_locations_service_read on ops.personal_data_locations for select to service_role using (true);

create table ops.erasure_log (
  id bigint generated always as identity primary key,
  company_id uuid not null references core.companies (id) on delete cascade,
  subject_kind text not null check (subject_kind in ('email', 'phone')),
  subject_hash text not null check (subject_hash ~ '^[0-9a-f]{64}$'),
  leads integer not null,
  rows_changed jsonb not null,
  requested_by uuid,
  requested_role text,
  erased_at timestamptz not null default now()
);
comment on table ops.erasure_log is
  'One row per ops.erase_subject call: which company, the kind of subject and its SHA-256 (never the address or number), how many leads and rows per table were changed, who asked. Kept as proof of the erasure.';
create index idx_erasure_log_company_id_erased_at on ops.erasure_log (company_id, erased_at desc);
alter table ops.erasure_log enable row level security;
create policy "admins read their company's erasures" on ops.erasure_log
  for select to authenticated using (company_id = (select core.current_company_id()) and (select core.is_company_admin()));
grant select on ops.erasure_log to authenticated;
grant select on ops.erasure_log to service_role;

-- What this module keeps (later modules add theirs the same way).
insert into ops.personal_data_locations
  (table_name, match_column, match_as, null_columns, mask_columns, clear_json_columns, strip_json_columns, strip_json_keys, stamp_column, position, registered_by)
values
  ('lead.leads', 'email_hash', 'email_hash',
   array['name', 'email', 'phone', 'company_name', 'job_title', 'message', 'email_hash', 'phone_hash', 'referrer', 'landing_page_url',
         'external_id', 'gclid', 'fbclid', 'ttclid', 'li_fat_id', 'email_mid'],
   '{}', array['extra'], '{}', '{}', 'erased_at', 10, '20261203000300_create_privacy.sql'),
  ('lead.leads', 'phone_hash', 'phone_hash',
   array['name', 'email', 'phone', 'company_name', 'job_title', 'message', 'email_hash', 'phone_hash', 'referrer', 'landing_page_url',
         'external_id', 'gclid', 'fbclid', 'ttclid', 'li_fat_id', 'email_mid'],
   '{}', array['extra'], '{}', '{}', 'erased_at', 11, '20261203000300_create_privacy.sql'),
  ('lead.opportunities', 'lead_id', 'lead_id', array['notes'], array['title'], '{}', '{}', '{}', null, 20,
   '20261203000300_create_privacy.sql'),
  ('lead.utm_touches', 'lead_id', 'lead_id',
   array['client_ip', 'user_agent', 'referrer', 'gclid', 'gbraid', 'wbraid', 'fbclid', 'fbc', 'fbp', 'ttclid', 'li_fat_id', 'msclkid', 'page_url'],
   '{}', array['url_params'], '{}', '{}', null, 30, '20261203000300_create_privacy.sql'),
  ('lead.sessions', 'lead_id', 'lead_id', array['landing_url', 'referrer'], '{}', array['metadata'], '{}', '{}', null, 31,
   '20261203000300_create_privacy.sql'),
  ('lead.page_views', 'session_id', 'lead_session', array['page_title', 'referrer'], array['page_url'], '{}', '{}', '{}', null, 32,
   '20261203000300_create_privacy.sql'),
  ('lead.web_events', 'session_id', 'lead_session', array['event_label', 'page_url', 'element_id'], '{}', array['event_data'], '{}', '{}',
   null, 33, '20261203000300_create_privacy.sql'),
  -- last: the trail of the changes above (and of every earlier change) loses the personal values too
  ('ops.audit_log', 'row_id', 'lead_id', '{}', '{}', '{}', array['before', 'after'],
   array['name', 'email', 'phone', 'company_name', 'job_title', 'message', 'email_hash', 'phone_hash', 'referrer', 'landing_page_url',
         'external_id', 'gclid', 'fbclid', 'ttclid', 'li_fat_id', 'email_mid', 'extra', 'title', 'notes'],
   null, 1000, '20261203000300_create_privacy.sql');

-- ---- erasure --------------------------------------------------------------------------------------

create function ops.erase_subject(company_id uuid, subject text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  kind text := case when position('@' in coalesce(subject, '')) > 0 then 'email' else 'phone' end;
  normalized text;
  subject_hash text;
  lead_ids uuid[];
  session_ids text[];
  loc ops.personal_data_locations;
  assignments text[];
  predicate text;
  changed integer;
  report jsonb := '{}';
begin
  if not (ops.caller_sees_all_companies()
          or (erase_subject.company_id = core.current_company_id() and core.is_company_admin())) then
    raise exception 'only admins of the company (or the service role) erase personal data' using errcode = '42501', hint = 'not_allowed';
  end if;
  normalized := case kind when 'email' then lead.normalize_email(subject) else lead.normalize_phone(subject) end;
  if normalized is null then
    raise exception 'not an e-mail address or a phone number with 7 to 15 digits' using errcode = '22023', hint = 'invalid_subject';
  end if;
  subject_hash := lead.sha256_hex(normalized);

  select coalesce(array_agg(l.id), '{}') into lead_ids
  from lead.leads l
  where l.company_id = erase_subject.company_id
    and (case kind when 'email' then l.email_hash else l.phone_hash end) = subject_hash;
  select coalesce(array_agg(s.id), '{}') into session_ids
  from lead.sessions s where s.company_id = erase_subject.company_id and s.lead_id = any (lead_ids);

  for loc in select p.* from ops.personal_data_locations p order by p.position, p.id loop
    -- an email_hash location has nothing to do for a phone subject, and the other way round
    continue when (loc.match_as in ('email', 'email_hash') and kind <> 'email') or (loc.match_as in ('phone', 'phone_hash') and kind <> 'phone');
    select coalesce(array_agg(format('%I = null', c)), '{}') into assignments from unnest(loc.null_columns) c;
    assignments := assignments || coalesce((select array_agg(format('%I = %L', c, '[erased]')) from unnest(loc.mask_columns) c), '{}');
    assignments := assignments || coalesce((select array_agg(format('%I = %L::jsonb', c, '{}')) from unnest(loc.clear_json_columns) c), '{}');
    assignments := assignments || coalesce((select array_agg(format('%I = %I - %L::text[]', c, c, loc.strip_json_keys)) from unnest(loc.strip_json_columns) c), '{}');
    if loc.stamp_column is not null then
      assignments := assignments || format('%I = now()', loc.stamp_column);
    end if;
    predicate := case loc.match_as
      when 'email' then format('lead.normalize_email(%I) = $2', loc.match_column)
      when 'phone' then format('lead.normalize_phone(%I) = $2', loc.match_column)
      when 'email_hash' then format('%I = $3', loc.match_column)
      when 'phone_hash' then format('%I = $3', loc.match_column)
      when 'lead_id' then format('%I = any ($4)', loc.match_column)
      when 'lead_session' then format('%I = any ($5)', loc.match_column)
    end;
    execute format('update %s set %s where %I = $1 and %s', loc.table_name, array_to_string(assignments, ', '), loc.company_column, predicate)
      using erase_subject.company_id, normalized, subject_hash, lead_ids, session_ids;
    get diagnostics changed = row_count;
    report := report || jsonb_build_object(loc.table_name::text,
                                           coalesce((report ->> loc.table_name::text)::integer, 0) + changed);
  end loop;

  -- Suppression: the e-mail module's list, when it is installed (it keeps the address to honour it).
  if kind = 'email' and pg_catalog.to_regclass('ops.suppression_list') is not null then
    execute 'insert into ops.suppression_list (company_id, email, reason) values ($1, $2, ''erasure'')
             on conflict (company_id, lower(email)) do nothing'
      using erase_subject.company_id, normalized;
  end if;

  insert into ops.erasure_log (company_id, subject_kind, subject_hash, leads, rows_changed, requested_by, requested_role)
  values (erase_subject.company_id, kind, subject_hash, cardinality(lead_ids), report, auth.uid(), coalesce(auth.role(), session_user));
  return jsonb_build_object('leads', cardinality(lead_ids), 'rows', report);
end
$$;
comment on function ops.erase_subject(uuid, text) is
  'LGPD erasure: removes the personal data of the person with this e-mail or phone in this company from every table registered in ops.personal_data_locations, adds them to the suppression list (when the e-mail module is installed), and writes ops.erasure_log (the subject''s hash, never the value). Admins of the company or service_role. Errors: 42501 not_allowed, 22023 invalid_subject.';

-- ---- retention ------------------------------------------------------------------------------------

create function ops.apply_retention(at timestamptz default now())
returns table (company_id uuid, touches_cleared bigint, leads_anonymized bigint)
language plpgsql security definer set search_path = ''
as $$
declare
  company record;
  cut timestamptz;
  anonymized uuid[];
begin
  for company in
    select c.id, coalesce(p.retention_months, 6) as months
    from core.companies c left join ops.privacy_settings p on p.company_id = c.id
    order by c.id
  loop
    cut := at - make_interval(months => company.months);
    company_id := company.id;

    update lead.utm_touches t set client_ip = null, user_agent = null
    where t.company_id = company.id and t.touched_at < cut and (t.client_ip is not null or t.user_agent is not null);
    get diagnostics touches_cleared = row_count;

    with old as (
      update lead.leads l
      set name = null, email = null, phone = null, job_title = null, message = null, anonymized_at = now()
      where l.company_id = company.id and l.created_at < cut and l.anonymized_at is null and l.erased_at is null
        and l.converted_to_opportunity_id is null
        and not exists (select 1 from lead.opportunities o where o.lead_id = l.id)
        and (l.email_hash is not null or l.phone_hash is not null)
      returning l.id
    )
    select coalesce(array_agg(old.id), '{}') into anonymized from old;
    leads_anonymized := cardinality(anonymized);
    -- their trail keeps no clear values either
    update ops.audit_log a
    set before = a.before - array['name', 'email', 'phone', 'job_title', 'message'],
        after = a.after - array['name', 'email', 'phone', 'job_title', 'message']
    where a.company_id = company.id and a.row_id = any (anonymized);
    return next;
  end loop;
end
$$;
comment on function ops.apply_retention(timestamptz) is
  'Monthly privacy job (pg_cron apply-retention): past each company''s retention (ops.privacy_settings, default 6 months) touches lose client IP and user agent, and leads that never became opportunities keep only their hashed e-mail and phone (name, e-mail, phone, job title and message removed, also from their audit trail). Re-runnable; returns what it changed per company.';

revoke execute on function ops.erase_subject(uuid, text), ops.apply_retention(timestamptz) from public, anon;
grant execute on function ops.erase_subject(uuid, text) to authenticated, service_role;
grant execute on function ops.apply_retention(timestamptz) to service_role;
revoke execute on function ops.apply_retention(timestamptz) from authenticated;

select cron.schedule('apply-retention', '23 3 1 * *', 'select * from ops.apply_retention()');
insert into ops.expected_cron_jobs (jobname, does, migration) values
  ('apply-retention', 'IP addresses, user agents and old leads'' personal data are kept past the retention period',
   '20261203000300_create_privacy.sql');
