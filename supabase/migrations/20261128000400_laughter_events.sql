-- laughter_events: one row per detected laugh (not per YAMNet patch: the detector merges patches, which
-- is what removes the old system's duplicates, ORIGINAL.md §4.1).

create table public.laughter_events (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  recording_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  start_offset_ms integer not null,
  end_offset_ms integer not null,
  peak_probability real not null,
  mean_probability real not null,
  class_id integer not null,
  class_name text not null,
  clip_object_key text,
  model_version text not null,
  created_at timestamptz not null default now(),
  constraint laughter_events_recording_fkey foreign key (recording_id, user_id)
    references public.recordings (id, user_id) on delete cascade,
  constraint laughter_events_offsets check (start_offset_ms >= 0 and end_offset_ms > start_offset_ms),
  constraint laughter_events_ends_after_starts check (ends_at > starts_at),
  constraint laughter_events_peak_probability_range check (peak_probability between 0 and 1),
  constraint laughter_events_mean_probability_range check (mean_probability between 0 and 1),
  -- Re-running the same model on the same recording can never add a second row for the same laugh.
  constraint laughter_events_recording_offset_model_key unique (recording_id, start_offset_ms, model_version)
);
comment on table public.laughter_events is
  'One row per detected laugh. Written only by queue.complete(), which replaces a recording''s events for a '
  'model version atomically. starts_at/ends_at = recording.started_at + offsets.';
comment on column public.laughter_events.start_offset_ms is 'Laugh start, ms from the recording start.';
comment on column public.laughter_events.end_offset_ms is 'Laugh end, ms from the recording start.';
comment on column public.laughter_events.peak_probability is 'Highest laughter-family probability (0..1).';
comment on column public.laughter_events.mean_probability is 'Mean laughter-family probability (0..1).';
comment on column public.laughter_events.class_id is 'AudioSet class id that dominated the event.';
comment on column public.laughter_events.clip_object_key is 'Object key of the WAV clip in the clips bucket.';
comment on column public.laughter_events.model_version is 'Engine.modelVersion that produced the event.';

create index laughter_events_user_id_starts_at_idx on public.laughter_events (user_id, starts_at);

revoke all on public.laughter_events from public, anon, authenticated;
grant select on public.laughter_events to authenticated;
grant select, insert, update, delete on public.laughter_events to service_role;

alter table public.laughter_events enable row level security;

create policy laughter_events_select_own on public.laughter_events
  for select to authenticated
  using (user_id = (select auth.uid()));
