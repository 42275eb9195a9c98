-- Reference data applied by `supabase db reset` on a Supabase project.
-- Rastro needs none: per-company defaults (such as pipeline stages) are created by triggers when a
-- company is created, and the demo data set (companies, users, leads) comes from scripts/seed-demo.ts
-- through the public APIs, so it is never pushed to a real project by accident.
select 1;
