// Pixel tokens and platform credentials at rest: sealed with AES-256-GCM (../crypto.ts) and bound to
// their row, so a ciphertext copied into another pixel or company does not open there. Only the
// service role (edge functions) reads or writes the ciphertext columns.
import {
  type AccountPlatform,
  type GoogleAdsCredentials,
  PlatformCredentialsSchemas,
  type TokenCredentials,
  type WebhookCredentials,
} from '@rastro/contracts';
import { decryptSecret, encryptSecret } from '../crypto.ts';

export type AccountCredentials = GoogleAdsCredentials | TokenCredentials | WebhookCredentials;

const pixelContext = (companyId: string, pixelConfigId: string) =>
  `core_marketing.pixel_configs:${companyId}:${pixelConfigId}`;
const accountContext = (companyId: string, accountId: string) =>
  `core_marketing.platform_accounts:${companyId}:${accountId}`;

/** `key`: a key imported by the caller (scripts outside the edge runtime); default RASTRO_ENCRYPTION_KEY. */
export function sealPixelToken(
  companyId: string,
  pixelConfigId: string,
  token: string,
  key?: CryptoKey,
): Promise<string> {
  return encryptSecret(token, pixelContext(companyId, pixelConfigId), key);
}

/** Throws DecryptionError when the ciphertext does not open. */
export function openPixelToken(companyId: string, pixelConfigId: string, ciphertext: string): Promise<string> {
  return decryptSecret(ciphertext, pixelContext(companyId, pixelConfigId));
}

export function sealAccountCredentials(
  companyId: string,
  accountId: string,
  credentials: AccountCredentials,
): Promise<string> {
  return encryptSecret(JSON.stringify(credentials), accountContext(companyId, accountId));
}

/** Throws DecryptionError when the ciphertext does not open, Error when it holds something else. */
export async function openAccountCredentials(
  companyId: string,
  accountId: string,
  platform: AccountPlatform,
  ciphertext: string,
): Promise<AccountCredentials> {
  const parsed = PlatformCredentialsSchemas[platform].safeParse(
    JSON.parse(await decryptSecret(ciphertext, accountContext(companyId, accountId))),
  );
  if (!parsed.success) throw new Error(`stored ${platform} credentials do not match the credentials contract`);
  return parsed.data;
}
