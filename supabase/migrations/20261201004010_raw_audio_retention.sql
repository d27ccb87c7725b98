-- Raw audio retention: a recording's object is deleted from the recordings bucket raw_audio_retention
-- (queue.ingest_settings, default 7 days) after its detection succeeded. Clips and events stay; the row
-- stays too, marked audio_deleted_at, so nothing points at it in vain and nothing is orphaned. The
-- deletion is a `delete` job in the same queue, executed by the ingest Edge Function (S3 DELETE, then
-- queue.complete_audio_deletion): the row is marked only after the object is gone, and deleting an
-- object that is already gone succeeds, so a crash in between is simply retried.

alter table public.recordings add column audio_deleted_at timestamptz;
comment on column public.recordings.audio_deleted_at is
  'When the raw object was deleted by the retention job (events and clips stay); null while stored.';

-- queue.plan_audio_deletion(now) -> delete jobs enqueued
create or replace function queue.plan_audio_deletion(now timestamptz default pg_catalog.now())
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  retention interval;
  enqueued integer;
begin
  select s.raw_audio_retention into retention from queue.ingest_settings s;
  insert into queue.jobs (kind, recording_id, user_id)
  select 'delete', r.id, r.user_id
  from public.recordings r
  where r.status = 'done' and r.audio_deleted_at is null and r.processed_at + retention <= plan_audio_deletion.now
  on conflict on constraint jobs_kind_recording_id_key do nothing;
  get diagnostics enqueued = row_count;
  return enqueued;
end
$$;
comment on function queue.plan_audio_deletion(timestamptz) is
  'Enqueues a delete job for every recording whose detection succeeded raw_audio_retention ago.';

-- queue.complete_audio_deletion(job_id, lease_token) -> void: the object is gone; mark the row.
create or replace function queue.complete_audio_deletion(job_id bigint, lease_token uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(complete_audio_deletion.job_id, complete_audio_deletion.lease_token);
begin
  if job.status = 'done' then
    return;
  end if;
  if job.kind <> 'delete' then
    raise exception 'INVALID_ARGUMENT: job % is a % job, not delete', job.id, job.kind using errcode = '22023';
  end if;
  update public.recordings r set audio_deleted_at = coalesce(r.audio_deleted_at, pg_catalog.now())
  where r.id = job.recording_id;
  perform private.finish_job(job,
    pg_catalog.jsonb_build_object('job_id', job.id, 'recording_id', job.recording_id, 'status', 'deleted'));
end
$$;

-- reprocess re-runs detection on stored audio only: a recording whose raw object was deleted is skipped
-- (re-downloading it is never implicit).
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
      and r.status <> 'uploading' and r.audio_deleted_at is null
    order by r.started_at
  loop
    perform queue.enqueue(target_id, true, 'detect');
    requeued := requeued + 1;
  end loop;
  return requeued;
end
$$;
comment on function queue.reprocess(uuid, date, date) is
  'Re-queues a user''s recordings with local_date in [from_date, to_date] whose audio is stored (not uploading, '
  'not deleted by retention); returns how many.';

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;

do $$
begin
  perform cron.unschedule(c.jobid) from cron.job c where c.jobname = 'giggles-plan-audio-deletion';
  perform cron.schedule('giggles-plan-audio-deletion', '17 * * * *', 'select queue.plan_audio_deletion()');
end
$$;
