-- The dispatch kick: every minute, if runnable jobs exist, wake the dispatcher.
--   Production (Supabase, pg_net installed): POST to the dispatch Edge Function. Its URL and the bearer
--   token come from Vault (secrets `dispatch_url`, `dispatch_token`), never from code.
--   Local/tests (no pg_net): pg_notify('giggles_dispatch', {"runnable": n, "at": ...}); a local dispatcher
--   LISTENs on that channel.
-- net.http_post is called through dynamic SQL so this function compiles where pg_net does not exist.

-- pg_net is a Supabase extension; enable it where the server offers it (Supabase, `supabase start`) and
-- carry on without it elsewhere (the harness's plain PostgreSQL).
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net;
  end if;
end
$$;

-- queue.kick_dispatch() -> 'idle' | 'http' | 'notify'
--   Errors: GQ006 DISPATCH_NOT_CONFIGURED when pg_net is present but a Vault secret is missing.
create or replace function queue.kick_dispatch()
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  runnable integer;
  url text;
  token text;
  body jsonb;
begin
  select count(*) into runnable
  from queue.jobs j where j.status = 'queued' and j.run_at <= pg_catalog.now();
  if runnable = 0 then
    return 'idle';
  end if;
  body := pg_catalog.jsonb_build_object('runnable', runnable, 'at', pg_catalog.now());

  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_net') then
    select s.decrypted_secret into url from vault.decrypted_secrets s where s.name = 'dispatch_url';
    select s.decrypted_secret into token from vault.decrypted_secrets s where s.name = 'dispatch_token';
    if url is null or token is null then
      raise exception 'DISPATCH_NOT_CONFIGURED: Vault secrets dispatch_url and dispatch_token are required'
        using errcode = 'GQ006',
              hint = 'select vault.create_secret(''https://<ref>.supabase.co/functions/v1/dispatch'', ''dispatch_url'');';
    end if;
    execute 'select net.http_post(url := $1, body := $2, headers := $3, timeout_milliseconds := $4)'
      using url, body,
            pg_catalog.jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || token),
            5000;
    return 'http';
  end if;

  perform pg_catalog.pg_notify('giggles_dispatch', body::text);
  return 'notify';
end
$$;
comment on function queue.kick_dispatch() is
  'If runnable jobs exist: pg_net POST to the dispatch Edge Function (Vault URL/token), else NOTIFY giggles_dispatch.';

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
