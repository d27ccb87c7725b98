-- daily_summary: per user and local date, laughs and processing state. security_invoker, so the caller's
-- RLS applies: a user sees only their own days.

create view public.daily_summary
with (security_invoker = true)
as
select
  r.user_id,
  r.local_date,
  coalesce(sum(e.laughs), 0)::integer as laughs,
  round(coalesce(sum(e.laugh_ms), 0) / 1000.0, 3) as laugh_seconds,
  (count(*) filter (where r.status = 'done'))::integer as recordings_done,
  (count(*) filter (where r.status in ('pending', 'queued', 'processing')))::integer as recordings_pending,
  (count(*) filter (where r.status = 'failed'))::integer as recordings_failed
from public.recordings r
left join lateral (
  -- Only the events of the model version that last completed this recording: after a reprocess with a
  -- new model the old version's rows may still exist and must not be counted twice.
  select count(*) as laughs, sum(ev.end_offset_ms - ev.start_offset_ms) as laugh_ms
  from public.laughter_events ev
  where ev.recording_id = r.id and ev.model_version = r.model_version
) e on true
group by r.user_id, r.local_date;

comment on view public.daily_summary is
  'Per (user, local_date): laughs, laugh_seconds (sum of event durations), recordings done / pending '
  '(pending+queued+processing) / failed. security_invoker: callers see only rows RLS lets them see.';

revoke all on public.daily_summary from public, anon, authenticated;
grant select on public.daily_summary to authenticated, service_role;
