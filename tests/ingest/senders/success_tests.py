"""How each public sender decides a delivery succeeded, read from its code (facts only):

* OpenCPS (VietOpenCPS/opencps-v2, DVCQGIntegrationActionImpl and its callers) reads the reply
  with Liferay's JSONObject: ``has("error_code") && getInt("error_code") == 0`` for logins and
  most services (getInt parses a string, and answers 0 for one it cannot parse), and
  ``"0".equals(getString("error_code"))`` in its publish queue. An HTTP status >= 400 throws
  before the body is read: a failure.
* TD.DichVuCong (HuanVu201/DichVuCong_KhoaLuan_PASETO, SyncLocalDataToDVCQGService) deserialises
  a dossier reply with Newtonsoft into ``{string error_code; string message}`` and requires
  ``error_code == "0"`` and ``message.ToLower().Contains("thành công")`` (a null message throws);
  for progress it only checks that the raw reply text, lower-cased, contains "thành công".
"""

from __future__ import annotations

import json
from typing import Any


def _java_get_int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def _java_get_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def opencps_accepts(status: int, text: str) -> bool:
    if status >= 400:
        return False
    body = json.loads(text)
    if "error_code" not in body:
        return False
    return _java_get_int(body["error_code"]) == 0 and _java_get_string(body["error_code"]) == "0"


def _newtonsoft_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def td_dossier_accepts(text: str) -> bool:
    body = json.loads(text)
    message = _newtonsoft_string(body.get("message"))
    if message is None:
        return False  # NullReferenceException, caught: the dossier stays unsynchronised
    return _newtonsoft_string(body.get("error_code")) == "0" and "thành công" in message.lower()


def td_progress_accepts(text: str) -> bool:
    return "thành công" in text.lower()


def every_sender_accepts(status: int, text: str) -> bool:
    return opencps_accepts(status, text) and td_dossier_accepts(text) and \
        td_progress_accepts(text)


def no_sender_accepts(status: int, text: str) -> bool:
    return not opencps_accepts(status, text) and not td_dossier_accepts(text) and \
        not td_progress_accepts(text)
