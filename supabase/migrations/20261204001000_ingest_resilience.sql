-- Ingestion that survives upstream faults (issue 19, ingestion part; issue 21, ingest items):
--   * a long, capped backoff spread over days (settings, so tests simulate time), and the hourly planner
--     revives dead windows after dead_revive_after while they are within dead_revive_for of their end;
--   * key states: 401 → invalid, 403 → forbidden (its own state), both re-checked every
--     key_recheck_every by one probe download instead of blocking the user forever; a 429 rate-limits
--     that key only (rate_limited_until), never the other users' downloads;
--   * windows keyed by their UTC range: the planner only adds the parts of a day no window of the user
--     covers yet, so a time-zone change never re-plans covered time;
--   * complete_ingest refuses a recording that overlaps another (like register_recording), refuses when
--     the user's key is gone (delete-all or a removed key during the download), and records the verified
--     duration of the audio (ingest_windows.audio_ms);
--   * a window whose audio is short (less than full_audio_ratio of it) is state `short`, never silently
--     final: the planner asks again at growing intervals while the pendant may still upload late; a
--     longer answer replaces the object and re-runs detection, an equal one changes nothing.
-- Redefines: queue.plan_ingest, queue.claim_ingest, queue.complete_ingest, queue.ingest_key_rejected,
-- queue.kick_ingest, view queue.ingest_window_states. New: queue.ingest_failed, queue.ingest_rate_limited,
-- queue.limitless_key_accepted, queue.ingest_unchanged.
--   Error codes: GQ007 KEY_NOT_FOUND, GQ011 RECORDING_OVERLAP (as register_recording).

alter table queue.ingest_settings
  add column backoff_base interval not null default interval '1 minute',
  add column backoff_max interval not null default interval '6 hours',
  add column dead_revive_after interval not null default interval '24 hours',
  add column dead_revive_for interval not null default interval '14 days',
  add column key_recheck_every interval not null default interval '6 hours',
  add column full_audio_ratio numeric not null default 0.95 check (full_audio_ratio between 0 and 1),
  add constraint ingest_settings_backoff check (backoff_base > interval '0' and backoff_max >= backoff_base);
-- 1 min × 2^n capped at 6 h: attempts 1–9 span 8.5 h, 21 attempts span ≈ 74 h before a window is dead.
alter table queue.ingest_settings alter column max_attempts set default 21;
update queue.ingest_settings set max_attempts = 21 where max_attempts = 5;
comment on table queue.ingest_settings is
  'Ingestion settings (one row): backfill_days (days re-planned on every sweep and ingested for a new key), '
  'day_grace (a local day is planned once it ended this long ago), no_audio_recheck_for (404 windows are asked '
  'again until their end + this), raw_audio_retention (raw objects deleted this long after detection), '
  'max_attempts, backoff_base and backoff_max for 5xx/network/bad bodies (base × 2^(attempt-1), capped), '
  'dead_revive_after/dead_revive_for (the planner revives dead windows), key_recheck_every (an invalid or '
  'forbidden key is probed again), full_audio_ratio (audio covering less of its window is `short` and asked '
  'again), per_user/global_concurrency of downloads.';

alter table private.limitless_keys drop constraint limitless_keys_status_check;
alter table private.limitless_keys drop constraint limitless_keys_invalid_since;
alter table private.limitless_keys
  add constraint limitless_keys_status_check check (status in ('valid', 'invalid', 'forbidden')),
  add constraint limitless_keys_invalid_since check ((status = 'valid') = (invalid_since is null)),
  add column checked_at timestamptz,
  add column rate_limited_until timestamptz;
comment on column private.limitless_keys.status is
  'valid; invalid (Limitless answered 401); forbidden (403: the key is known but may not download). Both '
  'are probed again every ingest_settings.key_recheck_every.';
comment on column private.limitless_keys.checked_at is 'Last 401/403 seen with this key (the probe clock).';
comment on column private.limitless_keys.rate_limited_until is 'Limitless answered 429 for this key: no claim before.';

alter table queue.ingest_windows add column audio_ms integer check (audio_ms >= 0);
comment on column queue.ingest_windows.audio_ms is
  'Duration of the stored audio (Ogg granule of the last page − pre-skip), checked against the window.';

-- Whether a window's stored audio covers less than full_audio_ratio of it (null audio_ms: downloaded
-- before durations were measured, taken as whole).
create function private.ingest_window_is_short(win queue.ingest_windows, ratio numeric)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select win.recording_id is not null and win.audio_ms is not null
     and win.audio_ms < extract(epoch from win.ends_at - win.starts_at) * 1000 * ratio
$$;

-- States: downloaded, short (downloaded, but less audio than the window: asked again while the pendant
-- may upload late; listed, never silently final), failed, no_audio, pending.
create or replace view queue.ingest_window_states
with (security_invoker = true)
as
select w.id as window_id, w.user_id, w.local_date, w.starts_at, w.ends_at, w.recording_id,
       case when w.recording_id is not null and w.audio_ms is not null
                 and w.audio_ms < extract(epoch from w.ends_at - w.starts_at) * 1000 * s.full_audio_ratio then 'short'
            when w.recording_id is not null then 'downloaded'
            when j.status = 'dead' then 'failed'
            when j.status = 'done' and w.no_audio_since is not null then 'no_audio'
            else 'pending' end as state,
       j.id as job_id, j.status as job_status, j.attempts, j.max_attempts, j.run_at, j.last_error,
       w.no_audio_since, w.last_checked_at, w.checks, w.audio_ms
from queue.ingest_windows w
cross join queue.ingest_settings s
left join queue.jobs j on j.window_id = w.id;
comment on view queue.ingest_window_states is
  'Per window: state pending | downloaded | short (less audio than the window; asked again) | no_audio | '
  'failed (dead-lettered; reason in last_error).';


-- queue.plan_ingest(now, user_id) -> (windows_planned, jobs_enqueued, no_audio_requeued, dead_revived)
--   As before (every finished local day of the last backfill_days cut from local midnight into ≤ 2 h
--   windows), but a window is keyed by its UTC range: only the parts of a candidate window that no
--   window of the user covers yet are inserted (tstzmultirange difference), so after a time-zone change
--   the new local days add only uncovered time. Dead windows whose job died dead_revive_after ago and
--   that ended within dead_revive_for are queued again with fresh attempts.
drop function queue.plan_ingest(timestamptz, uuid);
create function queue.plan_ingest(
  now timestamptz default pg_catalog.now(),
  user_id uuid default null,
  out windows_planned integer,
  out jobs_enqueued integer,
  out no_audio_requeued integer,
  out dead_revived integer,
  out short_requeued integer
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
  candidates as (
    select d.user_id, d.local_date, s as starts_at, least(s + interval '2 hours', d.day_end) as ends_at
    from days d
    cross join lateral pg_catalog.generate_series(d.day_start, d.day_end - interval '1 microsecond',
                                                  interval '2 hours') as s
    where d.day_end + settings.day_grace <= plan_ingest.now
  ),
  -- The uncovered parts of each candidate: windows are at most 2 h, so only windows starting less
  -- than 2 h before the candidate can overlap it.
  uncovered as (
    select c.user_id, c.local_date, piece
    from candidates c
    cross join lateral (
      select pg_catalog.tstzmultirange(pg_catalog.tstzrange(c.starts_at, c.ends_at))
             - coalesce(pg_catalog.range_agg(pg_catalog.tstzrange(x.starts_at, x.ends_at)),
                        '{}'::pg_catalog.tstzmultirange) as free
      from queue.ingest_windows x
      where x.user_id = c.user_id and x.starts_at > c.starts_at - interval '2 hours'
        and x.starts_at < c.ends_at and x.ends_at > c.starts_at
    ) f
    cross join lateral pg_catalog.unnest(f.free) as piece
  ),
  windows as (
    select u.user_id, u.local_date, pg_catalog.lower(u.piece) as starts_at, pg_catalog.upper(u.piece) as ends_at
    from uncovered u
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

  -- Driven by the few dead jobs (materialized), never by every window: right after a big plan the
  -- statistics still say the tables are empty, and a nested loop over all windows would be quadratic.
  with dead as materialized (
    select j.id, j.window_id from queue.jobs j
    where j.kind = 'ingest' and j.status = 'dead'
      and j.finished_at <= plan_ingest.now - settings.dead_revive_after
      and (plan_ingest.user_id is null or j.user_id = plan_ingest.user_id)
  )
  update queue.jobs j
  set status = 'queued', run_at = pg_catalog.now(), attempts = 0, max_attempts = settings.max_attempts,
      lease_token = null, lease_expires_at = null, claimed_by = null, claimed_at = null, outcome = null,
      finished_at = null
  from dead, queue.ingest_windows w
  where j.id = dead.id and w.id = dead.window_id and w.recording_id is null
    and w.ends_at + settings.dead_revive_for > plan_ingest.now;
  get diagnostics dead_revived = row_count;

  -- Short windows are asked again at growing intervals (recheck_every × 2^(checks−1): 6 more asks in
  -- the 72 h after the window) while the pendant may still upload the rest.
  with short as materialized (
    select w.id from queue.ingest_windows w
    where private.ingest_window_is_short(w, settings.full_audio_ratio)
      and w.ends_at + settings.no_audio_recheck_for > plan_ingest.now
      and w.last_checked_at <= plan_ingest.now
          - settings.no_audio_recheck_every * power(2, least(greatest(w.checks - 1, 0), 10))
      and (plan_ingest.user_id is null or w.user_id = plan_ingest.user_id)
  )
  update queue.jobs j
  set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null, lease_expires_at = null,
      claimed_by = null, claimed_at = null, outcome = null, finished_at = null
  from short
  where j.window_id = short.id and j.kind = 'ingest' and j.status = 'done';
  get diagnostics short_requeued = row_count;
end
$$;
comment on function queue.plan_ingest(timestamptz, uuid) is
  'Hourly (and when a key is stored): plans the uncovered UTC time of finished local days of the last '
  'backfill_days as ≤ 2 h ingest windows; re-queues 404 and short windows within no_audio_recheck_for and '
  'revives dead ones.';

-- queue.claim_ingest(batch_size, lease, worker_id) -> claimed windows with the encrypted key
--   Like queue.claim for `ingest` jobs, within the per-user and global concurrency limits, never for a
--   window whose recording exists unless it is short, and only for keys that may be used now: valid and not rate-limited,
--   or invalid/forbidden and due for a re-check (one probe window per key per key_recheck_every).
drop function queue.claim_ingest(integer, interval, text);
create function queue.claim_ingest(
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
  audio_ms integer,
  key_id uuid,
  key_status text,
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
  probed uuid[] := '{}';
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
    select j.id, j.user_id, k.key_id, k.status as key_status
    from queue.jobs j
    join queue.ingest_windows w on w.id = j.window_id
      and (w.recording_id is null or private.ingest_window_is_short(w, settings.full_audio_ratio))
    join private.limitless_keys k on k.user_id = j.user_id
    where j.kind = 'ingest' and j.status = 'queued' and j.run_at <= pg_catalog.now()
      and (k.rate_limited_until is null or k.rate_limited_until <= pg_catalog.now())
      and (k.status = 'valid'
           or k.checked_at is null or k.checked_at <= pg_catalog.now() - settings.key_recheck_every)
    order by j.run_at, j.id
    for update of j skip locked
  loop
    exit when claimed >= claim_ingest.batch_size or running >= settings.global_concurrency;
    user_running := coalesce((per_user ->> candidate.user_id::text)::integer, 0);
    continue when user_running >= settings.per_user_concurrency;
    continue when candidate.key_status <> 'valid' and candidate.key_id = any (probed);
    if candidate.key_status <> 'valid' then
      -- One probe per key and period: the probe's answer settles the key (limitless_key_accepted or
      -- ingest_key_rejected), the other windows keep waiting.
      probed := probed || candidate.key_id;
      update private.limitless_keys k set checked_at = pg_catalog.now() where k.key_id = candidate.key_id;
    end if;
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
             w.starts_at, w.ends_at, w.object_key, w.audio_ms, k.key_id, k.status, k.ciphertext, k.iv,
             k.kek_version
      from queue.ingest_windows w join private.limitless_keys k on k.user_id = w.user_id
      where w.id = job.window_id;
  end loop;
end
$$;
comment on function queue.claim_ingest(integer, interval, text) is
  'Leases runnable ingest jobs of users whose key may be used now (valid and not rate-limited, or due for a '
  're-check), within the per-user and global concurrency limits.';

-- queue.complete_ingest(job_id, lease_token, size_bytes, duration_ms) -> {recording_id, window_id, created}
--   The window's audio is in storage (verified by the caller): registers the recording (source
--   limitless, the window's start/end, status pending) and queues its detection at once. Refuses
--   (nothing created) when the user's key is gone (GQ007: delete-all or a removed key while the download
--   ran; the caller deletes the object) or when another recording of the user overlaps the window
--   (GQ011, as register_recording). A short window asked again whose answer is longer (the caller only
--   completes such an upload) keeps its recording, with the new size and duration, and detection runs
--   again on the new object. Idempotent per lease.
drop function queue.complete_ingest(bigint, uuid, bigint);
create function queue.complete_ingest(job_id bigint, lease_token uuid, size_bytes bigint,
                                      duration_ms integer default null)
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
  overlapping uuid;
  created boolean := false;
  grown boolean := false;
  result jsonb;
begin
  if job.status = 'done' then
    return job.outcome;
  end if;
  if complete_ingest.size_bytes is null or complete_ingest.size_bytes <= 0 then
    raise exception 'INVALID_ARGUMENT: size_bytes must be positive' using errcode = '22023';
  end if;
  if complete_ingest.duration_ms is not null and complete_ingest.duration_ms < 0 then
    raise exception 'INVALID_ARGUMENT: duration_ms must not be negative' using errcode = '22023';
  end if;
  select * into win from queue.ingest_windows w where w.id = job.window_id;
  -- Same lock as register_recording: one registration per user at a time, so the overlap check holds.
  perform 1 from public.profiles p where p.user_id = win.user_id for update;
  if not exists (select 1 from private.limitless_keys k where k.user_id = win.user_id) then
    raise exception 'KEY_NOT_FOUND: user % has no Limitless key any more; the download is dropped', win.user_id
      using errcode = 'GQ007', hint = 'Delete the uploaded object; the window waits for a new key.';
  end if;
  new_recording_id := win.recording_id;
  if new_recording_id is null then
    select r.id into new_recording_id from public.recordings r where r.object_key = win.object_key;
  end if;
  if new_recording_id is null then
    select r.id into overlapping from public.recordings r
    where r.user_id = win.user_id
      and r.started_at > win.starts_at - interval '24 hours'
      and r.started_at < win.ends_at and r.ended_at > win.starts_at
      and r.status <> 'failed'
    limit 1;
    if overlapping is not null then
      raise exception 'RECORDING_OVERLAP: window % – % overlaps recording %', win.starts_at, win.ends_at,
        overlapping using errcode = 'GQ011';
    end if;
    insert into public.recordings (user_id, object_key, started_at, ended_at, format, size_bytes, source, status)
    values (win.user_id, win.object_key, win.starts_at, win.ends_at, 'ogg-opus', complete_ingest.size_bytes,
            'limitless', 'pending')
    returning id into new_recording_id;
    created := true;
    perform queue.enqueue(new_recording_id);
  elsif win.recording_id is not null and complete_ingest.duration_ms > coalesce(win.audio_ms, 0) then
    -- The window's object was replaced by a longer answer: detection runs again on it.
    update public.recordings r set size_bytes = complete_ingest.size_bytes where r.id = new_recording_id;
    grown := true;
    perform queue.enqueue(new_recording_id, true);
  end if;
  update queue.ingest_windows w
  set recording_id = new_recording_id, downloaded_at = pg_catalog.now(), no_audio_since = null,
      last_checked_at = pg_catalog.now(), checks = w.checks + 1,
      audio_ms = greatest(complete_ingest.duration_ms, w.audio_ms)
  where w.id = win.id;
  result := pg_catalog.jsonb_build_object('job_id', job.id, 'window_id', win.id, 'status', 'done',
    'recording_id', new_recording_id, 'created', created, 'grown', grown, 'size_bytes', complete_ingest.size_bytes,
    'duration_ms', complete_ingest.duration_ms);
  perform private.finish_job(job, result);
  return result;
end
$$;

-- queue.ingest_unchanged(job_id, lease_token, note) -> void: a short window asked again answered no more
-- audio than is stored (nothing was uploaded). The check is counted; the planner asks again later.
create function queue.ingest_unchanged(job_id bigint, lease_token uuid, note text default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  job queue.jobs := private.lock_ingest_job(ingest_unchanged.job_id, ingest_unchanged.lease_token);
begin
  if job.status = 'done' then
    return;
  end if;
  update queue.ingest_windows w
  set last_checked_at = pg_catalog.now(), checks = w.checks + 1
  where w.id = job.window_id;
  perform private.finish_job(job,
    pg_catalog.jsonb_build_object('job_id', job.id, 'window_id', job.window_id, 'status', 'unchanged'),
    coalesce(ingest_unchanged.note, 'UNCHANGED: no more audio than stored'));
end
$$;

-- queue.ingest_failed(job_id, lease_token, error, retryable) -> queue.fail's answer, with the backoff of
-- queue.ingest_settings (backoff_base × 2^(attempt-1), capped at backoff_max; dead after max_attempts).
create function queue.ingest_failed(job_id bigint, lease_token uuid, error text, retryable boolean default true)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  settings queue.ingest_settings;
begin
  select * into settings from queue.ingest_settings;
  return queue.fail(ingest_failed.job_id, ingest_failed.lease_token, ingest_failed.error, ingest_failed.retryable,
                    '{}'::jsonb, settings.backoff_base, settings.backoff_max);
end
$$;
comment on function queue.ingest_failed(bigint, uuid, text, boolean) is
  'A failed ingest attempt: queue.fail with the backoff of queue.ingest_settings (permanent when not retryable).';

-- queue.ingest_key_rejected(job_id, lease_token, key_id, status) -> void: upstream answered 401
-- (status 'invalid') or 403 ('forbidden'). The key that was used is marked so (a newer key is left
-- alone), its probe clock restarts, and the job is handed back without burning an attempt. claim_ingest
-- probes the key again after key_recheck_every.
drop function queue.ingest_key_rejected(bigint, uuid, uuid);
create function queue.ingest_key_rejected(job_id bigint, lease_token uuid, key_id uuid,
                                          status text default 'invalid')
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_ingest_job(ingest_key_rejected.job_id, ingest_key_rejected.lease_token);
begin
  if ingest_key_rejected.status is null or ingest_key_rejected.status not in ('invalid', 'forbidden') then
    raise exception 'INVALID_ARGUMENT: status must be invalid or forbidden' using errcode = '22023';
  end if;
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  update private.limitless_keys k
  set status = ingest_key_rejected.status, invalid_since = coalesce(k.invalid_since, pg_catalog.now()),
      checked_at = pg_catalog.now()
  where k.user_id = job.user_id and k.key_id = ingest_key_rejected.key_id;
  update queue.jobs j
  set status = 'queued', attempts = greatest(j.attempts - 1, 0), lease_token = null, lease_expires_at = null,
      run_at = pg_catalog.now(),
      last_error = pg_catalog.format('KEY_%s: upstream answered %s; re-checked every few hours',
                                     pg_catalog.upper(ingest_key_rejected.status),
                                     case ingest_key_rejected.status when 'invalid' then 401 else 403 end)
  where j.id = job.id;
end
$$;

-- queue.limitless_key_accepted(key_id) -> whether the key was not valid before: a probe of an invalid
-- or forbidden key got audio or a 404, so the key works again.
create function queue.limitless_key_accepted(key_id uuid)
returns boolean
language sql
security definer
set search_path = ''
as $$
  with revived as (
    update private.limitless_keys k set status = 'valid', invalid_since = null, checked_at = pg_catalog.now()
    where k.key_id = limitless_key_accepted.key_id and k.status <> 'valid'
    returning 1
  )
  select exists (select 1 from revived)
$$;

-- queue.ingest_rate_limited(job_id, lease_token, key_id, delay) -> void: upstream answered 429 for this
-- key. The job is released (attempt given back) until now() + delay, and no window of that key is
-- claimed before then; other keys go on.
create function queue.ingest_rate_limited(job_id bigint, lease_token uuid, key_id uuid, delay interval)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform queue.release(ingest_rate_limited.job_id, ingest_rate_limited.lease_token, ingest_rate_limited.delay);
  update private.limitless_keys k
  set rate_limited_until = greatest(coalesce(k.rate_limited_until, pg_catalog.now()),
                                    pg_catalog.now() + greatest(ingest_rate_limited.delay, interval '0'))
  where k.key_id = ingest_rate_limited.key_id;
end
$$;

-- queue.kick_ingest() -> 'idle' | 'http' | 'notify': as before, counting ingest jobs whose key may be
-- used now (the claim_ingest rule) and raw-audio `delete` jobs.
create or replace function queue.kick_ingest()
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  settings queue.ingest_settings;
  runnable integer;
  url text;
  token text;
  body jsonb;
begin
  select * into settings from queue.ingest_settings;
  select count(*) into runnable
  from queue.jobs j
  left join private.limitless_keys k on k.user_id = j.user_id
    and (k.rate_limited_until is null or k.rate_limited_until <= pg_catalog.now())
    and (k.status = 'valid' or k.checked_at is null
         or k.checked_at <= pg_catalog.now() - settings.key_recheck_every)
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

revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
