-- Schedules (pg_cron, minute granularity). Idempotent: each job is unscheduled by name if it exists, then
-- scheduled again, so re-running this file (or a later migration that changes a schedule) is safe.

create extension if not exists pg_cron;

do $$
declare
  job record;
begin
  for job in
    select * from (values
      ('giggles-sweep', '7 * * * *', 'select queue.sweep()'),
      ('giggles-kick-dispatch', '* * * * *', 'select queue.kick_dispatch()'),
      ('giggles-reap-expired-leases', '* * * * *', 'select queue.reap_expired_leases()'),
      ('giggles-cron-history-cleanup', '23 3 * * *',
       'delete from cron.job_run_details where end_time < now() - interval ''7 days''')
    ) as t(name, schedule, command)
  loop
    perform cron.unschedule(c.jobid) from cron.job c where c.jobname = job.name;
    perform cron.schedule(job.name, job.schedule, job.command);
  end loop;
end
$$;
