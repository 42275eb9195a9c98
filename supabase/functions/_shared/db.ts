// Direct Postgres access for workers and functions that need transactions or pgmq (which PostgREST
// does not expose). Uses SUPABASE_DB_URL, which Supabase sets for every edge function.
// Workers act as service_role and only use the company_id stored on the records they process.
import pg from 'pg';

let pool: pg.Pool | null = null;

export function dbPool(): pg.Pool {
  if (pool) return pool;
  const url = Deno.env.get('SUPABASE_DB_URL');
  if (!url) throw new Error('SUPABASE_DB_URL is not set');
  pool = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 10_000 });
  pool.on('error', (error: Error) => console.error('postgres pool error', error.message));
  return pool;
}

/** Runs body in one transaction; rolls back on any error and rethrows it. */
export async function inTransaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await dbPool().connect();
  try {
    await client.query('begin');
    const result = await body(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: Error) =>
      console.error('rollback failed', rollbackError.message)
    );
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Runs body in one transaction as the calling user: role `authenticated` with the verified JWT claims,
 * so every statement is subject to RLS exactly as through PostgREST. `claims` must come from a token
 * the gateway (verify_jwt) or auth.getUser has already verified.
 */
export function asUser<T>(claims: Record<string, unknown>, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(async (client) => {
    await client.query(`select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`, [
      JSON.stringify(claims),
    ]);
    return body(client);
  });
}

export async function closeDbPool(): Promise<void> {
  const current = pool;
  pool = null;
  await current?.end();
}
