-- Issue 10 item 6: a recording whose upload was cut used to be analysed as a complete, shorter night
-- with nothing said. The node now reports the decoder's truncation notice; queue.complete stores it on
-- the recording (run_stats key `decode_warning`, at most 1,000 characters), and a clean run clears it.

alter table public.recordings add column decode_warning text;
comment on column public.recordings.decode_warning is
  'Set when the last run analysed only part of the recording (the input ended before the audio its header '
  'announced): what the decoder said, with the byte offset. Null when the whole recording was read.';

-- queue.complete as in 20261128001000_queue_complete_fail.sql, plus decode_warning.
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
      duration_ms = coalesce(r.duration_ms, round((complete.run_stats ->> 'audio_seconds')::numeric * 1000)::bigint),
      decode_warning = pg_catalog.left(nullif(complete.run_stats ->> 'decode_warning', ''), 1000)
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
  'Atomically replaces a recording''s events for a model version and marks it done (storing run_stats '
  '->> decode_warning on the recording); idempotent per lease.';
