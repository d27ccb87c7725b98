-- Fix for 20261128000200_profiles.sql: the time-zone validation trigger ran as the caller, so when an
-- authenticated user updated their own time zone it failed with 42501 (no USAGE on schema private, which
-- holds is_valid_time_zone). Run it as its owner instead; search_path is already pinned to ''.
alter function private.profiles_validate_time_zone() security definer;
revoke all on function private.profiles_validate_time_zone() from public, anon, authenticated;
