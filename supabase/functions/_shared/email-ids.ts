// Signed public ids of e-mail tracking URLs with the functions' key (RASTRO_ENCRYPTION_KEY, derived
// once per isolate); the scheme itself is @rastro/contracts/email-ids.ts (decision 0012). A token that
// does not verify is rejected before anything asks the database.
import { deriveTrackingKey, signEmailId, type TokenKind, verifyEmailId } from '@rastro/contracts/email-ids.ts';

export type { TokenKind };

let cached: { source: string; key: Promise<CryptoKey> } | null = null;

/** The key from RASTRO_ENCRYPTION_KEY, derived once per isolate. */
export function trackingKeyFromEnv(): Promise<CryptoKey> {
  const source = Deno.env.get('RASTRO_ENCRYPTION_KEY');
  if (!source) throw new Error('RASTRO_ENCRYPTION_KEY is not set');
  if (cached?.source !== source) cached = { source, key: deriveTrackingKey(source) };
  return cached.key;
}

export async function signId(kind: TokenKind, publicId: string, key?: CryptoKey): Promise<string> {
  return await signEmailId(key ?? await trackingKeyFromEnv(), kind, publicId);
}

export async function verifyId(kind: TokenKind, token: string, key?: CryptoKey): Promise<string | null> {
  return await verifyEmailId(key ?? await trackingKeyFromEnv(), kind, token);
}
