-- job_runs: one row per attempt (completed, failed, or lease expired), for cost and failure analysis.

create table public.job_runs (
  id bigint generated always as identity primary key,
  job_id bigint not null,
  job_kind text not null,
  recording_id uuid not null references public.recordings (id) on delete cascade,
  user_id uuid not null,
  attempt integer not null,
  outcome text not null,
  node_id text,
  model_version text,
  audio_seconds double precision,
  wall_ms integer,
  real_time_factor double precision,
  peak_rss_bytes bigint,
  error text,
  started_at timestamptz,
  finished_at timestamptz not null default now(),
  constraint job_runs_outcome_known check (outcome in ('done', 'retry', 'dead', 'lease_expired')),
  constraint job_runs_audio_seconds_nonnegative check (audio_seconds is null or audio_seconds >= 0),
  constraint job_runs_wall_ms_nonnegative check (wall_ms is null or wall_ms >= 0),
  constraint job_runs_peak_rss_bytes_nonnegative check (peak_rss_bytes is null or peak_rss_bytes >= 0)
);
comment on table public.job_runs is
  'One row per job attempt, written by queue.complete/fail/reap_expired_leases. job_id is not a foreign key: '
  'runs are history. real_time_factor = wall seconds / audio seconds (lower is faster). Service role only.';
comment on column public.job_runs.outcome is
  'done | retry (failed, rescheduled) | dead (failed for good) | lease_expired (reaped).';
comment on column public.job_runs.audio_seconds is 'Seconds of audio processed in this attempt.';
comment on column public.job_runs.wall_ms is 'Wall-clock ms the node spent on this attempt.';
comment on column public.job_runs.peak_rss_bytes is 'Peak resident set size of the node process, bytes.';

create index job_runs_job_id_idx on public.job_runs (job_id);
create index job_runs_recording_id_idx on public.job_runs (recording_id);

-- Operational data (node ids, error texts): service role only. RLS on with no policies for users.
revoke all on public.job_runs from public, anon, authenticated;
grant select, insert, update, delete on public.job_runs to service_role;

alter table public.job_runs enable row level security;
