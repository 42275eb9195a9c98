// A pull worker in a process of its own, for the test that SIGKILLs one mid-page (pull.test.ts): one
// recorded pull run with a budget large enough never to stop it. Arguments: page size.
import { closeDbPool } from '../db.ts';
import { recordRun } from '../worker.ts';
import { pullContacts, pullWorkerName } from '../../crm-sync-worker/pull.ts';

const pageSize = Number(Deno.args[0] ?? '500');
await recordRun(pullWorkerName, async (state) => {
  state.stoppedBy = await pullContacts({ wallMs: 600_000, cpuMs: 600_000, maxMessages: 1_000_000 }, state, {
    pageSize,
  });
});
await closeDbPool();
