"""The portal's paged JSON pull API (PORTAL.md "Pull API")."""

from connectors.dvc_portal.config import DvcPortalConfig, RetryPolicy
from connectors.dvc_portal.connector import DvcPortalConnector

__all__ = ["DvcPortalConfig", "DvcPortalConnector", "RetryPolicy"]
