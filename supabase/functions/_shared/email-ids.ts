// Signed public ids of e-mail tracking URLs with the functions' key (RASTRO_ENCRYPTION_KEY, derived
// once per isolate); the scheme itself is @rastro/contracts/email-ids.ts (decision 0012). A token that
// does not verify is rejected before anything asks the database.
import {
  deriveTrackingKey,
  signEmailId,
  type TokenKind,
  type TrackingKey,
  verifyEmailId,
} from '@rastro/contracts/email-ids.ts';

export type { TokenKind, TrackingKey };

let cached: { source: string; key: TrackingKey } | null = null;

/** The key from RASTRO_ENCRYPTION_KEY, derived once per isolate. */
export function trackingKeyFromEnv(): TrackingKey {
  const source = Deno.env.get('RASTRO_ENCRYPTION_KEY');
  if (!source) throw new Error('RASTRO_ENCRYPTION_KEY is not set');
  if (cached?.source !== source) cached = { source, key: deriveTrackingKey(source) };
  return cached.key;
}

export function signId(kind: TokenKind, publicId: string, key?: TrackingKey): string {
  return signEmailId(key ?? trackingKeyFromEnv(), kind, publicId);
}

export function verifyId(kind: TokenKind, token: string, key?: TrackingKey): string | null {
  return verifyEmailId(key ?? trackingKeyFromEnv(), kind, token);
}
