// Integration credentials at rest: sealed with AES-256-GCM (crypto.ts) and bound to their row, so a
// ciphertext copied into another company's integration does not open there. Only edge functions
// running as service_role read or write ops.integrations.credentials_ciphertext.
import {
  type DinamizeCredentials as DinamizeCredentialsInput,
  DinamizeCredentialsSchema,
  type IntegrationProvider,
} from '@rastro/contracts';
import { decryptSecret, encryptSecret } from './crypto.ts';
import type { DinamizeCredentials } from './dinamize.ts';

function context(companyId: string, provider: IntegrationProvider): string {
  return `ops.integrations:${companyId}:${provider}`;
}

export function sealDinamizeCredentials(companyId: string, credentials: DinamizeCredentialsInput): Promise<string> {
  return encryptSecret(JSON.stringify(credentials), context(companyId, 'dinamize'));
}

/** Throws DecryptionError when the ciphertext does not open, Error when it holds something else. */
export async function openDinamizeCredentials(companyId: string, ciphertext: string): Promise<DinamizeCredentials> {
  const parsed = DinamizeCredentialsSchema.safeParse(
    JSON.parse(await decryptSecret(ciphertext, context(companyId, 'dinamize'))),
  );
  if (!parsed.success) throw new Error('stored Dinamize credentials do not match the credentials contract');
  return { user: parsed.data.user, password: parsed.data.password, clientCode: parsed.data.client_code };
}

/** ops.integrations.status_message when Dinamize refuses the credentials (status = 'error'). */
export function invalidCredentialsMessage(code: string | null, detail: string): string {
  return `invalid_credentials: ${code ? `${code} ` : ''}${detail}`;
}
