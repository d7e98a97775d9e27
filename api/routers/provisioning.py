"""Device enrolment through the API, over the same functions as `bk provision`.

The broker's password files and ACL are generated from the site registry YAML
(core/provisioning.py), which ingest and `bk provision` read; the API writes that file
through those functions and then mirrors the kitchen's devices into its database, so
both stay one registry. Administrators only: the answer carries a device's password,
shown this once (it also lands in the account's env file under the broker folder).
Enrolment is off unless `BK_API__REGISTRY_FILE` and `BK_API__BROKER_DIR` are set.
"""

import subprocess
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.models import Kitchen
from api.registry import site_info, sync_devices
from api.schemas import DeviceEnrol, EnrolResult
from api.scoping import Access, rule
from api.settings import ApiSection
from core.errors import ConfigError
from core.ids import ID_PATTERN
from core.provisioning import device_username, enrol_device, enrol_site, revoke, rotate
from core.registry import DeviceInfo, load_registry

router = APIRouter(prefix="/kitchens/{site}/devices", tags=["provisioning"])

DeviceId = Annotated[str, PathParam(pattern=rf"^{ID_PATTERN}$", description="Device id")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such kitchen"},
    409: {"description": "Refused by the registry, or enrolment not configured"},
    503: {"description": "The broker files could not be written"},
}


def _paths(settings: ApiSection) -> tuple[Path, Path]:
    if settings.registry_file is None or settings.broker_dir is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "未启用设备注册 (enrolment off: set BK_API__REGISTRY_FILE and BK_API__BROKER_DIR)",
        )
    return settings.registry_file, settings.broker_dir


def _kitchen(session: Session, site: str) -> Kitchen:
    kitchen = session.get(Kitchen, site)
    if kitchen is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "未找到 (not found)")
    return kitchen


def _ensure_site(settings: ApiSection, kitchen: Kitchen) -> None:
    """Put the kitchen (with the devices the database knows) in the YAML registry if absent."""
    registry_file, broker_dir = _paths(settings)
    if registry_file.exists() and kitchen.id in load_registry(registry_file).sites:
        return
    enrol_site(
        registry_file, broker_dir, kitchen.id, site_info(kitchen), pid_file=settings.broker_pid_file
    )


def _mirror(session: Session, settings: ApiSection, site: str) -> None:
    registry_file, _ = _paths(settings)
    sync_devices(session, site, load_registry(registry_file).sites[site])
    session.commit()


def _run(call: Any) -> Any:
    try:
        return call()
    except ConfigError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc).splitlines()[0]) from exc
    except (OSError, subprocess.CalledProcessError) as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"broker files not written: {exc}"
        ) from exc


@router.post("", response_model=EnrolResult, status_code=201, **rule(Access.ADMIN, _ERRORS))
def enrol(site: str, body: DeviceEnrol, session: SessionDep, settings: SettingsDep) -> EnrolResult:
    """Enrol a device: registry, broker account (agents) or its agent's ACL, SIGHUP."""
    kitchen = _kitchen(session, site)
    registry_file, broker_dir = _paths(settings)
    info = DeviceInfo.model_validate(body.model_dump(exclude={"id"}, exclude_none=True))

    def work() -> Any:
        _ensure_site(settings, kitchen)
        return enrol_device(
            registry_file, broker_dir, site, body.id, info, pid_file=settings.broker_pid_file
        )

    cred = _run(work)
    _mirror(session, settings, site)
    return EnrolResult(
        site=site,
        device=body.id,
        username=cred.username if cred else None,
        password=cred.password if cred else None,
    )


@router.post("/{device}/rotate", response_model=EnrolResult, **rule(Access.ADMIN, _ERRORS))
def rotate_password(
    site: str, device: DeviceId, session: SessionDep, settings: SettingsDep
) -> EnrolResult:
    """A new password for a device's account; the old one is refused after the reload."""
    kitchen = _kitchen(session, site)
    _, broker_dir = _paths(settings)

    def work() -> Any:
        _ensure_site(settings, kitchen)
        return rotate(broker_dir, device_username(site, device), pid_file=settings.broker_pid_file)

    cred = _run(work)
    return EnrolResult(site=site, device=device, username=cred.username, password=cred.password)


@router.post("/{device}/revoke", response_model=EnrolResult, **rule(Access.ADMIN, _ERRORS))
def revoke_device(
    site: str, device: DeviceId, session: SessionDep, settings: SettingsDep
) -> EnrolResult:
    """Revoke a device: marked revoked in the registry, its account or ACL entries gone."""
    kitchen = _kitchen(session, site)
    registry_file, broker_dir = _paths(settings)

    def work() -> Any:
        _ensure_site(settings, kitchen)
        return revoke(registry_file, broker_dir, site, device, pid_file=settings.broker_pid_file)

    _run(work)
    _mirror(session, settings, site)
    return EnrolResult(site=site, device=device, username=None, password=None)
