-- A run of a new model version replaces the events of the versions before it too. Until now a completed
-- run replaced only its own version's events: after a reprocess with a new model (a new head, a rebuilt
-- graph) the older version's events stayed in public.laughter_events, shown nowhere (reads count only the
-- recording's current version), each still naming its clip, so the clips stayed in the bucket for good, and
-- an old event whose note a new event took kept a second copy of that note.
-- Now every event of the recording goes except the noted ones kept (moved to the new version), and their
-- clips are queued for deletion like the replaced ones (unless a new event names the same key).
-- The last completed run wins, whichever version it ran: reads follow recordings.model_version, which
-- queue.complete sets from the same run.
-- Redefined from its current body: private.replace_recording_events
-- (20261205003000_replaced_clips_deleted.sql); only the delete of "the rest" changes.

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
  clip_prefix text;
begin
  select * into strict recording from public.recordings r where r.id = replace_recording_events.recording_id;
  clip_prefix := recording.user_id::text || '/' || recording.id::text || '/';

  create temporary table if not exists pg_temp.incoming_events (
    n integer, start_offset_ms integer, end_offset_ms integer, peak_probability real, mean_probability real,
    class_id integer, class_name text, clip_object_key text, note text, from_event uuid
  ) on commit drop;
  truncate pg_temp.incoming_events;
  -- Clip keys of the events this call drops (suppressed or replaced): candidates for deletion.
  create temporary table if not exists pg_temp.dropped_clip_keys (clip_object_key text) on commit drop;
  truncate pg_temp.dropped_clip_keys;
  insert into pg_temp.incoming_events
  select a.n, e.start_offset_ms, e.end_offset_ms, e.peak_probability, e.mean_probability, e.class_id,
         e.class_name, e.clip_object_key, null, null
  from pg_catalog.jsonb_array_elements(replace_recording_events.events) with ordinality as a (value, n)
  cross join lateral pg_catalog.jsonb_to_record(a.value) as e(
    start_offset_ms integer, end_offset_ms integer, peak_probability real, mean_probability real,
    class_id integer, class_name text, clip_object_key text
  );

  -- Deleted by the user: not brought back (nor is the clip the node uploaded for it kept).
  with gone as (
    delete from pg_temp.incoming_events i
    where exists (
      select 1 from public.laughter_event_deletions d
      where d.recording_id = recording.id
        and least(d.end_offset_ms, i.end_offset_ms) > greatest(d.start_offset_ms, i.start_offset_ms)
    )
    returning i.clip_object_key
  )
  insert into pg_temp.dropped_clip_keys select g.clip_object_key from gone g;
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

  -- The rest of the recording's events go: this version's (a rerun replaces its own events) and those of
  -- the versions before it (shown no more), except the noted events kept just above.
  with gone as (
    delete from public.laughter_events ev
    where ev.recording_id = recording.id
      and (ev.model_version <> replace_recording_events.model_version
           or ev.note is null
           or exists (select 1 from pg_temp.incoming_events i where i.from_event = ev.id))
    returning ev.clip_object_key
  )
  insert into pg_temp.dropped_clip_keys select g.clip_object_key from gone g;
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

  -- A key this run names again is not deleted (it may still wait from an earlier run).
  delete from queue.upload_deletions u
  where u.bucket = 'clips'
    and u.object_key in (select i.clip_object_key from pg_temp.incoming_events i);
  -- Dropped clips no event of the recording names any more are deleted by dispatch. Only keys under the
  -- recording's own prefix: a report never gets another recording's clip deleted.
  insert into queue.upload_deletions (bucket, object_key)
  select distinct 'clips', k.clip_object_key
  from pg_temp.dropped_clip_keys k
  where pg_catalog.starts_with(k.clip_object_key, clip_prefix)
    and pg_catalog.substr(k.clip_object_key, pg_catalog.length(clip_prefix) + 1) ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]*$'
    and not exists (
      select 1 from public.laughter_events e
      where e.recording_id = recording.id and e.clip_object_key = k.clip_object_key
    )
  on conflict (object_key) do nothing;
end
$$;
comment on function private.replace_recording_events(uuid, jsonb, text) is
  'A completed run''s events in place of the recording''s events (of every model version), keeping the '
  'user''s deletions (tombstones) and notes (carried by time overlap, or the noted event kept); the clips of '
  'the events it drops that no event names any more are queued in queue.upload_deletions.';
