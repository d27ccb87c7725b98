-- queue.kick_dispatch() takes the pg_net path when `net.http_post(url, body, params, headers,
-- timeout_milliseconds)` exists, instead of when the pg_net extension row exists.
--
-- Why: the call it makes is exactly that function, so its presence is the condition that matters; and a
-- test cluster (which cannot install the pg_net extension) can then run this branch against a recording
-- stand-in with pg_net's signature (infra/local/pg-net-stub.sql). On Supabase both conditions are the same:
-- pg_net creates that function. Everything else is unchanged from 20261128001200_dispatch_kick.sql, which
-- is not edited (migrations never change after merge).
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

  if pg_catalog.to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is not null then
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
  'If runnable jobs exist: POST to the dispatch Edge Function with net.http_post (pg_net; Vault URL/token), else NOTIFY giggles_dispatch.';

revoke all on function queue.kick_dispatch() from public, anon, authenticated;
grant execute on function queue.kick_dispatch() to service_role;
