-- Issue 20 item 6: days are stored in the zone they were lived in, and a zone change affects only days
-- after it. A recording's local day used to be cut in the profile's zone at the moment it was registered,
-- so a night recorded in Tokyo but uploaded after moving to New York landed on a New York day, and the
-- laughs endpoint wrote every old day's times in the new zone. Now:
--   * public.profile_time_zones keeps every zone a user has had, from when (`-infinity` for the first);
--     profile triggers append to it, so user_api.set_time_zone stays as it is;
--   * private.time_zone_at(user_id, at) is the zone in effect at an instant;
--   * private.recordings_set_local_date (redefined; body of 20261128000300_recordings.sql otherwise) cuts a
--     new recording's day in the zone in effect when it *started*.
-- Days already stored keep their zone and date (recordings.time_zone, local_date); the laughs function
-- writes a day's times in its recordings' zone.

create table public.profile_time_zones (
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  time_zone text not null,
  effective_from timestamptz not null,
  primary key (user_id, effective_from)
);
comment on table public.profile_time_zones is
  'Every time zone a user has had and from when (-infinity for the first): recordings are dated in the zone '
  'in effect when they started (private.time_zone_at).';

revoke all on public.profile_time_zones from public, anon, authenticated;
grant select on public.profile_time_zones to authenticated;
grant select, insert, update, delete on public.profile_time_zones to service_role;
alter table public.profile_time_zones enable row level security;
create policy profile_time_zones_select_own on public.profile_time_zones
  for select to authenticated
  using (user_id = (select auth.uid()));

insert into public.profile_time_zones (user_id, time_zone, effective_from)
select p.user_id, p.time_zone, '-infinity' from public.profiles p
on conflict do nothing;

create or replace function private.profiles_record_time_zone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.profile_time_zones (user_id, time_zone, effective_from)
    values (new.user_id, new.time_zone, '-infinity')
    on conflict (user_id, effective_from) do update set time_zone = excluded.time_zone;
  elsif new.time_zone is distinct from old.time_zone then
    insert into public.profile_time_zones (user_id, time_zone, effective_from)
    values (new.user_id, new.time_zone, pg_catalog.now())
    on conflict (user_id, effective_from) do update set time_zone = excluded.time_zone;
  end if;
  return null;
end
$$;
comment on function private.profiles_record_time_zone() is
  'AFTER INSERT or UPDATE OF time_zone on profiles: appends the zone to profile_time_zones.';
revoke all on function private.profiles_record_time_zone() from public, anon, authenticated;

create trigger profiles_record_time_zone
  after insert or update of time_zone on public.profiles
  for each row execute function private.profiles_record_time_zone();

-- private.time_zone_at(user_id, at) -> the zone in effect at `at` (null when the user has no profile).
create or replace function private.time_zone_at(user_id uuid, at timestamptz)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select z.time_zone from public.profile_time_zones z
  where z.user_id = time_zone_at.user_id and z.effective_from <= time_zone_at.at
  order by z.effective_from desc
  limit 1
$$;
comment on function private.time_zone_at(uuid, timestamptz) is
  'The user''s time zone in effect at an instant (profile_time_zones).';
revoke all on function private.time_zone_at(uuid, timestamptz) from public, anon, authenticated;

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
    zone := coalesce(
      private.time_zone_at(new.user_id, new.started_at),
      (select p.time_zone from public.profiles p where p.user_id = new.user_id)
    );
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

comment on column public.recordings.time_zone is
  'The zone the recording was lived in (the profile''s zone in effect at started_at), frozen at insert; '
  'local_date is cut in it.';

comment on table public.recordings is
  'One row per uploaded audio object (bucket `recordings`). local_date/time_zone are set by trigger from '
  'started_at and the owner''s zone in effect at started_at (profile_time_zones). status: uploading '
  '(registered, audio not yet confirmed in storage), pending (waiting for its day''s sweep), queued, '
  'processing, done, failed (dead-lettered).';
