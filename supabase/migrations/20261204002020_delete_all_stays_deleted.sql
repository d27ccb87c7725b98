-- Issue 19 item 6: "delete all my data" answered 200 but data came back. Now:
-- * user_api.delete_my_data also removes the Limitless key and the ingest windows (their ingest jobs go
--   with them), so nothing re-downloads the deleted days and no window of a deleted recording is left
--   "pending" for ever; queued and running jobs go with the recordings (cascade), as before.
-- * The daily upload quota survives it: the last 24 hours' registrations are kept as
--   queue.deleted_registrations rows that queue.register_recording counts.
-- * Clips a running job uploads after the delete: its report is refused (JOB_NOT_FOUND) and the report
--   function hands the clip keys to queue.discard_clips, which queues those whose recording no longer
--   exists in queue.upload_deletions (now with a bucket); the dispatch function deletes them.

create table queue.deleted_registrations (
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  registered_at timestamptz not null,
  size_bytes bigint not null
);
comment on table queue.deleted_registrations is
  'Registrations of the last 24 hours whose recordings were deleted by the user: they still count '
  'against the daily quota (queue.register_recording). Rows older than 24 hours are pruned on delete.';
create index deleted_registrations_user_id_idx on queue.deleted_registrations (user_id, registered_at);
revoke all on queue.deleted_registrations from public, anon, authenticated;
grant select on queue.deleted_registrations to service_role;

-- queue.register_recording as in 20261201002020_recording_registration_limits.sql, plus the deleted
-- registrations of the last 24 hours in the quota.
create or replace function queue.register_recording(
  user_id uuid,
  started_at timestamptz,
  ended_at timestamptz,
  format text,
  size_bytes bigint,
  source text default 'upload',
  max_daily_recordings integer default 288,
  max_daily_bytes bigint default 8589934592,
  out recording_id uuid,
  out object_key text,
  out local_date date,
  out time_zone text
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  extension text;
  overlapping uuid;
  recent_count integer;
  recent_bytes bigint;
begin
  -- Locks the profile: one registration per user at a time (overlap and quota checks stay true).
  select p.time_zone into time_zone from public.profiles p
  where p.user_id = register_recording.user_id for update;
  if time_zone is null then
    raise exception 'PROFILE_NOT_FOUND: user % has no profile', register_recording.user_id using errcode = '23503';
  end if;
  extension := case register_recording.format
    when 'ogg-opus' then 'ogg' when 'ogg-vorbis' then 'ogg' when 'wav' then 'wav' when 'flac' then 'flac'
    when 'mp3' then 'mp3' end;
  if extension is null then
    raise exception 'INVALID_ARGUMENT: unknown format "%"', register_recording.format using errcode = '22023';
  end if;
  if register_recording.ended_at - register_recording.started_at > interval '24 hours' then
    raise exception 'INVALID_ARGUMENT: a recording spans at most 24 hours' using errcode = '22023';
  end if;
  if register_recording.started_at < timestamptz '2000-01-01 00:00:00+00' then
    raise exception 'INVALID_ARGUMENT: started_at (%) is before 2000', register_recording.started_at
      using errcode = '22023';
  end if;
  if register_recording.ended_at > pg_catalog.now() + interval '10 minutes' then
    raise exception 'INVALID_ARGUMENT: ended_at (%) is in the future; register a recording after it ends',
      register_recording.ended_at using errcode = '22023';
  end if;

  select r.id into overlapping from public.recordings r
  where r.user_id = register_recording.user_id
    and r.started_at > register_recording.started_at - interval '24 hours'
    and r.started_at < register_recording.ended_at
    and r.ended_at > register_recording.started_at
    and r.status <> 'failed'
  limit 1;
  if overlapping is not null then
    raise exception 'RECORDING_OVERLAP: % – % overlaps recording %', register_recording.started_at,
      register_recording.ended_at, overlapping using errcode = 'GQ011';
  end if;

  select count(*), coalesce(sum(x.size_bytes), 0) into recent_count, recent_bytes
  from (
    select r.size_bytes from public.recordings r
    where r.user_id = register_recording.user_id and r.created_at > pg_catalog.now() - interval '24 hours'
    union all
    select d.size_bytes from queue.deleted_registrations d
    where d.user_id = register_recording.user_id and d.registered_at > pg_catalog.now() - interval '24 hours'
  ) x;
  if recent_count >= register_recording.max_daily_recordings then
    raise exception 'QUOTA_EXCEEDED: at most % recordings in 24 hours', register_recording.max_daily_recordings
      using errcode = 'GQ012';
  end if;
  if recent_bytes + register_recording.size_bytes > register_recording.max_daily_bytes then
    raise exception 'QUOTA_EXCEEDED: at most % bytes of recordings in 24 hours', register_recording.max_daily_bytes
      using errcode = 'GQ012';
  end if;

  recording_id := gen_random_uuid();
  local_date := (register_recording.started_at at time zone time_zone)::date;
  object_key := pg_catalog.format('%s/%s/%s.%s', register_recording.user_id,
                                  pg_catalog.to_char(local_date, 'YYYY-MM-DD'), recording_id, extension);
  insert into public.recordings (id, user_id, object_key, started_at, ended_at, format, size_bytes, source, status)
  values (recording_id, register_recording.user_id, object_key, register_recording.started_at,
          register_recording.ended_at, register_recording.format, register_recording.size_bytes,
          coalesce(register_recording.source, 'upload'), 'uploading');
end
$$;
comment on function queue.register_recording(uuid, timestamptz, timestamptz, text, bigint, text, integer, bigint) is
  'Registers a recording about to be uploaded (status uploading) after range, overlap and quota checks '
  '(deleted registrations of the last 24 hours count); returns its object key.';

-- user_api.delete_my_data as in 20261201005000_user_api.sql, plus: serialised with the user's
-- registrations (profile row lock), the quota carried over, the Limitless key and ingest windows removed.
create or replace function user_api.delete_my_data(out recordings integer, out events integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := user_api.current_user_id();
begin
  perform 1 from public.profiles p where p.user_id = uid for update;
  delete from queue.deleted_registrations d
  where d.user_id = uid and d.registered_at <= pg_catalog.now() - interval '24 hours';
  insert into queue.deleted_registrations (user_id, registered_at, size_bytes)
  select r.user_id, r.created_at, coalesce(r.size_bytes, 0) from public.recordings r
  where r.user_id = uid and r.created_at > pg_catalog.now() - interval '24 hours';

  select count(*)::integer into events from public.laughter_events e where e.user_id = uid;
  delete from private.limitless_keys k where k.user_id = uid;
  -- Jobs before their windows and recordings: the order complete() and complete_ingest lock them in.
  delete from queue.jobs j where j.user_id = uid;
  delete from queue.ingest_windows w where w.user_id = uid;
  delete from public.recordings r where r.user_id = uid;
  get diagnostics recordings = row_count;
  delete from queue.swept_days s where s.user_id = uid;
  delete from public.reprocess_requests q where q.user_id = uid;
end
$$;

-- Objects to delete now carry their bucket: expired uploads (recordings) and clips of refused reports.
alter table queue.upload_deletions
  add column bucket text not null default 'recordings' check (bucket in ('recordings', 'clips'));
comment on table queue.upload_deletions is
  'Objects still to delete (drained by the dispatch function): expired uploads in the recordings bucket, '
  'clips uploaded by a job whose recording was deleted while it ran in the clips bucket.';

-- queue.take_upload_deletions as in 20261201002030_expire_uploads.sql, plus the bucket.
drop function queue.take_upload_deletions(integer, interval);
create function queue.take_upload_deletions(
  max_count integer default 20,
  retry_after interval default interval '10 minutes'
)
returns table (deletion_id bigint, bucket text, object_key text)
language sql
security definer
set search_path = ''
as $$
  update queue.upload_deletions d
  set next_attempt_at = pg_catalog.now() + retry_after, attempts = d.attempts + 1
  where d.id in (
    select u.id from queue.upload_deletions u
    where u.next_attempt_at <= pg_catalog.now()
    order by u.next_attempt_at
    limit max_count
    for update skip locked
  )
  returning d.id, d.bucket, d.object_key
$$;
comment on function queue.take_upload_deletions(integer, interval) is
  'Leases up to max_count due object deletions (expired uploads, discarded clips) with their bucket.';

-- queue.discard_clips(object_keys) -> how many were queued for deletion
--   Clip keys a node reported for a job that no longer exists. Only keys of the form
--   <user_id>/<recording_id>/<name> whose recording does not exist are queued (a key of a live
--   recording is never deleted this way); others are ignored.
create function queue.discard_clips(object_keys text[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  queued integer;
begin
  insert into queue.upload_deletions (bucket, object_key)
  select 'clips', k.key
  from pg_catalog.unnest(discard_clips.object_keys) as k (key)
  where k.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[^/]+$'
    and not exists (select 1 from public.recordings r where r.id = pg_catalog.split_part(k.key, '/', 2)::uuid)
  on conflict (object_key) do nothing;
  get diagnostics queued = row_count;
  return queued;
end
$$;
comment on function queue.discard_clips(text[]) is
  'Queues for deletion the clips (<user_id>/<recording_id>/<name>) of recordings that no longer exist.';

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
revoke all on all functions in schema user_api from public, anon;
grant execute on all functions in schema user_api to authenticated;
