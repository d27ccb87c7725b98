-- Supabase platform mirror for local Postgres (tests, `npm run demo`, `npm run stack`).
--
-- Everything here is what a Supabase project already provides before our migrations run; it is NOT a
-- migration and is never applied in production. Keep it to the pieces our SQL relies on, and keep their
-- names, owners and privileges as Supabase defines them, so that what fails on the platform fails here:
--   * it runs as the bootstrap superuser `supabase_admin` (initdb -U supabase_admin), as on Supabase;
--   * `postgres`, the role migrations and the functions use, is NOT a superuser: NOSUPERUSER, CREATEDB,
--     CREATEROLE, REPLICATION, BYPASSRLS, LOGIN, owner of the database, member of anon, authenticated,
--     service_role and supabase_auth_admin (which owns schema auth);
--   * roles anon, authenticated, service_role (BYPASSRLS), INHERIT as on hosted projects, and authenticator
--     (the PostgREST login role, NOINHERIT);
--   * schema auth with auth.users, auth.uid(), auth.role(), auth.jwt() reading `request.jwt.claims`;
--   * schema extensions (pgcrypto lives there on Supabase);
--   * pg_cron, created by the superuser, with Supabase's grants: `postgres` may schedule and read its jobs
--     but `cron.job` is read-only to it (change jobs with cron.alter_job, as on the platform);
--   * Vault: vault.secrets / vault.decrypted_secrets / vault.create_secret() (SECURITY DEFINER, not
--     executable by PUBLIC). On Supabase the secret is encrypted with pgsodium; here it is stored as plain
--     text, which is fine for throwaway clusters only;
--   * Supabase's default privileges on schema public for objects `postgres` creates, which grant access
--     to anon and authenticated: our migrations must revoke what they do not want exposed and rely on RLS.
-- pg_net does not exist outside Supabase: migrations detect it at run time. `pg-net-stub.sql` (beside this
-- file) is a recording stand-in for `net.http_post` that tests install when they want the pg_net path.

do $$
begin
  if not exists (select from pg_roles where rolname = 'postgres') then
    create role postgres;
  end if;
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin;
  end if;
end
$$;

alter role postgres with login nosuperuser createdb createrole replication bypassrls inherit;
alter role anon with nologin inherit;
alter role authenticated with nologin inherit;
alter role service_role with nologin inherit bypassrls;
alter role authenticator with login noinherit;
alter role supabase_auth_admin with login noinherit createrole;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant supabase_auth_admin to postgres;
alter database postgres owner to postgres;

create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;

-- auth ------------------------------------------------------------------------------------------------
create schema if not exists auth authorization supabase_auth_admin;
grant usage on schema auth to postgres, anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key default extensions.gen_random_uuid(),
  aud varchar(255),
  role varchar(255),
  email varchar(255) unique,
  raw_app_meta_data jsonb default '{}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;
alter table auth.users owner to supabase_auth_admin;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;

-- pg_cron -------------------------------------------------------------------------------------------------
-- Created by the superuser (on Supabase through supautils), then Supabase's grants to postgres: everything in
-- schema cron except writing cron.job (pg_cron's row security shows each role its own jobs).
create extension if not exists pg_cron;
grant usage on schema cron to postgres with grant option;
grant all on all tables in schema cron to postgres with grant option;
grant all on all functions in schema cron to postgres with grant option;
grant all on all sequences in schema cron to postgres with grant option;
revoke all on table cron.job from postgres;
grant select on table cron.job to postgres with grant option;

-- vault -----------------------------------------------------------------------------------------------
create schema if not exists vault;

create table if not exists vault.secrets (
  id uuid primary key default extensions.gen_random_uuid(),
  name text unique,
  description text not null default '',
  secret text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create or replace view vault.decrypted_secrets as
  select id, name, description, secret, secret as decrypted_secret, created_at, updated_at
  from vault.secrets;

create or replace function vault.create_secret(
  new_secret text, new_name text default null, new_description text default ''
) returns uuid
language sql
security definer
set search_path = ''
as $$
  insert into vault.secrets (secret, name, description)
  values (new_secret, new_name, coalesce(new_description, ''))
  returning id
$$;

revoke all on schema vault from public;
revoke all on function vault.create_secret(text, text, text) from public;
grant execute on function vault.create_secret(text, text, text) to postgres;
grant usage on schema vault to postgres, service_role;
grant select, delete on vault.secrets to postgres;
grant select on vault.decrypted_secrets to postgres, service_role;

-- Supabase's default privileges on public (what a new project has) ------------------------------------
grant usage on schema public to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;
