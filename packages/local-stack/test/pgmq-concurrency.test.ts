// pgmq's delivery promise under concurrency: a message is handed to one reader at a time. Runs
// against any database with pgmq (the local stack's compatible one, or the real extension) at DB_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';

const databaseUrl = process.env.DB_URL;

type Message = { msg_id: string; read_ct: number; message: { n: number } };

describe.skipIf(!databaseUrl)('pgmq under concurrent readers (needs DB_URL)', () => {
  const queue = `rastro_concurrency_${process.pid}_${Date.now()}`;
  const clients: pg.Client[] = [];

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    clients.push(client);
    return client;
  };

  const read = async (client: pg.Client, qty: number, vt = 60): Promise<Message[]> => {
    const { rows } = await client.query<Message>('select * from pgmq.read($1, $2, $3)', [queue, vt, qty]);
    return rows;
  };

  let admin: pg.Client;

  beforeAll(async () => {
    admin = await connect();
    await admin.query('select pgmq.create($1)', [queue]);
  });

  afterAll(async () => {
    // Close the readers first: an open transaction left by a failed test would block drop_queue.
    await Promise.all(clients.filter((client) => client !== admin).map((client) => client.end()));
    await admin.query('select pgmq.drop_queue($1)', [queue]);
    await admin.end();
  });

  it('never hands a message held by an open transaction to a second reader', async () => {
    await admin.query('select pgmq.purge_queue($1)', [queue]);
    await admin.query(`select pgmq.send_batch($1, array['{"n":1}', '{"n":2}']::jsonb[])`, [queue]);
    const holder = await connect();
    const other = await connect();

    await holder.query('begin');
    const held = await read(holder, 1);
    expect(held.map((m) => m.message.n)).toEqual([1]);

    // The first row is locked by the open transaction: SKIP LOCKED passes over it.
    const seen = await read(other, 10);
    expect(seen.map((m) => m.message.n)).toEqual([2]);

    // Rolling back the claim makes the message visible again, as if never read.
    await holder.query('rollback');
    const again = await read(other, 10);
    expect(again.map((m) => [m.message.n, m.read_ct])).toEqual([[1, 1]]);

    // Committed claims stay hidden for their visibility timeout.
    expect(await read(holder, 10)).toEqual([]);
  });

  it('delivers each of 200 messages exactly once to 8 parallel readers', async () => {
    await admin.query('select pgmq.purge_queue($1)', [queue]);
    const total = 200;
    const { rows: sent } = await admin.query<{ msg_id: string }>(
      `select msg_id from pgmq.send_batch($1, array(select jsonb_build_object('n', i) from generate_series(1, $2::integer) as i)) as msg_id`,
      [queue, total],
    );
    expect(sent).toHaveLength(total);

    const readers = await Promise.all(Array.from({ length: 8 }, connect));
    const drain = async (client: pg.Client): Promise<string[]> => {
      const received: string[] = [];
      for (;;) {
        const batch = await read(client, 7);
        if (batch.length === 0) return received;
        received.push(...batch.map((m) => m.msg_id));
      }
    };
    const perReader = await Promise.all(readers.map(drain));
    const all = perReader.flat();

    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    expect(new Set(all)).toEqual(new Set(sent.map((row) => row.msg_id)));
    expect(perReader.filter((received) => received.length > 0).length).toBeGreaterThan(1);
  });
});
