-- Issue 21: private.is_valid_time_zone scanned pg_timezone_names on every call, and that view reads every zone
-- file of the server's time zone database (about 600) each time it is queried: tens of milliseconds per profile
-- insert or time-zone change, and per new user. The answers stay the same; only the cost changes:
--
-- 1. The server must load the zone (pg_catalog.timezone(name, now()), one zone file, cached per backend).
--    This turns away anything pg_timezone_names cannot list, cheaply.
-- 2. The name must then be in private.time_zone_names, a copy of pg_timezone_names taken here: an exact,
--    case-sensitive match, as before (the loader alone also takes 'utc', 'UTC+3' or abbreviations).
-- 3. A name the server loads but the copy lacks (a zone added by a later tzdata upgrade, or a form such as
--    'utc' that pg_timezone_names does not list) falls back to the old scan, so the copy can never make a
--    valid zone invalid; a zone removed by an upgrade fails step 1.

create table private.time_zone_names (
  name text primary key
);
comment on table private.time_zone_names is
  'Copy of pg_timezone_names.name taken by migration 20261205002000, so that private.is_valid_time_zone need '
  'not read the zone directory per call. Names missing here fall back to pg_timezone_names.';
revoke all on private.time_zone_names from public, anon, authenticated;
insert into private.time_zone_names (name) select name from pg_catalog.pg_timezone_names;

create or replace function private.is_valid_time_zone(time_zone text)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  if time_zone is null then
    return false;
  end if;
  begin
    perform pg_catalog.timezone(time_zone, pg_catalog.now());
  exception when others then
    -- Not a zone the server can load (22023 "time zone ... not recognized"), so not in pg_timezone_names.
    return false;
  end;
  if exists (select 1 from private.time_zone_names where name = time_zone) then
    return true;
  end if;
  return exists (select 1 from pg_catalog.pg_timezone_names where name = time_zone);
end
$$;
comment on function private.is_valid_time_zone(text) is
  'True when the argument is an IANA time zone name known to the server (pg_timezone_names), answered from '
  'private.time_zone_names after the server has loaded the zone.';
revoke all on function private.is_valid_time_zone(text) from public, anon, authenticated;
