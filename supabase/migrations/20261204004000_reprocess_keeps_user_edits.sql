-- Issue 20 item 3: reprocessing a day used to bring back the laughs the user had deleted and drop their
-- notes, because queue.complete replaced a recording's events wholesale. Now:
--   * deleting a laugh leaves a tombstone (its recording and time span) in public.laughter_event_deletions;
--   * the events of a completed run go in through private.replace_recording_events(), which
--       - does not insert a new event that overlaps a tombstone (the user said "not a laugh"),
--       - gives each new event the note of the shown event it overlaps most (ties: the earlier one),
--       - keeps a shown event whose note no new event took (nothing the user wrote is lost).
-- "Shown" events are those of the recording's current model_version (what the laughs endpoint lists).
-- Redefined here: queue.complete (its delete + insert become one call of the helper; the rest is the body
-- of 20261201001000_recording_decode_warning.sql) and user_api.delete_event (it leaves the tombstone).

create table public.laughter_event_deletions (
  id bigint generated always as identity primary key,
  user_id uuid not null,
  recording_id uuid not null references public.recordings (id) on delete cascade,
  start_offset_ms integer not null,
  end_offset_ms integer not null,
  deleted_at timestamptz not null default now(),
  constraint laughter_event_deletions_offsets check (start_offset_ms >= 0 and end_offset_ms > start_offset_ms)
);
comment on table public.laughter_event_deletions is
  'Laughs the user deleted (recording and offsets): a reprocess does not bring back an event overlapping one.';
create index laughter_event_deletions_recording_idx on public.laughter_event_deletions (recording_id);

-- Written only by user_api.delete_event (security definer); users read their own.
revoke all on public.laughter_event_deletions from public, anon, authenticated;
grant select on public.laughter_event_deletions to authenticated;
grant select, insert, update, delete on public.laughter_event_deletions to service_role;
alter table public.laughter_event_deletions enable row level security;
create policy laughter_event_deletions_select_own on public.laughter_event_deletions
  for select to authenticated
  using (user_id = (select auth.uid()));

comment on column public.laughter_events.note is
  'The user''s note on this laugh (at most 1000 characters). A reprocess carries it to the new event that '
  'overlaps this one most, or keeps this event (see private.replace_recording_events).';

-- user_api.delete_event(event_id) -> (deleted, clip_object_key), as in 20261201005000_user_api.sql, and the
-- tombstone that keeps the laugh deleted through a reprocess. Security definer now (users cannot write
-- tombstones themselves), so it checks the owner itself: the caller's events only.
create or replace function user_api.delete_event(event_id uuid, out deleted boolean, out clip_object_key text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := user_api.current_user_id();
  gone public.laughter_events;
begin
  delete from public.laughter_events e where e.id = delete_event.event_id and e.user_id = uid
  returning e.* into gone;
  deleted := found;
  if deleted then
    clip_object_key := gone.clip_object_key;
    insert into public.laughter_event_deletions (user_id, recording_id, start_offset_ms, end_offset_ms)
    values (gone.user_id, gone.recording_id, gone.start_offset_ms, gone.end_offset_ms);
  end if;
end
$$;

-- private.replace_recording_events(recording_id, events, model_version) -> (replaced, inserted, suppressed,
-- notes_carried, notes_kept): puts a completed run's events in place of the recording's events of that
-- model version, keeping the user's deletions and notes (see the top of this file). Called by
-- queue.complete with the recording locked.
create or replace function private.replace_recording_events(
  recording_id uuid,
  events jsonb,
  model_version text,
  out replaced integer,
  out inserted integer,
  out suppressed integer,
  out notes_carried integer,
  out notes_kept integer
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  recording public.recordings;
begin
  select * into strict recording from public.recordings r where r.id = replace_recording_events.recording_id;

  create temporary table if not exists pg_temp.incoming_events (
    n integer, start_offset_ms integer, end_offset_ms integer, peak_probability real, mean_probability real,
    class_id integer, class_name text, clip_object_key text, note text, from_event uuid
  ) on commit drop;
  truncate pg_temp.incoming_events;
  insert into pg_temp.incoming_events
  select a.n, e.start_offset_ms, e.end_offset_ms, e.peak_probability, e.mean_probability, e.class_id,
         e.class_name, e.clip_object_key, null, null
  from pg_catalog.jsonb_array_elements(replace_recording_events.events) with ordinality as a (value, n)
  cross join lateral pg_catalog.jsonb_to_record(a.value) as e(
    start_offset_ms integer, end_offset_ms integer, peak_probability real, mean_probability real,
    class_id integer, class_name text, clip_object_key text
  );

  -- Deleted by the user: not brought back.
  delete from pg_temp.incoming_events i
  where exists (
    select 1 from public.laughter_event_deletions d
    where d.recording_id = recording.id
      and least(d.end_offset_ms, i.end_offset_ms) > greatest(d.start_offset_ms, i.start_offset_ms)
  );
  get diagnostics suppressed = row_count;

  -- Each new event takes the note of the shown event it overlaps most.
  update pg_temp.incoming_events i
  set note = best.note, from_event = best.id
  from (
    select distinct on (i2.n) i2.n, o.id, o.note
    from pg_temp.incoming_events i2
    join public.laughter_events o
      on o.recording_id = recording.id and o.model_version = recording.model_version and o.note is not null
     and least(o.end_offset_ms, i2.end_offset_ms) > greatest(o.start_offset_ms, i2.start_offset_ms)
    order by i2.n,
             least(o.end_offset_ms, i2.end_offset_ms) - greatest(o.start_offset_ms, i2.start_offset_ms) desc,
             o.start_offset_ms
  ) best
  where i.n = best.n;
  get diagnostics notes_carried = row_count;

  -- A shown event with a note that no new event took stays, moved to the new model version.
  update public.laughter_events o
  set model_version = replace_recording_events.model_version
  where o.recording_id = recording.id and o.model_version = recording.model_version and o.note is not null
    and not exists (select 1 from pg_temp.incoming_events i where i.from_event = o.id);
  get diagnostics notes_kept = row_count;

  -- The rest of this version's events go (a rerun of the same version replaces its own events), except
  -- those kept just above.
  delete from public.laughter_events ev
  where ev.recording_id = recording.id and ev.model_version = replace_recording_events.model_version
    and (ev.note is null or exists (select 1 from pg_temp.incoming_events i where i.from_event = ev.id));
  get diagnostics replaced = row_count;

  insert into public.laughter_events (user_id, recording_id, starts_at, ends_at, start_offset_ms, end_offset_ms,
                                      peak_probability, mean_probability, class_id, class_name,
                                      clip_object_key, model_version, note)
  select recording.user_id, recording.id,
         recording.started_at + i.start_offset_ms * interval '1 millisecond',
         recording.started_at + i.end_offset_ms * interval '1 millisecond',
         i.start_offset_ms, i.end_offset_ms, i.peak_probability, i.mean_probability, i.class_id, i.class_name,
         i.clip_object_key, replace_recording_events.model_version, i.note
  from pg_temp.incoming_events i
  order by i.n;
  get diagnostics inserted = row_count;
end
$$;
comment on function private.replace_recording_events(uuid, jsonb, text) is
  'A completed run''s events in place of the recording''s events of that model version, keeping the '
  'user''s deletions (tombstones) and notes (carried by time overlap, or the noted event kept).';
revoke all on function private.replace_recording_events(uuid, jsonb, text) from public, anon, authenticated;

-- queue.complete as in 20261201001000_recording_decode_warning.sql; the events go in through
-- private.replace_recording_events (deletions and notes kept), and the result says what it kept.
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
  replacement record;
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

  select * into replacement
  from private.replace_recording_events(recording.id, complete.events, complete.model_version);

  update public.recordings r
  set status = case when job.rerun_requested then 'queued' else 'done' end,
      model_version = complete.model_version, processed_at = pg_catalog.now(),
      duration_ms = coalesce(r.duration_ms, round((complete.run_stats ->> 'audio_seconds')::numeric * 1000)::bigint),
      decode_warning = pg_catalog.left(nullif(complete.run_stats ->> 'decode_warning', ''), 1000)
  where r.id = recording.id;

  result := pg_catalog.jsonb_build_object(
    'job_id', job.id, 'recording_id', recording.id, 'status', 'done',
    'model_version', complete.model_version, 'events_inserted', replacement.inserted,
    'events_replaced', replacement.replaced, 'events_kept_deleted', replacement.suppressed,
    'notes_carried', replacement.notes_carried, 'notes_kept', replacement.notes_kept,
    'completed_at', pg_catalog.now()
  );
  if job.rerun_requested then
    update queue.jobs j
    set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null, lease_expires_at = null,
        claimed_by = null, claimed_at = null, started_at = null, outcome = null, finished_at = null,
        last_error = null, rerun_requested = false, unstarted_expiries = 0
    where j.id = job.id;
  else
    update queue.jobs j
    set status = 'done', outcome = result, finished_at = pg_catalog.now(), lease_expires_at = pg_catalog.now()
    where j.id = job.id;
  end if;

  perform private.insert_job_run(job, 'done', complete.run_stats, complete.model_version, null);
  return result;
end
$$;
comment on function queue.complete(bigint, uuid, jsonb, jsonb, text) is
  'Atomically replaces a recording''s events for a model version (keeping the user''s deletions and notes: '
  'private.replace_recording_events) and marks it done (storing run_stats ->> decode_warning on the '
  'recording); idempotent per lease.';
