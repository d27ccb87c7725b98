-- Supabase's default privileges grant ALL on every *future* table, function and sequence in public to anon
-- and authenticated, and PostgreSQL grants EXECUTE on every future function to PUBLIC. Each migration so
-- far revoked them object by object; one forgotten revoke would expose a new object to every API caller.
-- Take the defaults back once, for the role that runs migrations (postgres on Supabase), so a new object
-- starts with no API access and its migration grants exactly what it needs.
-- (Defaults held by supabase_admin can only be changed by supabase_admin; objects we create are owned by
-- the migration role, so its defaults are the ones that apply.)

alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
alter default privileges in schema public revoke all on functions from anon, authenticated;
alter default privileges revoke execute on functions from public;

-- And whatever exists today, in case an earlier object kept a default grant.
revoke all on all functions in schema public from public, anon, authenticated;
revoke all on all sequences in schema public from public, anon, authenticated;
revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
