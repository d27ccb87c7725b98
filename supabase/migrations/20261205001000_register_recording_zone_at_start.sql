-- Issue 20 (round 2): queue.register_recording answered local_date (and named the object key's day) in the
-- user's *current* zone, while the recordings trigger stores the day in the zone in force when the recording
-- started (20261204004010_time_zone_history.sql). A recording of last week's Tokyo evening, registered after
-- a move to New York, was stored on its Tokyo day but answered (and keyed) as a New York day, so the page
-- watched the wrong day. Now both use private.time_zone_at(user_id, started_at).
--
-- queue.register_recording as in 20261204002020_delete_all_stays_deleted.sql, plus the zone at started_at.
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
  -- The day is cut in the zone in force when the recording started, as the recordings trigger cuts it
  -- (private.recordings_set_local_date), so the answer and the object key name the day it is stored under.
  time_zone := coalesce(private.time_zone_at(register_recording.user_id, register_recording.started_at),
                        time_zone);
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
  '(deleted registrations of the last 24 hours count); returns its object key, and its local date and zone: '
  'the zone in force at started_at (private.time_zone_at).';
