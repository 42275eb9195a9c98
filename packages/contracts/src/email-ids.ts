// Signed public ids of e-mail tracking URLs (decision 0012), in Web Crypto only so the edge functions,
// the console and the bench share one implementation. A token is the record's public id as 32
// lowercase hex digits followed by the first 16 bytes of HMAC-SHA256(key, "<kind>:<hex>") in base64url
// (22 characters): 54 characters of [0-9a-zA-Z_-], which also fits lead.leads.email_mid. The kind
// binds a token to what it names, so a link token is never accepted as a message token.
//
// The key is derived with HKDF-SHA256 from RASTRO_ENCRYPTION_KEY (info "rastro email tracking ids v1"),
// so no new secret is needed; rotating the encryption key invalidates links already sent.

export type TokenKind = 'message' | 'link' | 'contact';

export const emailTokenPattern = /^([0-9a-f]{32})([A-Za-z0-9_-]{22})$/;
const encoder = new TextEncoder();

/** The HMAC key derived from a base64 encryption key. */
export async function deriveTrackingKey(base64EncryptionKey: string): Promise<CryptoKey> {
  const raw = Uint8Array.from(atob(base64EncryptionKey.trim()), (char) => char.charCodeAt(0));
  const master = await crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveKey']);
  return await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode('rastro email tracking ids v1') },
    master,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

async function mac(key: CryptoKey, kind: TokenKind, hex: string): Promise<string> {
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${kind}:${hex}`)));
  return toBase64Url(signature.slice(0, 16));
}

/** The signed token of a public id (a uuid in any case, with or without dashes). */
export async function signEmailId(key: CryptoKey, kind: TokenKind, publicId: string): Promise<string> {
  const hex = publicId.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a uuid: ${publicId}`);
  return hex + await mac(key, kind, hex);
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The public id (dashed uuid) a token names, or null when it is malformed or its signature is wrong. */
export async function verifyEmailId(key: CryptoKey, kind: TokenKind, token: string): Promise<string | null> {
  const match = emailTokenPattern.exec(token);
  if (!match) return null;
  const [, hex, signature] = match;
  if (!constantTimeEqual(await mac(key, kind, hex), signature)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
