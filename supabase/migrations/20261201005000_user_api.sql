-- The user's side: what the `me` Edge Function (and the page in web/) does on behalf of one signed-in user.
-- Everything here runs with the caller's JWT claims set (request.jwt.claims) and role authenticated.
-- Reads and the per-row edits are security invoker, so RLS decides what the caller may see and touch.
-- The few that must reach the private queue (reprocess, process today, delete everything) are security
-- definer and act only on auth.uid(), never on a user id passed in.
--
-- Schema user_api is not one of PostgREST's exposed schemas: these functions are reached only through the
-- `me` function, which adds the storage side (clip URLs, deleting objects).

-- Notes on a laugh ---------------------------------------------------------------------------------------
alter table public.laughter_events add column note text;
alter table public.laughter_events add constraint laughter_events_note_length
  check (note is null or char_length(note) <= 1000);
comment on column public.laughter_events.note is
  'The user''s note on this laugh (at most 1000 characters). A reprocess replaces the recording''s events '
  'and so drops their notes.';

grant update (note) on public.laughter_events to authenticated;
grant delete on public.laughter_events to authenticated;

create policy laughter_events_update_own on public.laughter_events
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy laughter_events_delete_own on public.laughter_events
  for delete to authenticated
  using (user_id = (select auth.uid()));

-- Why a recording failed, readable by its owner ---------------------------------------------------------
alter table public.recordings add column failure_reason text;
comment on column public.recordings.failure_reason is
  'The dead job''s last error when status = failed (e.g. UNDECODABLE_AUDIO: …); null otherwise.';

create or replace function private.recordings_copy_failure_reason()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.recordings r
  set failure_reason = case when new.status = 'dead' then new.last_error end
  where r.id = new.recording_id
    and r.failure_reason is distinct from (case when new.status = 'dead' then new.last_error end);
  return null;
end
$$;

create trigger jobs_copy_failure_reason
  after insert or update of status, last_error on queue.jobs
  for each row when (new.kind = 'detect')
  execute function private.recordings_copy_failure_reason();

-- Reprocess requests: the handle a user polls -----------------------------------------------------------
create table public.reprocess_requests (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  from_date date not null,
  to_date date not null,
  recordings integer not null,
  created_at timestamptz not null default now(),
  constraint reprocess_requests_range check (from_date <= to_date)
);
comment on table public.reprocess_requests is
  'One row per "reprocess these days" request; its id is the handle user_api.reprocess_progress() reads.';
create index reprocess_requests_user_id_idx on public.reprocess_requests (user_id, created_at);

revoke all on public.reprocess_requests from public, anon, authenticated;
grant select on public.reprocess_requests to authenticated;
grant select, insert, update, delete on public.reprocess_requests to service_role;
alter table public.reprocess_requests enable row level security;
create policy reprocess_requests_select_own on public.reprocess_requests
  for select to authenticated
  using (user_id = (select auth.uid()));

-- The API ------------------------------------------------------------------------------------------------
create schema if not exists user_api;
revoke all on schema user_api from public;
grant usage on schema user_api to authenticated, service_role;
comment on schema user_api is
  'Per-user API used by the `me` Edge Function with the caller''s JWT claims; not exposed by PostgREST.';

-- The caller, or 42501 when the claims carry no user. (Helpers live in user_api, not private: the security
-- invoker functions run as authenticated, which cannot execute private.*.)
create or replace function user_api.current_user_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  if uid is null then
    raise exception 'NOT_SIGNED_IN: no user in the request''s JWT claims' using errcode = '42501';
  end if;
  return uid;
end
$$;

create or replace function user_api.check_date_range(from_date date, to_date date, max_days integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'INVALID_DATE_RANGE: from (%) must be on or before to (%)', from_date, to_date
      using errcode = '22023';
  end if;
  if to_date - from_date + 1 > max_days then
    raise exception 'INVALID_DATE_RANGE: at most % days at a time', max_days using errcode = '22023';
  end if;
end
$$;

-- user_api.profile() -> (time_zone, created_at): the caller's profile (no row: no profile).
create or replace function user_api.profile()
returns table (time_zone text, created_at timestamptz)
language sql
stable
security invoker
set search_path = ''
as $$
  select p.time_zone, p.created_at from public.profiles p
$$;

-- user_api.set_time_zone(zone) -> time_zone. 22023 INVALID_TIME_ZONE for unknown names (the trigger).
-- Re-dating rule: a recording's local day is fixed when it is registered, in the zone of that moment.
-- Changing the zone applies to recordings registered from then on; days already recorded keep their
-- dates (and their notes), so a trip never reshuffles the past.
create or replace function user_api.set_time_zone(zone text)
returns text
language plpgsql
security invoker
set search_path = ''
as $$
declare
  result text;
begin
  update public.profiles p set time_zone = set_time_zone.zone
  where p.user_id = user_api.current_user_id()
  returning p.time_zone into result;
  if result is null then
    raise exception 'PROFILE_NOT_FOUND: this account has no profile' using errcode = '23503';
  end if;
  return result;
end
$$;

-- user_api.days(from_date, to_date) -> one row per local date in the range (at most 366), also the empty
-- ones. state: empty (no recordings) | planned (waiting for the night) | processing (queued or running) |
-- failed (at least one recording gave up; failure_reasons says why) | done.
create or replace function user_api.days(from_date date, to_date date)
returns table (
  local_date date,
  laughs integer,
  laugh_seconds numeric,
  recordings integer,
  recordings_planned integer,
  recordings_processing integer,
  recordings_done integer,
  recordings_failed integer,
  state text,
  failure_reasons text[]
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform user_api.check_date_range(from_date, to_date, 366);
  return query
  with per_day as (
    select r.local_date,
           coalesce(sum(e.laughs), 0)::integer as laughs,
           round(coalesce(sum(e.laugh_ms), 0) / 1000.0, 3) as laugh_seconds,
           count(*)::integer as recordings,
           (count(*) filter (where r.status in ('uploading', 'pending')))::integer as planned,
           (count(*) filter (where r.status in ('queued', 'processing')))::integer as processing,
           (count(*) filter (where r.status = 'done'))::integer as done,
           (count(*) filter (where r.status = 'failed'))::integer as failed,
           array_remove(array_agg(distinct r.failure_reason), null) as reasons
    from public.recordings r
    left join lateral (
      select count(*) as laughs, sum(ev.end_offset_ms - ev.start_offset_ms) as laugh_ms
      from public.laughter_events ev
      where ev.recording_id = r.id and ev.model_version = r.model_version
    ) e on true
    where r.local_date between days.from_date and days.to_date
    group by r.local_date
  )
  select d.day::date,
         coalesce(p.laughs, 0),
         coalesce(p.laugh_seconds, 0),
         coalesce(p.recordings, 0),
         coalesce(p.planned, 0),
         coalesce(p.processing, 0),
         coalesce(p.done, 0),
         coalesce(p.failed, 0),
         case
           when p.recordings is null then 'empty'
           when p.failed > 0 then 'failed'
           when p.processing > 0 then 'processing'
           when p.planned > 0 then 'planned'
           else 'done'
         end,
         coalesce(p.reasons, '{}')
  from generate_series(days.from_date, days.to_date, interval '1 day') as d (day)
  left join per_day p on p.local_date = d.day::date
  order by d.day desc;
end
$$;

-- user_api.set_note(event_id, note) -> (updated, stored): whether the caller's event was found, and the
-- note as stored (trimmed; blank notes are stored as null).
create or replace function user_api.set_note(event_id uuid, note text, out updated boolean, out stored text)
language plpgsql
security invoker
set search_path = ''
as $$
begin
  update public.laughter_events e set note = nullif(pg_catalog.btrim(set_note.note), '')
  where e.id = set_note.event_id
  returning e.note into set_note.stored;
  updated := found;
end
$$;

-- user_api.delete_event(event_id) -> (deleted, clip_object_key). The caller deletes the clip object in
-- the same transaction, so a failed object delete keeps the row.
create or replace function user_api.delete_event(event_id uuid, out deleted boolean, out clip_object_key text)
language plpgsql
security invoker
set search_path = ''
as $$
begin
  delete from public.laughter_events e where e.id = delete_event.event_id
  returning e.clip_object_key into delete_event.clip_object_key;
  deleted := found;
end
$$;

-- user_api.request_reprocess(from_date, to_date) -> (request_id, recordings). Re-queues the caller's
-- recordings of those local days (queue.reprocess) and returns a handle for reprocess_progress().
create or replace function user_api.request_reprocess(
  from_date date,
  to_date date,
  out request_id uuid,
  out recordings integer
)
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := user_api.current_user_id();
begin
  perform user_api.check_date_range(from_date, to_date, 366);
  recordings := queue.reprocess(uid, request_reprocess.from_date, request_reprocess.to_date);
  insert into public.reprocess_requests (user_id, from_date, to_date, recordings)
  values (uid, request_reprocess.from_date, request_reprocess.to_date, request_reprocess.recordings)
  returning id into request_id;
end
$$;

-- user_api.reprocess_progress(request_id) -> the request and where its days' recordings are now
-- (no row: not the caller's request). finished: nothing of the range is queued or running.
create or replace function user_api.reprocess_progress(request_id uuid)
returns table (
  id uuid,
  from_date date,
  to_date date,
  created_at timestamptz,
  recordings integer,
  queued integer,
  done integer,
  failed integer,
  finished boolean
)
language sql
stable
security invoker
set search_path = ''
as $$
  select q.id, q.from_date, q.to_date, q.created_at, q.recordings,
         (count(r.id) filter (where r.status in ('queued', 'processing')))::integer,
         (count(r.id) filter (where r.status = 'done'))::integer,
         (count(r.id) filter (where r.status = 'failed'))::integer,
         (count(r.id) filter (where r.status in ('queued', 'processing'))) = 0
  from public.reprocess_requests q
  left join public.recordings r
    on r.user_id = q.user_id and r.local_date between q.from_date and q.to_date and r.status <> 'uploading'
  where q.id = reprocess_progress.request_id
  group by q.id
$$;

-- user_api.process_today() -> (local_date, recordings): queues the caller's recordings of their current
-- local day now instead of after the night's sweep. The day is not marked swept: what is recorded later
-- today waits for the sweep as usual.
create or replace function user_api.process_today(out local_date date, out recordings integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := user_api.current_user_id();
  zone text;
  target_id uuid;
begin
  select p.time_zone into zone from public.profiles p where p.user_id = uid;
  if zone is null then
    raise exception 'PROFILE_NOT_FOUND: this account has no profile' using errcode = '23503';
  end if;
  local_date := (pg_catalog.now() at time zone zone)::date;
  recordings := 0;
  for target_id in
    select r.id from public.recordings r
    where r.user_id = uid and r.local_date = process_today.local_date and r.status = 'pending'
    order by r.started_at
    for update skip locked
  loop
    perform queue.enqueue(target_id);
    recordings := recordings + 1;
  end loop;
end
$$;

-- user_api.delete_my_data() -> (recordings, events): deletes every row of the caller's data (recordings,
-- and through them events, jobs and job runs; swept days; reprocess requests). The profile (settings) and
-- the account stay. The caller then deletes every object under `<user id>/` in both buckets.
create or replace function user_api.delete_my_data(out recordings integer, out events integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := user_api.current_user_id();
begin
  select count(*)::integer into events from public.laughter_events e where e.user_id = uid;
  delete from public.recordings r where r.user_id = uid;
  get diagnostics recordings = row_count;
  delete from queue.swept_days s where s.user_id = uid;
  delete from public.reprocess_requests q where q.user_id = uid;
end
$$;

revoke all on all functions in schema user_api from public, anon;
grant execute on all functions in schema user_api to authenticated;
revoke all on all functions in schema private from public, anon, authenticated;
