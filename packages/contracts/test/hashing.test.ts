// The hashing vectors against both implementations: packages/contracts/src/hashing.ts always, and the
// lead.* SQL functions when a database is available at DB_URL (npm test provides one).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEmail, hashPhone, normalizeEmail, normalizePhone, sha256Hex } from '../src/hashing.ts';

type Vector = { kind: 'sha256' | 'email' | 'phone'; note: string; input: string; normalized?: string | null; hash: string | null };

const { vectors } = JSON.parse(readFileSync(new URL('../test-vectors/hashing.json', import.meta.url), 'utf8')) as { vectors: Vector[] };
const label = (v: Vector) => `${v.kind}: ${v.note} (${JSON.stringify(v.input)})`;
const alreadyHashed = (v: Vector) => v.normalized === null && v.hash !== null;

describe('hashing vectors in TypeScript', () => {
  it('covers every kind', () => {
    expect(new Set(vectors.map((v) => v.kind))).toEqual(new Set(['sha256', 'email', 'phone']));
  });

  for (const v of vectors) {
    it(label(v), async () => {
      if (v.kind === 'sha256') {
        expect(await sha256Hex(v.input)).toBe(v.hash);
        return;
      }
      const normalize = v.kind === 'email' ? normalizeEmail : normalizePhone;
      const hash = v.kind === 'email' ? hashEmail : hashPhone;
      if (!alreadyHashed(v)) expect(normalize(v.input)).toBe(v.normalized);
      expect(await hash(v.input)).toBe(v.hash);
    });
  }

  it('treats null and undefined as no value', async () => {
    expect(normalizeEmail(null)).toBeNull();
    expect(normalizePhone(undefined)).toBeNull();
    expect(await hashEmail(undefined)).toBeNull();
    expect(await hashPhone(null)).toBeNull();
  });
});

const databaseUrl = process.env.DB_URL;

describe.skipIf(!databaseUrl)('hashing vectors in SQL (needs DB_URL)', () => {
  const db = new pg.Client({ connectionString: databaseUrl });
  type Row = { kind: string; input: string; normalized: string | null; hash: string | null };
  let rows: Row[] = [];

  beforeAll(async () => {
    await db.connect();
    // All vectors in one round trip, through the same functions the triggers use.
    const result = await db.query<Row>(
      `select v.kind, v.input,
              case v.kind when 'email' then lead.normalize_email(v.input) when 'phone' then lead.normalize_phone(v.input) end as normalized,
              case v.kind when 'email' then lead.hash_email(v.input) when 'phone' then lead.hash_phone(v.input) else lead.sha256_hex(v.input) end as hash
       from unnest($1::text[], $2::text[]) with ordinality as v (kind, input, n)
       order by v.n`,
      [vectors.map((v) => v.kind), vectors.map((v) => v.input)],
    );
    rows = result.rows;
  });
  afterAll(async () => {
    await db.end();
  });

  vectors.forEach((v, i) => {
    it(label(v), () => {
      const row = rows[i];
      expect(row.input).toBe(v.input);
      if (v.kind !== 'sha256' && !alreadyHashed(v)) expect(row.normalized).toBe(v.normalized);
      expect(row.hash).toBe(v.hash);
    });
  });

  it("a lead's hash columns match the TypeScript hashes", async () => {
    await db.query('begin');
    try {
      const company = await db.query<{ id: string }>(`insert into core.companies (name, slug) values ('Hash Test', 'hash-test-' || floor(random() * 1e9)::text) returning id`);
      const lead = await db.query<{ email_hash: string; phone_hash: string }>(
        `insert into lead.leads (company_id, email, phone) values ($1, $2, $3) returning email_hash, phone_hash`,
        [company.rows[0].id, ' José.Conceição@Exemplo.COM.br ', '+55 (11) 98765-4321'],
      );
      expect(lead.rows[0].email_hash).toBe(await hashEmail(' José.Conceição@Exemplo.COM.br '));
      expect(lead.rows[0].phone_hash).toBe(await hashPhone('+55 (11) 98765-4321'));
    } finally {
      await db.query('rollback');
    }
  });
});
