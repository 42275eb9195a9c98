import { DecryptionError, decryptSecret, encryptSecret, importEncryptionKey } from './crypto.ts';
import { assert } from './testing/assert.ts';

async function rejectsWith(promise: Promise<unknown>, errorClass: new (...args: never[]) => Error): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert(error instanceof errorClass, `expected ${errorClass.name}, got ${error}`);
    return error;
  }
  throw new Error(`expected ${errorClass.name}, nothing was thrown`);
}

function randomKeyBase64(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

const context = 'ops.integrations:00000000-0000-0000-0000-000000000001:dinamize';

Deno.test('crypto: round trip, versioned format, fresh IV every time', async () => {
  const key = await importEncryptionKey(randomKeyBase64());
  const secret = JSON.stringify({ user: 'ana@example.com', password: 'çãõ 🔐 s3cret', client_code: '300001' });
  const first = await encryptSecret(secret, context, key);
  const second = await encryptSecret(secret, context, key);
  assert(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/.test(first), `format v1:<iv>:<ct>, got ${first}`);
  assert(first !== second, 'two encryptions of one secret differ (random IV)');
  assert(!first.includes('s3cret'), 'no plaintext in the ciphertext');
  assert(await decryptSecret(first, context, key) === secret, 'round trip');
  assert(await decryptSecret(second, context, key) === secret, 'round trip (second)');
});

Deno.test('crypto: any tampered byte is refused', async () => {
  const key = await importEncryptionKey(randomKeyBase64());
  const stored = await encryptSecret('password', context, key);
  const [version, iv, ct] = stored.split(':');
  const bytes = Uint8Array.from(atob(ct), (c) => c.charCodeAt(0));
  bytes[0] ^= 0x01;
  const tamperedCt = btoa(String.fromCharCode(...bytes));
  await rejectsWith(decryptSecret(`${version}:${iv}:${tamperedCt}`, context, key), DecryptionError);
  const ivBytes = Uint8Array.from(atob(iv), (c) => c.charCodeAt(0));
  ivBytes[11] ^= 0x80;
  await rejectsWith(
    decryptSecret(`${version}:${btoa(String.fromCharCode(...ivBytes))}:${ct}`, context, key),
    DecryptionError,
  );
  await rejectsWith(decryptSecret(`${version}:${iv}:${ct.slice(0, -8)}`, context, key), DecryptionError);
  await rejectsWith(decryptSecret(`v2:${iv}:${ct}`, context, key), DecryptionError);
  await rejectsWith(decryptSecret('not a ciphertext', context, key), DecryptionError);
});

Deno.test('crypto: a wrong key or another row context is refused', async () => {
  const key = await importEncryptionKey(randomKeyBase64());
  const otherKey = await importEncryptionKey(randomKeyBase64());
  const stored = await encryptSecret('password', context, key);
  await rejectsWith(decryptSecret(stored, context, otherKey), DecryptionError);
  await rejectsWith(decryptSecret(stored, context.replace('0001', '0002'), key), DecryptionError);
});

Deno.test('crypto: a malformed key is refused without echoing it', async () => {
  for (const bad of ['short', btoa('x'.repeat(16)), '!!!!']) {
    const error = await rejectsWith(importEncryptionKey(bad), Error);
    assert(!error.message.includes(bad), 'key not echoed');
  }
});

Deno.test('crypto: RASTRO_ENCRYPTION_KEY from the environment works when set', async () => {
  if (!Deno.env.get('RASTRO_ENCRYPTION_KEY')) return;
  const stored = await encryptSecret('from env', context);
  assert(await decryptSecret(stored, context) === 'from env', 'env key round trip');
});
