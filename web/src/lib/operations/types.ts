// Shapes the Operations page passes from its server load to its components: rows of the ops views
// (supabase/migrations/20261201005000_create_ops_views.sql) and of ops.setup_problems().
import type { Database } from '@rastro/contracts';

type OpsViews = Database['ops']['Views'];

export type SetupProblem = Database['ops']['Functions']['setup_problems']['Returns'][number];
export type QueueDepth = OpsViews['queue_depth']['Row'];
export type WorkerLastRun = OpsViews['worker_last_runs']['Row'];
export type FailingIntegration = OpsViews['failing_integrations']['Row'];
export type DeadLetter = Pick<
	Database['ops']['Tables']['dead_letters']['Row'],
	'id' | 'queue_name' | 'msg_id' | 'worker' | 'read_ct' | 'enqueued_at' | 'last_error' | 'dead_at'
>;

/** Dead letters shown per page, latest first. */
export const DEAD_LETTERS_PER_PAGE = 10;
