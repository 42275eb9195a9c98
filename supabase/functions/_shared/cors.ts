// CORS for functions a browser calls. Origins are allow-listed by the caller (never `*` on writes).
export function corsHeaders(origin: string | null, allowedOrigins: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    vary: 'Origin',
  };
  if (origin !== null && allowedOrigins.includes(origin)) headers['access-control-allow-origin'] = origin;
  return headers;
}

/** Answers a preflight, or returns null when the request is not one. */
export function preflight(req: Request, allowedOrigins: readonly string[]): Response | null {
  if (req.method !== 'OPTIONS') return null;
  const origin = req.headers.get('origin');
  const allowed = origin !== null && allowedOrigins.includes(origin);
  return new Response(null, { status: allowed ? 204 : 403, headers: corsHeaders(origin, allowedOrigins) });
}
