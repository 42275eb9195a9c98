// The OAuth `state` of meta-oauth: a signed, expiring token bound to the company and the person who
// started the connection, so a dialog answer cannot be replayed into another company or by someone else.
// Format `<base64url JSON payload>.<base64url HMAC-SHA256>`; the key is derived from
// RASTRO_ENCRYPTION_KEY for this one purpose.

export type OAuthState = { companyId: string; userId: string; returnTo: string; expiresAt: number; nonce: string };

export const stateLifetimeSeconds = 600;

let cached: { source: string; key: Promise<CryptoKey> } | null = null;

function stateKey(): Promise<CryptoKey> {
  const source = Deno.env.get('RASTRO_ENCRYPTION_KEY');
  if (!source) throw new Error('RASTRO_ENCRYPTION_KEY is not set');
  if (cached?.source !== source) {
    cached = {
      source,
      key: crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${source}:meta-oauth-state`)).then((raw) =>
        crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
      ),
    };
  }
  return cached.key;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

export async function signState(state: Omit<OAuthState, 'nonce' | 'expiresAt'>, now = Date.now()): Promise<string> {
  const payload: OAuthState = {
    ...state,
    expiresAt: Math.floor(now / 1000) + stateLifetimeSeconds,
    nonce: toBase64Url(crypto.getRandomValues(new Uint8Array(12))),
  };
  const body = toBase64Url(new TextEncoder().encode(JSON.stringify(payload)));
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await stateKey(), new TextEncoder().encode(body)));
  return `${body}.${toBase64Url(signature)}`;
}

/** The state's payload when the signature holds and it has not expired; otherwise why not. */
export async function verifyState(
  text: string,
  now = Date.now(),
): Promise<{ ok: true; state: OAuthState } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' }> {
  const [body, signature, extra] = text.split('.');
  const signatureBytes = signature === undefined ? null : fromBase64Url(signature);
  if (!body || !signatureBytes || extra !== undefined) return { ok: false, reason: 'malformed' };
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify('HMAC', await stateKey(), signatureBytes, new TextEncoder().encode(body));
  if (!valid) return { ok: false, reason: 'bad_signature' };
  const bytes = fromBase64Url(body);
  let state: OAuthState;
  try {
    state = JSON.parse(new TextDecoder().decode(bytes!)) as OAuthState;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof state.expiresAt !== 'number' || state.expiresAt * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, state };
}
