-- The job queue: a private schema that anon and authenticated cannot reach. Its only API is the
-- queue.* functions (later migrations), executable by service_role and postgres. See supabase/README.md.

create schema if not exists queue;
revoke all on schema queue from public, anon, authenticated;
grant usage on schema queue to service_role;
comment on schema queue is
  'Job queue (private). Use only through the queue.* SQL functions; documented in supabase/README.md.';

create table queue.jobs (
  id bigint generated always as identity primary key,
  kind text not null default 'detect',
  recording_id uuid not null references public.recordings (id) on delete cascade,
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  status text not null default 'queued',
  run_at timestamptz not null default now(),
  attempts integer not null default 0,
  max_attempts integer not null default 5,
  lease_token uuid,
  lease_expires_at timestamptz,
  claimed_by text,
  claimed_at timestamptz,
  last_error text,
  outcome jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  constraint jobs_kind_known check (kind in ('detect', 'ingest', 'delete')),
  constraint jobs_status_known check (status in ('queued', 'processing', 'done', 'dead')),
  constraint jobs_attempts_range check (attempts >= 0 and max_attempts >= 1),
  constraint jobs_lease_when_processing check (
    (status = 'processing') = (lease_token is not null and lease_expires_at is not null)
    or status = 'done'
  ),
  -- One job per recording (per kind): re-enqueueing reuses the row, so no duplicates, ever.
  constraint jobs_kind_recording_id_key unique (kind, recording_id)
);
comment on table queue.jobs is
  'One row per (kind, recording). status: queued (runnable when run_at <= now()), processing (leased: '
  'lease_token + lease_expires_at), done (outcome holds complete()''s result), dead (gave up; last_error).';
comment on column queue.jobs.attempts is 'Claims that counted (release() gives one back).';
comment on column queue.jobs.lease_token is
  'Fresh uuid per claim; every call on a claimed job must present it. Kept after done for idempotent retries.';
comment on column queue.jobs.outcome is 'The jsonb complete() returned; returned again on a same-token retry.';

-- Claim order: runnable jobs of a kind by run_at.
create index jobs_runnable_idx on queue.jobs (kind, run_at, id) where status = 'queued';
-- The reaper's scan.
create index jobs_lease_expires_at_idx on queue.jobs (lease_expires_at) where status = 'processing';

create trigger jobs_touch_updated_at
  before update on queue.jobs
  for each row execute function private.touch_updated_at();

-- Local days whose recordings have been handed to the queue by queue.sweep().
create table queue.swept_days (
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  local_date date not null,
  swept_at timestamptz not null default now(),
  primary key (user_id, local_date)
);
comment on table queue.swept_days is
  'Local days (in the user''s zone) already swept: recordings registered later for such a day are queued at '
  'once by the recordings_enqueue_late trigger.';

-- Read-only visibility for operators using the service key; all writes go through the functions.
grant select on queue.jobs, queue.swept_days to service_role;
