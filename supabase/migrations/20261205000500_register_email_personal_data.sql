-- Personal data of the e-mail module for ops.erase_subject (web tracking's registry, decision 0010):
-- an erased contact keeps its row (messages, events and aggregates still add up) but loses its address
-- and name, is stamped erased_at and becomes suppressed, so no later generation picks it up; the
-- address itself stays only on ops.suppression_list (reason erasure), which erase_subject writes so the
-- person is never e-mailed again. Events keep no address; their user agents are dropped with the
-- contact's messages only when the company is deleted.

alter table mtrk.contacts
  add column erased_at timestamptz,
  alter column email drop not null,
  add constraint email_is_kept_until_erased check (email is not null or erased_at is not null);
comment on column mtrk.contacts.erased_at is 'When ops.erase_subject removed this contact''s address and name (the row stays for the aggregates).';

create or replace function mtrk._prepare_contact() returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.email := btrim(new.email);
  new.name := nullif(btrim(new.name), '');
  if new.erased_at is not null then
    new.status := 'suppressed';
  end if;
  return new;
end
$$;
comment on function mtrk._prepare_contact() is 'Before insert/update on mtrk.contacts: trims e-mail and name; an erased contact is suppressed.';

drop trigger contacts_prepare on mtrk.contacts;
create trigger contacts_prepare before insert or update of email, name, erased_at on mtrk.contacts
  for each row execute function mtrk._prepare_contact();

insert into ops.personal_data_locations (table_name, match_column, match_as, null_columns, stamp_column, position, registered_by)
values ('mtrk.contacts', 'email', 'email', array['email', 'name'], 'erased_at', 40, '20261205000500_register_email_personal_data.sql');
