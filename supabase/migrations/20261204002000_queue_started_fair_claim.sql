-- Issue 19 item 4 and issue 21 (queue fairness), part 1: leases that only count when the work started,
-- claims interleaved across users, reprocess that never voids a running lease nor silently revives a
-- dead job.
--
-- * started_at: a node tells the queue when it begins a job (queue.start, through the `report` function).
--   A detect job whose lease expires before it started (it only waited in a node's queue when the node
--   died) does not lose an attempt: the reaper gives the attempt back; so does queue.fail for a retryable
--   failure of a job that never started (SHUTTING_DOWN or DEADLINE_EXCEEDED while it waited). So that a
--   poison input whose start notice never arrives cannot loop for ever, only 3 × max_attempts of these
--   are forgiven per job.
-- * Claims interleave users (start-time fair queuing): a job entering `queued` gets a virtual start time
--   fair_at = max(the oldest fair_at still queued, the user's latest queued fair_at + 1 s), and
--   queue.claim takes runnable jobs by fair_at. A user who queues 4,000 jobs at once spreads them over
--   4,000 virtual seconds; another user's job enters at the head, after at most one job of each user
--   ahead. Both lookups and the claim are index scans, so a claim stays O(batch).
-- * enqueue(reprocess => true) on a processing job sets rerun_requested instead of voiding the lease: the
--   node's report is stored and the job is queued once more right after. On a dead job it is an explicit,
--   counted retry (jobs.retries, at most queue.queue_settings.max_dead_retries), never a silent reset.

create table queue.queue_settings (
  id boolean primary key default true check (id),
  max_dead_retries integer not null default 3 check (max_dead_retries >= 0),
  max_outstanding_per_user integer not null default 1000 check (max_outstanding_per_user >= 1),
  reprocess_coalesce_for interval not null default interval '1 hour'
);
insert into queue.queue_settings default values;
comment on table queue.queue_settings is
  'Queue settings (one row): max_dead_retries (explicit reprocess retries of a dead job), '
  'max_outstanding_per_user (queued + running detect jobs a reprocess request may bring a user to), '
  'reprocess_coalesce_for (a reprocess request overlapping one this recent, or one still running, joins it).';
grant select on queue.queue_settings to service_role;

alter table queue.jobs
  add column started_at timestamptz,
  add column unstarted_expiries integer not null default 0,
  add column rerun_requested boolean not null default false,
  add column retries integer not null default 0,
  add column fair_at timestamptz not null default now();
update queue.jobs set fair_at = run_at;
comment on column queue.jobs.started_at is
  'When the node holding the current lease began the work (queue.start); null while it only waits there.';
comment on column queue.jobs.unstarted_expiries is
  'Leases that expired before the job started (not counted as attempts, at most 3 × max_attempts forgiven).';
comment on column queue.jobs.rerun_requested is
  'A reprocess arrived while the job ran: its report is stored, then the job is queued once more.';
comment on column queue.jobs.retries is 'Explicit retries of this job after it was dead (reprocess).';
comment on column queue.jobs.fair_at is
  'Virtual start time (start-time fair queuing), set by a trigger whenever the job becomes queued: claim order.';

-- Claim order, and the oldest queued virtual time per kind.
create index jobs_fair_idx on queue.jobs (kind, fair_at, id) where status = 'queued';
-- A user's latest queued virtual time.
create index jobs_user_fair_idx on queue.jobs (kind, user_id, fair_at) where status = 'queued';

-- Two index probes per job that becomes queued. enable_seqscan = off: a bulk insert (the sweep, a large
-- reprocess) would otherwise reuse a plan made while the table looked small and scan it for every row.
create or replace function private.jobs_set_fair_at()
returns trigger
language plpgsql
set search_path = ''
set enable_seqscan = off
as $$
declare
  system_at timestamptz;
  user_at timestamptz;
begin
  if new.status = 'queued' and (tg_op = 'INSERT' or old.status is distinct from 'queued') then
    select j.fair_at into system_at from queue.jobs j
    where j.kind = new.kind and j.status = 'queued'
    order by j.fair_at limit 1;
    select j.fair_at into user_at from queue.jobs j
    where j.kind = new.kind and j.status = 'queued' and j.user_id = new.user_id
    order by j.fair_at desc limit 1;
    new.fair_at := coalesce(greatest(system_at, user_at + interval '1 second'), pg_catalog.now());
  end if;
  return new;
end
$$;

create trigger jobs_set_fair_at
  before insert or update of status on queue.jobs
  for each row execute function private.jobs_set_fair_at();

-- queue.claim as in 20261128000900_queue_leases.sql, except: runnable jobs by fair_at (users
-- interleaved), and started_at and rerun_requested cleared for the new lease.
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
-- Claims must walk jobs_fair_idx whatever the statistics say (see jobs_set_fair_at).
set enable_seqscan = off
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
    order by j.fair_at, j.id
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
        claimed_at = pg_catalog.now(),
        started_at = null,
        rerun_requested = false
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
  order by c.fair_at, c.id;
end
$$;
comment on function queue.claim(integer, interval, text, text) is
  'Leases up to batch_size runnable jobs (SKIP LOCKED) in fair_at order, which interleaves users; returns '
  'job id, lease token/expiry and the recording.';

-- queue.start(job_id, lease_token) -> started_at
--   The node began the work of this lease: from now on an expired lease counts as an attempt (the node
--   may have died on this input). Idempotent per lease. Errors: GQ001, GQ002, GQ004.
create or replace function queue.start(job_id bigint, lease_token uuid)
returns timestamptz
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(start.job_id, start.lease_token);
  at timestamptz;
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  update queue.jobs j set started_at = coalesce(j.started_at, pg_catalog.now()) where j.id = job.id
  returning j.started_at into at;
  return at;
end
$$;
comment on function queue.start(bigint, uuid) is
  'Marks the leased job as started on its node: only then does an expired lease burn an attempt.';

-- queue.reap_expired_leases as in 20261128000900_queue_leases.sql, plus: a detect job that never started
-- gets its attempt back (up to 3 × max_attempts times).
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
  forgiven boolean;
  message text;
begin
  for job in
    select * from queue.jobs j
    where j.status = 'processing' and j.lease_expires_at <= reap_expired_leases.now
    order by j.lease_expires_at
    for update skip locked
  loop
    forgiven := job.kind = 'detect' and job.started_at is null
                and job.unstarted_expiries < 3 * job.max_attempts;
    is_dead := not forgiven and job.attempts >= job.max_attempts;
    message := case when forgiven then
      pg_catalog.format('LEASE_EXPIRED_UNSTARTED: lease of node %s expired at %s before the job started '
                        '(attempt not counted)', coalesce(job.claimed_by, 'unknown'), job.lease_expires_at)
    else
      pg_catalog.format('LEASE_EXPIRED: lease of node %s expired at %s (attempt %s of %s)',
        coalesce(job.claimed_by, 'unknown'), job.lease_expires_at, job.attempts, job.max_attempts)
    end;
    update queue.jobs j
    set status = case when is_dead then 'dead' else 'queued' end,
        attempts = case when forgiven then greatest(j.attempts - 1, 0) else j.attempts end,
        unstarted_expiries = j.unstarted_expiries + case when forgiven then 1 else 0 end,
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
            case when is_dead then 'dead' else 'lease_expired' end, job.claimed_by, message,
            coalesce(job.started_at, job.claimed_at));
    reaped := reaped + 1;
  end loop;
  return reaped;
end
$$;
comment on function queue.reap_expired_leases(timestamptz) is
  'Requeues (or dead-letters after max_attempts) processing jobs whose lease expired; a detect job that '
  'never started keeps its attempt. Returns the count.';

-- queue.fail as in 20261128001000_queue_complete_fail.sql, plus: a retryable failure of a detect job that
-- never started (it waited in the node's queue) keeps its attempt and is runnable again at once.
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
  forgiven boolean;
  is_dead boolean;
  next_run_at timestamptz;
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  forgiven := coalesce(fail.retryable, false) and job.kind = 'detect' and job.started_at is null
              and job.unstarted_expiries < 3 * job.max_attempts;
  is_dead := not forgiven and (not coalesce(fail.retryable, false) or job.attempts >= job.max_attempts);
  -- Exponent capped so 2^n cannot overflow an interval; backoff_max bounds the delay anyway.
  next_run_at := case when is_dead or forgiven then pg_catalog.now() else
    pg_catalog.now() + least(fail.backoff_base * power(2, least(greatest(job.attempts - 1, 0), 30)), fail.backoff_max)
  end;

  update queue.jobs j
  set status = case when is_dead then 'dead' else 'queued' end,
      attempts = case when forgiven then greatest(j.attempts - 1, 0) else j.attempts end,
      unstarted_expiries = j.unstarted_expiries + case when forgiven then 1 else 0 end,
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
    'attempts', case when forgiven then greatest(job.attempts - 1, 0) else job.attempts end,
    'max_attempts', job.max_attempts, 'run_at', next_run_at
  );
end
$$;
comment on function queue.fail(bigint, uuid, text, boolean, jsonb, interval, interval) is
  'Records a failed attempt: exponential backoff while retryable and attempts remain, else dead; a retryable '
  'failure of a detect job that never started keeps its attempt.';

-- private.reprocess_job(job, since) -> what happened: 'coalesced' | 'rerun' | 'requeued' | 'retried' | 'dead'
--   The caller holds the job's row lock. since (null: now) is when the reprocess was asked for: a job
--   claimed or finished after it already serves that request and is left alone (coalesced).
--   queued: coalesced. processing: rerun_requested (its lease stays valid). done: queued, attempts 0.
--   dead: an explicit retry, counted in retries, while retries < max_dead_retries; else it stays dead.
create or replace function private.reprocess_job(job queue.jobs, since timestamptz default null)
returns text
language plpgsql
set search_path = ''
as $$
declare
  max_retries integer;
begin
  if job.status = 'queued' then
    return 'coalesced';
  end if;
  if job.status = 'processing' then
    if since is not null and job.claimed_at >= since or job.rerun_requested then
      return 'coalesced';
    end if;
    update queue.jobs j set rerun_requested = true where j.id = job.id;
    return 'rerun';
  end if;
  if since is not null and job.finished_at >= since then
    return case when job.status = 'dead' then 'dead' else 'coalesced' end;
  end if;
  if job.status = 'dead' then
    select s.max_dead_retries into max_retries from queue.queue_settings s;
    if job.retries >= max_retries then
      return 'dead';
    end if;
  end if;
  update queue.jobs j
  set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null,
      lease_expires_at = null, claimed_by = null, claimed_at = null, started_at = null, last_error = null,
      outcome = null, finished_at = null, unstarted_expiries = 0,
      retries = j.retries + case when job.status = 'dead' then 1 else 0 end
  where j.id = job.id;
  if job.kind = 'detect' then
    update public.recordings r set status = 'queued' where r.id = job.recording_id and r.status <> 'queued';
  end if;
  return case when job.status = 'dead' then 'retried' else 'requeued' end;
end
$$;

-- queue.enqueue as in 20261128000800_queue_enqueue.sql, except reprocess => true: see private.reprocess_job
-- (a processing job keeps its lease and runs once more after; a dead job is a counted retry).
create or replace function queue.enqueue(
  recording_id uuid,
  reprocess boolean default false,
  kind text default 'detect'
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  recording public.recordings;
  job queue.jobs;
begin
  select * into recording from public.recordings r where r.id = enqueue.recording_id;
  if not found then
    raise exception 'RECORDING_NOT_FOUND: recording % does not exist', enqueue.recording_id
      using errcode = 'GQ005';
  end if;

  insert into queue.jobs (kind, recording_id, user_id)
  values (enqueue.kind, recording.id, recording.user_id)
  on conflict on constraint jobs_kind_recording_id_key do nothing
  returning * into job;

  if job.id is null then
    select * into job from queue.jobs j
    where j.kind = enqueue.kind and j.recording_id = recording.id
    for update;
    if enqueue.reprocess then
      perform private.reprocess_job(job);
    end if;
    return job.id;
  end if;

  if enqueue.kind = 'detect' then
    update public.recordings r set status = 'queued' where r.id = recording.id and r.status <> 'queued';
  end if;
  return job.id;
end
$$;
comment on function queue.enqueue(uuid, boolean, text) is
  'Idempotently queues a job for a recording; returns the job id. reprocess => re-run a done job, re-run a '
  'running one after it completes, retry a dead one (counted, at most max_dead_retries).';

-- queue.complete as in 20261201001000_recording_decode_warning.sql, plus: a job whose rerun was requested
-- while it ran is queued again right after its result is stored.
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
  set status = case when job.rerun_requested then 'queued' else 'done' end,
      model_version = complete.model_version, processed_at = pg_catalog.now(),
      duration_ms = coalesce(r.duration_ms, round((complete.run_stats ->> 'audio_seconds')::numeric * 1000)::bigint),
      decode_warning = pg_catalog.left(nullif(complete.run_stats ->> 'decode_warning', ''), 1000)
  where r.id = recording.id;

  result := pg_catalog.jsonb_build_object(
    'job_id', job.id, 'recording_id', recording.id, 'status', 'done',
    'model_version', complete.model_version, 'events_inserted', inserted, 'events_replaced', replaced,
    'completed_at', pg_catalog.now()
  );
  if job.rerun_requested then
    update queue.jobs j
    set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null, lease_expires_at = null,
        claimed_by = null, claimed_at = null, started_at = null, outcome = null, finished_at = null,
        last_error = null, rerun_requested = false, unstarted_expiries = 0
    where j.id = job.id;
  else
    update queue.jobs j
    set status = 'done', outcome = result, finished_at = pg_catalog.now(), lease_expires_at = pg_catalog.now()
    where j.id = job.id;
  end if;

  perform private.insert_job_run(job, 'done', complete.run_stats, complete.model_version, null);
  return result;
end
$$;
comment on function queue.complete(bigint, uuid, jsonb, jsonb, text) is
  'Atomically replaces a recording''s events for a model version and marks it done (storing run_stats '
  '->> decode_warning on the recording), or queues it again when a rerun was requested while it ran; '
  'idempotent per lease.';

revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
