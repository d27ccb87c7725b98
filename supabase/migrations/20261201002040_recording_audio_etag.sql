-- Pin the confirmed upload. The presigned PUT stays valid after confirmation (until it expires), so the
-- object could be replaced afterwards. The confirmation now records the object's ETag (from the HEAD
-- that checked its size and type); the dispatcher sends it with each job and the node refuses an object
-- with another ETag (If-Match, and a comparison of the answer's ETag), failing the job AUDIO_CHANGED.

alter table public.recordings add column audio_etag text;
comment on column public.recordings.audio_etag is
  'ETag of the object as confirmed after upload; the node processes only an object with this ETag.';

drop function queue.confirm_recording_upload(uuid, uuid, bigint);

-- queue.confirm_recording_upload(recording_id, user_id, size_bytes, audio_etag) -> status
--   As before (`uploading` → `pending`, idempotent); also stores audio_etag when given.
--   Errors: GQ005 RECORDING_NOT_FOUND.
create function queue.confirm_recording_upload(
  recording_id uuid,
  user_id uuid,
  size_bytes bigint default null,
  audio_etag text default null
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
    set status = 'pending', size_bytes = coalesce(confirm_recording_upload.size_bytes, r.size_bytes),
        audio_etag = confirm_recording_upload.audio_etag
    where r.id = confirm_recording_upload.recording_id;
    select r.status into current_status from public.recordings r where r.id = confirm_recording_upload.recording_id;
  end if;
  return current_status;
end
$$;
comment on function queue.confirm_recording_upload(uuid, uuid, bigint, text) is
  'Marks an uploaded recording pending (queued at once if its day was swept) and pins its ETag; '
  'idempotent; returns the status.';

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
