// Rastro's browser snippet (docs/runbook.md "Install the tracking snippet"). Dependency-free; bundled
// and minified by esbuild into one IIFE (packages/tracker/src/build.ts). What it does:
// * a first-party visitor id (cookie _rastro_vid, 2 years) and a session id (cookie _rastro_sid) that
//   ends after 30 minutes without activity;
// * _fbc in Meta's format from an fbclid in the URL (a new fbclid replaces the old one), _fbp when absent;
// * page views (SPA navigations included), page leaves with visible time on page and scroll depth,
//   clicks on [data-rastro-event] elements and outbound links, scroll milestones (25/50/75/100 %);
// * batches of at most 20 events, sent with fetch keepalive (sendBeacon when the page is hidden) as
//   text/plain (no CORS preflight); a failed batch is retried with the same client event ids, so the
//   server writes it once;
// * nothing at all before consent when the site asks for it (data-consent="required" and
//   rastro.consent(true)), nor when the site honours Global Privacy Control (data-gpc="respect");
// * a form helper: <form data-rastro-form="location"> posts to lead-capture with the session context.
//
// <script async src=".../rastro.js" data-site-key="rk_…" data-endpoint="https://<ref>.supabase.co/functions/v1"></script>

type Json = Record<string, unknown>;

const w = window;
const d = document;
const script = d.currentScript as HTMLScriptElement | null;
const attr = (name: string) => script?.getAttribute('data-' + name) ?? null;
const siteKey = attr('site-key');
const endpoint = (attr('endpoint') ?? '').replace(/\/$/, '');
const idleMs = 30 * 60 * 1000;
const batchMax = 20;

let allowed = attr('consent') !== 'required' &&
  !(attr('gpc') === 'respect' && (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl);
let queue: Json[] = [];
let timer = 0;
let viewId = '';
let viewUrl = '';
let visibleSince = 0;
let visibleMs = 0;
let maxScroll = 0;
let milestones: number[] = [];

function id(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => (b & 63).toString(36)).join('').slice(0, 22) + Date.now().toString(36);
}

function cookie(name: string, value?: string, days?: number): string | null {
  if (value !== undefined) {
    d.cookie = `${name}=${value};path=/;max-age=${Math.round((days ?? 0) * 86400)};samesite=lax` +
      (location.protocol === 'https:' ? ';secure' : '');
    return value;
  }
  const match = d.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
  return match ? match[1] : null;
}

function visitor(): string {
  return cookie('_rastro_vid') ?? cookie('_rastro_vid', id(), 730)!;
}

/** The current session id; a new one after 30 minutes of inactivity. Touches the session. */
function session(): string {
  const [sid, last] = (cookie('_rastro_sid') ?? '').split('.');
  const current = sid && Date.now() - Number(last) < idleMs ? sid : id();
  cookie('_rastro_sid', current + '.' + Date.now(), 1);
  return current;
}

function metaCookies(): void {
  // Meta's subdomain index: 1 for example.com (and IP hosts), 2 for www.example.com and deeper
  const host = location.hostname;
  const index = /^[\d.]+$|:/.test(host) ? 1 : Math.min(2, Math.max(1, host.split('.').length - 1));
  const fbclid = /[?&]fbclid=([^&#]*)/.exec(location.search)?.[1];
  const fbc = cookie('_fbc');
  if (fbclid && fbc?.split('.')[3] !== fbclid) cookie('_fbc', `fb.${index}.${Date.now()}.${fbclid}`, 90);
  if (!cookie('_fbp')) cookie('_fbp', `fb.${index}.${Date.now()}.${Math.floor(Math.random() * 1e10)}`, 90);
  const mid = /[?&]mid=([A-Za-z0-9_-]{1,64})(?:&|#|$)/.exec(location.search)?.[1];
  if (mid) cookie('_rastro_mid', mid, 30);
}

function context(): Json {
  const c: Json = { language: navigator.language?.slice(0, 35), screen: `${screen.width}x${screen.height}` };
  const fbc = cookie('_fbc');
  const fbp = cookie('_fbp');
  if (fbc) c.fbc = fbc;
  if (fbp) c.fbp = fbp;
  return c;
}

function send(events: Json[], beacon: boolean, attempt = 0): void {
  const body = JSON.stringify({ site_key: siteKey, visitor_id: visitor(), session_id: session(), context: context(), events });
  const url = endpoint + '/track';
  if (beacon && navigator.sendBeacon?.(url, body)) return;
  fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' }).then((res) => {
    if (res.status >= 500 || res.status === 429) throw 0;
  }).catch(() => {
    // same events, same ids: the server keeps only the first copy it received
    if (attempt < 5) setTimeout(() => send(events, false, attempt + 1), 2000 * 2 ** attempt);
  });
}

function flush(beacon = false): void {
  clearTimeout(timer);
  timer = 0;
  while (queue.length) send(queue.splice(0, batchMax), beacon);
}

function push(type: string, extra: Json = {}): void {
  if (!allowed || !siteKey) return;
  queue.push({ id: id(), type, at: Date.now(), url: location.href.slice(0, 2048), ...extra });
  if (queue.length >= batchMax) flush();
  else if (!timer) timer = setTimeout(flush, 2000) as unknown as number;
}

function leave(): void {
  if (!viewId) return;
  const now = Date.now();
  push('page_leave', {
    url: viewUrl,
    view_id: viewId,
    time_on_page: Math.min(86400, Math.round((visibleMs + (visibleSince ? now - visibleSince : 0)) / 1000)),
    scroll_depth: maxScroll,
  });
}

function pageView(referrer: string): void {
  if (location.href === viewUrl) return;
  if (viewId) leave();
  viewId = id();
  viewUrl = location.href.slice(0, 2048);
  visibleMs = 0;
  visibleSince = d.visibilityState === 'visible' ? Date.now() : 0;
  maxScroll = 0;
  milestones = [];
  push('page_view', { id: viewId, title: d.title.slice(0, 300), referrer: referrer.slice(0, 2048) });
}

function onScroll(): void {
  const el = d.documentElement;
  const depth = Math.min(100, Math.round(((w.scrollY + w.innerHeight) / Math.max(1, el.scrollHeight)) * 100));
  maxScroll = Math.max(maxScroll, depth);
  for (const mark of [25, 50, 75, 100]) {
    if (maxScroll >= mark && !milestones.includes(mark)) {
      milestones.push(mark);
      push('scroll', { action: 'depth', value: mark });
    }
  }
}

function text(el: Element, name: string): string | undefined {
  return el.getAttribute(name)?.slice(0, 200) || undefined;
}

function onClick(event: MouseEvent): void {
  const target = event.target as Element | null;
  const tracked = target?.closest?.('[data-rastro-event]');
  if (tracked) {
    const value = Number(tracked.getAttribute('data-rastro-value'));
    push('click', {
      action: text(tracked, 'data-rastro-event')?.slice(0, 100),
      category: text(tracked, 'data-rastro-category')?.slice(0, 100),
      label: text(tracked, 'data-rastro-label') ?? (tracked.textContent?.trim().slice(0, 200) || undefined),
      value: Number.isFinite(value) && tracked.hasAttribute('data-rastro-value') ? value : undefined,
      element_id: tracked.id.slice(0, 200) || undefined,
      element_class: (typeof tracked.className === 'string' && tracked.className.slice(0, 200)) || undefined,
    });
  }
  const link = target?.closest?.('a[href]') as HTMLAnchorElement | null;
  if (link && link.host && link.host !== location.host && /^https?:/.test(link.protocol)) {
    push('outbound', { label: link.href.slice(0, 200), element_id: link.id.slice(0, 200) || undefined });
  }
}

/** Posts a form to lead-capture with the session context; resolves to the HTTP status. */
async function submitForm(form: HTMLFormElement, location_?: string): Promise<number> {
  const data = new FormData(form);
  const field = (name: string) => {
    const value = data.get(name);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const body: Json = {
    site_key: siteKey,
    email: field('email') ?? '',
    name: field('name'),
    phone: field('phone'),
    company: field('company'),
    message: field('message'),
    website: field('website'),
    form_location: location_ || undefined,
    page_url: location.href.slice(0, 2048),
    consent: form.querySelector<HTMLInputElement>('[name=consent]')?.checked,
    mid: cookie('_rastro_mid') ?? undefined,
  };
  if (allowed) {
    body.session_id = session();
    body.visitor_id = visitor();
    push('form_submit', { action: location_ || 'form', element_id: form.id || undefined });
    flush();
  }
  const res = await fetch(endpoint + '/lead-capture', { method: 'POST', body: JSON.stringify(body), credentials: 'omit' });
  return res.status;
}

function onSubmit(event: SubmitEvent): void {
  const form = (event.target as Element | null)?.closest?.('form[data-rastro-form]') as HTMLFormElement | null;
  if (!form) return;
  event.preventDefault();
  form.setAttribute('data-state', 'sending');
  submitForm(form, form.getAttribute('data-rastro-form') ?? undefined).then(
    (status) => form.setAttribute('data-state', status === 202 ? 'sent' : 'error'),
    () => form.setAttribute('data-state', 'error'),
  );
}

function start(): void {
  metaCookies();
  pageView(d.referrer);
}

for (const method of ['pushState', 'replaceState'] as const) {
  const original = history[method];
  history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
    const before = location.href;
    original.apply(this, args);
    if (allowed) pageView(before);
  };
}
w.addEventListener('popstate', () => allowed && pageView(viewUrl));
w.addEventListener('scroll', () => allowed && onScroll(), { passive: true });
d.addEventListener('click', (e) => allowed && onClick(e), true);
d.addEventListener('submit', onSubmit, true);
d.addEventListener('visibilitychange', () => {
  if (d.visibilityState === 'hidden') {
    if (visibleSince) visibleMs += Date.now() - visibleSince;
    visibleSince = 0;
    leave();
    flush(true);
  } else visibleSince = Date.now();
});
w.addEventListener('pagehide', () => flush(true));

(w as unknown as { rastro: Json }).rastro = {
  /** Grants (or withdraws) consent: tracking starts at once, or stops and forgets the queue. */
  consent(granted: boolean) {
    const was = allowed;
    allowed = granted;
    if (!granted) queue = [];
    else if (!was) start();
  },
  /** A custom event: rastro.track('video_play', { label: 'demo' }). */
  track(action: string, props: Json = {}) {
    push('custom', { action: String(action).slice(0, 100), ...props });
  },
  submitForm,
  flush,
};

if (allowed) start();
