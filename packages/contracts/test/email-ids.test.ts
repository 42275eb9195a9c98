// The signed ids of e-mail URLs: node:crypto's HMAC gives exactly the tokens the earlier Web Crypto
// implementation gave (links already sent keep working), and a token only verifies for its own kind.
import { describe, expect, it } from 'vitest';
import { deriveTrackingKey, signEmailId, verifyEmailId } from '../src/email-ids.ts';

const encryptionKey = Buffer.alloc(32, 7).toString('base64');
const publicId = '0b7e5a52-9f4c-4c1e-8d0e-3f1b2a6c9d11';

/** The token as Web Crypto computes it (HKDF-SHA256 → HMAC-SHA256, first 16 bytes, base64url). */
async function webCryptoToken(kind: string, id: string): Promise<string> {
  const master = await crypto.subtle.importKey('raw', Buffer.from(encryptionKey, 'base64'), 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode('rastro email tracking ids v1') },
    master,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign'],
  );
  const hex = id.replaceAll('-', '');
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${kind}:${hex}`)));
  return hex + Buffer.from(mac.subarray(0, 16)).toString('base64url');
}

describe('signed e-mail ids', () => {
  const key = deriveTrackingKey(encryptionKey);

  it('match the Web Crypto tokens already sent, for every kind', async () => {
    for (const kind of ['message', 'link', 'contact'] as const) {
      expect(signEmailId(key, kind, publicId)).toBe(await webCryptoToken(kind, publicId));
    }
  });

  it('verify for their own kind only, and not once altered', () => {
    const token = signEmailId(key, 'link', publicId);
    expect(token).toMatch(/^[0-9a-f]{32}[A-Za-z0-9_-]{22}$/);
    expect(verifyEmailId(key, 'link', token)).toBe(publicId);
    expect(verifyEmailId(key, 'message', token)).toBeNull();
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(verifyEmailId(key, 'link', altered)).toBeNull();
    expect(verifyEmailId(deriveTrackingKey(Buffer.alloc(32, 8).toString('base64')), 'link', token)).toBeNull();
    expect(verifyEmailId(key, 'link', token.toUpperCase())).toBeNull();
  });
});
