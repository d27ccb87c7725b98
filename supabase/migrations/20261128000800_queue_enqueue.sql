-- Queue API, part 1: putting recordings on the queue (enqueue, reprocess).
-- Error codes (class GQ, stable; listed in supabase/README.md):
--   GQ001 JOB_NOT_FOUND, GQ002 LEASE_MISMATCH, GQ003 LEASE_EXPIRED, GQ004 JOB_ALREADY_DONE,
--   GQ005 RECORDING_NOT_FOUND; 22023 for invalid arguments.

-- queue.enqueue(recording_id, reprocess, kind) -> job id
--   Idempotent: one job per (kind, recording). An existing queued/processing/done/dead job is left alone,
--   unless reprocess is true, in which case a done/dead/processing job is reset to queued (attempts 0).
--   Resetting a processing job invalidates its lease: the running node's complete() gets LEASE_MISMATCH.
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
    if not (enqueue.reprocess and job.status in ('done', 'dead', 'processing')) then
      return job.id;
    end if;
    update queue.jobs j
    set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null,
        lease_expires_at = null, claimed_by = null, claimed_at = null, last_error = null, outcome = null,
        finished_at = null
    where j.id = job.id;
  end if;

  if enqueue.kind = 'detect' then
    update public.recordings r set status = 'queued' where r.id = recording.id and r.status <> 'queued';
  end if;
  return job.id;
end
$$;
comment on function queue.enqueue(uuid, boolean, text) is
  'Idempotently queues a job for a recording; returns the job id. reprocess => re-run a done/dead/processing job.';

-- queue.reprocess(user_id, from_date, to_date) -> number of recordings re-queued
--   Re-queues the user's recordings whose local_date is in [from_date, to_date]. Events are NOT deleted
--   here: the next complete() replaces them atomically, so the user never sees an empty day in between.
create or replace function queue.reprocess(user_id uuid, from_date date, to_date date)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  target_id uuid;
  requeued integer := 0;
begin
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'INVALID_DATE_RANGE: from_date (%) must be on or before to_date (%)', from_date, to_date
      using errcode = '22023';
  end if;
  for target_id in
    select r.id from public.recordings r
    where r.user_id = reprocess.user_id and r.local_date between reprocess.from_date and reprocess.to_date
    order by r.started_at
  loop
    perform queue.enqueue(target_id, true, 'detect');
    requeued := requeued + 1;
  end loop;
  return requeued;
end
$$;
comment on function queue.reprocess(uuid, date, date) is
  'Re-queues a user''s recordings with local_date in [from_date, to_date]; returns how many.';

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
