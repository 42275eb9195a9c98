import { describe, expect, it } from 'vitest';
import { TrackBatchSchema } from '../src/index.ts';

const view = (id: string) => ({ id, type: 'page_view', at: 1_764_590_000_000, url: 'https://shop.test/' });
const batch = (events: unknown[]) => ({ site_key: 'rk_' + 'a'.repeat(32), session_id: 'session-contract-1', events });

describe('TrackBatch', () => {
  it('accepts a batch whose event ids are all different', () => {
    expect(TrackBatchSchema.safeParse(batch([view('pv-contract-1'), view('pv-contract-2')])).success).toBe(true);
  });

  it('refuses an id twice in one batch (track dedupes retries on them)', () => {
    const parsed = TrackBatchSchema.safeParse(batch([view('pv-contract-1'), { ...view('pv-contract-1'), url: 'https://shop.test/b' }]));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toContain('event ids must be unique within a batch');
  });
});
