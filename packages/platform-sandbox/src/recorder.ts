// Keeps what the platforms received so tests can assert on it (GET /__sandbox/requests).
import type { IncomingHttpHeaders } from 'node:http';
import type { FaultKind } from './faults.ts';

export type RecordedRequest = {
  id: number;
  receivedAt: string;
  /** First path segment: a known platform name, or whatever a misconfigured client sent. */
  platform: string;
  method: string;
  /** Path below the platform's base path, without the query string. */
  path: string;
  query: Record<string, string | string[]>;
  /** Raw, secrets included: tests assert that tokens were sent. Never written to the log. */
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
  response: unknown;
  /** The fault knob that produced the answer, or null when the platform handler (or router) answered. */
  fault: FaultKind | null;
};

export type RecorderLimits = { maxRecords: number; maxBytes: number };

// Bounded memory: the sandbox runs for the whole life of the local stack and of benchmarks that
// push thousands of 1,000-event batches through it. We keep at most `maxRecords` requests (10,000
// by default) and at most `maxBytes` of request bodies (64 MiB, counted on the raw text), dropping
// the oldest records first when either limit is reached.
export const defaultRecorderLimits: RecorderLimits = { maxRecords: 10_000, maxBytes: 64 * 1024 * 1024 };

type Entry = { record: RecordedRequest; bytes: number };

export class RequestRecorder {
  #limits: RecorderLimits;
  #entries: Entry[] = [];
  #bytes = 0;
  #nextId = 1;

  constructor(limits: RecorderLimits = defaultRecorderLimits) {
    this.#limits = limits;
  }

  add(record: Omit<RecordedRequest, 'id'>, rawBodyBytes: number): RecordedRequest {
    const stored = { id: this.#nextId++, ...record };
    this.#entries.push({ record: stored, bytes: rawBodyBytes });
    this.#bytes += rawBodyBytes;
    while (this.#entries.length > this.#limits.maxRecords || (this.#bytes > this.#limits.maxBytes && this.#entries.length > 1)) {
      const dropped = this.#entries.shift();
      if (dropped) this.#bytes -= dropped.bytes;
    }
    return stored;
  }

  /** Oldest first. */
  list(platform?: string): RecordedRequest[] {
    const records = this.#entries.map((entry) => entry.record);
    return platform === undefined ? records : records.filter((record) => record.platform === platform);
  }

  /** Returns how many records were removed. */
  clear(platform?: string): number {
    const before = this.#entries.length;
    this.#entries = platform === undefined ? [] : this.#entries.filter((entry) => entry.record.platform !== platform);
    this.#bytes = this.#entries.reduce((sum, entry) => sum + entry.bytes, 0);
    return before - this.#entries.length;
  }
}
