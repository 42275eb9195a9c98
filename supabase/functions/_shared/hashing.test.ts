// The hashing vectors under Deno, through the import map, as edge functions import the module.
import { hashEmail, hashPhone, normalizeEmail, normalizePhone, sha256Hex } from '@rastro/contracts/hashing.ts';

type Vector = {
  kind: 'sha256' | 'email' | 'phone';
  note: string;
  input: string;
  normalized?: string | null;
  hash: string | null;
};

const vectorsUrl = new URL('../../../packages/contracts/test-vectors/hashing.json', import.meta.url);
const { vectors } = JSON.parse(await Deno.readTextFile(vectorsUrl)) as { vectors: Vector[] };

function assertSame(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

Deno.test('hashing vectors: the file has e-mail, phone and sha256 cases', () => {
  assertSame([...new Set(vectors.map((v) => v.kind))].sort().join(','), 'email,phone,sha256', 'kinds');
});

for (const v of vectors) {
  Deno.test(`hashing vector ${v.kind}: ${v.note}`, async () => {
    if (v.kind === 'sha256') {
      assertSame(await sha256Hex(v.input), v.hash, 'sha256Hex');
      return;
    }
    const normalize = v.kind === 'email' ? normalizeEmail : normalizePhone;
    const hash = v.kind === 'email' ? hashEmail : hashPhone;
    const alreadyHashed = v.normalized === null && v.hash !== null;
    if (!alreadyHashed) assertSame(normalize(v.input), v.normalized, 'normalized');
    assertSame(await hash(v.input), v.hash, 'hash');
  });
}
