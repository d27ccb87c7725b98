-- Stale uploads: a recording registered but never confirmed stays `uploading` for ever, and its object
-- (if the client got as far as a PUT) stays in storage. queue.expire_uploads() (hourly, pg_cron) deletes
-- such rows and queues their objects in queue.upload_deletions; the dispatch function, on every run,
-- takes a few with queue.take_upload_deletions(), deletes them from the recordings bucket (presigned
-- DELETE, idempotent) and acknowledges each with queue.finish_upload_deletion(). SQL never talks to
-- storage itself (no pg_net here; in production it is the same path).

create table queue.upload_deletions (
  id bigint generated always as identity primary key,
  object_key text not null unique,
  requested_at timestamptz not null default now(),
  next_attempt_at timestamptz not null default now(),
  attempts integer not null default 0,
  last_error text
);
comment on table queue.upload_deletions is
  'Objects of expired uploads still to delete from the recordings bucket (drained by the dispatch function).';
revoke all on queue.upload_deletions from public, anon, authenticated;
grant select on queue.upload_deletions to service_role;

-- queue.expire_uploads(older_than, max_rows) -> integer
--   Deletes up to max_rows recordings still `uploading` that were registered more than older_than ago
--   and queues their object keys for deletion. Returns how many. older_than must outlive the upload
--   URL (UPLOAD_URL_TTL_SECONDS, 15 minutes by default, at most 1 hour), or a late PUT would leave an
--   object behind.
create function queue.expire_uploads(
  older_than interval default interval '2 hours',
  max_rows integer default 1000
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  expired integer;
begin
  if older_than is null or older_than < interval '1 hour' then
    raise exception 'INVALID_ARGUMENT: older_than must be at least 1 hour' using errcode = '22023';
  end if;
  with stale as (
    select r.id from public.recordings r
    where r.status = 'uploading' and r.created_at < pg_catalog.now() - older_than
    order by r.created_at
    limit max_rows
    for update skip locked
  ), gone as (
    delete from public.recordings r using stale where r.id = stale.id and r.status = 'uploading'
    returning r.object_key
  ), queued as (
    insert into queue.upload_deletions (object_key)
    select gone.object_key from gone
    on conflict (object_key) do nothing
    returning 1
  )
  select count(*) into expired from gone;
  return expired;
end
$$;
comment on function queue.expire_uploads(interval, integer) is
  'Deletes recordings left uploading longer than older_than and queues their objects for deletion.';

-- queue.take_upload_deletions(max_count, retry_after) -> setof (deletion_id, object_key)
--   Takes up to max_count due deletions; each is due again after retry_after unless finished.
create function queue.take_upload_deletions(
  max_count integer default 20,
  retry_after interval default interval '10 minutes'
)
returns table (deletion_id bigint, object_key text)
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
  returning d.id, d.object_key
$$;
comment on function queue.take_upload_deletions(integer, interval) is
  'Leases up to max_count due object deletions of expired uploads.';

-- queue.finish_upload_deletion(deletion_id, error) -> void
--   error null: the object is gone, forget it. Otherwise keep it for the next attempt and record why.
create function queue.finish_upload_deletion(deletion_id bigint, error text default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if error is null then
    delete from queue.upload_deletions d where d.id = deletion_id;
  else
    update queue.upload_deletions d set last_error = pg_catalog.left(error, 2000) where d.id = deletion_id;
  end if;
end
$$;
comment on function queue.finish_upload_deletion(bigint, text) is
  'Acknowledges one object deletion (error null) or records why it failed (retried later).';

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;

do $$
begin
  perform cron.unschedule(c.jobid) from cron.job c where c.jobname = 'giggles-expire-uploads';
  perform cron.schedule('giggles-expire-uploads', '37 * * * *', 'select queue.expire_uploads()');
end
$$;
