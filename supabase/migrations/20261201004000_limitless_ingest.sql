-- Limitless ingestion: encrypted per-user API keys, ≤ 2 h UTC download windows planned per finished local
-- day, `ingest` jobs in the same queue (same leases, backoff, dead-lettering), and the functions the
-- `ingest` Edge Function calls for each upstream answer. See supabase/README.md ("Limitless ingestion").
--   Error codes: GQ001/GQ002/GQ004 as elsewhere; GQ007 KEY_NOT_FOUND; 22023 invalid arguments.

-- Settings of this deployment (one row). Operators change them with a plain UPDATE as postgres.
create table queue.ingest_settings (
  id boolean primary key default true check (id),
  backfill_days integer not null default 7 check (backfill_days between 1 and 60),
  day_grace interval not null default interval '2 hours',
  no_audio_recheck_for interval not null default interval '72 hours',
  no_audio_recheck_every interval not null default interval '55 minutes',
  raw_audio_retention interval not null default interval '7 days',
  max_attempts integer not null default 5 check (max_attempts >= 1),
  per_user_concurrency integer not null default 2 check (per_user_concurrency >= 1),
  global_concurrency integer not null default 8 check (global_concurrency >= 1)
);
insert into queue.ingest_settings default values;
comment on table queue.ingest_settings is
  'Ingestion settings (one row): backfill_days (days re-planned on every sweep and ingested for a new key), '
  'day_grace (a local day is planned once it ended this long ago), no_audio_recheck_for (404 windows are asked '
  'again until their end + this), raw_audio_retention (raw objects deleted this long after detection), '
  'max_attempts for 5xx/network, per_user/global_concurrency of downloads.';

-- The encrypted keys. Only the table owner (postgres, used by the Edge Functions through SUPABASE_DB_URL)
-- can read it: no grant to anon, authenticated or service_role, and no function hands out a ciphertext
-- to them. The plaintext never reaches the database (AES-256-GCM in the function, KEK outside the DB).
create table private.limitless_keys (
  user_id uuid primary key references public.profiles (user_id) on delete cascade,
  key_id uuid not null default gen_random_uuid(),
  ciphertext bytea not null,
  iv bytea not null,
  kek_version integer not null check (kek_version >= 1),
  status text not null default 'valid' check (status in ('valid', 'invalid')),
  invalid_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint limitless_keys_iv_length check (octet_length(iv) = 12),
  constraint limitless_keys_invalid_since check ((status = 'invalid') = (invalid_since is not null))
);
comment on table private.limitless_keys is
  'Per-user Limitless API key, AES-256-GCM ciphertext (+tag) with AAD "giggles/limitless-key/v<kek_version>/<user_id>". '
  'key_id changes with every stored key, so a 401 seen with an old key never invalidates a newer one.';
revoke all on private.limitless_keys from public, anon, authenticated, service_role;
alter table private.limitless_keys enable row level security;

create trigger limitless_keys_touch_updated_at
  before update on private.limitless_keys
  for each row execute function private.touch_updated_at();

-- One row per (user, ≤ 2 h UTC window) of a finished local day.
create table queue.ingest_windows (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  local_date date not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  object_key text not null unique,
  recording_id uuid references public.recordings (id) on delete set null,
  downloaded_at timestamptz,
  no_audio_since timestamptz,
  last_checked_at timestamptz,
  checks integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ingest_windows_span check (ends_at > starts_at and ends_at - starts_at <= interval '2 hours'),
  constraint ingest_windows_user_id_starts_at_key unique (user_id, starts_at)
);
comment on table queue.ingest_windows is
  'Download windows (≤ 2 h, UTC instants) of each user''s finished local days. State: see queue.ingest_window_states.';
comment on column queue.ingest_windows.object_key is
  'Where its audio goes in the recordings bucket (fixed per window, so a retried upload overwrites, never orphans).';
comment on column queue.ingest_windows.no_audio_since is 'First 404 (no audio yet); null once audio arrived.';

create trigger ingest_windows_touch_updated_at
  before update on queue.ingest_windows
  for each row execute function private.touch_updated_at();

-- Ingest jobs point at a window, not a recording (the recording is what they produce).
alter table queue.jobs alter column recording_id drop not null;
alter table queue.jobs add column window_id bigint references queue.ingest_windows (id) on delete cascade;
alter table queue.jobs add constraint jobs_target_known check (
  case when kind = 'ingest' then window_id is not null and recording_id is null
       else recording_id is not null and window_id is null end
);
alter table queue.jobs add constraint jobs_window_id_key unique (window_id);
comment on column queue.jobs.window_id is 'The ingest window of an `ingest` job (recording_id is null for those).';
alter table public.job_runs alter column recording_id drop not null;

create index ingest_windows_user_id_local_date_idx on queue.ingest_windows (user_id, local_date);

-- What an operator (and the key status endpoint) reads: each window's state and its reason.
--   downloaded: its recording exists; failed: its job is dead (reason = last_error); no_audio: the last
--   answer was 404; pending: planned, queued, being downloaded, or waiting for a valid key.
create view queue.ingest_window_states
with (security_invoker = true)
as
select w.id as window_id, w.user_id, w.local_date, w.starts_at, w.ends_at, w.recording_id,
       case when w.recording_id is not null then 'downloaded'
            when j.status = 'dead' then 'failed'
            when j.status = 'done' and w.no_audio_since is not null then 'no_audio'
            else 'pending' end as state,
       j.id as job_id, j.status as job_status, j.attempts, j.max_attempts, j.run_at, j.last_error,
       w.no_audio_since, w.last_checked_at, w.checks
from queue.ingest_windows w
left join queue.jobs j on j.window_id = w.id;
comment on view queue.ingest_window_states is
  'Per window: state pending | downloaded | no_audio | failed (dead-lettered; reason in last_error).';

grant select on queue.ingest_windows, queue.ingest_window_states, queue.ingest_settings to service_role;

-- queue.plan_ingest(now, user_id) -> (windows_planned, jobs_enqueued, no_audio_requeued)
--   For every active user with a stored key (or only `user_id`), every local day of the last backfill_days
--   that ended + day_grace before now is cut into windows of at most 2 h: from the local midnight instant,
--   every 2 h, the last one ending at the next local midnight instant (23 h and 25 h DST days, +5:30 and
--   +12:45 zones: no offset arithmetic, only "local midnight at time zone"). Windows and their jobs are
--   inserted if missing (idempotent, set-based). 404 windows still within no_audio_recheck_for of their
--   end are queued again (at most every no_audio_recheck_every). Dead windows stay dead (listed in
--   queue.ingest_window_states) until an operator calls queue.retry_ingest_windows.
create or replace function queue.plan_ingest(
  now timestamptz default pg_catalog.now(),
  user_id uuid default null,
  out windows_planned integer,
  out jobs_enqueued integer,
  out no_audio_requeued integer
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  settings queue.ingest_settings;
begin
  select * into settings from queue.ingest_settings;

  with users as (
    select p.user_id, p.time_zone, (plan_ingest.now at time zone p.time_zone)::date as today
    from public.profiles p
    join private.limitless_keys k on k.user_id = p.user_id
    where p.is_active and (plan_ingest.user_id is null or p.user_id = plan_ingest.user_id)
  ),
  days as (
    select u.user_id, u.time_zone, d::date as local_date,
           (d::date::timestamp at time zone u.time_zone) as day_start,
           ((d::date + 1)::timestamp at time zone u.time_zone) as day_end
    from users u
    cross join lateral pg_catalog.generate_series(u.today - settings.backfill_days, u.today - 1,
                                                  interval '1 day') as d
  ),
  windows as (
    select d.user_id, d.local_date, s as starts_at, least(s + interval '2 hours', d.day_end) as ends_at
    from days d
    cross join lateral pg_catalog.generate_series(d.day_start, d.day_end - interval '1 microsecond',
                                                  interval '2 hours') as s
    where d.day_end + settings.day_grace <= plan_ingest.now
  )
  insert into queue.ingest_windows (user_id, local_date, starts_at, ends_at, object_key)
  select w.user_id, w.local_date, w.starts_at, w.ends_at,
         pg_catalog.format('%s/%s/limitless-%s-%s.ogg', w.user_id, pg_catalog.to_char(w.local_date, 'YYYY-MM-DD'),
                           (extract(epoch from w.starts_at) * 1000)::bigint,
                           (extract(epoch from w.ends_at) * 1000)::bigint)
  from windows w
  on conflict (user_id, starts_at) do nothing;
  get diagnostics windows_planned = row_count;

  insert into queue.jobs (kind, window_id, user_id, max_attempts)
  select 'ingest', w.id, w.user_id, settings.max_attempts
  from queue.ingest_windows w
  where w.recording_id is null
    and (plan_ingest.user_id is null or w.user_id = plan_ingest.user_id)
    and not exists (select 1 from queue.jobs j where j.window_id = w.id)
  on conflict (window_id) do nothing;
  get diagnostics jobs_enqueued = row_count;

  update queue.jobs j
  set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null, lease_expires_at = null,
      claimed_by = null, claimed_at = null, outcome = null, finished_at = null
  from queue.ingest_windows w
  where j.window_id = w.id and j.kind = 'ingest' and j.status = 'done'
    and w.recording_id is null and w.no_audio_since is not null
    and w.ends_at + settings.no_audio_recheck_for > plan_ingest.now
    and (w.last_checked_at is null or w.last_checked_at <= plan_ingest.now - settings.no_audio_recheck_every)
    and (plan_ingest.user_id is null or w.user_id = plan_ingest.user_id);
  get diagnostics no_audio_requeued = row_count;
end
$$;
comment on function queue.plan_ingest(timestamptz, uuid) is
  'Hourly (and when a key is stored): plans ≤ 2 h windows of finished local days of the last backfill_days as '
  'ingest jobs; re-queues 404 windows within no_audio_recheck_for.';

-- queue.store_limitless_key(user_id, ciphertext, iv, kek_version) -> windows planned for the backfill
--   Stores (or replaces) the user's encrypted key as valid: waiting windows become claimable again, and
--   the last backfill_days are planned at once.
create or replace function queue.store_limitless_key(
  user_id uuid,
  ciphertext bytea,
  iv bytea,
  kek_version integer
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  planned integer;
begin
  if not exists (select 1 from public.profiles p where p.user_id = store_limitless_key.user_id) then
    raise exception 'PROFILE_NOT_FOUND: user % has no profile', store_limitless_key.user_id using errcode = '23503';
  end if;
  insert into private.limitless_keys (user_id, ciphertext, iv, kek_version)
  values (store_limitless_key.user_id, store_limitless_key.ciphertext, store_limitless_key.iv,
          store_limitless_key.kek_version)
  on conflict (user_id) do update
  set key_id = gen_random_uuid(), ciphertext = excluded.ciphertext, iv = excluded.iv,
      kek_version = excluded.kek_version, status = 'valid', invalid_since = null, created_at = pg_catalog.now();
  select p.windows_planned into planned from queue.plan_ingest(pg_catalog.now(), store_limitless_key.user_id) p;
  return planned;
end
$$;
comment on function queue.store_limitless_key(uuid, bytea, bytea, integer) is
  'Stores a user''s encrypted Limitless key (valid) and plans the backfill; returns windows planned.';

-- queue.remove_limitless_key(user_id) -> whether a key was removed. Windows stay; their jobs wait.
create or replace function queue.remove_limitless_key(user_id uuid)
returns boolean
language sql
security definer
set search_path = ''
as $$
  with removed as (
    delete from private.limitless_keys k where k.user_id = remove_limitless_key.user_id returning 1
  )
  select exists (select 1 from removed)
$$;

-- queue.limitless_key_status(user_id) -> status none | valid | invalid, invalid_since, window counts
create or replace function queue.limitless_key_status(user_id uuid)
returns table (status text, invalid_since timestamptz, stored_at timestamptz, windows jsonb)
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(k.status, 'none'), k.invalid_since, k.created_at,
         (select coalesce(pg_catalog.jsonb_object_agg(s.state, s.n), '{}'::jsonb)
          from (select st.state, count(*) as n from queue.ingest_window_states st
                where st.user_id = limitless_key_status.user_id group by st.state) s)
  from (select 1) one
  left join private.limitless_keys k on k.user_id = limitless_key_status.user_id
$$;

-- queue.claim_ingest(batch_size, lease, worker_id) -> claimed windows with the encrypted key
--   Like queue.claim for `ingest` jobs, but only for users whose key is valid (others wait without
--   burning attempts), never for a window whose recording exists, and within the per-user and global
--   concurrency limits of queue.ingest_settings (counting jobs already processing).
create or replace function queue.claim_ingest(
  batch_size integer,
  lease interval default interval '5 minutes',
  worker_id text default null
)
returns table (
  job_id bigint,
  lease_token uuid,
  lease_expires_at timestamptz,
  attempt integer,
  max_attempts integer,
  window_id bigint,
  user_id uuid,
  starts_at timestamptz,
  ends_at timestamptz,
  object_key text,
  key_id uuid,
  ciphertext bytea,
  iv bytea,
  kek_version integer
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  settings queue.ingest_settings;
  candidate record;
  running integer;
  per_user jsonb;
  user_running integer;
  claimed integer := 0;
  job queue.jobs;
begin
  if claim_ingest.batch_size is null or claim_ingest.batch_size < 1 then
    raise exception 'INVALID_ARGUMENT: batch_size must be >= 1 (got %)', claim_ingest.batch_size using errcode = '22023';
  end if;
  if claim_ingest.lease is null or claim_ingest.lease <= interval '0' then
    raise exception 'INVALID_ARGUMENT: lease must be a positive interval' using errcode = '22023';
  end if;
  select * into settings from queue.ingest_settings;
  -- Serialises claimers, so the concurrency counts below cannot be overtaken by a parallel claim.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('queue.claim_ingest'));
  select count(*) into running from queue.jobs j where j.kind = 'ingest' and j.status = 'processing';
  select coalesce(pg_catalog.jsonb_object_agg(x.user_id, x.n), '{}'::jsonb) into per_user
  from (select j.user_id, count(*) as n from queue.jobs j
        where j.kind = 'ingest' and j.status = 'processing' group by j.user_id) x;

  for candidate in
    select j.id, j.user_id
    from queue.jobs j
    join queue.ingest_windows w on w.id = j.window_id and w.recording_id is null
    join private.limitless_keys k on k.user_id = j.user_id and k.status = 'valid'
    where j.kind = 'ingest' and j.status = 'queued' and j.run_at <= pg_catalog.now()
    order by j.run_at, j.id
    for update of j skip locked
  loop
    exit when claimed >= claim_ingest.batch_size or running >= settings.global_concurrency;
    user_running := coalesce((per_user ->> candidate.user_id::text)::integer, 0);
    continue when user_running >= settings.per_user_concurrency;
    update queue.jobs j
    set status = 'processing', lease_token = gen_random_uuid(),
        lease_expires_at = pg_catalog.now() + claim_ingest.lease, attempts = j.attempts + 1,
        claimed_by = claim_ingest.worker_id, claimed_at = pg_catalog.now()
    where j.id = candidate.id
    returning * into job;
    per_user := per_user || pg_catalog.jsonb_build_object(candidate.user_id::text, user_running + 1);
    running := running + 1;
    claimed := claimed + 1;
    return query
      select job.id, job.lease_token, job.lease_expires_at, job.attempts, job.max_attempts, w.id, w.user_id,
             w.starts_at, w.ends_at, w.object_key, k.key_id, k.ciphertext, k.iv, k.kek_version
      from queue.ingest_windows w join private.limitless_keys k on k.user_id = w.user_id
      where w.id = job.window_id;
  end loop;
end
$$;
comment on function queue.claim_ingest(integer, interval, text) is
  'Leases runnable ingest jobs of users with a valid key, within the per-user and global concurrency limits.';

-- Locks an ingest job held by lease_token and its window.
create or replace function private.lock_ingest_job(job_id bigint, lease_token uuid)
returns queue.jobs
language plpgsql
set search_path = ''
as $$
declare
  job queue.jobs := private.lock_leased_job(lock_ingest_job.job_id, lock_ingest_job.lease_token);
begin
  if job.kind <> 'ingest' then
    raise exception 'INVALID_ARGUMENT: job % is a % job, not ingest', job.id, job.kind using errcode = '22023';
  end if;
  perform 1 from queue.ingest_windows w where w.id = job.window_id for update;
  return job;
end
$$;

-- Marks a leased job done with `outcome` and writes its job_runs row (note: an optional remark kept in
-- job_runs.error, e.g. why a successful attempt found nothing).
create or replace function private.finish_job(job queue.jobs, outcome jsonb, note text default null)
returns void
language plpgsql
set search_path = ''
as $$
begin
  update queue.jobs j
  set status = 'done', outcome = finish_job.outcome, finished_at = pg_catalog.now(),
      lease_expires_at = pg_catalog.now(), last_error = null
  where j.id = finish_job.job.id;
  perform private.insert_job_run(finish_job.job, 'done', '{}'::jsonb, null, finish_job.note);
end
$$;

-- queue.complete_ingest(job_id, lease_token, size_bytes) -> {recording_id, window_id, created}
--   The window's audio is in storage (verified by the caller): registers the recording (source
--   limitless, the window's start/end, status pending) and queues its detection at once (its day is over).
--   Idempotent: a window whose recording exists returns it and creates nothing.
create or replace function queue.complete_ingest(job_id bigint, lease_token uuid, size_bytes bigint)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_ingest_job(complete_ingest.job_id, complete_ingest.lease_token);
  win queue.ingest_windows;
  new_recording_id uuid;
  created boolean := false;
  result jsonb;
begin
  if job.status = 'done' then
    return job.outcome;
  end if;
  if complete_ingest.size_bytes is null or complete_ingest.size_bytes <= 0 then
    raise exception 'INVALID_ARGUMENT: size_bytes must be positive' using errcode = '22023';
  end if;
  select * into win from queue.ingest_windows w where w.id = job.window_id;
  new_recording_id := win.recording_id;
  if new_recording_id is null then
    select r.id into new_recording_id from public.recordings r where r.object_key = win.object_key;
  end if;
  if new_recording_id is null then
    insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes, source, status)
    values (win.user_id, win.object_key, win.starts_at, win.ends_at, 'ogg-opus', complete_ingest.size_bytes,
            'limitless', 'pending')
    returning id into new_recording_id;
    created := true;
    perform queue.enqueue(new_recording_id);
  end if;
  update queue.ingest_windows w
  set recording_id = new_recording_id, downloaded_at = pg_catalog.now(), no_audio_since = null,
      last_checked_at = pg_catalog.now(), checks = w.checks + 1
  where w.id = win.id;
  result := pg_catalog.jsonb_build_object('job_id', job.id, 'window_id', win.id, 'status', 'done',
    'recording_id', new_recording_id, 'created', created, 'size_bytes', complete_ingest.size_bytes);
  perform private.finish_job(job, result);
  return result;
end
$$;

-- queue.ingest_no_audio(job_id, lease_token) -> void: upstream answered 404 (nothing yet). The job is
-- done; plan_ingest asks again later while the window is within no_audio_recheck_for.
create or replace function queue.ingest_no_audio(job_id bigint, lease_token uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_ingest_job(ingest_no_audio.job_id, ingest_no_audio.lease_token);
begin
  if job.status = 'done' then
    return;
  end if;
  update queue.ingest_windows w
  set no_audio_since = coalesce(w.no_audio_since, pg_catalog.now()), last_checked_at = pg_catalog.now(),
      checks = w.checks + 1
  where w.id = job.window_id;
  perform private.finish_job(job,
    pg_catalog.jsonb_build_object('job_id', job.id, 'window_id', job.window_id, 'status', 'no_audio'),
    'NO_AUDIO: upstream answered 404');
end
$$;

-- queue.ingest_key_rejected(job_id, lease_token, key_id) -> void: upstream answered 401/403. The key that
-- was used (key_id) is marked invalid (a newer key is left alone) and the job handed back without
-- burning an attempt; claim_ingest skips the user's jobs until a new key is stored.
create or replace function queue.ingest_key_rejected(job_id bigint, lease_token uuid, key_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_ingest_job(ingest_key_rejected.job_id, ingest_key_rejected.lease_token);
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  update private.limitless_keys k
  set status = 'invalid', invalid_since = coalesce(k.invalid_since, pg_catalog.now())
  where k.user_id = job.user_id and k.key_id = ingest_key_rejected.key_id;
  update queue.jobs j
  set status = 'queued', attempts = greatest(j.attempts - 1, 0), lease_token = null, lease_expires_at = null,
      run_at = pg_catalog.now(), last_error = 'KEY_INVALID: upstream answered 401/403; waiting for a new key'
  where j.id = job.id;
end
$$;

-- queue.retry_ingest_windows(user_id, from_date, to_date) -> windows re-queued
--   Operator action for dead-lettered windows (after fixing the cause): back to queued, attempts 0.
create or replace function queue.retry_ingest_windows(user_id uuid, from_date date, to_date date)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  requeued integer;
begin
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'INVALID_DATE_RANGE: from_date (%) must be on or before to_date (%)', from_date, to_date
      using errcode = '22023';
  end if;
  update queue.jobs j
  set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null, lease_expires_at = null,
      claimed_by = null, claimed_at = null, outcome = null, finished_at = null
  from queue.ingest_windows w
  where j.window_id = w.id and j.status = 'dead' and w.recording_id is null
    and w.user_id = retry_ingest_windows.user_id
    and w.local_date between retry_ingest_windows.from_date and retry_ingest_windows.to_date;
  get diagnostics requeued = row_count;
  return requeued;
end
$$;

-- queue.kick_ingest() -> 'idle' | 'http' | 'notify'
--   Mirrors queue.kick_dispatch(): when claimable ingest jobs (or raw-audio `delete` jobs) exist, pg_net POSTs to the ingest Edge
--   Function (Vault secrets ingest_url, ingest_token); without pg_net, NOTIFY giggles_ingest.
--   Errors: GQ006 INGEST_NOT_CONFIGURED when pg_net is present but a Vault secret is missing.
create or replace function queue.kick_ingest()
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
  from queue.jobs j
  left join private.limitless_keys k on k.user_id = j.user_id and k.status = 'valid'
  where j.status = 'queued' and j.run_at <= pg_catalog.now()
    and ((j.kind = 'ingest' and k.user_id is not null) or j.kind = 'delete');
  if runnable = 0 then
    return 'idle';
  end if;
  body := pg_catalog.jsonb_build_object('runnable', runnable, 'at', pg_catalog.now());
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pg_net') then
    select s.decrypted_secret into url from vault.decrypted_secrets s where s.name = 'ingest_url';
    select s.decrypted_secret into token from vault.decrypted_secrets s where s.name = 'ingest_token';
    if url is null or token is null then
      raise exception 'INGEST_NOT_CONFIGURED: Vault secrets ingest_url and ingest_token are required'
        using errcode = 'GQ006',
              hint = 'select vault.create_secret(''https://<ref>.supabase.co/functions/v1/ingest'', ''ingest_url'');';
    end if;
    execute 'select net.http_post(url := $1, body := $2, headers := $3, timeout_milliseconds := $4)'
      using url, body,
            pg_catalog.jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || token),
            5000;
    return 'http';
  end if;
  perform pg_catalog.pg_notify('giggles_ingest', body::text);
  return 'notify';
end
$$;
comment on function queue.kick_ingest() is
  'If claimable ingest jobs exist: pg_net POST to the ingest Edge Function (Vault URL/token), else NOTIFY giggles_ingest.';

revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;

do $$
declare
  job record;
begin
  for job in
    select * from (values
      ('giggles-plan-ingest', '5 * * * *', 'select queue.plan_ingest()'),
      ('giggles-kick-ingest', '* * * * *', 'select queue.kick_ingest()')
    ) as t(name, schedule, command)
  loop
    perform cron.unschedule(c.jobid) from cron.job c where c.jobname = job.name;
    perform cron.schedule(job.name, job.schedule, job.command);
  end loop;
end
$$;
