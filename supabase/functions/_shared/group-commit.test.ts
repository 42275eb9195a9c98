// groupCommit: items that arrive while statements are running leave together, each caller gets its
// own answer, a failed group is retried item by item, and a quiet caller never waits.
import assert from 'node:assert/strict';
import { groupCommit } from './group-commit.ts';

type Call = { items: number[]; release: () => void; fail: (error: Error) => void };

/** A runner whose statements finish only when the test says so. */
function controlledRunner() {
  const calls: Call[] = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, release: () => resolve(items.map((n) => `answer ${n}`)), fail: reject });
    });
  return { calls, run };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test('groupCommit: a lone item goes at once, alone', async () => {
  const { calls, run } = controlledRunner();
  const submit = groupCommit(run, { maxInFlight: 1 });
  const answer = submit(7);
  assert.equal(calls.length, 1, 'sent without waiting for company');
  assert.deepEqual(calls[0].items, [7]);
  calls[0].release();
  assert.equal(await answer, 'answer 7');
});

Deno.test('groupCommit: what arrives during a statement leaves as one group, answers in order', async () => {
  const { calls, run } = controlledRunner();
  const submit = groupCommit(run, { maxInFlight: 2, maxItems: 3 });
  const answers = [1, 2, 3, 4, 5, 6, 7].map(submit);
  assert.deepEqual(calls.map((call) => call.items), [[1], [2]], 'two statements at once, one item each');
  calls[0].release();
  await tick();
  assert.deepEqual(calls.map((call) => call.items), [[1], [2], [3, 4, 5]], 'the waiting ones go together, at most 3');
  calls[1].release();
  await tick();
  assert.deepEqual(calls[3].items, [6, 7]);
  calls[2].release();
  calls[3].release();
  assert.deepEqual(await Promise.all(answers), [1, 2, 3, 4, 5, 6, 7].map((n) => `answer ${n}`));
});

Deno.test('groupCommit: a failed group runs again item by item; only the bad item fails', async () => {
  const seen: number[][] = [];
  let block: (() => void) | null = null;
  const submit = groupCommit<number, number>(async (items) => {
    seen.push(items);
    if (seen.length === 1) await new Promise<void>((resolve) => (block = resolve));
    if (items.includes(13)) throw new Error('refused 13');
    return items.map((n) => n * 2);
  }, { maxInFlight: 1 });
  const first = submit(1);
  const rest = [12, 13, 14].map((n) => submit(n).then((v) => ({ ok: v }), (e: Error) => ({ error: e.message })));
  block!();
  assert.equal(await first, 2);
  assert.deepEqual(await Promise.all(rest), [{ ok: 24 }, { error: 'refused 13' }, { ok: 28 }]);
  assert.deepEqual(seen, [[1], [12, 13, 14], [12], [13], [14]]);
});

Deno.test('groupCommit: a runner that answers the wrong number of items fails those callers', async () => {
  const submit = groupCommit<number, number>(() => Promise.resolve([]));
  await assert.rejects(submit(1), /answered 0 items for 1/);
});

Deno.test('groupCommit: the options are checked', () => {
  assert.throws(() => groupCommit(() => Promise.resolve([]), { maxInFlight: 0 }), RangeError);
  assert.throws(() => groupCommit(() => Promise.resolve([]), { maxItems: 0 }), RangeError);
});
