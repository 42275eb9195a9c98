-- What whatsapp-webhook does with a verified delivery, in one call (decision 0013): seed 002's
-- last-touch with expiry, per message, in the order Meta stamped them.
--
--   unknown or inactive phone_number_id        → ignored (counted), Meta gets 200 and does not retry
--   wamid already stored                       → nothing (Meta redelivered)
--   the contact's open ticket is idle for more than ticket_expiration_days → closed as expired
--   no open ticket                             → the lead (origin whatsapp, found by phone in both Brazilian
--                                                forms) + a new ticket + its tracking
--   open ticket, message with a referral       → tracking updated to this touch (last touch); when the ad
--                                                changed, an attribution_history row
--   the ad is new or changed                   → { company_id, ticket_tracking_id, meta_ad_id } on meta_enrichment
-- ctwa_clid is only ever referral.ctwa_clid: a referral without one leaves ctwa_clid null, never source_id.

-- Both forms of a Brazilian mobile number (the ninth digit came in 2012-2016; WhatsApp ids and CRMs
-- still hold either): 55 + DDD + 8 digits ↔ 55 + DDD + 9 + 8 digits. Other numbers: themselves.
create function lead.phone_variants(digits text) returns text[]
language sql immutable parallel safe set search_path = ''
as $$
  select case
    when digits ~ '^55[1-9][0-9][6-9][0-9]{7}$' then array[digits, substr(digits, 1, 4) || '9' || substr(digits, 5)]
    when digits ~ '^55[1-9][0-9]9[6-9][0-9]{7}$' then array[digits, substr(digits, 1, 4) || substr(digits, 6)]
    else array[digits]
  end
$$;
comment on function lead.phone_variants(text) is
  'A phone number''s digits and, for a Brazilian mobile, its form with or without the ninth digit (PLATFORMS.md "Phone numbers (Brazil)").';

create function lead.ingest_whatsapp_messages(messages jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  m record;
  num record;
  expiry_days integer;
  ticket lead.tickets;
  tracking lead.ticket_tracking;
  contact_lead uuid;
  message_at timestamptz;
  referral jsonb;
  new_ad text;
  new_clid text;
  enrichment jsonb[] := '{}';
  received integer := 0;
  stored integer := 0;
  duplicates integer := 0;
  unknown_number integer := 0;
  opened integer := 0;
  expired integer := 0;
  changes integer := 0;
begin
  if jsonb_typeof(messages) is distinct from 'array' then
    raise exception 'messages must be a JSON array' using errcode = 'PT422', hint = 'invalid_messages';
  end if;

  for m in
    select x.phone_number_id, x.wamid, x."from" as from_wa_id, x.sent_at, x.type, nullif(btrim(x.contact_name), '') as contact_name,
           case when jsonb_typeof(x.referral) = 'object' then x.referral end as referral
    from jsonb_to_recordset(messages) as x (phone_number_id text, wamid text, "from" text, sent_at bigint, type text,
                                            contact_name text, referral jsonb)
    order by x.sent_at, x.wamid
  loop
    received := received + 1;
    select n.id, n.company_id into num
    from core_marketing.whatsapp_numbers n
    where n.phone_number_id = m.phone_number_id and n.is_active;
    if num.id is null then
      unknown_number := unknown_number + 1;
      continue;
    end if;

    -- One contact's messages are handled one at a time (Meta may deliver them concurrently).
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('whatsapp:' || num.id::text || ':' || m.from_wa_id, 0));
    if exists (select 1 from lead.whatsapp_messages w where w.wamid = m.wamid) then
      duplicates := duplicates + 1;
      continue;
    end if;

    message_at := pg_catalog.to_timestamp(m.sent_at);
    referral := m.referral;
    -- An ad id is referral.source_id of an ad (a post's id is not an ad); digits only.
    new_ad := case when referral is not null and coalesce(referral ->> 'source_type', 'ad') = 'ad'
                        and referral ->> 'source_id' ~ '^[0-9]{1,30}$' then referral ->> 'source_id' end;
    new_clid := nullif(referral ->> 'ctwa_clid', '');
    select coalesce((select s.ticket_expiration_days from core_marketing.whatsapp_settings s where s.company_id = num.company_id), 7)
      into expiry_days;

    select t.* into ticket
    from lead.tickets t
    where t.whatsapp_number_id = num.id and t.contact_wa_id = m.from_wa_id and t.status = 'open'
    for update;
    if ticket.id is not null and ticket.last_message_at < message_at - make_interval(days => expiry_days) then
      update lead.tickets t set status = 'expired' where t.id = ticket.id;
      expired := expired + 1;
      ticket := null;
    end if;

    if ticket.id is null then
      select l.id into contact_lead
      from lead.leads l
      where l.company_id = num.company_id and l.origin = 'whatsapp'
        and l.phone_hash = any (select lead.hash_phone(v) from unnest(lead.phone_variants(m.from_wa_id)) v)
      order by l.created_at, l.id
      limit 1;
      if contact_lead is null then
        insert into lead.leads (company_id, name, phone, origin)
        values (num.company_id, m.contact_name, '+' || m.from_wa_id, 'whatsapp')
        returning id into contact_lead;
      end if;
      insert into lead.tickets (company_id, lead_id, whatsapp_number_id, contact_wa_id, contact_name, opened_at, last_message_at)
      values (num.company_id, contact_lead, num.id, m.from_wa_id, m.contact_name, message_at, message_at)
      returning * into ticket;
      insert into lead.ticket_tracking (company_id, ticket_id, lead_id, ctwa_clid, meta_ad_id, meta_placement, meta_source_type,
                                        source_url, headline, referral_at, meta_enrichment_status)
      values (num.company_id, ticket.id, contact_lead, new_clid, new_ad, referral ->> 'media_type',
              coalesce(referral ->> 'source_type', 'organic'), referral ->> 'source_url', referral ->> 'headline',
              case when referral is not null then message_at end, case when new_ad is not null then 'PENDING' end)
      returning * into tracking;
      opened := opened + 1;
      if new_ad is not null then
        enrichment := enrichment || jsonb_build_object('company_id', num.company_id, 'ticket_tracking_id', tracking.id, 'meta_ad_id', new_ad);
      end if;
    else
      update lead.tickets t
      set last_message_at = greatest(t.last_message_at, message_at), contact_name = coalesce(m.contact_name, t.contact_name)
      where t.id = ticket.id;
      select k.* into tracking from lead.ticket_tracking k where k.ticket_id = ticket.id for update;
      -- Last touch: a referral replaces the tracking's touch, unless it is older than the one it holds.
      if referral is not null and (tracking.referral_at is null or tracking.referral_at <= message_at) then
        if new_ad is distinct from tracking.meta_ad_id then
          insert into lead.attribution_history (company_id, ticket_id, old_ad_id, new_ad_id, old_ctwa_clid, new_ctwa_clid, wamid, changed_at)
          values (num.company_id, ticket.id, tracking.meta_ad_id, new_ad, tracking.ctwa_clid, new_clid, m.wamid, message_at);
          changes := changes + 1;
          update lead.ticket_tracking k
          set ctwa_clid = new_clid, meta_ad_id = new_ad, meta_placement = referral ->> 'media_type',
              meta_source_type = coalesce(referral ->> 'source_type', 'organic'), source_url = referral ->> 'source_url',
              headline = referral ->> 'headline', referral_at = message_at,
              meta_adset_id = null, meta_campaign_id = null, meta_account_id = null, meta_ad_name = null, meta_adset_name = null,
              meta_campaign_name = null, meta_enrichment_error = null, meta_ad_id_at_enrichment = null,
              meta_enrichment_status = case when new_ad is not null then 'PENDING' end
          where k.id = tracking.id;
          if new_ad is not null then
            enrichment := enrichment || jsonb_build_object('company_id', num.company_id, 'ticket_tracking_id', tracking.id, 'meta_ad_id', new_ad);
          end if;
        else
          -- The same ad clicked again: a fresh click id and time, the names stand.
          update lead.ticket_tracking k
          set ctwa_clid = new_clid, meta_placement = referral ->> 'media_type', source_url = referral ->> 'source_url',
              headline = referral ->> 'headline', referral_at = message_at
          where k.id = tracking.id;
        end if;
      end if;
    end if;

    insert into lead.whatsapp_messages (company_id, whatsapp_number_id, ticket_id, lead_id, wamid, from_wa_id, message_type, sent_at, referral)
    values (num.company_id, num.id, ticket.id, ticket.lead_id, m.wamid, m.from_wa_id, m.type, message_at, referral);
    stored := stored + 1;
  end loop;

  if cardinality(enrichment) > 0 then
    perform pgmq.send_batch('meta_enrichment', enrichment);
  end if;
  return jsonb_build_object('received', received, 'stored', stored, 'duplicates', duplicates, 'unknown_number', unknown_number,
                            'tickets_opened', opened, 'tickets_expired', expired, 'attribution_changes', changes,
                            'enrichments_queued', cardinality(enrichment));
end
$$;
comment on function lead.ingest_whatsapp_messages(jsonb) is
  'whatsapp-webhook only (after the signature check): stores a delivery''s inbound messages (WhatsappIngestMessage[]) once per wamid and applies seed 002''s last-touch with expiry and history; queues enrichment for new or changed ads. Returns WhatsappIngestResult counts.';

revoke execute on function lead.ingest_whatsapp_messages(jsonb) from public, anon, authenticated;
grant execute on function lead.ingest_whatsapp_messages(jsonb) to service_role;
grant execute on function lead.phone_variants(text) to authenticated, service_role;
