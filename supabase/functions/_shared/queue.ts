// One pgmq queue, as every worker and function uses it. Each call names its arguments the way
// upstream pgmq 1.5.1 does (queue_name, msg/msgs, delay, vt, qty, msg_id/msg_ids), so it binds to the
// same overload on the real extension and on the local stand-in, and a renamed argument fails loudly
// instead of silently meaning something else. Every method takes the pool or a transaction's client,
// so a message can be archived, dead-lettered or put off in the transaction of the write it records.
import type pg from 'pg';
import { dbPool } from './db.ts';

/** A pool or the client of an open transaction. */
export type Db = pg.Pool | pg.PoolClient;

/** A message as pgmq.read returns it (msg_id as text: it is a bigint). */
export type QueueMessage = { msg_id: string; read_ct: number; enqueued_at: Date; vt: Date; message: unknown };

export type QueueMetrics = {
  queue_name: string;
  queue_length: number;
  newest_msg_age_sec: number | null;
  oldest_msg_age_sec: number | null;
  total_messages: number;
  scrape_time: Date;
};

/** A message id with how long it stays invisible from now, seconds (0: visible at once). */
export type Visibility = { msgId: string; seconds: number };

/** A message id with why it is given up, for ops.dead_letter. */
export type DeadLetter = { msgId: string; error: string };

export class Queue {
  constructor(readonly name: string) {}

  /** Sends one message, visible after `delaySeconds`; returns its msg_id. */
  async send(message: unknown, options: { delaySeconds?: number; db?: Db } = {}): Promise<string> {
    const { rows } = await (options.db ?? dbPool()).query<{ msg_id: string }>(
      `select s.msg_id::text from pgmq.send(queue_name => $1, msg => $2::jsonb, delay => $3::integer) as s (msg_id)`,
      [this.name, JSON.stringify(message), options.delaySeconds ?? 0],
    );
    return rows[0].msg_id;
  }

  /** Sends many messages in one statement; returns their msg_ids in the order given. */
  async sendBatch(messages: unknown[], options: { delaySeconds?: number; db?: Db } = {}): Promise<string[]> {
    if (messages.length === 0) return [];
    const { rows } = await (options.db ?? dbPool()).query<{ msg_id: string }>(
      `select s.msg_id::text
       from pgmq.send_batch(
         queue_name => $1,
         msgs => array(select m.value from jsonb_array_elements($2::jsonb) with ordinality as m (value, position) order by m.position),
         delay => $3::integer
       ) as s (msg_id)`,
      [this.name, JSON.stringify(messages), options.delaySeconds ?? 0],
    );
    return rows.map((row) => row.msg_id);
  }

  /** Claims up to `qty` visible messages, each invisible to other readers for `vtSeconds`. */
  async read(vtSeconds: number, qty: number, db: Db = dbPool()): Promise<QueueMessage[]> {
    const { rows } = await db.query<QueueMessage>(
      `select r.msg_id::text, r.read_ct, r.enqueued_at, r.vt, r.message
       from pgmq.read(queue_name => $1, vt => $2::integer, qty => $3::integer) as r
       order by r.msg_id`,
      [this.name, vtSeconds, qty],
    );
    return rows;
  }

  /** Moves the messages to the archive (pgmq.a_<queue>); returns how many were still queued. */
  async archive(msgIds: string[], db: Db = dbPool()): Promise<number> {
    if (msgIds.length === 0) return 0;
    const { rows } = await db.query<{ archived: number }>(
      `select count(*)::integer as archived from pgmq.archive(queue_name => $1, msg_ids => $2::bigint[])`,
      [this.name, msgIds],
    );
    return rows[0].archived;
  }

  /** Makes each message visible again `seconds` from now; returns how many were still queued. */
  async setVt(visibilities: Visibility[], db: Db = dbPool()): Promise<number> {
    if (visibilities.length === 0) return 0;
    const { rows } = await db.query<{ updated: number }>(
      `select count(*)::integer as updated
       from jsonb_to_recordset($2::jsonb) as v (msg_id bigint, seconds integer)
       cross join lateral pgmq.set_vt(queue_name => $1, msg_id => v.msg_id, vt => v.seconds)`,
      [
        this.name,
        JSON.stringify(visibilities.map((v) => ({ msg_id: v.msgId, seconds: Math.max(0, Math.round(v.seconds)) }))),
      ],
    );
    return rows[0].updated;
  }

  /**
   * Terminal state: ops.dead_letter copies each message with its read count and error into
   * ops.dead_letters (company from its company_id) and archives it. Returns how many were still queued.
   */
  async deadLetter(letters: DeadLetter[], worker: string, db: Db = dbPool()): Promise<number> {
    if (letters.length === 0) return 0;
    const { rows } = await db.query<{ dead: number }>(
      `select count(*) filter (where d.dead)::integer as dead
       from jsonb_to_recordset($2::jsonb) as l (msg_id bigint, error text)
       cross join lateral ops.dead_letter(queue_name => $1, msg_id => l.msg_id, worker => $3, last_error => l.error) as d (dead)`,
      [this.name, JSON.stringify(letters.map((l) => ({ msg_id: l.msgId, error: l.error }))), worker],
    );
    return rows[0].dead;
  }

  /** Depth and ages of the queue (pgmq.metrics). */
  async metrics(db: Db = dbPool()): Promise<QueueMetrics> {
    const { rows } = await db.query<QueueMetrics>(
      `select m.queue_name, m.queue_length::integer, m.newest_msg_age_sec, m.oldest_msg_age_sec,
              m.total_messages::integer, m.scrape_time
       from pgmq.metrics(queue_name => $1) as m`,
      [this.name],
    );
    return rows[0];
  }
}
