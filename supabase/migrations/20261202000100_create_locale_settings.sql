-- Language, time zone and currency: each company's defaults (time zone for every per-day grouping,
-- currency for amounts that carry none, the console language when a person's browser asks for
-- neither pt-BR nor en) and each person's chosen console language, kept across sign-outs.
-- core.company_day(ts, company_id) is the one way later modules turn a timestamp into a company day.

-- ---- helper functions used by constraints -------------------------------------------------------

create function core._is_time_zone(name text) returns boolean
language plpgsql immutable set search_path = ''
as $$
begin
  perform now() at time zone name;
  return true;
exception when invalid_parameter_value then
  return false;
end
$$;
comment on function core._is_time_zone(text) is
  'True when Postgres knows the IANA time zone name (e.g. America/Sao_Paulo). Immutable so a check constraint can use it; the zone database only grows.';

-- ---- tables ---------------------------------------------------------------------------------------

alter table core.companies
  add column time_zone text not null default 'America/Sao_Paulo',
  add column default_currency text not null default 'BRL',
  add column default_locale text not null default 'pt-BR',
  add constraint time_zone_is_known check (core._is_time_zone(time_zone)),
  add constraint default_currency_is_iso_4217 check (default_currency ~ '^[A-Z]{3}$'),
  add constraint default_locale_is_supported check (default_locale in ('pt-BR', 'en'));
comment on column core.companies.time_zone is
  'IANA zone the company thinks in: the console shows times in it and core.company_day() groups by its days.';
comment on column core.companies.default_currency is
  'ISO 4217 code for amounts entered without a currency. Stored amounts keep their own currency.';
comment on column core.companies.default_locale is
  'Console language when the member chose none and the browser asks for neither pt-BR nor en.';

create table core.user_profiles (
  user_id uuid primary key references auth.users (id) on delete cascade,
  locale text,
  updated_at timestamptz not null default now(),
  constraint locale_is_supported check (locale is null or locale in ('pt-BR', 'en'))
);
comment on table core.user_profiles is
  'A person''s own console settings, across companies (so keyed by user, not company): only that person reads or writes the row.';
comment on column core.user_profiles.locale is
  'Console language the person chose in the header switcher; null follows the browser, then the company default.';

-- ---- triggers -------------------------------------------------------------------------------------

create trigger user_profiles_touch_updated_at before update on core.user_profiles
  for each row execute function core._touch_updated_at();

-- ---- helper functions -----------------------------------------------------------------------------

create function core.company_day(ts timestamptz, company_id uuid) returns date
language sql stable set search_path = ''
as $$
  select (ts at time zone c.time_zone)::date from core.companies c where c.id = company_day.company_id
$$;
comment on function core.company_day(timestamptz, uuid) is
  'The calendar day ts falls on in the company''s time zone: group every per-day figure by it, never by ts::date (UTC). '
  'A plain SQL function so the planner can inline it; for large aggregates join core.companies once and use (ts at time zone c.time_zone)::date. '
  'Null for a company the caller cannot see.';

-- ---- policies -------------------------------------------------------------------------------------

alter table core.user_profiles enable row level security;

create policy "people read their own profile" on core.user_profiles
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy "people create their own profile" on core.user_profiles
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "people change their own profile" on core.user_profiles
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

-- ---- RPCs -----------------------------------------------------------------------------------------

create function core.set_my_locale(locale text) returns void
language plpgsql security invoker set search_path = ''
as $$
begin
  if auth.uid() is null then
    raise exception 'sign in first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  if locale is not null and locale not in ('pt-BR', 'en') then
    raise exception 'unsupported locale %', locale using errcode = '22023', hint = 'unsupported_locale';
  end if;
  insert into core.user_profiles as p (user_id, locale) values (auth.uid(), set_my_locale.locale)
  on conflict (user_id) do update set locale = excluded.locale;
end
$$;
comment on function core.set_my_locale(text) is
  'Keeps the caller''s console language (pt-BR, en, or null to follow the browser). 400 unsupported_locale otherwise.';

create function core.my_console_settings()
returns table (locale text, company_default_locale text, time_zone text, currency text)
language sql stable security invoker set search_path = ''
as $$
  select p.locale, c.default_locale, c.time_zone, c.default_currency
  from (select 1) as one
  left join core.user_profiles p on p.user_id = auth.uid()
  left join core.companies c on c.id = core.current_company_id()
$$;
comment on function core.my_console_settings() is
  'One row for the console''s every request: the caller''s chosen language and the current company''s default language, time zone and currency (nulls when signed out or without a company).';

-- ---- grants ---------------------------------------------------------------------------------------

revoke execute on function core._is_time_zone(text), core.company_day(timestamptz, uuid), core.set_my_locale(text),
  core.my_console_settings() from public;
grant execute on function core._is_time_zone(text) to authenticated, service_role;
grant execute on function core.company_day(timestamptz, uuid) to authenticated, service_role;
grant execute on function core.set_my_locale(text), core.my_console_settings() to authenticated;

grant update (name, time_zone, default_currency, default_locale) on core.companies to authenticated;
grant select, insert, update (locale) on core.user_profiles to authenticated;
grant all on core.user_profiles to service_role;
