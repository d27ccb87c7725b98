-- Queue API, part 3: finishing an attempt (complete, fail). Both write one public.job_runs row.

-- Turns the node's run statistics into a job_runs row. run_stats keys (all optional):
--   node_id text, audio_seconds number, wall_ms integer, real_time_factor number (computed from the other
--   two when absent), peak_rss_bytes integer, started_at timestamptz (defaults to the claim time).
create or replace function private.insert_job_run(
  job queue.jobs,
  outcome text,
  run_stats jsonb,
  model_version text,
  error text
)
returns void
language plpgsql
set search_path = ''
as $$
declare
  stats jsonb := coalesce(run_stats, '{}'::jsonb);
  audio_seconds double precision := (stats ->> 'audio_seconds')::double precision;
  wall_ms integer := round((stats ->> 'wall_ms')::numeric)::integer;
begin
  if pg_catalog.jsonb_typeof(stats) <> 'object' then
    raise exception 'INVALID_ARGUMENT: run_stats must be a JSON object' using errcode = '22023';
  end if;
  insert into public.job_runs (job_id, job_kind, recording_id, user_id, attempt, outcome, node_id, model_version,
                               audio_seconds, wall_ms, real_time_factor, peak_rss_bytes, error, started_at)
  values (
    job.id, job.kind, job.recording_id, job.user_id, job.attempts, outcome,
    coalesce(stats ->> 'node_id', job.claimed_by),
    model_version,
    audio_seconds,
    wall_ms,
    coalesce(
      (stats ->> 'real_time_factor')::double precision,
      case when audio_seconds > 0 and wall_ms is not null then wall_ms / 1000.0 / audio_seconds end
    ),
    (stats ->> 'peak_rss_bytes')::bigint,
    error,
    coalesce((stats ->> 'started_at')::timestamptz, job.claimed_at)
  );
end
$$;

-- queue.complete(job_id, lease_token, events, run_stats, model_version) -> outcome jsonb
--   In one transaction: verifies the lease, deletes the recording's events of model_version, inserts the
--   new ones, marks the job and the recording done, writes a job_runs row. Returns
--   {job_id, recording_id, status:'done', model_version, events_inserted, events_replaced, completed_at}.
--   A retry with the same token after success returns the stored outcome and changes nothing.
--   A lease that expired but was not yet reclaimed is still accepted (the work is done and still ours).
--   events: JSON array of {start_offset_ms, end_offset_ms, peak_probability, mean_probability, class_id,
--   class_name, clip_object_key} (offsets integer ms from the recording start).
create or replace function queue.complete(
  job_id bigint,
  lease_token uuid,
  events jsonb,
  run_stats jsonb,
  model_version text
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(complete.job_id, complete.lease_token);
  recording public.recordings;
  replaced integer;
  inserted integer;
  result jsonb;
begin
  if job.status = 'done' then
    return job.outcome;
  end if;
  if complete.model_version is null or complete.model_version = '' then
    raise exception 'INVALID_ARGUMENT: model_version is required' using errcode = '22023';
  end if;
  if complete.events is null or pg_catalog.jsonb_typeof(complete.events) <> 'array' then
    raise exception 'INVALID_ARGUMENT: events must be a JSON array (use [] for none)' using errcode = '22023';
  end if;

  select * into recording from public.recordings r where r.id = job.recording_id for update;

  delete from public.laughter_events ev
  where ev.recording_id = recording.id and ev.model_version = complete.model_version;
  get diagnostics replaced = row_count;

  insert into public.laughter_events (user_id, recording_id, starts_at, ends_at, start_offset_ms, end_offset_ms,
                                      peak_probability, mean_probability, class_id, class_name,
                                      clip_object_key, model_version)
  select recording.user_id, recording.id,
         recording.started_at + e.start_offset_ms * interval '1 millisecond',
         recording.started_at + e.end_offset_ms * interval '1 millisecond',
         e.start_offset_ms, e.end_offset_ms, e.peak_probability, e.mean_probability, e.class_id, e.class_name,
         e.clip_object_key, complete.model_version
  from pg_catalog.jsonb_to_recordset(complete.events) as e(
    start_offset_ms integer, end_offset_ms integer, peak_probability real, mean_probability real,
    class_id integer, class_name text, clip_object_key text
  );
  get diagnostics inserted = row_count;

  update public.recordings r
  set status = 'done', model_version = complete.model_version, processed_at = pg_catalog.now(),
      duration_ms = coalesce(r.duration_ms, round((complete.run_stats ->> 'audio_seconds')::numeric * 1000)::bigint)
  where r.id = recording.id;

  result := pg_catalog.jsonb_build_object(
    'job_id', job.id, 'recording_id', recording.id, 'status', 'done',
    'model_version', complete.model_version, 'events_inserted', inserted, 'events_replaced', replaced,
    'completed_at', pg_catalog.now()
  );
  update queue.jobs j
  set status = 'done', outcome = result, finished_at = pg_catalog.now(), lease_expires_at = pg_catalog.now()
  where j.id = job.id;

  perform private.insert_job_run(job, 'done', complete.run_stats, complete.model_version, null);
  return result;
end
$$;
comment on function queue.complete(bigint, uuid, jsonb, jsonb, text) is
  'Atomically replaces a recording''s events for a model version and marks it done; idempotent per lease.';

-- queue.fail(job_id, lease_token, error, retryable, run_stats, backoff_base, backoff_max) -> jsonb
--   Records last_error. Retryable and attempts < max_attempts: back to queued at
--   now() + least(backoff_base * 2^(attempts-1), backoff_max). Otherwise (or not retryable): dead, and
--   the recording becomes failed. Returns {job_id, status:'queued'|'dead', attempts, max_attempts, run_at}.
create or replace function queue.fail(
  job_id bigint,
  lease_token uuid,
  error text,
  retryable boolean,
  run_stats jsonb default '{}'::jsonb,
  backoff_base interval default interval '30 seconds',
  backoff_max interval default interval '1 hour'
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(fail.job_id, fail.lease_token);
  is_dead boolean;
  next_run_at timestamptz;
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  is_dead := not coalesce(fail.retryable, false) or job.attempts >= job.max_attempts;
  -- Exponent capped so 2^n cannot overflow an interval; backoff_max bounds the delay anyway.
  next_run_at := case when is_dead then pg_catalog.now() else
    pg_catalog.now() + least(fail.backoff_base * power(2, least(greatest(job.attempts - 1, 0), 30)), fail.backoff_max)
  end;

  update queue.jobs j
  set status = case when is_dead then 'dead' else 'queued' end,
      run_at = next_run_at, lease_token = null, lease_expires_at = null,
      last_error = coalesce(fail.error, 'unknown error'),
      finished_at = case when is_dead then pg_catalog.now() end
  where j.id = job.id;
  if job.kind = 'detect' then
    update public.recordings r set status = case when is_dead then 'failed' else 'queued' end
    where r.id = job.recording_id;
  end if;

  perform private.insert_job_run(job, case when is_dead then 'dead' else 'retry' end, fail.run_stats, null,
                                 coalesce(fail.error, 'unknown error'));
  return pg_catalog.jsonb_build_object(
    'job_id', job.id, 'status', case when is_dead then 'dead' else 'queued' end,
    'attempts', job.attempts, 'max_attempts', job.max_attempts, 'run_at', next_run_at
  );
end
$$;
comment on function queue.fail(bigint, uuid, text, boolean, jsonb, interval, interval) is
  'Records a failed attempt: exponential backoff while retryable and attempts remain, else dead.';

revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
