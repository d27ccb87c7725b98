-- Issue 21, part 2: a user's reprocess requests are coalesced and capped. Before this, 70 overlapping
-- calls all got 202 and each re-queued its whole range again (and voided the running leases).
--
-- queue.request_reprocess(user_id, from_date, to_date) serialises one user's requests (profile row lock),
-- then either joins the request it overlaps (one still running, or created within
-- queue_settings.reprocess_coalesce_for) or creates a new one. Within a joined request, recordings that
-- were already re-run (or are queued, or running since the request) are not queued again. A request that
-- would bring the user's queued + running detect jobs above max_outstanding_per_user is refused as a
-- whole: GQ013 REPROCESS_LIMIT (nothing changes; the `me` function answers 429).

create or replace function queue.request_reprocess(
  user_id uuid,
  from_date date,
  to_date date,
  out request_id uuid,
  out recordings integer,
  out scheduled integer,
  out coalesced integer,
  out dead_skipped integer
)
language plpgsql
security definer
set search_path = ''
as $$
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
comment on function queue.request_reprocess(uuid, date, date) is
  'A user''s reprocess request: joins an overlapping recent or unfinished request, queues only what it '
  'does not cover yet, counted dead retries; GQ013 REPROCESS_LIMIT beyond max_outstanding_per_user.';

-- user_api.request_reprocess as in 20261201005000_user_api.sql, through queue.request_reprocess.
create or replace function user_api.request_reprocess(
  from_date date,
  to_date date,
  out request_id uuid,
  out recordings integer
)
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := user_api.current_user_id();
begin
  perform user_api.check_date_range(from_date, to_date, 366);
  select q.request_id, q.recordings into request_id, recordings
  from queue.request_reprocess(uid, request_reprocess.from_date, request_reprocess.to_date) q;
end
$$;

revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
revoke all on all functions in schema user_api from public, anon;
grant execute on all functions in schema user_api to authenticated;
