-- mtrk._eligible_contacts is planned serially. Called from generate_messages it runs inside an INSERT,
-- where PostgreSQL cannot start parallel workers, yet the planner still picks a parallel plan for the
-- function's own query (it is planned separately, as a read). The leader then runs that plan alone,
-- and its partial hash aggregate, sized for a third of the rows, collapses: for a 1,000,000-contact
-- audience the DISTINCT ran for over 13 minutes where the same query planned serially takes about
-- 10 s (measured on the bench's database, 2 CPUs). A serial plan is also what an INSERT…SELECT would
-- get, so the bench's baseline and generate_messages now run the same kind of plan.
alter function mtrk._eligible_contacts(uuid) set max_parallel_workers_per_gather = 0;
