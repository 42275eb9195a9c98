-- Lead attribution (issue 10 item 6): a lead captured on a landing page reached through a campaign
-- link carries the message's mid (lead.leads.email_mid, written by web tracking's lead-capture).
-- This trigger links it to that message, its contact and its campaign (mtrk.lead_attributions; the
-- campaign's lead count follows by trigger, its won revenue is read from the lead in
-- mtrk.campaign_dashboard).
--
-- The mid in URLs is the message's public id (32 hex digits) followed by its HMAC signature
-- (22 base64url characters, decision 0012). The database does not hold the signing key, so only
-- the public id is used here: it is a random uuid (122 bits), which a visitor cannot guess, and it
-- only ever attributes within the lead's own company.

create function mtrk._attribute_lead() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  msg mtrk.messages;
begin
  if new.email_mid !~ '^[0-9a-f]{32}' then
    return null;
  end if;
  select m.* into msg from mtrk.messages m
  where m.public_id = substr(new.email_mid, 1, 32)::uuid and m.company_id = new.company_id;
  if msg.id is null then
    return null;
  end if;
  insert into mtrk.lead_attributions (lead_id, company_id, campaign_id, message_id, contact_id)
  values (new.id, new.company_id, msg.campaign_id, msg.id, msg.contact_id)
  on conflict (lead_id) do nothing;
  update mtrk.contacts c set lead_id = new.id where c.id = msg.contact_id and c.lead_id is null;
  return null;
end
$$;
comment on function mtrk._attribute_lead() is
  'After insert, or update of email_mid, on lead.leads with an email_mid: attributes the lead to the message whose public id the mid starts with (same company only; first attribution wins) and links the contact to the lead.';

create trigger leads_attribute_email_on_insert after insert on lead.leads
  for each row when (new.email_mid is not null) execute function mtrk._attribute_lead();
create trigger leads_attribute_email_on_update after update of email_mid on lead.leads
  for each row when (new.email_mid is not null and new.email_mid is distinct from old.email_mid)
  execute function mtrk._attribute_lead();

revoke execute on function mtrk._attribute_lead() from public;
