// Test helpers for track and lead-capture (imported by tests only): a throw-away site of the demo
// company, requests as a browser on that site would send them, and a count of everything they write.
import { adminDb, stackEnv } from '../_shared/testing/stack.ts';

export const browserUserAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

export type TestSite = { companyId: string; domainId: string; siteKey: string; origin: string; tag: string };

/** A new site (and its root landing page) of the demo company, allowed from https://<name>-<tag>.test; session ids must carry the tag (sessions are unique per company). */
export async function createTestSite(name: string): Promise<TestSite> {
  const db = await adminDb();
  const tag = crypto.randomUUID().slice(0, 8);
  const origin = `https://${name}-${tag}.test`;
  const { rows: [site] } = await db.query(
    `with company as (select id from core.companies where slug = 'demo-rastro'),
     site as (
       insert into lead.domains (company_id, domain_name, domain_url, allowed_origins)
       select id, $1, $1, array[$1] from company returning id, company_id, site_key
     ),
     page as (insert into lead.landing_pages (company_id, domain_id, page_url, page_name) select company_id, id, $1 || '/', 'Home' from site)
     select id, company_id, site_key from site`,
    [origin],
  );
  return { companyId: site.company_id, domainId: site.id, siteKey: site.site_key, origin, tag };
}

function post(path: string, site: TestSite, body: unknown, headers: Record<string, string>): Promise<Response> {
  const merged: Record<string, string> = {
    origin: site.origin,
    'user-agent': browserUserAgent,
    'content-type': 'text/plain',
    ...headers,
  };
  for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
  return fetch(`${stackEnv.apiUrl}/functions/v1/${path}`, {
    method: 'POST',
    headers: merged,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const tracking = (site: TestSite, body: unknown, headers: Record<string, string> = {}) =>
  post('track', site, body, headers);
export const capturing = (site: TestSite, body: unknown, headers: Record<string, string> = {}) =>
  post('lead-capture', site, body, headers);

/** How many rows every table track and lead-capture write holds (rate-limit counters aside). */
export async function trackingFootprint(): Promise<Record<string, number>> {
  const db = await adminDb();
  const { rows: [counts] } = await db.query(`select
    (select count(*) from lead.sessions)::int as sessions,
    (select count(*) from lead.visitor_journeys)::int as journeys,
    (select count(*) from lead.utm_touches)::int as touches,
    (select count(*) from lead.page_views)::int as page_views,
    (select count(*) from lead.web_events)::int as web_events,
    (select count(*) from lead.tracking_settings)::int as settings,
    (select count(*) from lead.leads)::int as leads,
    (select coalesce(max(updated_at), 'epoch') from lead.leads)::text as leads_changed`);
  return counts;
}
