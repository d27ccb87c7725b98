-- A recording stand-in for pg_net's `net.http_post`, for tests of the pg_net branch of queue.kick_dispatch().
--
-- pg_net exists only on Supabase. Installing this file (as the superuser, as Supabase installs pg_net) gives
-- the cluster a function with pg_net's signature,
--   net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) → bigint,
-- which records each call in net.stub_requests instead of sending it, and returns the request id as pg_net
-- does. It is not part of the platform mirror: with it installed the kick takes the HTTP path, so only the
-- tests of that path install it (test/harness/database.ts `installPgNetStub`).
create schema if not exists net;

create table if not exists net.stub_requests (
  id bigserial primary key,
  url text not null,
  body jsonb,
  params jsonb,
  headers jsonb,
  timeout_milliseconds integer,
  called_by name not null default current_user,
  created_at timestamptz not null default now()
);

create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language sql
security definer
set search_path = ''
as $$
  insert into net.stub_requests (url, body, params, headers, timeout_milliseconds, called_by)
  values (url, body, params, headers, timeout_milliseconds, session_user)
  returning id
$$;

-- As Supabase grants pg_net: usage and execute to postgres and the API roles' owner, not to PUBLIC.
revoke all on schema net from public;
revoke all on function net.http_post(text, jsonb, jsonb, jsonb, integer) from public;
grant usage on schema net to postgres, service_role;
grant execute on function net.http_post(text, jsonb, jsonb, jsonb, integer) to postgres, service_role;
grant select on net.stub_requests to postgres;
