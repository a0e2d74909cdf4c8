"""Every table, imported in one place so Alembic's autogenerate sees them all."""

from app.db.base import Base
from app.models.agency import Agency
from app.models.agency_signer import AgencySigner
from app.models.api_token import ApiToken
from app.models.applicant import DossierApplicant
from app.models.calendar_override import CalendarOverrideRow
from app.models.dashboard_session import DashboardSessionRow
from app.models.dossier import Dossier
from app.models.dossier_anomaly import DossierAnomaly
from app.models.dossier_event import DossierEvent
from app.models.dossier_step_state import DossierStepState
from app.models.dossier_transition import DossierTransition
from app.models.ingest_run import ConnectorState, IngestRun
from app.models.job_run import JobRun, SchedulerHeartbeat
from app.models.notice import Notice, NoticeEvent, NoticeFile
from app.models.office_hours import AgencyOfficeHours
from app.models.outbox import OutboxMessage
from app.models.procedure import Procedure
from app.models.procedure_process import ProcedureProcess
from app.models.push_queue import PushQueue
from app.models.quarantine import QuarantineEntry
from app.models.rate_rollup import RateRollup, RateRollupDeferral
from app.models.raw_record import RawRecord
from app.models.reference_version import ReferenceVersion
from app.models.scan_watermark import ScanWatermark
from app.models.sender import Sender, SenderSession
from app.models.webhook_delivery import WebhookDelivery

__all__ = [
    "Agency",
    "AgencyOfficeHours",
    "AgencySigner",
    "ApiToken",
    "Base",
    "CalendarOverrideRow",
    "ConnectorState",
    "DashboardSessionRow",
    "Dossier",
    "DossierAnomaly",
    "DossierApplicant",
    "DossierEvent",
    "DossierStepState",
    "DossierTransition",
    "IngestRun",
    "JobRun",
    "Notice",
    "NoticeEvent",
    "NoticeFile",
    "OutboxMessage",
    "Procedure",
    "ProcedureProcess",
    "PushQueue",
    "QuarantineEntry",
    "RateRollup",
    "RateRollupDeferral",
    "RawRecord",
    "ReferenceVersion",
    "ScanWatermark",
    "SchedulerHeartbeat",
    "Sender",
    "SenderSession",
    "WebhookDelivery",
]
