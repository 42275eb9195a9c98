// Signed public ids of e-mail tracking URLs (decision 0012), shared by the edge functions and the bench
// through node:crypto, which Deno (and Supabase's edge runtime) and Node both provide. Its HMAC is
// synchronous: Web Crypto's sign() hands every call to a thread pool and back, which cost the click
// redirect about 2 ms of its wall time under load for three 16-byte MACs (decision 0012, measured).
// A token is the record's public id as 32 lowercase hex digits followed by the first 16 bytes of HMAC-SHA256(key, "<kind>:<hex>") in base64url
// (22 characters): 54 characters of [0-9a-zA-Z_-], which also fits lead.leads.email_mid. The kind
// binds a token to what it names, so a link token is never accepted as a message token.
//
// The key is derived with HKDF-SHA256 from RASTRO_ENCRYPTION_KEY (info "rastro email tracking ids v1"),
// so no new secret is needed; rotating the encryption key invalidates links already sent.

import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

export type TokenKind = 'message' | 'link' | 'contact';
/** The derived HMAC key (a secret KeyObject: never printed, never serialised). */
export type TrackingKey = KeyObject;

export const emailTokenPattern = /^([0-9a-f]{32})([A-Za-z0-9_-]{22})$/;
const encoder = new TextEncoder();

/** The HMAC key derived from a base64 encryption key (HKDF-SHA256, empty salt, 32 bytes). */
export function deriveTrackingKey(base64EncryptionKey: string): TrackingKey {
  const raw = Uint8Array.from(atob(base64EncryptionKey.trim()), (char) => char.charCodeAt(0));
  const bits = hkdfSync('sha256', raw, new Uint8Array(0), encoder.encode('rastro email tracking ids v1'), 32);
  return createSecretKey(new Uint8Array(bits));
}

function mac(key: TrackingKey, kind: TokenKind, hex: string): string {
  return createHmac('sha256', key).update(`${kind}:${hex}`).digest().subarray(0, 16).toString('base64url');
}

/** The signed token of a public id (a uuid in any case, with or without dashes). */
export function signEmailId(key: TrackingKey, kind: TokenKind, publicId: string): string {
  const hex = publicId.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a uuid: ${publicId}`);
  return hex + mac(key, kind, hex);
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The public id (dashed uuid) a token names, or null when it is malformed or its signature is wrong. */
export function verifyEmailId(key: TrackingKey, kind: TokenKind, token: string): string | null {
  const match = emailTokenPattern.exec(token);
  if (!match) return null;
  const [, hex, signature] = match;
  if (!constantTimeEqual(mac(key, kind, hex), signature)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
