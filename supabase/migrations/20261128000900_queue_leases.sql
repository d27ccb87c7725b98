-- Queue API, part 2: leases (claim, heartbeat, release, reap_expired_leases).
-- A claim hands out a fresh lease_token; every later call on that job must present it. A lease that
-- runs out is reaped (the attempt counts); release() hands a job back without counting the attempt.

-- Locks a job row and checks the caller's lease token. Raises GQ001 / GQ002. A done job keeps its token,
-- so complete() can answer a retry with the stored outcome.
create or replace function private.lock_leased_job(job_id bigint, lease_token uuid)
returns queue.jobs
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs;
begin
  select * into job from queue.jobs j where j.id = lock_leased_job.job_id for update;
  if not found then
    raise exception 'JOB_NOT_FOUND: job % does not exist', lock_leased_job.job_id
      using errcode = 'GQ001', hint = 'The recording (and its job) may have been deleted; drop the result.';
  end if;
  if job.status not in ('processing', 'done')
     or job.lease_token is distinct from lock_leased_job.lease_token then
    raise exception 'LEASE_MISMATCH: job % is no longer held by lease %', job.id, lock_leased_job.lease_token
      using errcode = 'GQ002',
            hint = 'A newer claim, a release, the reaper or a reprocess superseded this lease: drop the result, do not retry.';
  end if;
  return job;
end
$$;

-- queue.claim(batch_size, lease, node_id, kind) -> the claimed jobs
--   Takes up to batch_size runnable jobs (status queued, run_at <= now()) with FOR UPDATE SKIP LOCKED, so
--   concurrent claimers never block each other nor get the same job. Each gets a fresh lease_token,
--   lease_expires_at = now() + lease, attempts + 1; its recording goes to processing.
create or replace function queue.claim(
  batch_size integer,
  lease interval default interval '5 minutes',
  node_id text default null,
  kind text default 'detect'
)
returns table (
  job_id bigint,
  lease_token uuid,
  lease_expires_at timestamptz,
  attempt integer,
  max_attempts integer,
  job_kind text,
  recording_id uuid,
  user_id uuid,
  object_key text,
  format text,
  started_at timestamptz,
  ended_at timestamptz
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if claim.batch_size is null or claim.batch_size < 1 then
    raise exception 'INVALID_ARGUMENT: batch_size must be >= 1 (got %)', claim.batch_size using errcode = '22023';
  end if;
  if claim.lease is null or claim.lease <= interval '0' then
    raise exception 'INVALID_ARGUMENT: lease must be a positive interval (got %)', claim.lease
      using errcode = '22023';
  end if;

  return query
  with picked as (
    select j.id
    from queue.jobs j
    where j.status = 'queued' and j.kind = claim.kind and j.run_at <= pg_catalog.now()
    order by j.run_at, j.id
    limit claim.batch_size
    for update skip locked
  ),
  claimed as (
    update queue.jobs j
    set status = 'processing',
        lease_token = gen_random_uuid(),
        lease_expires_at = pg_catalog.now() + claim.lease,
        attempts = j.attempts + 1,
        claimed_by = claim.node_id,
        claimed_at = pg_catalog.now()
    from picked
    where j.id = picked.id
    returning j.*
  ),
  recording as (
    update public.recordings r
    set status = 'processing'
    from claimed c
    where r.id = c.recording_id and c.kind = 'detect'
  )
  select c.id, c.lease_token, c.lease_expires_at, c.attempts, c.max_attempts, c.kind, c.recording_id,
         c.user_id, r.object_key, r.format, r.started_at, r.ended_at
  from claimed c
  join public.recordings r on r.id = c.recording_id
  order by c.run_at, c.id;
end
$$;
comment on function queue.claim(integer, interval, text, text) is
  'Leases up to batch_size runnable jobs (SKIP LOCKED); returns job id, lease token/expiry and the recording.';

-- queue.heartbeat(job_id, lease_token, lease) -> new lease_expires_at
--   Extends a live lease to now() + lease. Errors: GQ001, GQ002, GQ003 (lease already expired), GQ004.
create or replace function queue.heartbeat(
  job_id bigint,
  lease_token uuid,
  lease interval default interval '5 minutes'
)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(heartbeat.job_id, heartbeat.lease_token);
begin
  if heartbeat.lease is null or heartbeat.lease <= interval '0' then
    raise exception 'INVALID_ARGUMENT: lease must be a positive interval (got %)', heartbeat.lease
      using errcode = '22023';
  end if;
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  if job.lease_expires_at <= pg_catalog.now() then
    raise exception 'LEASE_EXPIRED: lease % on job % expired at %', job.lease_token, job.id, job.lease_expires_at
      using errcode = 'GQ003',
            hint = 'The job will be reaped and claimed again; stop working on it.';
  end if;
  update queue.jobs j set lease_expires_at = pg_catalog.now() + heartbeat.lease where j.id = job.id;
  return pg_catalog.now() + heartbeat.lease;
end
$$;
comment on function queue.heartbeat(bigint, uuid, interval) is
  'Extends a live lease; returns the new expiry. GQ002 on a stale token, GQ003 once expired.';

-- queue.release(job_id, lease_token, delay) -> void
--   Hands a claimed job back WITHOUT counting the attempt (the dispatcher calls this when the inference
--   node answers 429/5xx before starting: that is back-pressure, not a failure of the job).
create or replace function queue.release(
  job_id bigint,
  lease_token uuid,
  delay interval default interval '0'
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(release.job_id, release.lease_token);
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  update queue.jobs j
  set status = 'queued', attempts = greatest(j.attempts - 1, 0), lease_token = null, lease_expires_at = null,
      run_at = pg_catalog.now() + greatest(coalesce(release.delay, interval '0'), interval '0')
  where j.id = job.id;
  if job.kind = 'detect' then
    update public.recordings r set status = 'queued' where r.id = job.recording_id;
  end if;
end
$$;
comment on function queue.release(bigint, uuid, interval) is
  'Gives a claimed job back without burning an attempt (runnable again after delay).';

-- queue.reap_expired_leases(now) -> number of jobs reaped
--   processing jobs whose lease ran out go back to queued (the attempt counts: the node may have crashed
--   because of this input), or to dead when attempts >= max_attempts. One job_runs row per reaped job.
create or replace function queue.reap_expired_leases(now timestamptz default pg_catalog.now())
returns integer
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs;
  reaped integer := 0;
  is_dead boolean;
  message text;
begin
  for job in
    select * from queue.jobs j
    where j.status = 'processing' and j.lease_expires_at <= reap_expired_leases.now
    order by j.lease_expires_at
    for update skip locked
  loop
    is_dead := job.attempts >= job.max_attempts;
    message := pg_catalog.format('LEASE_EXPIRED: lease of node %s expired at %s (attempt %s of %s)',
      coalesce(job.claimed_by, 'unknown'), job.lease_expires_at, job.attempts, job.max_attempts);
    update queue.jobs j
    set status = case when is_dead then 'dead' else 'queued' end,
        run_at = pg_catalog.now(), lease_token = null, lease_expires_at = null, last_error = message,
        finished_at = case when is_dead then pg_catalog.now() end
    where j.id = job.id;
    if job.kind = 'detect' then
      update public.recordings r set status = case when is_dead then 'failed' else 'queued' end
      where r.id = job.recording_id;
    end if;
    insert into public.job_runs (job_id, job_kind, recording_id, user_id, attempt, outcome, node_id, error,
                                 started_at)
    values (job.id, job.kind, job.recording_id, job.user_id, job.attempts,
            case when is_dead then 'dead' else 'lease_expired' end, job.claimed_by, message, job.claimed_at);
    reaped := reaped + 1;
  end loop;
  return reaped;
end
$$;
comment on function queue.reap_expired_leases(timestamptz) is
  'Requeues (or dead-letters after max_attempts) processing jobs whose lease expired; returns the count.';

revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
