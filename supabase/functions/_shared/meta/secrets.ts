// Meta connection tokens at rest: AES-256-GCM (../crypto.ts) bound to their row, as pixel tokens are
// (../conversions/secrets.ts), so a ciphertext copied into another connection or company does not open.
import { decryptSecret, encryptSecret } from '../crypto.ts';

const context = (companyId: string, connectionId: string) => `core_marketing.meta_connections:${companyId}:${connectionId}`;

/** `key`: a key imported by the caller (scripts outside the edge runtime); default RASTRO_ENCRYPTION_KEY. */
export function sealConnectionToken(companyId: string, connectionId: string, token: string, key?: CryptoKey): Promise<string> {
  return encryptSecret(token, context(companyId, connectionId), key);
}

/** Throws DecryptionError when the ciphertext does not open. */
export function openConnectionToken(companyId: string, connectionId: string, ciphertext: string): Promise<string> {
  return decryptSecret(ciphertext, context(companyId, connectionId));
}
