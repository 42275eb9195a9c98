// Contact hashing for ad platforms (Meta CAPI normalisation, docs: design PLATFORMS.md): the one
// module edge functions, the console and tests use. The database implements the same rules in
// lead.normalize_email / normalize_phone / sha256_hex / hash_email / hash_phone
// (supabase/migrations/20261122001200_create_contact_hashing.sql); test-vectors/hashing.json is
// checked against both. Web Crypto only, so it runs unchanged in Node 22, Deno and browsers.

// What String.prototype.trim removes, spelt out so the SQL side can list exactly the same characters.
const whiteSpace = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const edgeWhiteSpace = new RegExp(`^[${whiteSpace}]+|[${whiteSpace}]+$`, 'g');
const emailShape = new RegExp(`^[^@${whiteSpace}]+@[^@${whiteSpace}]+\\.[^@${whiteSpace}]+$`);
const sha256HexShape = /^[0-9a-f]{64}$/i;

export function trimWhiteSpace(value: string): string {
  return value.replace(edgeWhiteSpace, '');
}

/** The value trimmed and lower-cased when it already is a SHA-256 in hex (never hash twice), else null. */
export function asSha256Hex(value: string | null | undefined): string | null {
  if (value == null) return null;
  const trimmed = trimWhiteSpace(value);
  return sha256HexShape.test(trimmed) ? trimmed.toLowerCase() : null;
}

/** Trimmed, NFC, lower-cased e-mail; null when empty or not shaped local@domain.tld. */
export function normalizeEmail(value: string | null | undefined): string | null {
  if (value == null) return null;
  const email = trimWhiteSpace(value).normalize('NFC').toLowerCase();
  return emailShape.test(email) ? email : null;
}

/** ASCII digits only, up to two leading zeros removed (prefix 00), country code kept; null unless 7–15 digits. */
export function normalizePhone(value: string | null | undefined): string | null {
  if (value == null) return null;
  const digits = value.replace(/[^0-9]/g, '').replace(/^0{1,2}/, '');
  return digits.length >= 7 && digits.length <= 15 ? digits : null;
}

/** SHA-256 of the UTF-8 bytes of value, as 64 lowercase hex digits. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Meta `em`: SHA-256 of the normalised e-mail; an already hashed value passes through; null if invalid. */
export async function hashEmail(value: string | null | undefined): Promise<string | null> {
  const hashed = asSha256Hex(value);
  if (hashed) return hashed;
  const email = normalizeEmail(value);
  return email === null ? null : sha256Hex(email);
}

/** Meta `ph`: SHA-256 of the normalised phone; an already hashed value passes through; null if invalid. */
export async function hashPhone(value: string | null | undefined): Promise<string | null> {
  const hashed = asSha256Hex(value);
  if (hashed) return hashed;
  const phone = normalizePhone(value);
  return phone === null ? null : sha256Hex(phone);
}
