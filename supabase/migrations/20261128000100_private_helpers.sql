-- Private helpers: a schema that PostgREST never exposes and that anon/authenticated cannot use.
-- Trigger functions and validation helpers live here (STYLE.md §E: helpers in a private schema).

create schema if not exists private;
revoke all on schema private from public, anon, authenticated;
comment on schema private is
  'Internal helpers (trigger functions, validation). Not exposed through the API; no grants to anon/authenticated.';

-- True when `time_zone` is an IANA zone name the server knows (pg_timezone_names). Marked STABLE, not
-- IMMUTABLE, because the zone database can change with a server upgrade; that is why it is used from
-- triggers and never from a CHECK constraint (CHECKs must be immutable to survive dump/restore).
create or replace function private.is_valid_time_zone(time_zone text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select time_zone is not null
    and exists (select 1 from pg_catalog.pg_timezone_names where name = time_zone)
$$;
comment on function private.is_valid_time_zone(text) is
  'True when the argument is an IANA time zone name known to the server (pg_timezone_names).';

-- BEFORE UPDATE trigger: keeps updated_at honest without relying on callers.
create or replace function private.touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end
$$;
comment on function private.touch_updated_at() is 'BEFORE UPDATE trigger: sets updated_at = now().';

revoke all on all functions in schema private from public, anon, authenticated;
