"""The scheduler: job declarations, the run wrapper, the leader lock and the scheduler process.

Domain packages import `JobSpec` from here to declare their jobs in their own `jobs.py`; this
module stays import-light so that such an import never pulls in APScheduler or the registry.
"""

from app.scheduler.spec import JobFunc, JobModule, JobSpec

__all__ = ["JobFunc", "JobModule", "JobSpec"]
