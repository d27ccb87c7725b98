-- A refused Limitless download whose object could not be deleted is not left behind (issue 19 leftovers).
-- When delete-all removed a window and its job while the window downloaded, complete_ingest refuses the
-- audio (GQ001) and the ingest function deletes the uploaded object at once. If that DELETE fails, nothing
-- would ever try again (the job is gone): the object stayed under the deleted user's prefix. Now the function
-- queues it in queue.upload_deletions, which the dispatch function drains.
-- Window object keys are fixed per time range (<user>/<date>/limitless-<start>-<end>.ogg), so a window planned
-- again later (a new key after delete-all) writes the same key: a recordings-bucket deletion is only queued,
-- and only taken, while no ingest window and no recording names the key.
-- queue.take_upload_deletions, redefined from its current body (20261204002020_delete_all_stays_deleted.sql),
-- now also leaves a recording's clips alone while its detection job is queued or running (a rerun may be
-- uploading the same key again: see 20261205003000_replaced_clips_deleted.sql).

-- queue.discard_ingest_object(object_key) -> whether it was queued
create function queue.discard_ingest_object(object_key text)
returns boolean
language sql
security definer
set search_path = ''
as $$
  with queued as (
    insert into queue.upload_deletions (bucket, object_key)
    select 'recordings', discard_ingest_object.object_key
    where not exists (select 1 from queue.ingest_windows w where w.object_key = discard_ingest_object.object_key)
      and not exists (select 1 from public.recordings r where r.object_key = discard_ingest_object.object_key)
    on conflict (object_key) do nothing
    returning 1
  )
  select exists (select 1 from queued)
$$;
comment on function queue.discard_ingest_object(text) is
  'Queues for deletion (recordings bucket) the object of a refused download whose own DELETE failed, unless '
  'an ingest window or a recording names the key.';
revoke all on function queue.discard_ingest_object(text) from public, anon, authenticated;
grant execute on function queue.discard_ingest_object(text) to service_role;

create or replace function queue.take_upload_deletions(
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
      -- A clip (<user_id>/<recording_id>/<name>) waits while its recording's detection job is queued or
      -- running: that run may upload the same key again.
      -- (The case keeps the uuid cast off other keys and lets the lookup use jobs (kind, recording_id).)
      and not exists (
        select 1 from queue.jobs j
        where j.kind = 'detect' and j.status in ('queued', 'processing')
          and j.recording_id = case
            when u.bucket = 'clips' and pg_catalog.split_part(u.object_key, '/', 2)
                 ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            then pg_catalog.split_part(u.object_key, '/', 2)::uuid
          end
      )
      -- A recordings-bucket object waits while a window or a recording names it (a window planned again).
      and not (u.bucket = 'recordings' and (
        exists (select 1 from queue.ingest_windows w where w.object_key = u.object_key)
        or exists (select 1 from public.recordings r where r.object_key = u.object_key)
      ))
    order by u.next_attempt_at
    limit max_count
    for update skip locked
  )
  returning d.id, d.bucket, d.object_key
$$;
comment on function queue.take_upload_deletions(integer, interval) is
  'Leases up to max_count due object deletions (expired uploads, refused downloads, discarded and dropped '
  'clips) with their bucket; a recording''s clips wait while its detection job is queued or running, a '
  'recordings-bucket object while a window or recording names it.';
