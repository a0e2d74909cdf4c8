"""The scheduler: the job registry, the run wrapper, the leader lock and the scheduler process.

What a job is (`JobSpec`) lives in `app.core.jobs`, so a domain declares its jobs in its own
`jobs.py` without importing this package: the arrows run from the scheduler to the domains.
"""
