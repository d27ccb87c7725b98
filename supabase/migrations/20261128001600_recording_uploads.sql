-- Recording uploads: the `recordings` Edge Function registers a recording before its audio exists
-- (status `uploading`, with a presigned PUT URL for the client) and confirms it once the object is in
-- storage (`uploading` → `pending`). Until then nothing may queue it: the sweep only takes `pending`,
-- the late-enqueue trigger fires on the confirmation instead of the insert, and reprocess skips it.

alter table public.recordings drop constraint recordings_status_known;
alter table public.recordings add constraint recordings_status_known
  check (status in ('uploading', 'pending', 'queued', 'processing', 'done', 'failed'));
comment on table public.recordings is
  'One row per uploaded audio object (bucket `recordings`). local_date/time_zone are set by trigger from '
  'started_at and the owner''s profile zone at insert time. status: uploading (registered, audio not yet '
  'confirmed in storage), pending (waiting for its day''s sweep), queued, processing, done, failed '
  '(dead-lettered).';

-- Late recordings: a recording whose day was already swept is queued as soon as it is *ready*: at insert
-- when inserted as pending (service imports), or when its upload is confirmed (uploading → pending).
create or replace function private.recordings_enqueue_late()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'pending' and exists (
    select 1 from queue.swept_days s where s.user_id = new.user_id and s.local_date = new.local_date
  ) then
    perform queue.enqueue(new.id);
  end if;
  return null;
end
$$;

drop trigger recordings_enqueue_late on public.recordings;
create trigger recordings_enqueue_late
  after insert on public.recordings
  for each row when (new.status = 'pending')
  execute function private.recordings_enqueue_late();
create trigger recordings_enqueue_late_after_upload
  after update of status on public.recordings
  for each row when (old.status = 'uploading' and new.status = 'pending')
  execute function private.recordings_enqueue_late();

-- reprocess must not queue a recording whose audio is not there yet.
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
      and r.status <> 'uploading'
    order by r.started_at
  loop
    perform queue.enqueue(target_id, true, 'detect');
    requeued := requeued + 1;
  end loop;
  return requeued;
end
$$;
comment on function queue.reprocess(uuid, date, date) is
  'Re-queues a user''s recordings with local_date in [from_date, to_date] (not those still uploading); '
  'returns how many.';

-- queue.register_recording(user_id, started_at, ended_at, format, size_bytes, source)
--   -> (recording_id, object_key, local_date, time_zone)
--   Inserts a recording in status `uploading` and returns where its audio must be uploaded:
--   `<user_id>/<local yyyy-mm-dd>/<recording_id>.<ext>` in the recordings bucket, the local date being
--   the date of started_at in the profile's zone (the same value the local_date trigger stores).
--   Errors: 22023 (span over 24 h, unknown format), 23514 (ended_at <= started_at, size < 0),
--   23503 PROFILE_NOT_FOUND.
create or replace function queue.register_recording(
  user_id uuid,
  started_at timestamptz,
  ended_at timestamptz,
  format text,
  size_bytes bigint,
  source text default 'upload',
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
begin
  select p.time_zone into time_zone from public.profiles p where p.user_id = register_recording.user_id;
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
comment on function queue.register_recording(uuid, timestamptz, timestamptz, text, bigint, text) is
  'Registers a recording whose audio is about to be uploaded (status uploading); returns its object key.';

-- queue.confirm_recording_upload(recording_id, user_id, size_bytes) -> status
--   The audio is in storage: `uploading` → `pending` (and, through the trigger above, `queued` at once when
--   the day was already swept). size_bytes, when given, replaces the declared size. Idempotent: a
--   recording past `uploading` is left alone and its current status returned.
--   Errors: GQ005 RECORDING_NOT_FOUND (no such recording for this user).
create or replace function queue.confirm_recording_upload(
  recording_id uuid,
  user_id uuid,
  size_bytes bigint default null
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  current_status text;
begin
  select r.status into current_status from public.recordings r
  where r.id = confirm_recording_upload.recording_id and r.user_id = confirm_recording_upload.user_id
  for update;
  if not found then
    raise exception 'RECORDING_NOT_FOUND: user % has no recording %', confirm_recording_upload.user_id,
      confirm_recording_upload.recording_id using errcode = 'GQ005';
  end if;
  if current_status = 'uploading' then
    update public.recordings r
    set status = 'pending', size_bytes = coalesce(confirm_recording_upload.size_bytes, r.size_bytes)
    where r.id = confirm_recording_upload.recording_id;
    select r.status into current_status from public.recordings r where r.id = confirm_recording_upload.recording_id;
  end if;
  return current_status;
end
$$;
comment on function queue.confirm_recording_upload(uuid, uuid, bigint) is
  'Marks an uploaded recording pending (queued at once if its day was swept); idempotent; returns the status.';

revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
