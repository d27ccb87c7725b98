--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: public; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA public;


--
-- Name: SCHEMA public; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA public IS 'standard public schema';


--
-- Name: private; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA private;


--
-- Name: SCHEMA private; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA private IS 'Internal helpers (trigger functions, validation). Not exposed through the API; no grants to anon/authenticated.';


--
-- Name: queue; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA queue;


--
-- Name: SCHEMA queue; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA queue IS 'Job queue (private). Use only through the queue.* SQL functions; documented in supabase/README.md.';


--
-- Name: user_api; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA user_api;


--
-- Name: SCHEMA user_api; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA user_api IS 'Per-user API used by the `me` Edge Function with the caller''s JWT claims; not exposed by PostgREST.';


--
-- Name: clear_foreign_clip_keys(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.clear_foreign_clip_keys() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  fits text;
  cleared integer;
begin
  select pg_catalog.pg_get_expr(c.conbin, c.conrelid) into strict fits
  from pg_catalog.pg_constraint c
  where c.conrelid = 'public.laughter_events'::regclass
    and c.conname = 'laughter_events_clip_object_key_own_prefix';
  -- A CHECK passes when its expression is true or null: a row violates it exactly when it is false.
  execute pg_catalog.format($sql$
    with bad as (
      select id, user_id, recording_id, clip_object_key from public.laughter_events where (%s) is false
    ), kept as (
      insert into private.clip_keys_cleared (event_id, user_id, recording_id, clip_object_key)
      select id, user_id, recording_id, clip_object_key from bad
      on conflict (event_id) do update set clip_object_key = excluded.clip_object_key, cleared_at = now()
      returning event_id
    )
    update public.laughter_events e set clip_object_key = null from kept where e.id = kept.event_id
  $sql$, fits);
  get diagnostics cleared = row_count;
  return cleared;
end
$_$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: jobs; Type: TABLE; Schema: queue; Owner: -
--

CREATE TABLE queue.jobs (
    id bigint NOT NULL,
    kind text DEFAULT 'detect'::text NOT NULL,
    recording_id uuid,
    user_id uuid NOT NULL,
    status text DEFAULT 'queued'::text NOT NULL,
    run_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 5 NOT NULL,
    lease_token uuid,
    lease_expires_at timestamp with time zone,
    claimed_by text,
    claimed_at timestamp with time zone,
    last_error text,
    outcome jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    window_id bigint,
    started_at timestamp with time zone,
    unstarted_expiries integer DEFAULT 0 NOT NULL,
    rerun_requested boolean DEFAULT false NOT NULL,
    retries integer DEFAULT 0 NOT NULL,
    fair_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT jobs_attempts_range CHECK (((attempts >= 0) AND (max_attempts >= 1))),
    CONSTRAINT jobs_kind_known CHECK ((kind = ANY (ARRAY['detect'::text, 'ingest'::text, 'delete'::text]))),
    CONSTRAINT jobs_lease_when_processing CHECK ((((status = 'processing'::text) = ((lease_token IS NOT NULL) AND (lease_expires_at IS NOT NULL))) OR (status = 'done'::text))),
    CONSTRAINT jobs_status_known CHECK ((status = ANY (ARRAY['queued'::text, 'processing'::text, 'done'::text, 'dead'::text]))),
    CONSTRAINT jobs_target_known CHECK (
CASE
    WHEN (kind = 'ingest'::text) THEN ((window_id IS NOT NULL) AND (recording_id IS NULL))
    ELSE ((recording_id IS NOT NULL) AND (window_id IS NULL))
END)
);


--
-- Name: TABLE jobs; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON TABLE queue.jobs IS 'One row per (kind, recording). status: queued (runnable when run_at <= now()), processing (leased: lease_token + lease_expires_at), done (outcome holds complete()''s result), dead (gave up; last_error).';


--
-- Name: COLUMN jobs.attempts; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.attempts IS 'Claims that counted (release() gives one back).';


--
-- Name: COLUMN jobs.lease_token; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.lease_token IS 'Fresh uuid per claim; every call on a claimed job must present it. Kept after done for idempotent retries.';


--
-- Name: COLUMN jobs.outcome; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.outcome IS 'The jsonb complete() returned; returned again on a same-token retry.';


--
-- Name: COLUMN jobs.window_id; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.window_id IS 'The ingest window of an `ingest` job (recording_id is null for those).';


--
-- Name: COLUMN jobs.started_at; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.started_at IS 'When the node holding the current lease began the work (queue.start); null while it only waits there.';


--
-- Name: COLUMN jobs.unstarted_expiries; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.unstarted_expiries IS 'Leases that expired before the job started (not counted as attempts, at most 3 × max_attempts forgiven).';


--
-- Name: COLUMN jobs.rerun_requested; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.rerun_requested IS 'A reprocess arrived while the job ran: its report is stored, then the job is queued once more.';


--
-- Name: COLUMN jobs.retries; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.retries IS 'Explicit retries of this job after it was dead (reprocess).';


--
-- Name: COLUMN jobs.fair_at; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.jobs.fair_at IS 'Virtual start time (start-time fair queuing), set by a trigger whenever the job becomes queued: claim order.';


--
-- Name: finish_job(queue.jobs, jsonb, text); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.finish_job(job queue.jobs, outcome jsonb, note text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  update queue.jobs j
  set status = 'done', outcome = finish_job.outcome, finished_at = pg_catalog.now(),
      lease_expires_at = pg_catalog.now(), last_error = null
  where j.id = finish_job.job.id;
  perform private.insert_job_run(finish_job.job, 'done', '{}'::jsonb, null, finish_job.note);
end
$$;


--
-- Name: handle_new_user(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.handle_new_user() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  requested text := nullif(btrim(new.raw_user_meta_data ->> 'time_zone'), '');
begin
  insert into public.profiles (user_id, time_zone)
  values (
    new.id,
    case when private.is_valid_time_zone(requested) then requested else 'UTC' end
  )
  on conflict (user_id) do nothing;
  return new;
end
$$;


--
-- Name: FUNCTION handle_new_user(); Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON FUNCTION private.handle_new_user() IS 'AFTER INSERT on auth.users: creates the profile; invalid/missing time_zone metadata falls back to UTC.';


--
-- Name: ingest_windows; Type: TABLE; Schema: queue; Owner: -
--

CREATE TABLE queue.ingest_windows (
    id bigint NOT NULL,
    user_id uuid NOT NULL,
    local_date date NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    object_key text NOT NULL,
    recording_id uuid,
    downloaded_at timestamp with time zone,
    no_audio_since timestamp with time zone,
    last_checked_at timestamp with time zone,
    checks integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    audio_ms integer,
    CONSTRAINT ingest_windows_audio_ms_check CHECK ((audio_ms >= 0)),
    CONSTRAINT ingest_windows_span CHECK (((ends_at > starts_at) AND ((ends_at - starts_at) <= '02:00:00'::interval)))
);


--
-- Name: TABLE ingest_windows; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON TABLE queue.ingest_windows IS 'Download windows (≤ 2 h, UTC instants) of each user''s finished local days. State: see queue.ingest_window_states.';


--
-- Name: COLUMN ingest_windows.object_key; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.ingest_windows.object_key IS 'Where its audio goes in the recordings bucket (fixed per window, so a retried upload overwrites, never orphans).';


--
-- Name: COLUMN ingest_windows.no_audio_since; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.ingest_windows.no_audio_since IS 'First 404 (no audio yet); null once audio arrived.';


--
-- Name: COLUMN ingest_windows.audio_ms; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON COLUMN queue.ingest_windows.audio_ms IS 'Duration of the stored audio (Ogg granule of the last page − pre-skip), checked against the window.';


--
-- Name: ingest_window_is_short(queue.ingest_windows, numeric); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.ingest_window_is_short(win queue.ingest_windows, ratio numeric) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select win.recording_id is not null and win.audio_ms is not null
     and win.audio_ms < extract(epoch from win.ends_at - win.starts_at) * 1000 * ratio
$$;


--
-- Name: insert_job_run(queue.jobs, text, jsonb, text, text); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.insert_job_run(job queue.jobs, outcome text, run_stats jsonb, model_version text, error text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  stats jsonb := coalesce(run_stats, '{}'::jsonb);
  audio_seconds double precision := (stats ->> 'audio_seconds')::double precision;
  wall_ms integer := round((stats ->> 'wall_ms')::numeric)::integer;
begin
  if pg_catalog.jsonb_typeof(stats) <> 'object' then
    raise exception 'INVALID_ARGUMENT: run_stats must be a JSON object' using errcode = '22023';
  end if;
  insert into public.job_runs (job_id, job_kind, recording_id, user_id, attempt, outcome, node_id, model_version,
                               audio_seconds, wall_ms, real_time_factor, peak_rss_bytes, error, started_at)
  values (
    job.id, job.kind, job.recording_id, job.user_id, job.attempts, outcome,
    coalesce(stats ->> 'node_id', job.claimed_by),
    model_version,
    audio_seconds,
    wall_ms,
    coalesce(
      (stats ->> 'real_time_factor')::double precision,
      case when audio_seconds > 0 and wall_ms is not null then wall_ms / 1000.0 / audio_seconds end
    ),
    (stats ->> 'peak_rss_bytes')::bigint,
    error,
    coalesce((stats ->> 'started_at')::timestamptz, job.claimed_at)
  );
end
$$;


--
-- Name: is_valid_time_zone(text); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.is_valid_time_zone(time_zone text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION is_valid_time_zone(time_zone text); Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON FUNCTION private.is_valid_time_zone(time_zone text) IS 'True when the argument is an IANA time zone name known to the server (pg_timezone_names), answered from private.time_zone_names after the server has loaded the zone.';


--
-- Name: jobs_set_fair_at(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.jobs_set_fair_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    SET enable_seqscan TO 'off'
    AS $$
declare
  system_at timestamptz;
  user_at timestamptz;
begin
  if new.status = 'queued' and (tg_op = 'INSERT' or old.status is distinct from 'queued') then
    select j.fair_at into system_at from queue.jobs j
    where j.kind = new.kind and j.status = 'queued'
    order by j.fair_at limit 1;
    select j.fair_at into user_at from queue.jobs j
    where j.kind = new.kind and j.status = 'queued' and j.user_id = new.user_id
    order by j.fair_at desc limit 1;
    new.fair_at := coalesce(greatest(system_at, user_at + interval '1 second'), pg_catalog.now());
  end if;
  return new;
end
$$;


--
-- Name: lock_ingest_job(bigint, uuid); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.lock_ingest_job(job_id bigint, lease_token uuid) RETURNS queue.jobs
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: lock_leased_job(bigint, uuid); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.lock_leased_job(job_id bigint, lease_token uuid) RETURNS queue.jobs
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs;
begin
  select * into job from queue.jobs j where j.id = lock_leased_job.job_id for update;
  if not found then
    raise exception 'JOB_NOT_FOUND: job % does not exist', lock_leased_job.job_id
      using errcode = 'GQ001', hint = 'The recording (and its job) may have been deleted; drop the result.';
  end if;
  if job.status not in ('processing', 'done')
     or job.lease_token is distinct from lock_leased_job.lease_token then
    raise exception 'LEASE_MISMATCH: job % is no longer held by lease %', job.id, lock_leased_job.lease_token
      using errcode = 'GQ002',
            hint = 'A newer claim, a release, the reaper or a reprocess superseded this lease: drop the result, do not retry.';
  end if;
  return job;
end
$$;


--
-- Name: profiles_record_time_zone(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.profiles_record_time_zone() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'INSERT' then
    insert into public.profile_time_zones (user_id, time_zone, effective_from)
    values (new.user_id, new.time_zone, '-infinity')
    on conflict (user_id, effective_from) do update set time_zone = excluded.time_zone;
  elsif new.time_zone is distinct from old.time_zone then
    insert into public.profile_time_zones (user_id, time_zone, effective_from)
    values (new.user_id, new.time_zone, pg_catalog.now())
    on conflict (user_id, effective_from) do update set time_zone = excluded.time_zone;
  end if;
  return null;
end
$$;


--
-- Name: FUNCTION profiles_record_time_zone(); Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON FUNCTION private.profiles_record_time_zone() IS 'AFTER INSERT or UPDATE OF time_zone on profiles: appends the zone to profile_time_zones.';


--
-- Name: profiles_validate_time_zone(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.profiles_validate_time_zone() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if not private.is_valid_time_zone(new.time_zone) then
    raise exception 'INVALID_TIME_ZONE: "%" is not an IANA time zone name', new.time_zone
      using errcode = '22023',
            hint = 'Use a name from pg_timezone_names, e.g. Europe/London or America/New_York.';
  end if;
  return new;
end
$$;


--
-- Name: recordings_copy_failure_reason(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.recordings_copy_failure_reason() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  update public.recordings r
  set failure_reason = case when new.status = 'dead' then new.last_error end
  where r.id = new.recording_id
    and r.failure_reason is distinct from (case when new.status = 'dead' then new.last_error end);
  return null;
end
$$;


--
-- Name: recordings_enqueue_late(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.recordings_enqueue_late() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.status = 'pending' and exists (
    select 1 from queue.swept_days s where s.user_id = new.user_id and s.local_date = new.local_date
  ) then
    perform queue.enqueue(new.id);
  end if;
  return null;
end
$$;


--
-- Name: recordings_set_local_date(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.recordings_set_local_date() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  zone text;
begin
  if tg_op = 'INSERT' or new.user_id is distinct from old.user_id then
    zone := coalesce(
      private.time_zone_at(new.user_id, new.started_at),
      (select p.time_zone from public.profiles p where p.user_id = new.user_id)
    );
    if zone is null then
      raise exception 'PROFILE_NOT_FOUND: user % has no profile', new.user_id using errcode = '23503';
    end if;
    new.time_zone := zone;
  else
    new.time_zone := old.time_zone;
  end if;
  new.local_date := (new.started_at at time zone new.time_zone)::date;
  return new;
end
$$;


--
-- Name: replace_recording_events(uuid, jsonb, text); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.replace_recording_events(recording_id uuid, events jsonb, model_version text, OUT replaced integer, OUT inserted integer, OUT suppressed integer, OUT notes_carried integer, OUT notes_kept integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
#variable_conflict use_column
declare
  recording public.recordings;
  clip_prefix text;
begin
  select * into strict recording from public.recordings r where r.id = replace_recording_events.recording_id;
  clip_prefix := recording.user_id::text || '/' || recording.id::text || '/';

  create temporary table if not exists pg_temp.incoming_events (
    n integer, start_offset_ms integer, end_offset_ms integer, peak_probability real, mean_probability real,
    class_id integer, class_name text, clip_object_key text, note text, from_event uuid
  ) on commit drop;
  truncate pg_temp.incoming_events;
  -- Clip keys of the events this call drops (suppressed or replaced): candidates for deletion.
  create temporary table if not exists pg_temp.dropped_clip_keys (clip_object_key text) on commit drop;
  truncate pg_temp.dropped_clip_keys;
  insert into pg_temp.incoming_events
  select a.n, e.start_offset_ms, e.end_offset_ms, e.peak_probability, e.mean_probability, e.class_id,
         e.class_name, e.clip_object_key, null, null
  from pg_catalog.jsonb_array_elements(replace_recording_events.events) with ordinality as a (value, n)
  cross join lateral pg_catalog.jsonb_to_record(a.value) as e(
    start_offset_ms integer, end_offset_ms integer, peak_probability real, mean_probability real,
    class_id integer, class_name text, clip_object_key text
  );

  -- Deleted by the user: not brought back (nor is the clip the node uploaded for it kept).
  with gone as (
    delete from pg_temp.incoming_events i
    where exists (
      select 1 from public.laughter_event_deletions d
      where d.recording_id = recording.id
        and least(d.end_offset_ms, i.end_offset_ms) > greatest(d.start_offset_ms, i.start_offset_ms)
    )
    returning i.clip_object_key
  )
  insert into pg_temp.dropped_clip_keys select g.clip_object_key from gone g;
  get diagnostics suppressed = row_count;

  -- Each new event takes the note of the shown event it overlaps most.
  update pg_temp.incoming_events i
  set note = best.note, from_event = best.id
  from (
    select distinct on (i2.n) i2.n, o.id, o.note
    from pg_temp.incoming_events i2
    join public.laughter_events o
      on o.recording_id = recording.id and o.model_version = recording.model_version and o.note is not null
     and least(o.end_offset_ms, i2.end_offset_ms) > greatest(o.start_offset_ms, i2.start_offset_ms)
    order by i2.n,
             least(o.end_offset_ms, i2.end_offset_ms) - greatest(o.start_offset_ms, i2.start_offset_ms) desc,
             o.start_offset_ms
  ) best
  where i.n = best.n;
  get diagnostics notes_carried = row_count;

  -- A shown event with a note that no new event took stays, moved to the new model version.
  update public.laughter_events o
  set model_version = replace_recording_events.model_version
  where o.recording_id = recording.id and o.model_version = recording.model_version and o.note is not null
    and not exists (select 1 from pg_temp.incoming_events i where i.from_event = o.id);
  get diagnostics notes_kept = row_count;

  -- The rest of the recording's events go: this version's (a rerun replaces its own events) and those of
  -- the versions before it (shown no more), except the noted events kept just above.
  with gone as (
    delete from public.laughter_events ev
    where ev.recording_id = recording.id
      and (ev.model_version <> replace_recording_events.model_version
           or ev.note is null
           or exists (select 1 from pg_temp.incoming_events i where i.from_event = ev.id))
    returning ev.clip_object_key
  )
  insert into pg_temp.dropped_clip_keys select g.clip_object_key from gone g;
  get diagnostics replaced = row_count;

  insert into public.laughter_events (user_id, recording_id, starts_at, ends_at, start_offset_ms, end_offset_ms,
                                      peak_probability, mean_probability, class_id, class_name,
                                      clip_object_key, model_version, note)
  select recording.user_id, recording.id,
         recording.started_at + i.start_offset_ms * interval '1 millisecond',
         recording.started_at + i.end_offset_ms * interval '1 millisecond',
         i.start_offset_ms, i.end_offset_ms, i.peak_probability, i.mean_probability, i.class_id, i.class_name,
         i.clip_object_key, replace_recording_events.model_version, i.note
  from pg_temp.incoming_events i
  order by i.n;
  get diagnostics inserted = row_count;

  -- A key this run names again is not deleted (it may still wait from an earlier run).
  delete from queue.upload_deletions u
  where u.bucket = 'clips'
    and u.object_key in (select i.clip_object_key from pg_temp.incoming_events i);
  -- Dropped clips no event of the recording names any more are deleted by dispatch. Only keys under the
  -- recording's own prefix: a report never gets another recording's clip deleted.
  insert into queue.upload_deletions (bucket, object_key)
  select distinct 'clips', k.clip_object_key
  from pg_temp.dropped_clip_keys k
  where pg_catalog.starts_with(k.clip_object_key, clip_prefix)
    and pg_catalog.substr(k.clip_object_key, pg_catalog.length(clip_prefix) + 1) ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]*$'
    and not exists (
      select 1 from public.laughter_events e
      where e.recording_id = recording.id and e.clip_object_key = k.clip_object_key
    )
  on conflict (object_key) do nothing;
end
$_$;


--
-- Name: FUNCTION replace_recording_events(recording_id uuid, events jsonb, model_version text, OUT replaced integer, OUT inserted integer, OUT suppressed integer, OUT notes_carried integer, OUT notes_kept integer); Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON FUNCTION private.replace_recording_events(recording_id uuid, events jsonb, model_version text, OUT replaced integer, OUT inserted integer, OUT suppressed integer, OUT notes_carried integer, OUT notes_kept integer) IS 'A completed run''s events in place of the recording''s events (of every model version), keeping the user''s deletions (tombstones) and notes (carried by time overlap, or the noted event kept); the clips of the events it drops that no event names any more are queued in queue.upload_deletions.';


--
-- Name: reprocess_job(queue.jobs, timestamp with time zone); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.reprocess_job(job queue.jobs, since timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  max_retries integer;
begin
  if job.status = 'queued' then
    return 'coalesced';
  end if;
  if job.status = 'processing' then
    if since is not null and job.claimed_at >= since or job.rerun_requested then
      return 'coalesced';
    end if;
    update queue.jobs j set rerun_requested = true where j.id = job.id;
    return 'rerun';
  end if;
  if since is not null and job.finished_at >= since then
    return case when job.status = 'dead' then 'dead' else 'coalesced' end;
  end if;
  if job.status = 'dead' then
    select s.max_dead_retries into max_retries from queue.queue_settings s;
    if job.retries >= max_retries then
      return 'dead';
    end if;
  end if;
  update queue.jobs j
  set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null,
      lease_expires_at = null, claimed_by = null, claimed_at = null, started_at = null, last_error = null,
      outcome = null, finished_at = null, unstarted_expiries = 0,
      retries = j.retries + case when job.status = 'dead' then 1 else 0 end
  where j.id = job.id;
  if job.kind = 'detect' then
    update public.recordings r set status = 'queued' where r.id = job.recording_id and r.status <> 'queued';
  end if;
  return case when job.status = 'dead' then 'retried' else 'requeued' end;
end
$$;


--
-- Name: time_zone_at(uuid, timestamp with time zone); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.time_zone_at(user_id uuid, at timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select z.time_zone from public.profile_time_zones z
  where z.user_id = time_zone_at.user_id and z.effective_from <= time_zone_at.at
  order by z.effective_from desc
  limit 1
$$;


--
-- Name: FUNCTION time_zone_at(user_id uuid, at timestamp with time zone); Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON FUNCTION private.time_zone_at(user_id uuid, at timestamp with time zone) IS 'The user''s time zone in effect at an instant (profile_time_zones).';


--
-- Name: touch_updated_at(); Type: FUNCTION; Schema: private; Owner: -
--

CREATE FUNCTION private.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end
$$;


--
-- Name: FUNCTION touch_updated_at(); Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON FUNCTION private.touch_updated_at() IS 'BEFORE UPDATE trigger: sets updated_at = now().';


--
-- Name: claim(integer, interval, text, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.claim(batch_size integer, lease interval DEFAULT '00:05:00'::interval, node_id text DEFAULT NULL::text, kind text DEFAULT 'detect'::text) RETURNS TABLE(job_id bigint, lease_token uuid, lease_expires_at timestamp with time zone, attempt integer, max_attempts integer, job_kind text, recording_id uuid, user_id uuid, object_key text, format text, started_at timestamp with time zone, ended_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET enable_seqscan TO 'off'
    AS $$
#variable_conflict use_column
begin
  if claim.batch_size is null or claim.batch_size < 1 then
    raise exception 'INVALID_ARGUMENT: batch_size must be >= 1 (got %)', claim.batch_size using errcode = '22023';
  end if;
  if claim.lease is null or claim.lease <= interval '0' then
    raise exception 'INVALID_ARGUMENT: lease must be a positive interval (got %)', claim.lease
      using errcode = '22023';
  end if;

  return query
  with picked as (
    select j.id
    from queue.jobs j
    where j.status = 'queued' and j.kind = claim.kind and j.run_at <= pg_catalog.now()
    order by j.fair_at, j.id
    limit claim.batch_size
    for update skip locked
  ),
  claimed as (
    update queue.jobs j
    set status = 'processing',
        lease_token = gen_random_uuid(),
        lease_expires_at = pg_catalog.now() + claim.lease,
        attempts = j.attempts + 1,
        claimed_by = claim.node_id,
        claimed_at = pg_catalog.now(),
        started_at = null,
        rerun_requested = false
    from picked
    where j.id = picked.id
    returning j.*
  ),
  recording as (
    update public.recordings r
    set status = 'processing'
    from claimed c
    where r.id = c.recording_id and c.kind = 'detect'
  )
  select c.id, c.lease_token, c.lease_expires_at, c.attempts, c.max_attempts, c.kind, c.recording_id,
         c.user_id, r.object_key, r.format, r.started_at, r.ended_at
  from claimed c
  join public.recordings r on r.id = c.recording_id
  order by c.fair_at, c.id;
end
$$;


--
-- Name: FUNCTION claim(batch_size integer, lease interval, node_id text, kind text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.claim(batch_size integer, lease interval, node_id text, kind text) IS 'Leases up to batch_size runnable jobs (SKIP LOCKED) in fair_at order, which interleaves users; returns job id, lease token/expiry and the recording.';


--
-- Name: claim_ingest(integer, interval, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.claim_ingest(batch_size integer, lease interval DEFAULT '00:05:00'::interval, worker_id text DEFAULT NULL::text) RETURNS TABLE(job_id bigint, lease_token uuid, lease_expires_at timestamp with time zone, attempt integer, max_attempts integer, window_id bigint, user_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone, object_key text, audio_ms integer, key_id uuid, key_status text, ciphertext bytea, iv bytea, kek_version integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION claim_ingest(batch_size integer, lease interval, worker_id text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.claim_ingest(batch_size integer, lease interval, worker_id text) IS 'Leases runnable ingest jobs of users whose key may be used now (valid and not rate-limited, or due for a re-check), within the per-user and global concurrency limits.';


--
-- Name: complete(bigint, uuid, jsonb, jsonb, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.complete(job_id bigint, lease_token uuid, events jsonb, run_stats jsonb, model_version text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(complete.job_id, complete.lease_token);
  recording public.recordings;
  replacement record;
  result jsonb;
begin
  if job.status = 'done' then
    return job.outcome;
  end if;
  if complete.model_version is null or complete.model_version = '' then
    raise exception 'INVALID_ARGUMENT: model_version is required' using errcode = '22023';
  end if;
  if complete.events is null or pg_catalog.jsonb_typeof(complete.events) <> 'array' then
    raise exception 'INVALID_ARGUMENT: events must be a JSON array (use [] for none)' using errcode = '22023';
  end if;

  select * into recording from public.recordings r where r.id = job.recording_id for update;

  select * into replacement
  from private.replace_recording_events(recording.id, complete.events, complete.model_version);

  update public.recordings r
  set status = case when job.rerun_requested then 'queued' else 'done' end,
      model_version = complete.model_version, processed_at = pg_catalog.now(),
      duration_ms = coalesce(r.duration_ms, round((complete.run_stats ->> 'audio_seconds')::numeric * 1000)::bigint),
      decode_warning = pg_catalog.left(nullif(complete.run_stats ->> 'decode_warning', ''), 1000)
  where r.id = recording.id;

  result := pg_catalog.jsonb_build_object(
    'job_id', job.id, 'recording_id', recording.id, 'status', 'done',
    'model_version', complete.model_version, 'events_inserted', replacement.inserted,
    'events_replaced', replacement.replaced, 'events_kept_deleted', replacement.suppressed,
    'notes_carried', replacement.notes_carried, 'notes_kept', replacement.notes_kept,
    'completed_at', pg_catalog.now()
  );
  if job.rerun_requested then
    update queue.jobs j
    set status = 'queued', run_at = pg_catalog.now(), attempts = 0, lease_token = null, lease_expires_at = null,
        claimed_by = null, claimed_at = null, started_at = null, outcome = null, finished_at = null,
        last_error = null, rerun_requested = false, unstarted_expiries = 0
    where j.id = job.id;
  else
    update queue.jobs j
    set status = 'done', outcome = result, finished_at = pg_catalog.now(), lease_expires_at = pg_catalog.now()
    where j.id = job.id;
  end if;

  perform private.insert_job_run(job, 'done', complete.run_stats, complete.model_version, null);
  return result;
end
$$;


--
-- Name: FUNCTION complete(job_id bigint, lease_token uuid, events jsonb, run_stats jsonb, model_version text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.complete(job_id bigint, lease_token uuid, events jsonb, run_stats jsonb, model_version text) IS 'Atomically replaces a recording''s events for a model version (keeping the user''s deletions and notes: private.replace_recording_events) and marks it done (storing run_stats ->> decode_warning on the recording); idempotent per lease.';


--
-- Name: complete_audio_deletion(bigint, uuid); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.complete_audio_deletion(job_id bigint, lease_token uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(complete_audio_deletion.job_id, complete_audio_deletion.lease_token);
begin
  if job.status = 'done' then
    return;
  end if;
  if job.kind <> 'delete' then
    raise exception 'INVALID_ARGUMENT: job % is a % job, not delete', job.id, job.kind using errcode = '22023';
  end if;
  update public.recordings r set audio_deleted_at = coalesce(r.audio_deleted_at, pg_catalog.now())
  where r.id = job.recording_id;
  perform private.finish_job(job,
    pg_catalog.jsonb_build_object('job_id', job.id, 'recording_id', job.recording_id, 'status', 'deleted'));
end
$$;


--
-- Name: complete_ingest(bigint, uuid, bigint, integer); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.complete_ingest(job_id bigint, lease_token uuid, size_bytes bigint, duration_ms integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: confirm_recording_upload(uuid, uuid, bigint, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.confirm_recording_upload(recording_id uuid, user_id uuid, size_bytes bigint DEFAULT NULL::bigint, audio_etag text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  current_status text;
begin
  select r.status into current_status from public.recordings r
  where r.id = confirm_recording_upload.recording_id and r.user_id = confirm_recording_upload.user_id
  for update;
  if not found then
    raise exception 'RECORDING_NOT_FOUND: user % has no recording %', confirm_recording_upload.user_id,
      confirm_recording_upload.recording_id using errcode = 'GQ005';
  end if;
  if current_status = 'uploading' then
    update public.recordings r
    set status = 'pending', size_bytes = coalesce(confirm_recording_upload.size_bytes, r.size_bytes),
        audio_etag = confirm_recording_upload.audio_etag
    where r.id = confirm_recording_upload.recording_id;
    select r.status into current_status from public.recordings r where r.id = confirm_recording_upload.recording_id;
  end if;
  return current_status;
end
$$;


--
-- Name: FUNCTION confirm_recording_upload(recording_id uuid, user_id uuid, size_bytes bigint, audio_etag text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.confirm_recording_upload(recording_id uuid, user_id uuid, size_bytes bigint, audio_etag text) IS 'Marks an uploaded recording pending (queued at once if its day was swept) and pins its ETag; idempotent; returns the status.';


--
-- Name: discard_clips(text[]); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.discard_clips(object_keys text[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  queued integer;
begin
  insert into queue.upload_deletions (bucket, object_key)
  select 'clips', k.key
  from pg_catalog.unnest(discard_clips.object_keys) as k (key)
  where k.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[^/]+$'
    and not exists (select 1 from public.recordings r where r.id = pg_catalog.split_part(k.key, '/', 2)::uuid)
  on conflict (object_key) do nothing;
  get diagnostics queued = row_count;
  return queued;
end
$_$;


--
-- Name: FUNCTION discard_clips(object_keys text[]); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.discard_clips(object_keys text[]) IS 'Queues for deletion the clips (<user_id>/<recording_id>/<name>) of recordings that no longer exist.';


--
-- Name: discard_ingest_object(text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.discard_ingest_object(object_key text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with queued as (
    insert into queue.upload_deletions (bucket, object_key)
    select 'recordings', discard_ingest_object.object_key
    where not exists (select 1 from queue.ingest_windows w where w.object_key = discard_ingest_object.object_key)
      and not exists (select 1 from public.recordings r where r.object_key = discard_ingest_object.object_key)
    on conflict (object_key) do nothing
    returning 1
  )
  select exists (select 1 from queued)
$$;


--
-- Name: FUNCTION discard_ingest_object(object_key text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.discard_ingest_object(object_key text) IS 'Queues for deletion (recordings bucket) the object of a refused download whose own DELETE failed, unless an ingest window or a recording names the key.';


--
-- Name: enqueue(uuid, boolean, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.enqueue(recording_id uuid, reprocess boolean DEFAULT false, kind text DEFAULT 'detect'::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  recording public.recordings;
  job queue.jobs;
begin
  select * into recording from public.recordings r where r.id = enqueue.recording_id;
  if not found then
    raise exception 'RECORDING_NOT_FOUND: recording % does not exist', enqueue.recording_id
      using errcode = 'GQ005';
  end if;

  insert into queue.jobs (kind, recording_id, user_id)
  values (enqueue.kind, recording.id, recording.user_id)
  on conflict on constraint jobs_kind_recording_id_key do nothing
  returning * into job;

  if job.id is null then
    select * into job from queue.jobs j
    where j.kind = enqueue.kind and j.recording_id = recording.id
    for update;
    if enqueue.reprocess then
      perform private.reprocess_job(job);
    end if;
    return job.id;
  end if;

  if enqueue.kind = 'detect' then
    update public.recordings r set status = 'queued' where r.id = recording.id and r.status <> 'queued';
  end if;
  return job.id;
end
$$;


--
-- Name: FUNCTION enqueue(recording_id uuid, reprocess boolean, kind text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.enqueue(recording_id uuid, reprocess boolean, kind text) IS 'Idempotently queues a job for a recording; returns the job id. reprocess => re-run a done job, re-run a running one after it completes, retry a dead one (counted, at most max_dead_retries).';


--
-- Name: expire_uploads(interval, integer); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.expire_uploads(older_than interval DEFAULT '02:00:00'::interval, max_rows integer DEFAULT 1000) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  expired integer;
begin
  if older_than is null or older_than < interval '1 hour' then
    raise exception 'INVALID_ARGUMENT: older_than must be at least 1 hour' using errcode = '22023';
  end if;
  with stale as (
    select r.id from public.recordings r
    where r.status = 'uploading' and r.created_at < pg_catalog.now() - older_than
    order by r.created_at
    limit max_rows
    for update skip locked
  ), gone as (
    delete from public.recordings r using stale where r.id = stale.id and r.status = 'uploading'
    returning r.object_key
  ), queued as (
    insert into queue.upload_deletions (object_key)
    select gone.object_key from gone
    on conflict (object_key) do nothing
    returning 1
  )
  select count(*) into expired from gone;
  return expired;
end
$$;


--
-- Name: FUNCTION expire_uploads(older_than interval, max_rows integer); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.expire_uploads(older_than interval, max_rows integer) IS 'Deletes recordings left uploading longer than older_than and queues their objects for deletion.';


--
-- Name: fail(bigint, uuid, text, boolean, jsonb, interval, interval); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.fail(job_id bigint, lease_token uuid, error text, retryable boolean, run_stats jsonb DEFAULT '{}'::jsonb, backoff_base interval DEFAULT '00:00:30'::interval, backoff_max interval DEFAULT '01:00:00'::interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(fail.job_id, fail.lease_token);
  forgiven boolean;
  is_dead boolean;
  next_run_at timestamptz;
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  forgiven := coalesce(fail.retryable, false) and job.kind = 'detect' and job.started_at is null
              and job.unstarted_expiries < 3 * job.max_attempts;
  is_dead := not forgiven and (not coalesce(fail.retryable, false) or job.attempts >= job.max_attempts);
  -- Exponent capped so 2^n cannot overflow an interval; backoff_max bounds the delay anyway.
  next_run_at := case when is_dead or forgiven then pg_catalog.now() else
    pg_catalog.now() + least(fail.backoff_base * power(2, least(greatest(job.attempts - 1, 0), 30)), fail.backoff_max)
  end;

  update queue.jobs j
  set status = case when is_dead then 'dead' else 'queued' end,
      attempts = case when forgiven then greatest(j.attempts - 1, 0) else j.attempts end,
      unstarted_expiries = j.unstarted_expiries + case when forgiven then 1 else 0 end,
      run_at = next_run_at, lease_token = null, lease_expires_at = null,
      last_error = coalesce(fail.error, 'unknown error'),
      finished_at = case when is_dead then pg_catalog.now() end
  where j.id = job.id;
  if job.kind = 'detect' then
    update public.recordings r set status = case when is_dead then 'failed' else 'queued' end
    where r.id = job.recording_id;
  end if;

  perform private.insert_job_run(job, case when is_dead then 'dead' else 'retry' end, fail.run_stats, null,
                                 coalesce(fail.error, 'unknown error'));
  return pg_catalog.jsonb_build_object(
    'job_id', job.id, 'status', case when is_dead then 'dead' else 'queued' end,
    'attempts', case when forgiven then greatest(job.attempts - 1, 0) else job.attempts end,
    'max_attempts', job.max_attempts, 'run_at', next_run_at
  );
end
$$;


--
-- Name: FUNCTION fail(job_id bigint, lease_token uuid, error text, retryable boolean, run_stats jsonb, backoff_base interval, backoff_max interval); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.fail(job_id bigint, lease_token uuid, error text, retryable boolean, run_stats jsonb, backoff_base interval, backoff_max interval) IS 'Records a failed attempt: exponential backoff while retryable and attempts remain, else dead; a retryable failure of a detect job that never started keeps its attempt.';


--
-- Name: finish_upload_deletion(bigint, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.finish_upload_deletion(deletion_id bigint, error text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if error is null then
    delete from queue.upload_deletions d where d.id = deletion_id;
  else
    update queue.upload_deletions d set last_error = pg_catalog.left(error, 2000) where d.id = deletion_id;
  end if;
end
$$;


--
-- Name: FUNCTION finish_upload_deletion(deletion_id bigint, error text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.finish_upload_deletion(deletion_id bigint, error text) IS 'Acknowledges one object deletion (error null) or records why it failed (retried later).';


--
-- Name: heartbeat(bigint, uuid, interval); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.heartbeat(job_id bigint, lease_token uuid, lease interval DEFAULT '00:05:00'::interval) RETURNS timestamp with time zone
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(heartbeat.job_id, heartbeat.lease_token);
begin
  if heartbeat.lease is null or heartbeat.lease <= interval '0' then
    raise exception 'INVALID_ARGUMENT: lease must be a positive interval (got %)', heartbeat.lease
      using errcode = '22023';
  end if;
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  if job.lease_expires_at <= pg_catalog.now() then
    raise exception 'LEASE_EXPIRED: lease % on job % expired at %', job.lease_token, job.id, job.lease_expires_at
      using errcode = 'GQ003',
            hint = 'The job will be reaped and claimed again; stop working on it.';
  end if;
  update queue.jobs j set lease_expires_at = pg_catalog.now() + heartbeat.lease where j.id = job.id;
  return pg_catalog.now() + heartbeat.lease;
end
$$;


--
-- Name: FUNCTION heartbeat(job_id bigint, lease_token uuid, lease interval); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.heartbeat(job_id bigint, lease_token uuid, lease interval) IS 'Extends a live lease; returns the new expiry. GQ002 on a stale token, GQ003 once expired.';


--
-- Name: ingest_failed(bigint, uuid, text, boolean); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.ingest_failed(job_id bigint, lease_token uuid, error text, retryable boolean DEFAULT true) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  settings queue.ingest_settings;
begin
  select * into settings from queue.ingest_settings;
  return queue.fail(ingest_failed.job_id, ingest_failed.lease_token, ingest_failed.error, ingest_failed.retryable,
                    '{}'::jsonb, settings.backoff_base, settings.backoff_max);
end
$$;


--
-- Name: FUNCTION ingest_failed(job_id bigint, lease_token uuid, error text, retryable boolean); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.ingest_failed(job_id bigint, lease_token uuid, error text, retryable boolean) IS 'A failed ingest attempt: queue.fail with the backoff of queue.ingest_settings (permanent when not retryable).';


--
-- Name: ingest_key_rejected(bigint, uuid, uuid, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.ingest_key_rejected(job_id bigint, lease_token uuid, key_id uuid, status text DEFAULT 'invalid'::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: ingest_no_audio(bigint, uuid); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.ingest_no_audio(job_id bigint, lease_token uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: ingest_rate_limited(bigint, uuid, uuid, interval); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.ingest_rate_limited(job_id bigint, lease_token uuid, key_id uuid, delay interval) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform queue.release(ingest_rate_limited.job_id, ingest_rate_limited.lease_token, ingest_rate_limited.delay);
  update private.limitless_keys k
  set rate_limited_until = greatest(coalesce(k.rate_limited_until, pg_catalog.now()),
                                    pg_catalog.now() + greatest(ingest_rate_limited.delay, interval '0'))
  where k.key_id = ingest_rate_limited.key_id;
end
$$;


--
-- Name: ingest_unchanged(bigint, uuid, text); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.ingest_unchanged(job_id bigint, lease_token uuid, note text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: kick_dispatch(); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.kick_dispatch() RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: FUNCTION kick_dispatch(); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.kick_dispatch() IS 'If runnable jobs exist: POST to the dispatch Edge Function with net.http_post (pg_net; Vault URL/token), else NOTIFY giggles_dispatch.';


--
-- Name: kick_ingest(); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.kick_ingest() RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: FUNCTION kick_ingest(); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.kick_ingest() IS 'If claimable ingest jobs exist: pg_net POST to the ingest Edge Function (Vault URL/token), else NOTIFY giggles_ingest.';


--
-- Name: limitless_key_accepted(uuid); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.limitless_key_accepted(key_id uuid) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with revived as (
    update private.limitless_keys k set status = 'valid', invalid_since = null, checked_at = pg_catalog.now()
    where k.key_id = limitless_key_accepted.key_id and k.status <> 'valid'
    returning 1
  )
  select exists (select 1 from revived)
$$;


--
-- Name: limitless_key_status(uuid); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.limitless_key_status(user_id uuid) RETURNS TABLE(status text, invalid_since timestamp with time zone, stored_at timestamp with time zone, windows jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select coalesce(k.status, 'none'), k.invalid_since, k.created_at,
         (select coalesce(pg_catalog.jsonb_object_agg(s.state, s.n), '{}'::jsonb)
          from (select st.state, count(*) as n from queue.ingest_window_states st
                where st.user_id = limitless_key_status.user_id group by st.state) s)
  from (select 1) one
  left join private.limitless_keys k on k.user_id = limitless_key_status.user_id
$$;


--
-- Name: plan_audio_deletion(timestamp with time zone); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.plan_audio_deletion(now timestamp with time zone DEFAULT now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  retention interval;
  enqueued integer;
begin
  select s.raw_audio_retention into retention from queue.ingest_settings s;
  insert into queue.jobs (kind, recording_id, user_id)
  select 'delete', r.id, r.user_id
  from public.recordings r
  where r.status = 'done' and r.audio_deleted_at is null and r.processed_at + retention <= plan_audio_deletion.now
  on conflict on constraint jobs_kind_recording_id_key do nothing;
  get diagnostics enqueued = row_count;
  return enqueued;
end
$$;


--
-- Name: FUNCTION plan_audio_deletion(now timestamp with time zone); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.plan_audio_deletion(now timestamp with time zone) IS 'Enqueues a delete job for every recording whose detection succeeded raw_audio_retention ago.';


--
-- Name: plan_ingest(timestamp with time zone, uuid); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.plan_ingest(now timestamp with time zone DEFAULT now(), user_id uuid DEFAULT NULL::uuid, OUT windows_planned integer, OUT jobs_enqueued integer, OUT no_audio_requeued integer, OUT dead_revived integer, OUT short_requeued integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION plan_ingest(now timestamp with time zone, user_id uuid, OUT windows_planned integer, OUT jobs_enqueued integer, OUT no_audio_requeued integer, OUT dead_revived integer, OUT short_requeued integer); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.plan_ingest(now timestamp with time zone, user_id uuid, OUT windows_planned integer, OUT jobs_enqueued integer, OUT no_audio_requeued integer, OUT dead_revived integer, OUT short_requeued integer) IS 'Hourly (and when a key is stored): plans the uncovered UTC time of finished local days of the last backfill_days as ≤ 2 h ingest windows; re-queues 404 and short windows within no_audio_recheck_for and revives dead ones.';


--
-- Name: reap_expired_leases(timestamp with time zone); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.reap_expired_leases(now timestamp with time zone DEFAULT now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs;
  reaped integer := 0;
  is_dead boolean;
  forgiven boolean;
  message text;
begin
  for job in
    select * from queue.jobs j
    where j.status = 'processing' and j.lease_expires_at <= reap_expired_leases.now
    order by j.lease_expires_at
    for update skip locked
  loop
    forgiven := job.kind = 'detect' and job.started_at is null
                and job.unstarted_expiries < 3 * job.max_attempts;
    is_dead := not forgiven and job.attempts >= job.max_attempts;
    message := case when forgiven then
      pg_catalog.format('LEASE_EXPIRED_UNSTARTED: lease of node %s expired at %s before the job started '
                        '(attempt not counted)', coalesce(job.claimed_by, 'unknown'), job.lease_expires_at)
    else
      pg_catalog.format('LEASE_EXPIRED: lease of node %s expired at %s (attempt %s of %s)',
        coalesce(job.claimed_by, 'unknown'), job.lease_expires_at, job.attempts, job.max_attempts)
    end;
    update queue.jobs j
    set status = case when is_dead then 'dead' else 'queued' end,
        attempts = case when forgiven then greatest(j.attempts - 1, 0) else j.attempts end,
        unstarted_expiries = j.unstarted_expiries + case when forgiven then 1 else 0 end,
        run_at = pg_catalog.now(), lease_token = null, lease_expires_at = null, last_error = message,
        finished_at = case when is_dead then pg_catalog.now() end
    where j.id = job.id;
    if job.kind = 'detect' then
      update public.recordings r set status = case when is_dead then 'failed' else 'queued' end
      where r.id = job.recording_id;
    end if;
    insert into public.job_runs (job_id, job_kind, recording_id, user_id, attempt, outcome, node_id, error,
                                 started_at)
    values (job.id, job.kind, job.recording_id, job.user_id, job.attempts,
            case when is_dead then 'dead' else 'lease_expired' end, job.claimed_by, message,
            coalesce(job.started_at, job.claimed_at));
    reaped := reaped + 1;
  end loop;
  return reaped;
end
$$;


--
-- Name: FUNCTION reap_expired_leases(now timestamp with time zone); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.reap_expired_leases(now timestamp with time zone) IS 'Requeues (or dead-letters after max_attempts) processing jobs whose lease expired; a detect job that never started keeps its attempt. Returns the count.';


--
-- Name: register_recording(uuid, timestamp with time zone, timestamp with time zone, text, bigint, text, integer, bigint); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.register_recording(user_id uuid, started_at timestamp with time zone, ended_at timestamp with time zone, format text, size_bytes bigint, source text DEFAULT 'upload'::text, max_daily_recordings integer DEFAULT 288, max_daily_bytes bigint DEFAULT '8589934592'::bigint, OUT recording_id uuid, OUT object_key text, OUT local_date date, OUT time_zone text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  extension text;
  overlapping uuid;
  recent_count integer;
  recent_bytes bigint;
begin
  -- Locks the profile: one registration per user at a time (overlap and quota checks stay true).
  select p.time_zone into time_zone from public.profiles p
  where p.user_id = register_recording.user_id for update;
  if time_zone is null then
    raise exception 'PROFILE_NOT_FOUND: user % has no profile', register_recording.user_id using errcode = '23503';
  end if;
  -- The day is cut in the zone in force when the recording started, as the recordings trigger cuts it
  -- (private.recordings_set_local_date), so the answer and the object key name the day it is stored under.
  time_zone := coalesce(private.time_zone_at(register_recording.user_id, register_recording.started_at),
                        time_zone);
  extension := case register_recording.format
    when 'ogg-opus' then 'ogg' when 'ogg-vorbis' then 'ogg' when 'wav' then 'wav' when 'flac' then 'flac'
    when 'mp3' then 'mp3' end;
  if extension is null then
    raise exception 'INVALID_ARGUMENT: unknown format "%"', register_recording.format using errcode = '22023';
  end if;
  if register_recording.ended_at - register_recording.started_at > interval '24 hours' then
    raise exception 'INVALID_ARGUMENT: a recording spans at most 24 hours' using errcode = '22023';
  end if;
  if register_recording.started_at < timestamptz '2000-01-01 00:00:00+00' then
    raise exception 'INVALID_ARGUMENT: started_at (%) is before 2000', register_recording.started_at
      using errcode = '22023';
  end if;
  if register_recording.ended_at > pg_catalog.now() + interval '10 minutes' then
    raise exception 'INVALID_ARGUMENT: ended_at (%) is in the future; register a recording after it ends',
      register_recording.ended_at using errcode = '22023';
  end if;

  select r.id into overlapping from public.recordings r
  where r.user_id = register_recording.user_id
    and r.started_at > register_recording.started_at - interval '24 hours'
    and r.started_at < register_recording.ended_at
    and r.ended_at > register_recording.started_at
    and r.status <> 'failed'
  limit 1;
  if overlapping is not null then
    raise exception 'RECORDING_OVERLAP: % – % overlaps recording %', register_recording.started_at,
      register_recording.ended_at, overlapping using errcode = 'GQ011';
  end if;

  select count(*), coalesce(sum(x.size_bytes), 0) into recent_count, recent_bytes
  from (
    select r.size_bytes from public.recordings r
    where r.user_id = register_recording.user_id and r.created_at > pg_catalog.now() - interval '24 hours'
    union all
    select d.size_bytes from queue.deleted_registrations d
    where d.user_id = register_recording.user_id and d.registered_at > pg_catalog.now() - interval '24 hours'
  ) x;
  if recent_count >= register_recording.max_daily_recordings then
    raise exception 'QUOTA_EXCEEDED: at most % recordings in 24 hours', register_recording.max_daily_recordings
      using errcode = 'GQ012';
  end if;
  if recent_bytes + register_recording.size_bytes > register_recording.max_daily_bytes then
    raise exception 'QUOTA_EXCEEDED: at most % bytes of recordings in 24 hours', register_recording.max_daily_bytes
      using errcode = 'GQ012';
  end if;

  recording_id := gen_random_uuid();
  local_date := (register_recording.started_at at time zone time_zone)::date;
  object_key := pg_catalog.format('%s/%s/%s.%s', register_recording.user_id,
                                  pg_catalog.to_char(local_date, 'YYYY-MM-DD'), recording_id, extension);
  insert into public.recordings (id, user_id, object_key, started_at, ended_at, format, size_bytes, source, status)
  values (recording_id, register_recording.user_id, object_key, register_recording.started_at,
          register_recording.ended_at, register_recording.format, register_recording.size_bytes,
          coalesce(register_recording.source, 'upload'), 'uploading');
end
$$;


--
-- Name: FUNCTION register_recording(user_id uuid, started_at timestamp with time zone, ended_at timestamp with time zone, format text, size_bytes bigint, source text, max_daily_recordings integer, max_daily_bytes bigint, OUT recording_id uuid, OUT object_key text, OUT local_date date, OUT time_zone text); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.register_recording(user_id uuid, started_at timestamp with time zone, ended_at timestamp with time zone, format text, size_bytes bigint, source text, max_daily_recordings integer, max_daily_bytes bigint, OUT recording_id uuid, OUT object_key text, OUT local_date date, OUT time_zone text) IS 'Registers a recording about to be uploaded (status uploading) after range, overlap and quota checks (deleted registrations of the last 24 hours count); returns its object key, and its local date and zone: the zone in force at started_at (private.time_zone_at).';


--
-- Name: release(bigint, uuid, interval); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.release(job_id bigint, lease_token uuid, delay interval DEFAULT '00:00:00'::interval) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(release.job_id, release.lease_token);
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  update queue.jobs j
  set status = 'queued', attempts = greatest(j.attempts - 1, 0), lease_token = null, lease_expires_at = null,
      run_at = pg_catalog.now() + greatest(coalesce(release.delay, interval '0'), interval '0')
  where j.id = job.id;
  if job.kind = 'detect' then
    update public.recordings r set status = 'queued' where r.id = job.recording_id;
  end if;
end
$$;


--
-- Name: FUNCTION release(job_id bigint, lease_token uuid, delay interval); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.release(job_id bigint, lease_token uuid, delay interval) IS 'Gives a claimed job back without burning an attempt (runnable again after delay).';


--
-- Name: remove_limitless_key(uuid); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.remove_limitless_key(user_id uuid) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with removed as (
    delete from private.limitless_keys k where k.user_id = remove_limitless_key.user_id returning 1
  )
  select exists (select 1 from removed)
$$;


--
-- Name: reprocess(uuid, date, date); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.reprocess(user_id uuid, from_date date, to_date date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  target_id uuid;
  requeued integer := 0;
begin
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'INVALID_DATE_RANGE: from_date (%) must be on or before to_date (%)', from_date, to_date
      using errcode = '22023';
  end if;
  for target_id in
    select r.id from public.recordings r
    where r.user_id = reprocess.user_id and r.local_date between reprocess.from_date and reprocess.to_date
      and r.status <> 'uploading' and r.audio_deleted_at is null
    order by r.started_at
  loop
    perform queue.enqueue(target_id, true, 'detect');
    requeued := requeued + 1;
  end loop;
  return requeued;
end
$$;


--
-- Name: FUNCTION reprocess(user_id uuid, from_date date, to_date date); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.reprocess(user_id uuid, from_date date, to_date date) IS 'Re-queues a user''s recordings with local_date in [from_date, to_date] whose audio is stored (not uploading, not deleted by retention); returns how many.';


--
-- Name: request_reprocess(uuid, date, date); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.request_reprocess(user_id uuid, from_date date, to_date date, OUT request_id uuid, OUT recordings integer, OUT scheduled integer, OUT coalesced integer, OUT dead_skipped integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  settings queue.queue_settings;
  joined public.reprocess_requests;
  since timestamptz;
  outstanding integer;
  target record;
  job queue.jobs;
  outcome text;
begin
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'INVALID_DATE_RANGE: from_date (%) must be on or before to_date (%)', from_date, to_date
      using errcode = '22023';
  end if;
  perform 1 from public.profiles p where p.user_id = request_reprocess.user_id for update;
  if not found then
    raise exception 'PROFILE_NOT_FOUND: user % has no profile', request_reprocess.user_id using errcode = '23503';
  end if;
  select * into settings from queue.queue_settings;

  select * into joined from public.reprocess_requests q
  where q.user_id = request_reprocess.user_id
    and q.from_date <= request_reprocess.to_date and q.to_date >= request_reprocess.from_date
    and (q.created_at > pg_catalog.now() - settings.reprocess_coalesce_for
         or exists (select 1 from public.recordings r
                    join queue.jobs j on j.recording_id = r.id and j.kind = 'detect'
                    where r.user_id = q.user_id and r.local_date between q.from_date and q.to_date
                      and j.status in ('queued', 'processing')))
  order by q.created_at desc
  limit 1;
  since := coalesce(joined.created_at, pg_catalog.now());

  select count(*) into outstanding from queue.jobs j
  where j.user_id = request_reprocess.user_id and j.kind = 'detect' and j.status in ('queued', 'processing');

  scheduled := 0;
  coalesced := 0;
  dead_skipped := 0;
  for target in
    select r.id from public.recordings r
    where r.user_id = request_reprocess.user_id
      and r.local_date between request_reprocess.from_date and request_reprocess.to_date
      and r.status <> 'uploading' and r.audio_deleted_at is null
    order by r.started_at
  loop
    select * into job from queue.jobs j where j.kind = 'detect' and j.recording_id = target.id for update;
    if not found then
      perform queue.enqueue(target.id);
      outcome := 'requeued';
    else
      outcome := private.reprocess_job(job, since);
    end if;
    case outcome
      when 'requeued', 'retried' then scheduled := scheduled + 1; outstanding := outstanding + 1;
      when 'rerun' then scheduled := scheduled + 1;
      when 'dead' then dead_skipped := dead_skipped + 1;
      else coalesced := coalesced + 1;
    end case;
    if outstanding > settings.max_outstanding_per_user then
      raise exception 'REPROCESS_LIMIT: at most % queued or running recordings per user; wait for the '
                      'current ones to finish or choose fewer days', settings.max_outstanding_per_user
        using errcode = 'GQ013';
    end if;
  end loop;

  if joined.id is null then
    insert into public.reprocess_requests (user_id, from_date, to_date, recordings)
    values (request_reprocess.user_id, request_reprocess.from_date, request_reprocess.to_date,
            scheduled + coalesced + dead_skipped)
    returning id into request_id;
  else
    update public.reprocess_requests q
    set from_date = least(q.from_date, request_reprocess.from_date),
        to_date = greatest(q.to_date, request_reprocess.to_date)
    where q.id = joined.id
    returning q.id into request_id;
    update public.reprocess_requests q
    set recordings = (select count(*) from public.recordings r
                      where r.user_id = q.user_id and r.local_date between q.from_date and q.to_date
                        and r.status <> 'uploading' and r.audio_deleted_at is null)
    where q.id = request_id;
  end if;
  recordings := scheduled + coalesced + dead_skipped;
end
$$;


--
-- Name: FUNCTION request_reprocess(user_id uuid, from_date date, to_date date, OUT request_id uuid, OUT recordings integer, OUT scheduled integer, OUT coalesced integer, OUT dead_skipped integer); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.request_reprocess(user_id uuid, from_date date, to_date date, OUT request_id uuid, OUT recordings integer, OUT scheduled integer, OUT coalesced integer, OUT dead_skipped integer) IS 'A user''s reprocess request: joins an overlapping recent or unfinished request, queues only what it does not cover yet, counted dead retries; GQ013 REPROCESS_LIMIT beyond max_outstanding_per_user.';


--
-- Name: retry_ingest_windows(uuid, date, date); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.retry_ingest_windows(user_id uuid, from_date date, to_date date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: start(bigint, uuid); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.start(job_id bigint, lease_token uuid) RETURNS timestamp with time zone
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  job queue.jobs := private.lock_leased_job(start.job_id, start.lease_token);
  at timestamptz;
begin
  if job.status = 'done' then
    raise exception 'JOB_ALREADY_DONE: job % is already complete', job.id using errcode = 'GQ004';
  end if;
  update queue.jobs j set started_at = coalesce(j.started_at, pg_catalog.now()) where j.id = job.id
  returning j.started_at into at;
  return at;
end
$$;


--
-- Name: FUNCTION start(job_id bigint, lease_token uuid); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.start(job_id bigint, lease_token uuid) IS 'Marks the leased job as started on its node: only then does an expired lease burn an attempt.';


--
-- Name: store_limitless_key(uuid, bytea, bytea, integer); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.store_limitless_key(user_id uuid, ciphertext bytea, iv bytea, kek_version integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION store_limitless_key(user_id uuid, ciphertext bytea, iv bytea, kek_version integer); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.store_limitless_key(user_id uuid, ciphertext bytea, iv bytea, kek_version integer) IS 'Stores a user''s encrypted Limitless key (valid) and plans the backfill; returns windows planned.';


--
-- Name: sweep(timestamp with time zone, interval); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.sweep(now timestamp with time zone DEFAULT now(), grace interval DEFAULT '02:00:00'::interval, OUT days_swept integer, OUT jobs_enqueued integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  day record;
  target_id uuid;
begin
  days_swept := 0;
  jobs_enqueued := 0;
  for day in
    select r.user_id, r.local_date
    from public.recordings r
    join public.profiles p on p.user_id = r.user_id and p.is_active
    where r.status = 'pending'
      and ((r.local_date + 1)::timestamp at time zone r.time_zone) + sweep.grace <= sweep.now
    group by r.user_id, r.local_date
    order by r.local_date, r.user_id
  loop
    insert into queue.swept_days (user_id, local_date) values (day.user_id, day.local_date)
    on conflict do nothing;
    days_swept := days_swept + 1;
    for target_id in
      select r.id from public.recordings r
      where r.user_id = day.user_id and r.local_date = day.local_date and r.status = 'pending'
      order by r.started_at
      for update skip locked
    loop
      perform queue.enqueue(target_id);
      jobs_enqueued := jobs_enqueued + 1;
    end loop;
  end loop;
end
$$;


--
-- Name: FUNCTION sweep(now timestamp with time zone, grace interval, OUT days_swept integer, OUT jobs_enqueued integer); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.sweep(now timestamp with time zone, grace interval, OUT days_swept integer, OUT jobs_enqueued integer) IS 'Hourly: enqueues the pending recordings of every (user, local day) that ended + grace before now.';


--
-- Name: take_upload_deletions(integer, interval); Type: FUNCTION; Schema: queue; Owner: -
--

CREATE FUNCTION queue.take_upload_deletions(max_count integer DEFAULT 20, retry_after interval DEFAULT '00:10:00'::interval) RETURNS TABLE(deletion_id bigint, bucket text, object_key text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
  update queue.upload_deletions d
  set next_attempt_at = pg_catalog.now() + retry_after, attempts = d.attempts + 1
  where d.id in (
    select u.id from queue.upload_deletions u
    where u.next_attempt_at <= pg_catalog.now()
      -- A clip (<user_id>/<recording_id>/<name>) waits while its recording's detection job is queued or
      -- running: that run may upload the same key again.
      -- (The case keeps the uuid cast off other keys and lets the lookup use jobs (kind, recording_id).)
      and not exists (
        select 1 from queue.jobs j
        where j.kind = 'detect' and j.status in ('queued', 'processing')
          and j.recording_id = case
            when u.bucket = 'clips' and pg_catalog.split_part(u.object_key, '/', 2)
                 ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            then pg_catalog.split_part(u.object_key, '/', 2)::uuid
          end
      )
      -- A recordings-bucket object waits while a window or a recording names it (a window planned again).
      and not (u.bucket = 'recordings' and (
        exists (select 1 from queue.ingest_windows w where w.object_key = u.object_key)
        or exists (select 1 from public.recordings r where r.object_key = u.object_key)
      ))
    order by u.next_attempt_at
    limit max_count
    for update skip locked
  )
  returning d.id, d.bucket, d.object_key
$_$;


--
-- Name: FUNCTION take_upload_deletions(max_count integer, retry_after interval); Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON FUNCTION queue.take_upload_deletions(max_count integer, retry_after interval) IS 'Leases up to max_count due object deletions (expired uploads, refused downloads, discarded and dropped clips) with their bucket; a recording''s clips wait while its detection job is queued or running, a recordings-bucket object while a window or recording names it.';


--
-- Name: check_date_range(date, date, integer); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.check_date_range(from_date date, to_date date, max_days integer) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
begin
  if from_date is null or to_date is null or from_date > to_date then
    raise exception 'INVALID_DATE_RANGE: from (%) must be on or before to (%)', from_date, to_date
      using errcode = '22023';
  end if;
  if to_date - from_date + 1 > max_days then
    raise exception 'INVALID_DATE_RANGE: at most % days at a time', max_days using errcode = '22023';
  end if;
end
$$;


--
-- Name: current_user_id(); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.current_user_id() RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  uid uuid := auth.uid();
begin
  if uid is null then
    raise exception 'NOT_SIGNED_IN: no user in the request''s JWT claims' using errcode = '42501';
  end if;
  return uid;
end
$$;


--
-- Name: days(date, date); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.days(from_date date, to_date date) RETURNS TABLE(local_date date, laughs integer, laugh_seconds numeric, recordings integer, recordings_planned integer, recordings_processing integer, recordings_done integer, recordings_failed integer, state text, failure_reasons text[])
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  perform user_api.check_date_range(from_date, to_date, 366);
  return query
  with per_day as (
    select r.local_date,
           coalesce(sum(e.laughs), 0)::integer as laughs,
           round(coalesce(sum(e.laugh_ms), 0) / 1000.0, 3) as laugh_seconds,
           count(*)::integer as recordings,
           (count(*) filter (where r.status in ('uploading', 'pending')))::integer as planned,
           (count(*) filter (where r.status in ('queued', 'processing')))::integer as processing,
           (count(*) filter (where r.status = 'done'))::integer as done,
           (count(*) filter (where r.status = 'failed'))::integer as failed,
           array_remove(array_agg(distinct r.failure_reason), null) as reasons
    from public.recordings r
    left join lateral (
      select count(*) as laughs, sum(ev.end_offset_ms - ev.start_offset_ms) as laugh_ms
      from public.laughter_events ev
      where ev.recording_id = r.id and ev.model_version = r.model_version
    ) e on true
    where r.local_date between days.from_date and days.to_date
    group by r.local_date
  )
  select d.day::date,
         coalesce(p.laughs, 0),
         coalesce(p.laugh_seconds, 0),
         coalesce(p.recordings, 0),
         coalesce(p.planned, 0),
         coalesce(p.processing, 0),
         coalesce(p.done, 0),
         coalesce(p.failed, 0),
         case
           when p.recordings is null then 'empty'
           when p.failed > 0 then 'failed'
           when p.processing > 0 then 'processing'
           when p.planned > 0 then 'planned'
           else 'done'
         end,
         coalesce(p.reasons, '{}')
  from generate_series(days.from_date, days.to_date, interval '1 day') as d (day)
  left join per_day p on p.local_date = d.day::date
  order by d.day desc;
end
$$;


--
-- Name: delete_event(uuid); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.delete_event(event_id uuid, OUT deleted boolean, OUT clip_object_key text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  uid uuid := user_api.current_user_id();
  gone public.laughter_events;
begin
  delete from public.laughter_events e
  where e.id = delete_event.event_id and e.user_id = uid
  returning e.* into gone;
  deleted := found;
  if deleted then
    clip_object_key := gone.clip_object_key;
    -- The tombstone that keeps a reprocess from bringing the laugh back
    -- (20261204004000_reprocess_keeps_user_edits.sql).
    insert into public.laughter_event_deletions (user_id, recording_id, start_offset_ms, end_offset_ms)
    values (gone.user_id, gone.recording_id, gone.start_offset_ms, gone.end_offset_ms);
  end if;
  -- The validated constraint already guarantees it; the object store is not the place to find out.
  if not pg_catalog.starts_with(delete_event.clip_object_key, uid::text || '/') then
    delete_event.clip_object_key := null;
  end if;
end
$$;


--
-- Name: delete_my_data(); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.delete_my_data(OUT recordings integer, OUT events integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  uid uuid := user_api.current_user_id();
begin
  perform 1 from public.profiles p where p.user_id = uid for update;
  delete from queue.deleted_registrations d
  where d.user_id = uid and d.registered_at <= pg_catalog.now() - interval '24 hours';
  insert into queue.deleted_registrations (user_id, registered_at, size_bytes)
  select r.user_id, r.created_at, coalesce(r.size_bytes, 0) from public.recordings r
  where r.user_id = uid and r.created_at > pg_catalog.now() - interval '24 hours';

  select count(*)::integer into events from public.laughter_events e where e.user_id = uid;
  delete from private.limitless_keys k where k.user_id = uid;
  -- Jobs before their windows and recordings: the order complete() and complete_ingest lock them in.
  delete from queue.jobs j where j.user_id = uid;
  delete from queue.ingest_windows w where w.user_id = uid;
  delete from public.recordings r where r.user_id = uid;
  get diagnostics recordings = row_count;
  delete from queue.swept_days s where s.user_id = uid;
  delete from public.reprocess_requests q where q.user_id = uid;
end
$$;


--
-- Name: limitless_key_state(); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.limitless_key_state() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select coalesce((select k.status from private.limitless_keys k
                   where k.user_id = user_api.current_user_id()), 'none')
$$;


--
-- Name: FUNCTION limitless_key_state(); Type: COMMENT; Schema: user_api; Owner: -
--

COMMENT ON FUNCTION user_api.limitless_key_state() IS 'The caller''s Limitless key state: none | valid | invalid (401) | forbidden (403); both re-checked every few hours.';


--
-- Name: process_today(); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.process_today(OUT local_date date, OUT recordings integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  uid uuid := user_api.current_user_id();
  zone text;
  target_id uuid;
begin
  select p.time_zone into zone from public.profiles p where p.user_id = uid;
  if zone is null then
    raise exception 'PROFILE_NOT_FOUND: this account has no profile' using errcode = '23503';
  end if;
  local_date := (pg_catalog.now() at time zone zone)::date;
  recordings := 0;
  for target_id in
    select r.id from public.recordings r
    where r.user_id = uid and r.local_date = process_today.local_date and r.status = 'pending'
    order by r.started_at
    for update skip locked
  loop
    perform queue.enqueue(target_id);
    recordings := recordings + 1;
  end loop;
end
$$;


--
-- Name: profile(); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.profile() RETURNS TABLE(time_zone text, created_at timestamp with time zone)
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select p.time_zone, p.created_at from public.profiles p
$$;


--
-- Name: reprocess_progress(uuid); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.reprocess_progress(request_id uuid) RETURNS TABLE(id uuid, from_date date, to_date date, created_at timestamp with time zone, recordings integer, queued integer, done integer, failed integer, finished boolean)
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select q.id, q.from_date, q.to_date, q.created_at, q.recordings,
         (count(r.id) filter (where r.status in ('queued', 'processing')))::integer,
         (count(r.id) filter (where r.status = 'done'))::integer,
         (count(r.id) filter (where r.status = 'failed'))::integer,
         (count(r.id) filter (where r.status in ('queued', 'processing'))) = 0
  from public.reprocess_requests q
  left join public.recordings r
    on r.user_id = q.user_id and r.local_date between q.from_date and q.to_date and r.status <> 'uploading'
  where q.id = reprocess_progress.request_id
  group by q.id
$$;


--
-- Name: request_reprocess(date, date); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.request_reprocess(from_date date, to_date date, OUT request_id uuid, OUT recordings integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  uid uuid := user_api.current_user_id();
begin
  perform user_api.check_date_range(from_date, to_date, 366);
  select q.request_id, q.recordings into request_id, recordings
  from queue.request_reprocess(uid, request_reprocess.from_date, request_reprocess.to_date) q;
end
$$;


--
-- Name: set_note(uuid, text); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.set_note(event_id uuid, note text, OUT updated boolean, OUT stored text) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  update public.laughter_events e set note = nullif(pg_catalog.btrim(set_note.note), '')
  where e.id = set_note.event_id
  returning e.note into set_note.stored;
  updated := found;
end
$$;


--
-- Name: set_time_zone(text); Type: FUNCTION; Schema: user_api; Owner: -
--

CREATE FUNCTION user_api.set_time_zone(zone text) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  result text;
begin
  update public.profiles p set time_zone = set_time_zone.zone
  where p.user_id = user_api.current_user_id()
  returning p.time_zone into result;
  if result is null then
    raise exception 'PROFILE_NOT_FOUND: this account has no profile' using errcode = '23503';
  end if;
  return result;
end
$$;


--
-- Name: clip_keys_cleared; Type: TABLE; Schema: private; Owner: -
--

CREATE TABLE private.clip_keys_cleared (
    event_id uuid NOT NULL,
    user_id uuid NOT NULL,
    recording_id uuid NOT NULL,
    clip_object_key text NOT NULL,
    cleared_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE clip_keys_cleared; Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON TABLE private.clip_keys_cleared IS 'Clip keys cleared from laughter_events because they lay outside the event''s own <user_id>/<recording_id>/ (rows stored before laughter_events_clip_object_key_own_prefix). Kept for operators; no API access.';


--
-- Name: limitless_keys; Type: TABLE; Schema: private; Owner: -
--

CREATE TABLE private.limitless_keys (
    user_id uuid NOT NULL,
    key_id uuid DEFAULT gen_random_uuid() NOT NULL,
    ciphertext bytea NOT NULL,
    iv bytea NOT NULL,
    kek_version integer NOT NULL,
    status text DEFAULT 'valid'::text NOT NULL,
    invalid_since timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    checked_at timestamp with time zone,
    rate_limited_until timestamp with time zone,
    CONSTRAINT limitless_keys_invalid_since CHECK (((status = 'valid'::text) = (invalid_since IS NULL))),
    CONSTRAINT limitless_keys_iv_length CHECK ((octet_length(iv) = 12)),
    CONSTRAINT limitless_keys_kek_version_check CHECK ((kek_version >= 1)),
    CONSTRAINT limitless_keys_status_check CHECK ((status = ANY (ARRAY['valid'::text, 'invalid'::text, 'forbidden'::text])))
);


--
-- Name: TABLE limitless_keys; Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON TABLE private.limitless_keys IS 'Per-user Limitless API key, AES-256-GCM ciphertext (+tag) with AAD "giggles/limitless-key/v<kek_version>/<user_id>". key_id changes with every stored key, so a 401 seen with an old key never invalidates a newer one.';


--
-- Name: COLUMN limitless_keys.status; Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON COLUMN private.limitless_keys.status IS 'valid; invalid (Limitless answered 401); forbidden (403: the key is known but may not download). Both are probed again every ingest_settings.key_recheck_every.';


--
-- Name: COLUMN limitless_keys.checked_at; Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON COLUMN private.limitless_keys.checked_at IS 'Last 401/403 seen with this key (the probe clock).';


--
-- Name: COLUMN limitless_keys.rate_limited_until; Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON COLUMN private.limitless_keys.rate_limited_until IS 'Limitless answered 429 for this key: no claim before.';


--
-- Name: time_zone_names; Type: TABLE; Schema: private; Owner: -
--

CREATE TABLE private.time_zone_names (
    name text NOT NULL
);


--
-- Name: TABLE time_zone_names; Type: COMMENT; Schema: private; Owner: -
--

COMMENT ON TABLE private.time_zone_names IS 'Copy of pg_timezone_names.name taken by migration 20261205002000, so that private.is_valid_time_zone need not read the zone directory per call. Names missing here fall back to pg_timezone_names.';


--
-- Name: laughter_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.laughter_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    recording_id uuid NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    start_offset_ms integer NOT NULL,
    end_offset_ms integer NOT NULL,
    peak_probability real NOT NULL,
    mean_probability real NOT NULL,
    class_id integer NOT NULL,
    class_name text NOT NULL,
    clip_object_key text,
    model_version text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    note text,
    CONSTRAINT laughter_events_clip_object_key_own_prefix CHECK (((clip_object_key IS NULL) OR (starts_with(clip_object_key, ((((user_id)::text || '/'::text) || (recording_id)::text) || '/'::text)) AND (length(clip_object_key) <= 1024) AND (substr(clip_object_key, (length(((user_id)::text || (recording_id)::text)) + 3)) ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]*$'::text)))),
    CONSTRAINT laughter_events_ends_after_starts CHECK ((ends_at > starts_at)),
    CONSTRAINT laughter_events_mean_probability_range CHECK (((mean_probability >= (0)::double precision) AND (mean_probability <= (1)::double precision))),
    CONSTRAINT laughter_events_note_length CHECK (((note IS NULL) OR (char_length(note) <= 1000))),
    CONSTRAINT laughter_events_offsets CHECK (((start_offset_ms >= 0) AND (end_offset_ms > start_offset_ms))),
    CONSTRAINT laughter_events_peak_probability_range CHECK (((peak_probability >= (0)::double precision) AND (peak_probability <= (1)::double precision)))
);


--
-- Name: TABLE laughter_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.laughter_events IS 'One row per detected laugh. Written only by queue.complete(), which replaces a recording''s events for a model version atomically. starts_at/ends_at = recording.started_at + offsets.';


--
-- Name: COLUMN laughter_events.start_offset_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.start_offset_ms IS 'Laugh start, ms from the recording start.';


--
-- Name: COLUMN laughter_events.end_offset_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.end_offset_ms IS 'Laugh end, ms from the recording start.';


--
-- Name: COLUMN laughter_events.peak_probability; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.peak_probability IS 'Highest laughter-family probability (0..1).';


--
-- Name: COLUMN laughter_events.mean_probability; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.mean_probability IS 'Mean laughter-family probability (0..1).';


--
-- Name: COLUMN laughter_events.class_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.class_id IS 'AudioSet class id that dominated the event.';


--
-- Name: COLUMN laughter_events.clip_object_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.clip_object_key IS 'Object key of the WAV clip in the clips bucket.';


--
-- Name: COLUMN laughter_events.model_version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.model_version IS 'Engine.modelVersion that produced the event.';


--
-- Name: COLUMN laughter_events.note; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.laughter_events.note IS 'The user''s note on this laugh (at most 1000 characters). A reprocess carries it to the new event that overlaps this one most, or keeps this event (see private.replace_recording_events).';


--
-- Name: CONSTRAINT laughter_events_clip_object_key_own_prefix ON laughter_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON CONSTRAINT laughter_events_clip_object_key_own_prefix ON public.laughter_events IS 'clip_object_key is null or <user_id>/<recording_id>/<name>, name of [A-Za-z0-9._-] not starting with ".".';


--
-- Name: recordings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recordings (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    object_key text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone NOT NULL,
    time_zone text NOT NULL,
    local_date date NOT NULL,
    format text NOT NULL,
    size_bytes bigint NOT NULL,
    duration_ms bigint,
    source text DEFAULT 'upload'::text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    model_version text,
    processed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    decode_warning text,
    audio_etag text,
    audio_deleted_at timestamp with time zone,
    failure_reason text,
    decode_warning_kind text GENERATED ALWAYS AS (
CASE
    WHEN (decode_warning ~~ 'truncated%'::text) THEN 'truncated'::text
    WHEN (decode_warning ~~ 'corrupt%'::text) THEN 'corrupt'::text
    ELSE NULL::text
END) STORED,
    CONSTRAINT recordings_duration_ms_positive CHECK (((duration_ms IS NULL) OR (duration_ms > 0))),
    CONSTRAINT recordings_ended_after_started CHECK ((ended_at > started_at)),
    CONSTRAINT recordings_format_known CHECK ((format = ANY (ARRAY['ogg-opus'::text, 'wav'::text, 'ogg-vorbis'::text, 'flac'::text, 'mp3'::text]))),
    CONSTRAINT recordings_size_bytes_nonnegative CHECK ((size_bytes >= 0)),
    CONSTRAINT recordings_status_known CHECK ((status = ANY (ARRAY['uploading'::text, 'pending'::text, 'queued'::text, 'processing'::text, 'done'::text, 'failed'::text])))
);


--
-- Name: TABLE recordings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.recordings IS 'One row per uploaded audio object (bucket `recordings`). local_date/time_zone are set by trigger from started_at and the owner''s zone in effect at started_at (profile_time_zones). status: uploading (registered, audio not yet confirmed in storage), pending (waiting for its day''s sweep), queued, processing, done, failed (dead-lettered).';


--
-- Name: COLUMN recordings.object_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.object_key IS 'Object key inside the `recordings` storage bucket.';


--
-- Name: COLUMN recordings.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.started_at IS 'UTC instant the audio starts.';


--
-- Name: COLUMN recordings.ended_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.ended_at IS 'UTC instant the audio ends (> started_at).';


--
-- Name: COLUMN recordings.time_zone; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.time_zone IS 'The zone the recording was lived in (the profile''s zone in effect at started_at), frozen at insert; local_date is cut in it.';


--
-- Name: COLUMN recordings.local_date; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.local_date IS 'Calendar date of started_at in time_zone (set by trigger).';


--
-- Name: COLUMN recordings.size_bytes; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.size_bytes IS 'Object size in bytes.';


--
-- Name: COLUMN recordings.duration_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.duration_ms IS 'Decoded audio duration in ms, when known.';


--
-- Name: COLUMN recordings.source; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.source IS 'Where the audio came from, e.g. upload or a device import.';


--
-- Name: COLUMN recordings.model_version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.model_version IS 'Model version of the last successful detect run; daily_summary counts only events of this version.';


--
-- Name: COLUMN recordings.decode_warning; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.decode_warning IS 'Set when the last run analysed only part of the recording (the input ended before the audio its header announced): what the decoder said, with the byte offset. Null when the whole recording was read.';


--
-- Name: COLUMN recordings.audio_etag; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.audio_etag IS 'ETag of the object as confirmed after upload; the node processes only an object with this ETag.';


--
-- Name: COLUMN recordings.audio_deleted_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.audio_deleted_at IS 'When the raw object was deleted by the retention job (events and clips stay); null while stored.';


--
-- Name: COLUMN recordings.failure_reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.failure_reason IS 'The dead job''s last error when status = failed (e.g. UNDECODABLE_AUDIO: …); null otherwise.';


--
-- Name: COLUMN recordings.decode_warning_kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.recordings.decode_warning_kind IS 'The kind of decode_warning: ''truncated'' (the input ended before its announced audio; what arrived was analysed), ''corrupt'' (damaged frames or pages were skipped; the rest was analysed), null when there is no warning. A recording both cut and damaged is ''truncated'' (its warning names both, the cut first).';


--
-- Name: daily_summary; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.daily_summary WITH (security_invoker='true') AS
 SELECT r.user_id,
    r.local_date,
    (COALESCE(sum(e.laughs), (0)::numeric))::integer AS laughs,
    round((COALESCE(sum(e.laugh_ms), (0)::numeric) / 1000.0), 3) AS laugh_seconds,
    (count(*) FILTER (WHERE (r.status = 'done'::text)))::integer AS recordings_done,
    (count(*) FILTER (WHERE (r.status = ANY (ARRAY['pending'::text, 'queued'::text, 'processing'::text]))))::integer AS recordings_pending,
    (count(*) FILTER (WHERE (r.status = 'failed'::text)))::integer AS recordings_failed
   FROM (public.recordings r
     LEFT JOIN LATERAL ( SELECT count(*) AS laughs,
            sum((ev.end_offset_ms - ev.start_offset_ms)) AS laugh_ms
           FROM public.laughter_events ev
          WHERE ((ev.recording_id = r.id) AND (ev.model_version = r.model_version))) e ON (true))
  GROUP BY r.user_id, r.local_date;


--
-- Name: VIEW daily_summary; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.daily_summary IS 'Per (user, local_date): laughs, laugh_seconds (sum of event durations), recordings done / pending (pending+queued+processing) / failed. security_invoker: callers see only rows RLS lets them see.';


--
-- Name: job_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_runs (
    id bigint NOT NULL,
    job_id bigint NOT NULL,
    job_kind text NOT NULL,
    recording_id uuid,
    user_id uuid NOT NULL,
    attempt integer NOT NULL,
    outcome text NOT NULL,
    node_id text,
    model_version text,
    audio_seconds double precision,
    wall_ms integer,
    real_time_factor double precision,
    peak_rss_bytes bigint,
    error text,
    started_at timestamp with time zone,
    finished_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT job_runs_audio_seconds_nonnegative CHECK (((audio_seconds IS NULL) OR (audio_seconds >= (0)::double precision))),
    CONSTRAINT job_runs_outcome_known CHECK ((outcome = ANY (ARRAY['done'::text, 'retry'::text, 'dead'::text, 'lease_expired'::text]))),
    CONSTRAINT job_runs_peak_rss_bytes_nonnegative CHECK (((peak_rss_bytes IS NULL) OR (peak_rss_bytes >= 0))),
    CONSTRAINT job_runs_wall_ms_nonnegative CHECK (((wall_ms IS NULL) OR (wall_ms >= 0)))
);


--
-- Name: TABLE job_runs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.job_runs IS 'One row per job attempt, written by queue.complete/fail/reap_expired_leases. job_id is not a foreign key: runs are history. real_time_factor = wall seconds / audio seconds (lower is faster). Service role only.';


--
-- Name: COLUMN job_runs.outcome; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_runs.outcome IS 'done | retry (failed, rescheduled) | dead (failed for good) | lease_expired (reaped).';


--
-- Name: COLUMN job_runs.audio_seconds; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_runs.audio_seconds IS 'Seconds of audio processed in this attempt.';


--
-- Name: COLUMN job_runs.wall_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_runs.wall_ms IS 'Wall-clock ms the node spent on this attempt.';


--
-- Name: COLUMN job_runs.peak_rss_bytes; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.job_runs.peak_rss_bytes IS 'Peak resident set size of the node process, bytes.';


--
-- Name: job_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.job_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.job_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: laughter_event_deletions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.laughter_event_deletions (
    id bigint NOT NULL,
    user_id uuid NOT NULL,
    recording_id uuid NOT NULL,
    start_offset_ms integer NOT NULL,
    end_offset_ms integer NOT NULL,
    deleted_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT laughter_event_deletions_offsets CHECK (((start_offset_ms >= 0) AND (end_offset_ms > start_offset_ms)))
);


--
-- Name: TABLE laughter_event_deletions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.laughter_event_deletions IS 'Laughs the user deleted (recording and offsets): a reprocess does not bring back an event overlapping one.';


--
-- Name: laughter_event_deletions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.laughter_event_deletions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.laughter_event_deletions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: profile_time_zones; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.profile_time_zones (
    user_id uuid NOT NULL,
    time_zone text NOT NULL,
    effective_from timestamp with time zone NOT NULL
);


--
-- Name: TABLE profile_time_zones; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.profile_time_zones IS 'Every time zone a user has had and from when (-infinity for the first): recordings are dated in the zone in effect when they started (private.time_zone_at).';


--
-- Name: profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.profiles (
    user_id uuid NOT NULL,
    time_zone text DEFAULT 'UTC'::text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE profiles; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.profiles IS 'One row per user, created by the on_auth_user_created trigger. time_zone (IANA name, validated) decides which local date a recording belongs to and when a day is over; is_active = false stops nightly sweeps.';


--
-- Name: COLUMN profiles.time_zone; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.profiles.time_zone IS 'IANA zone name, e.g. Europe/London. Validated against pg_timezone_names by a trigger (SQLSTATE 22023).';


--
-- Name: COLUMN profiles.is_active; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.profiles.is_active IS 'false: the hourly sweep skips this user''s recordings.';


--
-- Name: reprocess_requests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reprocess_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    from_date date NOT NULL,
    to_date date NOT NULL,
    recordings integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT reprocess_requests_range CHECK ((from_date <= to_date))
);


--
-- Name: TABLE reprocess_requests; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.reprocess_requests IS 'One row per "reprocess these days" request; its id is the handle user_api.reprocess_progress() reads.';


--
-- Name: deleted_registrations; Type: TABLE; Schema: queue; Owner: -
--

CREATE TABLE queue.deleted_registrations (
    user_id uuid NOT NULL,
    registered_at timestamp with time zone NOT NULL,
    size_bytes bigint NOT NULL
);


--
-- Name: TABLE deleted_registrations; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON TABLE queue.deleted_registrations IS 'Registrations of the last 24 hours whose recordings were deleted by the user: they still count against the daily quota (queue.register_recording). Rows older than 24 hours are pruned on delete.';


--
-- Name: ingest_settings; Type: TABLE; Schema: queue; Owner: -
--

CREATE TABLE queue.ingest_settings (
    id boolean DEFAULT true NOT NULL,
    backfill_days integer DEFAULT 7 NOT NULL,
    day_grace interval DEFAULT '02:00:00'::interval NOT NULL,
    no_audio_recheck_for interval DEFAULT '72:00:00'::interval NOT NULL,
    no_audio_recheck_every interval DEFAULT '00:55:00'::interval NOT NULL,
    raw_audio_retention interval DEFAULT '7 days'::interval NOT NULL,
    max_attempts integer DEFAULT 21 NOT NULL,
    per_user_concurrency integer DEFAULT 2 NOT NULL,
    global_concurrency integer DEFAULT 8 NOT NULL,
    backoff_base interval DEFAULT '00:01:00'::interval NOT NULL,
    backoff_max interval DEFAULT '06:00:00'::interval NOT NULL,
    dead_revive_after interval DEFAULT '24:00:00'::interval NOT NULL,
    dead_revive_for interval DEFAULT '14 days'::interval NOT NULL,
    key_recheck_every interval DEFAULT '06:00:00'::interval NOT NULL,
    full_audio_ratio numeric DEFAULT 0.95 NOT NULL,
    CONSTRAINT ingest_settings_backfill_days_check CHECK (((backfill_days >= 1) AND (backfill_days <= 60))),
    CONSTRAINT ingest_settings_backoff CHECK (((backoff_base > '00:00:00'::interval) AND (backoff_max >= backoff_base))),
    CONSTRAINT ingest_settings_full_audio_ratio_check CHECK (((full_audio_ratio >= (0)::numeric) AND (full_audio_ratio <= (1)::numeric))),
    CONSTRAINT ingest_settings_global_concurrency_check CHECK ((global_concurrency >= 1)),
    CONSTRAINT ingest_settings_id_check CHECK (id),
    CONSTRAINT ingest_settings_max_attempts_check CHECK ((max_attempts >= 1)),
    CONSTRAINT ingest_settings_per_user_concurrency_check CHECK ((per_user_concurrency >= 1))
);


--
-- Name: TABLE ingest_settings; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON TABLE queue.ingest_settings IS 'Ingestion settings (one row): backfill_days (days re-planned on every sweep and ingested for a new key), day_grace (a local day is planned once it ended this long ago), no_audio_recheck_for (404 windows are asked again until their end + this), raw_audio_retention (raw objects deleted this long after detection), max_attempts, backoff_base and backoff_max for 5xx/network/bad bodies (base × 2^(attempt-1), capped), dead_revive_after/dead_revive_for (the planner revives dead windows), key_recheck_every (an invalid or forbidden key is probed again), full_audio_ratio (audio covering less of its window is `short` and asked again), per_user/global_concurrency of downloads.';


--
-- Name: ingest_window_states; Type: VIEW; Schema: queue; Owner: -
--

CREATE VIEW queue.ingest_window_states WITH (security_invoker='true') AS
 SELECT w.id AS window_id,
    w.user_id,
    w.local_date,
    w.starts_at,
    w.ends_at,
    w.recording_id,
        CASE
            WHEN ((w.recording_id IS NOT NULL) AND (w.audio_ms IS NOT NULL) AND ((w.audio_ms)::numeric < ((EXTRACT(epoch FROM (w.ends_at - w.starts_at)) * (1000)::numeric) * s.full_audio_ratio))) THEN 'short'::text
            WHEN (w.recording_id IS NOT NULL) THEN 'downloaded'::text
            WHEN (j.status = 'dead'::text) THEN 'failed'::text
            WHEN ((j.status = 'done'::text) AND (w.no_audio_since IS NOT NULL)) THEN 'no_audio'::text
            ELSE 'pending'::text
        END AS state,
    j.id AS job_id,
    j.status AS job_status,
    j.attempts,
    j.max_attempts,
    j.run_at,
    j.last_error,
    w.no_audio_since,
    w.last_checked_at,
    w.checks,
    w.audio_ms
   FROM ((queue.ingest_windows w
     CROSS JOIN queue.ingest_settings s)
     LEFT JOIN queue.jobs j ON ((j.window_id = w.id)));


--
-- Name: VIEW ingest_window_states; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON VIEW queue.ingest_window_states IS 'Per window: state pending | downloaded | short (less audio than the window; asked again) | no_audio | failed (dead-lettered; reason in last_error).';


--
-- Name: ingest_windows_id_seq; Type: SEQUENCE; Schema: queue; Owner: -
--

ALTER TABLE queue.ingest_windows ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME queue.ingest_windows_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: jobs_id_seq; Type: SEQUENCE; Schema: queue; Owner: -
--

ALTER TABLE queue.jobs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME queue.jobs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: queue_settings; Type: TABLE; Schema: queue; Owner: -
--

CREATE TABLE queue.queue_settings (
    id boolean DEFAULT true NOT NULL,
    max_dead_retries integer DEFAULT 3 NOT NULL,
    max_outstanding_per_user integer DEFAULT 1000 NOT NULL,
    reprocess_coalesce_for interval DEFAULT '01:00:00'::interval NOT NULL,
    CONSTRAINT queue_settings_id_check CHECK (id),
    CONSTRAINT queue_settings_max_dead_retries_check CHECK ((max_dead_retries >= 0)),
    CONSTRAINT queue_settings_max_outstanding_per_user_check CHECK ((max_outstanding_per_user >= 1))
);


--
-- Name: TABLE queue_settings; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON TABLE queue.queue_settings IS 'Queue settings (one row): max_dead_retries (explicit reprocess retries of a dead job), max_outstanding_per_user (queued + running detect jobs a reprocess request may bring a user to), reprocess_coalesce_for (a reprocess request overlapping one this recent, or one still running, joins it).';


--
-- Name: swept_days; Type: TABLE; Schema: queue; Owner: -
--

CREATE TABLE queue.swept_days (
    user_id uuid NOT NULL,
    local_date date NOT NULL,
    swept_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE swept_days; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON TABLE queue.swept_days IS 'Local days (in the user''s zone) already swept: recordings registered later for such a day are queued at once by the recordings_enqueue_late trigger.';


--
-- Name: upload_deletions; Type: TABLE; Schema: queue; Owner: -
--

CREATE TABLE queue.upload_deletions (
    id bigint NOT NULL,
    object_key text NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    bucket text DEFAULT 'recordings'::text NOT NULL,
    CONSTRAINT upload_deletions_bucket_check CHECK ((bucket = ANY (ARRAY['recordings'::text, 'clips'::text])))
);


--
-- Name: TABLE upload_deletions; Type: COMMENT; Schema: queue; Owner: -
--

COMMENT ON TABLE queue.upload_deletions IS 'Objects still to delete (drained by the dispatch function): expired uploads in the recordings bucket, clips uploaded by a job whose recording was deleted while it ran in the clips bucket.';


--
-- Name: upload_deletions_id_seq; Type: SEQUENCE; Schema: queue; Owner: -
--

ALTER TABLE queue.upload_deletions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME queue.upload_deletions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: clip_keys_cleared clip_keys_cleared_pkey; Type: CONSTRAINT; Schema: private; Owner: -
--

ALTER TABLE ONLY private.clip_keys_cleared
    ADD CONSTRAINT clip_keys_cleared_pkey PRIMARY KEY (event_id);


--
-- Name: limitless_keys limitless_keys_pkey; Type: CONSTRAINT; Schema: private; Owner: -
--

ALTER TABLE ONLY private.limitless_keys
    ADD CONSTRAINT limitless_keys_pkey PRIMARY KEY (user_id);


--
-- Name: time_zone_names time_zone_names_pkey; Type: CONSTRAINT; Schema: private; Owner: -
--

ALTER TABLE ONLY private.time_zone_names
    ADD CONSTRAINT time_zone_names_pkey PRIMARY KEY (name);


--
-- Name: job_runs job_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_runs
    ADD CONSTRAINT job_runs_pkey PRIMARY KEY (id);


--
-- Name: laughter_event_deletions laughter_event_deletions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.laughter_event_deletions
    ADD CONSTRAINT laughter_event_deletions_pkey PRIMARY KEY (id);


--
-- Name: laughter_events laughter_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.laughter_events
    ADD CONSTRAINT laughter_events_pkey PRIMARY KEY (id);


--
-- Name: laughter_events laughter_events_recording_offset_model_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.laughter_events
    ADD CONSTRAINT laughter_events_recording_offset_model_key UNIQUE (recording_id, start_offset_ms, model_version);


--
-- Name: profile_time_zones profile_time_zones_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profile_time_zones
    ADD CONSTRAINT profile_time_zones_pkey PRIMARY KEY (user_id, effective_from);


--
-- Name: profiles profiles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT profiles_pkey PRIMARY KEY (user_id);


--
-- Name: recordings recordings_id_user_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recordings
    ADD CONSTRAINT recordings_id_user_id_key UNIQUE (id, user_id);


--
-- Name: recordings recordings_object_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recordings
    ADD CONSTRAINT recordings_object_key_key UNIQUE (object_key);


--
-- Name: recordings recordings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recordings
    ADD CONSTRAINT recordings_pkey PRIMARY KEY (id);


--
-- Name: reprocess_requests reprocess_requests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reprocess_requests
    ADD CONSTRAINT reprocess_requests_pkey PRIMARY KEY (id);


--
-- Name: ingest_settings ingest_settings_pkey; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.ingest_settings
    ADD CONSTRAINT ingest_settings_pkey PRIMARY KEY (id);


--
-- Name: ingest_windows ingest_windows_object_key_key; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.ingest_windows
    ADD CONSTRAINT ingest_windows_object_key_key UNIQUE (object_key);


--
-- Name: ingest_windows ingest_windows_pkey; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.ingest_windows
    ADD CONSTRAINT ingest_windows_pkey PRIMARY KEY (id);


--
-- Name: ingest_windows ingest_windows_user_id_starts_at_key; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.ingest_windows
    ADD CONSTRAINT ingest_windows_user_id_starts_at_key UNIQUE (user_id, starts_at);


--
-- Name: jobs jobs_kind_recording_id_key; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.jobs
    ADD CONSTRAINT jobs_kind_recording_id_key UNIQUE (kind, recording_id);


--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);


--
-- Name: jobs jobs_window_id_key; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.jobs
    ADD CONSTRAINT jobs_window_id_key UNIQUE (window_id);


--
-- Name: queue_settings queue_settings_pkey; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.queue_settings
    ADD CONSTRAINT queue_settings_pkey PRIMARY KEY (id);


--
-- Name: swept_days swept_days_pkey; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.swept_days
    ADD CONSTRAINT swept_days_pkey PRIMARY KEY (user_id, local_date);


--
-- Name: upload_deletions upload_deletions_object_key_key; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.upload_deletions
    ADD CONSTRAINT upload_deletions_object_key_key UNIQUE (object_key);


--
-- Name: upload_deletions upload_deletions_pkey; Type: CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.upload_deletions
    ADD CONSTRAINT upload_deletions_pkey PRIMARY KEY (id);


--
-- Name: job_runs_job_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_runs_job_id_idx ON public.job_runs USING btree (job_id);


--
-- Name: job_runs_recording_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_runs_recording_id_idx ON public.job_runs USING btree (recording_id);


--
-- Name: laughter_event_deletions_recording_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX laughter_event_deletions_recording_idx ON public.laughter_event_deletions USING btree (recording_id);


--
-- Name: laughter_events_user_id_starts_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX laughter_events_user_id_starts_at_idx ON public.laughter_events USING btree (user_id, starts_at);


--
-- Name: recordings_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recordings_pending_idx ON public.recordings USING btree (local_date, user_id) WHERE (status = 'pending'::text);


--
-- Name: recordings_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recordings_user_id_created_at_idx ON public.recordings USING btree (user_id, created_at);


--
-- Name: recordings_user_id_local_date_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recordings_user_id_local_date_idx ON public.recordings USING btree (user_id, local_date);


--
-- Name: recordings_user_id_started_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recordings_user_id_started_at_idx ON public.recordings USING btree (user_id, started_at);


--
-- Name: reprocess_requests_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reprocess_requests_user_id_idx ON public.reprocess_requests USING btree (user_id, created_at);


--
-- Name: deleted_registrations_user_id_idx; Type: INDEX; Schema: queue; Owner: -
--

CREATE INDEX deleted_registrations_user_id_idx ON queue.deleted_registrations USING btree (user_id, registered_at);


--
-- Name: ingest_windows_user_id_local_date_idx; Type: INDEX; Schema: queue; Owner: -
--

CREATE INDEX ingest_windows_user_id_local_date_idx ON queue.ingest_windows USING btree (user_id, local_date);


--
-- Name: jobs_fair_idx; Type: INDEX; Schema: queue; Owner: -
--

CREATE INDEX jobs_fair_idx ON queue.jobs USING btree (kind, fair_at, id) WHERE (status = 'queued'::text);


--
-- Name: jobs_lease_expires_at_idx; Type: INDEX; Schema: queue; Owner: -
--

CREATE INDEX jobs_lease_expires_at_idx ON queue.jobs USING btree (lease_expires_at) WHERE (status = 'processing'::text);


--
-- Name: jobs_runnable_idx; Type: INDEX; Schema: queue; Owner: -
--

CREATE INDEX jobs_runnable_idx ON queue.jobs USING btree (kind, run_at, id) WHERE (status = 'queued'::text);


--
-- Name: jobs_user_fair_idx; Type: INDEX; Schema: queue; Owner: -
--

CREATE INDEX jobs_user_fair_idx ON queue.jobs USING btree (kind, user_id, fair_at) WHERE (status = 'queued'::text);


--
-- Name: limitless_keys limitless_keys_touch_updated_at; Type: TRIGGER; Schema: private; Owner: -
--

CREATE TRIGGER limitless_keys_touch_updated_at BEFORE UPDATE ON private.limitless_keys FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();


--
-- Name: profiles profiles_record_time_zone; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER profiles_record_time_zone AFTER INSERT OR UPDATE OF time_zone ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.profiles_record_time_zone();


--
-- Name: profiles profiles_touch_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER profiles_touch_updated_at BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();


--
-- Name: profiles profiles_validate_time_zone; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER profiles_validate_time_zone BEFORE INSERT OR UPDATE OF time_zone ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.profiles_validate_time_zone();


--
-- Name: recordings recordings_enqueue_late; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER recordings_enqueue_late AFTER INSERT ON public.recordings FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION private.recordings_enqueue_late();


--
-- Name: recordings recordings_enqueue_late_after_upload; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER recordings_enqueue_late_after_upload AFTER UPDATE OF status ON public.recordings FOR EACH ROW WHEN (((old.status = 'uploading'::text) AND (new.status = 'pending'::text))) EXECUTE FUNCTION private.recordings_enqueue_late();


--
-- Name: recordings recordings_set_local_date; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER recordings_set_local_date BEFORE INSERT OR UPDATE OF started_at, user_id, local_date, time_zone ON public.recordings FOR EACH ROW EXECUTE FUNCTION private.recordings_set_local_date();


--
-- Name: recordings recordings_touch_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER recordings_touch_updated_at BEFORE UPDATE ON public.recordings FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();


--
-- Name: ingest_windows ingest_windows_touch_updated_at; Type: TRIGGER; Schema: queue; Owner: -
--

CREATE TRIGGER ingest_windows_touch_updated_at BEFORE UPDATE ON queue.ingest_windows FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();


--
-- Name: jobs jobs_copy_failure_reason; Type: TRIGGER; Schema: queue; Owner: -
--

CREATE TRIGGER jobs_copy_failure_reason AFTER INSERT OR UPDATE OF status, last_error ON queue.jobs FOR EACH ROW WHEN ((new.kind = 'detect'::text)) EXECUTE FUNCTION private.recordings_copy_failure_reason();


--
-- Name: jobs jobs_set_fair_at; Type: TRIGGER; Schema: queue; Owner: -
--

CREATE TRIGGER jobs_set_fair_at BEFORE INSERT OR UPDATE OF status ON queue.jobs FOR EACH ROW EXECUTE FUNCTION private.jobs_set_fair_at();


--
-- Name: jobs jobs_touch_updated_at; Type: TRIGGER; Schema: queue; Owner: -
--

CREATE TRIGGER jobs_touch_updated_at BEFORE UPDATE ON queue.jobs FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();


--
-- Name: limitless_keys limitless_keys_user_id_fkey; Type: FK CONSTRAINT; Schema: private; Owner: -
--

ALTER TABLE ONLY private.limitless_keys
    ADD CONSTRAINT limitless_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: job_runs job_runs_recording_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_runs
    ADD CONSTRAINT job_runs_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES public.recordings(id) ON DELETE CASCADE;


--
-- Name: laughter_event_deletions laughter_event_deletions_recording_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.laughter_event_deletions
    ADD CONSTRAINT laughter_event_deletions_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES public.recordings(id) ON DELETE CASCADE;


--
-- Name: laughter_events laughter_events_recording_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.laughter_events
    ADD CONSTRAINT laughter_events_recording_fkey FOREIGN KEY (recording_id, user_id) REFERENCES public.recordings(id, user_id) ON DELETE CASCADE;


--
-- Name: profile_time_zones profile_time_zones_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profile_time_zones
    ADD CONSTRAINT profile_time_zones_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: profiles profiles_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE;


--
-- Name: recordings recordings_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recordings
    ADD CONSTRAINT recordings_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: reprocess_requests reprocess_requests_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reprocess_requests
    ADD CONSTRAINT reprocess_requests_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: deleted_registrations deleted_registrations_user_id_fkey; Type: FK CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.deleted_registrations
    ADD CONSTRAINT deleted_registrations_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: ingest_windows ingest_windows_recording_id_fkey; Type: FK CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.ingest_windows
    ADD CONSTRAINT ingest_windows_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES public.recordings(id) ON DELETE SET NULL;


--
-- Name: ingest_windows ingest_windows_user_id_fkey; Type: FK CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.ingest_windows
    ADD CONSTRAINT ingest_windows_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: jobs jobs_recording_id_fkey; Type: FK CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.jobs
    ADD CONSTRAINT jobs_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES public.recordings(id) ON DELETE CASCADE;


--
-- Name: jobs jobs_user_id_fkey; Type: FK CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.jobs
    ADD CONSTRAINT jobs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: jobs jobs_window_id_fkey; Type: FK CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.jobs
    ADD CONSTRAINT jobs_window_id_fkey FOREIGN KEY (window_id) REFERENCES queue.ingest_windows(id) ON DELETE CASCADE;


--
-- Name: swept_days swept_days_user_id_fkey; Type: FK CONSTRAINT; Schema: queue; Owner: -
--

ALTER TABLE ONLY queue.swept_days
    ADD CONSTRAINT swept_days_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.profiles(user_id) ON DELETE CASCADE;


--
-- Name: limitless_keys; Type: ROW SECURITY; Schema: private; Owner: -
--

ALTER TABLE private.limitless_keys ENABLE ROW LEVEL SECURITY;

--
-- Name: job_runs; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.job_runs ENABLE ROW LEVEL SECURITY;

--
-- Name: laughter_event_deletions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.laughter_event_deletions ENABLE ROW LEVEL SECURITY;

--
-- Name: laughter_event_deletions laughter_event_deletions_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY laughter_event_deletions_select_own ON public.laughter_event_deletions FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));


--
-- Name: laughter_events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.laughter_events ENABLE ROW LEVEL SECURITY;

--
-- Name: laughter_events laughter_events_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY laughter_events_select_own ON public.laughter_events FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));


--
-- Name: laughter_events laughter_events_update_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY laughter_events_update_own ON public.laughter_events FOR UPDATE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid))) WITH CHECK ((user_id = ( SELECT auth.uid() AS uid)));


--
-- Name: profile_time_zones; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.profile_time_zones ENABLE ROW LEVEL SECURITY;

--
-- Name: profile_time_zones profile_time_zones_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profile_time_zones_select_own ON public.profile_time_zones FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));


--
-- Name: profiles; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;

--
-- Name: profiles profiles_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profiles_select_own ON public.profiles FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));


--
-- Name: profiles profiles_update_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profiles_update_own ON public.profiles FOR UPDATE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid))) WITH CHECK ((user_id = ( SELECT auth.uid() AS uid)));


--
-- Name: recordings; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.recordings ENABLE ROW LEVEL SECURITY;

--
-- Name: recordings recordings_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY recordings_select_own ON public.recordings FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));


--
-- Name: reprocess_requests; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.reprocess_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: reprocess_requests reprocess_requests_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY reprocess_requests_select_own ON public.reprocess_requests FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));


--
-- PostgreSQL database dump complete
--
