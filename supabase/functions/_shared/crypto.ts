// Secrets at rest (integration passwords, platform tokens): AES-256-GCM with RASTRO_ENCRYPTION_KEY
// (base64 of 32 random bytes), through Web Crypto only.
//
// Stored format, versioned so the scheme can change without guessing: `v1:<iv b64>:<ciphertext b64>`,
// where the ciphertext carries GCM's 16-byte tag at its end (Web Crypto appends it). The IV is 12
// random bytes, fresh for every encryption.
//
// `context` is authenticated but not stored (GCM additional data). Callers bind a ciphertext to the
// row it belongs to (e.g. `ops.integrations:<company_id>:dinamize`), so a ciphertext copied into
// another company's row does not decrypt there.

const formatVersion = 'v1';
const ivBytes = 12;
const keyBytes = 32;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

let cachedKey: { source: string; key: Promise<CryptoKey> } | null = null;

/** Imports a base64 32-byte key; throws a message that never contains the key itself. */
export async function importEncryptionKey(base64Key: string): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64(base64Key.trim());
  } catch {
    throw new Error('RASTRO_ENCRYPTION_KEY is not valid base64');
  }
  if (raw.length !== keyBytes) {
    throw new Error(`RASTRO_ENCRYPTION_KEY must decode to ${keyBytes} bytes, not ${raw.length}`);
  }
  return await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** The key from RASTRO_ENCRYPTION_KEY, imported once per isolate (re-imported if the variable changes). */
export function encryptionKeyFromEnv(): Promise<CryptoKey> {
  const source = Deno.env.get('RASTRO_ENCRYPTION_KEY');
  if (!source) throw new Error('RASTRO_ENCRYPTION_KEY is not set');
  if (cachedKey?.source !== source) cachedKey = { source, key: importEncryptionKey(source) };
  return cachedKey.key;
}

export async function encryptSecret(plaintext: string, context: string, key?: CryptoKey): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(ivBytes));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) },
    key ?? await encryptionKeyFromEnv(),
    new TextEncoder().encode(plaintext),
  );
  return `${formatVersion}:${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
}

/** Throws DecryptionError on a malformed value, a wrong key, a wrong context or any tampering. */
export async function decryptSecret(stored: string, context: string, key?: CryptoKey): Promise<string> {
  const parts = stored.split(':');
  if (parts.length !== 3 || parts[0] !== formatVersion) throw new DecryptionError('unknown ciphertext format');
  let iv: Uint8Array<ArrayBuffer>;
  let sealed: Uint8Array<ArrayBuffer>;
  try {
    iv = fromBase64(parts[1]);
    sealed = fromBase64(parts[2]);
  } catch {
    throw new DecryptionError('ciphertext is not valid base64');
  }
  if (iv.length !== ivBytes || sealed.length < 16) throw new DecryptionError('ciphertext is truncated');
  const usedKey = key ?? await encryptionKeyFromEnv();
  let opened: ArrayBuffer;
  try {
    opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) },
      usedKey,
      sealed,
    );
  } catch {
    throw new DecryptionError('ciphertext does not authenticate (wrong key, wrong context or tampered)');
  }
  return new TextDecoder().decode(opened);
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error('not base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
