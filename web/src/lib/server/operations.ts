// The Operations page's reads, all through PostgREST with the signed-in admin's JWT: the ops views
// and ops.setup_problems() decide what this company may see (the service key is never used here).
import type { Database } from '@rastro/contracts';
import type { SupabaseClient } from '@supabase/supabase-js';
import {
	DEAD_LETTERS_PER_PAGE,
	type DeadLetter,
	type FailingIntegration,
	type QueueDepth,
	type SetupProblem,
	type WorkerLastRun
} from '../operations/types.ts';

export interface OperationsSnapshot {
	setupProblems: SetupProblem[];
	queues: QueueDepth[];
	deadLetters: DeadLetter[];
	deadLetterTotal: number;
	/** The asked-for page of dead letters starts past the last one (PostgREST answers 416). */
	deadLetterPastEnd: boolean;
	workerRuns: WorkerLastRun[];
	failingIntegrations: FailingIntegration[];
}

/** Every section of the page at once; `deadLetterPage` is 1-based. Throws when any read fails. */
export async function loadOperations(supabase: SupabaseClient<Database>, deadLetterPage: number): Promise<OperationsSnapshot> {
	const ops = supabase.schema('ops');
	const from = (deadLetterPage - 1) * DEAD_LETTERS_PER_PAGE;
	const [problems, queues, deadLetters, runs, integrations] = await Promise.all([
		ops.rpc('setup_problems'),
		ops.from('queue_depth').select('*').order('queue_name'),
		ops
			.from('dead_letters')
			.select('id, queue_name, msg_id, worker, read_ct, enqueued_at, last_error, dead_at', { count: 'exact' })
			.order('dead_at', { ascending: false })
			.order('id', { ascending: false })
			.range(from, from + DEAD_LETTERS_PER_PAGE - 1),
		ops.from('worker_last_runs').select('*').order('worker'),
		ops.from('failing_integrations').select('*').order('updated_at', { ascending: false })
	]);
	const deadLetterPastEnd = deadLetterPage > 1 && deadLetters.error?.code === 'PGRST103';
	const failed = [
		['ops.setup_problems', problems.error],
		['ops.queue_depth', queues.error],
		['ops.dead_letters', deadLetterPastEnd ? null : deadLetters.error],
		['ops.worker_last_runs', runs.error],
		['ops.failing_integrations', integrations.error]
	].filter(([, error]) => error);
	if (failed.length > 0) {
		throw new Error(failed.map(([source, error]) => `${source}: ${(error as { message: string }).message}`).join('; '));
	}
	return {
		setupProblems: problems.data ?? [],
		queues: queues.data ?? [],
		deadLetters: deadLetters.data ?? [],
		deadLetterTotal: deadLetters.count ?? 0,
		deadLetterPastEnd,
		workerRuns: runs.data ?? [],
		failingIntegrations: integrations.data ?? []
	};
}
