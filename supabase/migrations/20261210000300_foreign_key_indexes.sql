-- Exact indexes for the foreign keys that bulk deletes walk row by row.
--
-- Deleting a parent runs, for every deleted row, the foreign key's own query on each child table:
-- "delete from child where company_id = $1 and lead_id = $2" (or set null, or a check). It is planned
-- once, generically, and kept for the whole statement. Most children had an index on company_id (with
-- other columns) and another on the key column, and with statistics from before a bulk load the plan
-- could pick the company's index and filter the rest: deleting a company right after a 300,000-contact
-- Dinamize pull read the company's 300,000 lead_sync entries once per lead (found in the test run, a
-- backend at 100 % CPU for 12 minutes in RI_FKey_cascade_del). An index on exactly the key's columns
-- is the cheapest plan under any statistics (shown with plan_cache_mode = force_generic_plan on an
-- empty, never analysed copy of lead.lead_sync: company index before, the exact index after).
--
-- Covered: the children of the tables a company holds many rows of and deletes in bulk (leads,
-- contacts, messages, links, tickets, conversions). Children of small parents (integrations, domains,
-- pixels, campaigns, audiences, imports) run the query once per parent row and are left as they are.
-- mtrk.events' (company_id, message_id, occurred_at) is made in 20261210000100.

create index idx_lead_sync_company_id_lead_id on lead.lead_sync (company_id, lead_id);
create index idx_opportunities_company_id_lead_id on lead.opportunities (company_id, lead_id);
create index idx_tickets_company_id_lead_id on lead.tickets (company_id, lead_id);
create index idx_contacts_company_id_lead_id on mtrk.contacts (company_id, lead_id) where lead_id is not null;
create index idx_lead_attributions_company_id_lead_id on mtrk.lead_attributions (company_id, lead_id);

create index idx_audience_contacts_company_id_contact_id on mtrk.audience_contacts (company_id, contact_id);
create index idx_messages_company_id_contact_id on mtrk.messages (company_id, contact_id);
create index idx_unsubscribes_company_id_contact_id on mtrk.unsubscribes (company_id, contact_id);
create index idx_events_company_id_contact_id on mtrk.events (company_id, contact_id);

create index idx_links_company_id_message_id on mtrk.links (company_id, message_id);
create index idx_unsubscribes_company_id_message_id on mtrk.unsubscribes (company_id, message_id) where message_id is not null;
create index idx_lead_attributions_company_id_message_id on mtrk.lead_attributions (company_id, message_id);
create index idx_simulated_events_company_id_message_id on mtrk.simulated_events (company_id, message_id);

-- A link's events (a click names its link): the foreign key had no index at all, so deleting a
-- campaign scanned every partition of mtrk.events once per link.
create index idx_events_link_id on mtrk.events (link_id) where link_id is not null;

create index idx_conversion_deliveries_company_id_conversion_id on core_marketing.conversion_deliveries (company_id, conversion_id);

create index idx_ticket_tracking_company_id_ticket_id on lead.ticket_tracking (company_id, ticket_id);
create index idx_attribution_history_company_id_ticket_id on lead.attribution_history (company_id, ticket_id);
create index idx_whatsapp_messages_company_id_ticket_id on lead.whatsapp_messages (company_id, ticket_id);
