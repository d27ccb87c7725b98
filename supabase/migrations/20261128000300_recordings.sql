-- recordings: one row per audio object uploaded to the `recordings` bucket.

create table public.recordings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  object_key text not null unique,
  started_at timestamptz not null,
  ended_at timestamptz not null,
  time_zone text not null,
  local_date date not null,
  format text not null,
  size_bytes bigint not null,
  duration_ms bigint,
  source text not null default 'upload',
  status text not null default 'pending',
  model_version text,
  processed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint recordings_ended_after_started check (ended_at > started_at),
  constraint recordings_format_known check (format in ('ogg-opus', 'wav', 'ogg-vorbis', 'flac', 'mp3')),
  constraint recordings_size_bytes_nonnegative check (size_bytes >= 0),
  constraint recordings_duration_ms_positive check (duration_ms is null or duration_ms > 0),
  constraint recordings_status_known check (status in ('pending', 'queued', 'processing', 'done', 'failed')),
  -- Lets laughter_events carry (recording_id, user_id) as one foreign key, so an event can never name
  -- another user's recording.
  constraint recordings_id_user_id_key unique (id, user_id)
);
comment on table public.recordings is
  'One row per uploaded audio object (bucket `recordings`). local_date/time_zone are set by trigger from '
  'started_at and the owner''s profile zone at insert time. status: pending (waiting for its day''s sweep), '
  'queued, processing, done, failed (dead-lettered).';
comment on column public.recordings.object_key is 'Object key inside the `recordings` storage bucket.';
comment on column public.recordings.started_at is 'UTC instant the audio starts.';
comment on column public.recordings.ended_at is 'UTC instant the audio ends (> started_at).';
comment on column public.recordings.time_zone is 'The profile zone used to compute local_date (frozen at insert).';
comment on column public.recordings.local_date is 'Calendar date of started_at in time_zone (set by trigger).';
comment on column public.recordings.size_bytes is 'Object size in bytes.';
comment on column public.recordings.duration_ms is 'Decoded audio duration in ms, when known.';
comment on column public.recordings.source is 'Where the audio came from, e.g. upload or a device import.';
comment on column public.recordings.model_version is
  'Model version of the last successful detect run; daily_summary counts only events of this version.';

create index recordings_user_id_local_date_idx on public.recordings (user_id, local_date);
-- The hourly sweep only looks at recordings that no job has been created for yet.
create index recordings_pending_idx on public.recordings (local_date, user_id) where status = 'pending';

-- local_date is derived, never trusted from the client: the date of started_at in the user's zone. Days
-- are cut in the user's zone, not UTC (ORIGINAL.md §4.3). The zone is copied too, so a later zone change
-- does not move old recordings to another day.
create or replace function private.recordings_set_local_date()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  zone text;
begin
  if tg_op = 'INSERT' or new.user_id is distinct from old.user_id then
    select p.time_zone into zone from public.profiles p where p.user_id = new.user_id;
    if zone is null then
      raise exception 'PROFILE_NOT_FOUND: user % has no profile', new.user_id using errcode = '23503';
    end if;
    new.time_zone := zone;
  else
    new.time_zone := old.time_zone;
  end if;
  new.local_date := (new.started_at at time zone new.time_zone)::date;
  return new;
end
$$;

create trigger recordings_set_local_date
  before insert or update of started_at, user_id, local_date, time_zone on public.recordings
  for each row execute function private.recordings_set_local_date();

create trigger recordings_touch_updated_at
  before update on public.recordings
  for each row execute function private.touch_updated_at();

revoke all on public.recordings from public, anon, authenticated;
grant select on public.recordings to authenticated;
grant select, insert, update, delete on public.recordings to service_role;

alter table public.recordings enable row level security;

create policy recordings_select_own on public.recordings
  for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on all functions in schema private from public, anon, authenticated;
