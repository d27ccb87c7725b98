-- profiles: one row per auth user, holding the IANA time zone that defines the user's local days.

create table public.profiles (
  user_id uuid primary key references auth.users (id) on delete cascade,
  time_zone text not null default 'UTC',
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is
  'One row per user, created by the on_auth_user_created trigger. time_zone (IANA name, validated) decides '
  'which local date a recording belongs to and when a day is over; is_active = false stops nightly sweeps.';
comment on column public.profiles.time_zone is
  'IANA zone name, e.g. Europe/London. Validated against pg_timezone_names by a trigger (SQLSTATE 22023).';
comment on column public.profiles.is_active is 'false: the hourly sweep skips this user''s recordings.';

-- Reject unknown zones with a clear message. A trigger rather than a CHECK: the zone list is not immutable.
create or replace function private.profiles_validate_time_zone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not private.is_valid_time_zone(new.time_zone) then
    raise exception 'INVALID_TIME_ZONE: "%" is not an IANA time zone name', new.time_zone
      using errcode = '22023',
            hint = 'Use a name from pg_timezone_names, e.g. Europe/London or America/New_York.';
  end if;
  return new;
end
$$;

create trigger profiles_validate_time_zone
  before insert or update of time_zone on public.profiles
  for each row execute function private.profiles_validate_time_zone();

create trigger profiles_touch_updated_at
  before update on public.profiles
  for each row execute function private.touch_updated_at();

-- Sign-up: create the profile from raw_user_meta_data->>'time_zone'. An unknown or missing zone falls back
-- to UTC instead of raising: a bad client-sent zone must never block account creation (the old system's
-- sign-up broke on exactly this kind of coupling, ORIGINAL.md §4.3); the user can fix it in settings.
create or replace function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  requested text := nullif(btrim(new.raw_user_meta_data ->> 'time_zone'), '');
begin
  insert into public.profiles (user_id, time_zone)
  values (
    new.id,
    case when private.is_valid_time_zone(requested) then requested else 'UTC' end
  )
  on conflict (user_id) do nothing;
  return new;
end
$$;
comment on function private.handle_new_user() is
  'AFTER INSERT on auth.users: creates the profile; invalid/missing time_zone metadata falls back to UTC.';

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_user();

-- Privileges: Supabase's default privileges granted ALL to anon/authenticated; take them back.
revoke all on public.profiles from public, anon, authenticated;
grant select on public.profiles to authenticated;
grant update (time_zone) on public.profiles to authenticated;
grant select, insert, update, delete on public.profiles to service_role;

alter table public.profiles enable row level security;

create policy profiles_select_own on public.profiles
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy profiles_update_own on public.profiles
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

revoke all on all functions in schema private from public, anon, authenticated;
