-- Registration sanity and quotas. Before this, queue.register_recording accepted any range of up to 24 h:
-- 30 overlapping 24-hour recordings, start years 1900 and 9999. Now, per user:
--   * a recording starts in 2000 or later and ends at most 10 minutes in the future (clock skew): the
--     audio is uploaded after it was recorded;
--   * it does not overlap another of the user's recordings (failed ones excepted): one wearer, one
--     timeline;
--   * at most max_daily_recordings registrations and max_daily_bytes declared bytes in any 24 hours.
-- Registrations of one user are serialised on their profile row, so two concurrent calls cannot both
-- pass the overlap or quota check.

-- Overlap: spans are at most 24 h, so candidates started at most 24 h before the new end.
create index recordings_user_id_started_at_idx on public.recordings (user_id, started_at);
-- Quota: registrations of the last 24 h.
create index recordings_user_id_created_at_idx on public.recordings (user_id, created_at);

drop function queue.register_recording(uuid, timestamptz, timestamptz, text, bigint, text);

-- queue.register_recording(user_id, started_at, ended_at, format, size_bytes, source,
--                          max_daily_recordings, max_daily_bytes) -> (recording_id, object_key, local_date, time_zone)
--   As before (status `uploading`, key `<user_id>/<local yyyy-mm-dd>/<recording_id>.<ext>`), plus the checks
--   above. Errors: 22023 INVALID_ARGUMENT (span over 24 h, unknown format, start before 2000, end in the
--   future), 23514 (ended_at <= started_at, size < 0), 23503 PROFILE_NOT_FOUND, GQ011 RECORDING_OVERLAP,
--   GQ012 QUOTA_EXCEEDED.
create function queue.register_recording(
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

  select count(*), coalesce(sum(r.size_bytes), 0) into recent_count, recent_bytes from public.recordings r
  where r.user_id = register_recording.user_id and r.created_at > pg_catalog.now() - interval '24 hours';
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
  'Registers a recording about to be uploaded (status uploading) after range, overlap and quota checks; '
  'returns its object key.';

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
